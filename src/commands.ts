/**
 * Worker side, pure: the Redis commands a batch of lines becomes when it goes out as a pipeline, and what their
 * replies mean for each line. No I/O: the publisher sends the commands (on one connection, or split per cluster
 * node) and hands the replies back here.
 */
import type { ResolvedHistory } from './options'
import { HISTORY_FIELD, historyKey } from './options'
import type { Entry } from './route'

/** One command of a batch. */
export interface PlannedCommand {
  /** The line it is for (index in the batch); -1 for the EXPIRE of a history stream. */
  readonly entry: number
  readonly channel: string
  /** `'publish'` (PUBLISH or SPUBLISH), `'history'` (XADD) or `'expire'`. */
  readonly kind: 'publish' | 'history' | 'expire'
  /** Command name and arguments, as ioredis's `pipeline.call` takes them. */
  readonly args: readonly [string, ...Array<string | number>]
  /** The key that decides the cluster node (the channel for SPUBLISH); none: any node. */
  readonly key: string | undefined
}

/** A reply as an ioredis pipeline gives it: `[error, result]`. */
export type Reply = readonly [Error | null, unknown]

/** What became of a batch. */
export interface PublishResult {
  /** Lines every channel of which accepted the PUBLISH. */
  published: number
  /** Lines the server refused (a command error such as NOPERM); they are not sent again. */
  rejected: number
  /** Lines whose fate is unknown (connection lost, slot moved), with only the channels still to reach. */
  retry: Entry[]
  /** Lines published whose append to the history stream failed (they are counted in `published` too). */
  historyFailed: number
  /** The first error met, for reporting. */
  error?: Error
  /** The first error met while appending to the history, for reporting. */
  historyError?: Error
}

export interface PlanOptions {
  history: ResolvedHistory | false
  globalChannel: string | false
  /** SPUBLISH instead of PUBLISH. */
  sharded: boolean
}

/** The whole batch is of unknown fate (the connection went away): all of it is to be sent again. */
export function unsent (batch: readonly Entry[], error: Error): PublishResult {
  return { published: 0, rejected: 0, retry: [...batch], historyFailed: 0, error }
}

/**
 * Errors that say "not here, not now" rather than "no": a slot that moved or is moving, a cluster or a primary
 * that is failing over, a server still loading, a primary demoted to replica. The line is sent again.
 */
const REDIRECT = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN|LOADING|READONLY|MASTERDOWN)\b/

/** True when an error means the command was not run and may be sent again. */
export function isRetryable (error: Error): boolean {
  return error.name !== 'ReplyError' || REDIRECT.test(error.message)
}

/**
 * The commands of a batch: for each line and channel, its XADD (with history) then its PUBLISH; then one EXPIRE per
 * history stream written. A channel's commands keep the batch's order.
 */
export function planBatch (batch: readonly Entry[], options: PlanOptions): PlannedCommand[] {
  const { history, sharded, globalChannel } = options
  const publish = sharded ? 'spublish' : 'publish'
  const commands: PlannedCommand[] = []
  const kept = new Map<string, string>()
  batch.forEach((entry, index) => {
    for (const channel of entry.channels) {
      if (history !== false) {
        const key = historyKey(history, channel)
        commands.push({ entry: index, channel, kind: 'history', args: ['xadd', key, 'MAXLEN', '~', history.maxLen, '*', HISTORY_FIELD, entry.line], key })
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
  }
  return commands
}

/**
 * Reads the replies (`replies[i]` answers `commands[i]`) line by line. A line is published when every PUBLISH took
 * it; rejected when one was refused; otherwise the channels whose PUBLISH or XADD has an unknown fate (connection
 * lost, slot moved) are sent again. An XADD the server refused, of a published line, counts in `historyFailed`.
 */
export function settle (batch: readonly Entry[], commands: readonly PlannedCommand[], replies: readonly Reply[]): PublishResult {
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
    if (error === null || command.kind === 'expire') {
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

/**
 * Matches the script's list of refusals (number of the PUBLISH from 1, counting every line's channels in order;
 * error; ...; a negative number for a failed XADD) to lines. A line one of whose channels refused the PUBLISH
 * counts as rejected.
 */
export function settleScript (batch: readonly Entry[], refusals: readonly unknown[], toError: (message: string) => Error): PublishResult {
  if (refusals.length === 0) return { published: batch.length, rejected: 0, retry: [], historyFailed: 0 }
  const refused = new Set<number>()
  const notKept = new Set<number>()
  const result: PublishResult = { published: 0, rejected: 0, retry: [], historyFailed: 0 }
  for (let i = 0; i < refusals.length; i += 2) {
    const number = Number(refusals[i])
    if (number < 0) {
      notKept.add(-number)
      result.historyError ??= toError(String(refusals[i + 1]))
    } else {
      refused.add(number)
      result.error ??= toError(String(refusals[i + 1]))
    }
  }
  let number = 0
  for (const entry of batch) {
    let rejected = false
    let historyFailed = false
    for (let c = 0; c < entry.channels.length; c++) {
      number++
      if (refused.has(number)) rejected = true
      if (notKept.has(number)) historyFailed = true
    }
    if (rejected) result.rejected++
    else {
      result.published++
      if (historyFailed) result.historyFailed++
    }
  }
  return result
}

/**
 * Appends a batch to a script's arguments in the scripts' compact form: the distinct channel lists, then one
 * (list number, line) pair per line. Lists are told apart by identity: the router hands every line of a job the
 * same list, and an equal list that is not the same object only costs a few bytes more.
 */
export function appendScriptBatch (args: Array<string | number>, batch: readonly Entry[]): void {
  const numbers = new Map<readonly string[], number>()
  const pairs: Array<string | number> = new Array<string | number>(batch.length * 2)
  const listsAt = args.length
  args.push(0)
  batch.forEach((entry, index) => {
    let number = numbers.get(entry.channels)
    if (number === undefined) {
      number = numbers.size + 1
      numbers.set(entry.channels, number)
      args.push(entry.channels.length, ...entry.channels)
    }
    pairs[2 * index] = number
    pairs[2 * index + 1] = entry.line
  })
  args[listsAt] = numbers.size
  for (const value of pairs) args.push(value)
}
