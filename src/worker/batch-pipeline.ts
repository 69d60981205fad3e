/**
 * Pure: the Redis commands a batch of lines becomes when it goes out as a pipeline (for each line and channel, its
 * XADD with history, then its PUBLISH or SPUBLISH; one EXPIRE per history stream written; the jobs index kept), and
 * what their replies mean for each line. The publisher sends the commands, on one connection or split per cluster node, and hands the
 * replies back here.
 */
import { HISTORY_FIELD, historyKey, jobsIndexKey, NOTICE_FIELD, type ResolvedHistory } from '../shared/history'
import { isRetryable, type PublishResult } from './batch'
import type { Entry } from './route'

/** One command of a batch. */
export interface PlannedCommand {
  /** The line it is for (index in the batch); -1 for the EXPIRE of a history stream and the jobs index's commands. */
  readonly entry: number
  readonly channel: string
  /**
   * `'publish'` (PUBLISH or SPUBLISH), `'history'` (XADD), `'expire'`, or `'index'` (the jobs index: ZADD, trims,
   * EXPIRE): like an EXPIRE's, its failure is history trouble, never a lost line.
   */
  readonly kind: 'publish' | 'history' | 'expire' | 'index'
  /** Command name and arguments, as ioredis's `pipeline.call` takes them. */
  readonly args: readonly [string, ...Array<string | number>]
  /** The key that decides the cluster node (the channel for SPUBLISH); none: any node. */
  readonly key: string | undefined
}

/** A reply as an ioredis pipeline gives it: `[error, result]`. */
export type Reply = readonly [Error | null, unknown]

export interface PlanOptions {
  history: ResolvedHistory | false
  channelPrefix: string
  globalChannel: string | false
  /** SPUBLISH instead of PUBLISH. */
  sharded: boolean
}

/**
 * The commands of a batch: for each line and channel, its XADD (with history) then its PUBLISH; then one EXPIRE per
 * history stream written, and the jobs index's commands (`now`: the worker's clock, in ms, the jobs' score). A
 * channel's commands keep the batch's order. `notice`: the batch is the transport's notice of that kind (see
 * NOTICE_FIELD), which its stream entries say, and which leaves the jobs index alone (it is no job's line).
 */
export function planBatch (batch: readonly Entry[], options: PlanOptions, now: number, notice?: string): PlannedCommand[] {
  const { history, sharded, globalChannel } = options
  const publish = sharded ? 'spublish' : 'publish'
  const commands: PlannedCommand[] = []
  const kept = new Map<string, string>()
  const marks = notice === undefined ? [] : [NOTICE_FIELD, notice]
  batch.forEach((entry, index) => {
    for (const channel of entry.channels) {
      if (history !== false) {
        const key = historyKey(history, channel)
        commands.push({ entry: index, channel, kind: 'history', args: ['xadd', key, 'MAXLEN', '~', history.maxLen, '*', HISTORY_FIELD, entry.line, ...marks], key })
        kept.set(key, channel)
      }
      commands.push({ entry: index, channel, kind: 'publish', args: [publish, channel, entry.line], key: sharded ? channel : undefined })
    }
  })
  if (history !== false) {
    for (const [key, channel] of kept) {
      const ttl = channel === globalChannel ? history.globalTtl : history.jobTtl
      commands.push({ entry: -1, channel, kind: 'expire', args: ['expire', key, ttl], key })
    }
    if (notice === undefined) indexJobs(commands, kept, history, options, now)
  }
  return commands
}

/**
 * The jobs index's commands for the job streams written (`kept`: key -> channel): one ZADD of every job, then the
 * trims (the newest `maxJobs`; none older than `jobTtl`) and the index's EXPIRE, all on the index's node.
 */
function indexJobs (commands: PlannedCommand[], kept: ReadonlyMap<string, string>, history: ResolvedHistory,
  options: PlanOptions, now: number): void {
  const key = jobsIndexKey(history, options.channelPrefix)
  const skip = options.channelPrefix.length + 1
  const zadd: [string, ...Array<string | number>] = ['zadd', key]
  for (const channel of kept.values()) if (channel !== options.globalChannel) zadd.push(now, channel.slice(skip))
  if (zadd.length === 2) return
  const index = (args: [string, ...Array<string | number>]): PlannedCommand => ({ entry: -1, channel: key, kind: 'index', args, key })
  commands.push(
    index(zadd),
    index(['zremrangebyrank', key, 0, -(history.maxJobs + 1)]),
    index(['zremrangebyscore', key, '-inf', `(${now - history.jobTtl * 1000}`]),
    index(['expire', key, history.jobTtl])
  )
}

/**
 * Reads the replies (`replies[i]` answers `commands[i]`) line by line. A line is published when every PUBLISH took
 * it; rejected when one was refused; otherwise the channels whose PUBLISH or XADD has an unknown fate (connection
 * lost, slot moved) are sent again. An XADD the server refused, of a published line, counts in `historyFailed`.
 */
export function readPipelineReplies (batch: readonly Entry[], commands: readonly PlannedCommand[], replies: readonly Reply[]): PublishResult {
  const result: PublishResult = { published: 0, rejected: 0, retry: [], historyFailed: 0 }
  const refused = new Set<number>()
  const notKept = new Set<number>()
  const again = new Map<number, string[]>()
  const sendAgain = (entry: number, channel: string): void => {
    const channels = again.get(entry)
    if (channels === undefined) again.set(entry, [channel])
    else if (!channels.includes(channel)) channels.push(channel)
  }
  commands.forEach((command, i) => {
    const error = replies[i]?.[0] ?? null
    if (error === null || command.kind === 'expire' || command.kind === 'index') {
      if (error !== null && !isRetryable(error)) result.historyError ??= error
      return
    }
    if (command.kind === 'history') {
      if (!isRetryable(error)) {
        notKept.add(command.entry)
        result.historyError ??= error
      } else {
        // Appended or not, nobody knows: send the channel's XADD and PUBLISH again rather than leave a hole in the
        // history (a live viewer may see the line twice, as after any lost connection).
        sendAgain(command.entry, command.channel)
      }
      return
    }
    if (!isRetryable(error)) {
      refused.add(command.entry)
      result.error ??= error
    } else {
      result.error ??= error
      sendAgain(command.entry, command.channel)
    }
  })
  batch.forEach((entry, index) => {
    if (refused.has(index)) result.rejected++
    else {
      const channels = again.get(index)
      if (channels !== undefined) result.retry.push({ line: entry.line, channels })
      else {
        result.published++
        if (notKept.has(index)) result.historyFailed++
      }
    }
  })
  return result
}

