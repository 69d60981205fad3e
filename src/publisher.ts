/**
 * Worker side: the only module that knows ioredis. It owns the connection and publishes a batch of lines in one
 * round trip, reporting for each line whether it was published, refused by the server, or is of unknown fate
 * because the connection went away (those are handed back to be sent again).
 *
 * A batch goes out as one call of a small Lua script that runs PUBLISH for every line and channel (EVALSHA, loaded
 * on first use): one ioredis command per batch instead of one per PUBLISH, which is most of the CPU a pipeline of
 * PUBLISH costs the worker. The script catches each PUBLISH's error (an ACL refusing a channel) and returns which
 * ones failed. When the server refuses the script itself (an ACL user without EVALSHA/EVAL, scripting disabled),
 * the publisher switches for good to a pipeline of PUBLISH commands, which needs nothing but PUBLISH.
 *
 * With `history` on, each line is also appended to its channel's stream (XADD ... MAXLEN ~), in the same script
 * call or pipeline, and each stream written gets its time to live once per batch. A line is published when every
 * PUBLISH took it; a failed XADD is counted apart (`historyFailed`): the line reached live viewers all the same.
 */
import { ReplyError, type Redis } from 'ioredis'
import { backoff, createRedis, targetOf } from './connect'
import { HISTORY_FIELD, historyKey, type ResolvedHistory, type ResolvedOptions } from './options'
import type { Entry } from './route'
import { debug, secretsOf } from './warn'

/** What became of a batch. */
export interface PublishResult {
  /** Lines every channel of which accepted the PUBLISH. */
  published: number
  /** Lines the server refused (a command error such as NOPERM); they are not sent again. */
  rejected: number
  /** Lines whose fate is unknown (connection lost), with only the channels still to reach. */
  retry: Entry[]
  /** Lines published whose append to the history stream failed (they are counted in `published` too). */
  historyFailed: number
  /** The first error met, for reporting. */
  error?: Error
  /** The first error met while appending to the history, for reporting. */
  historyError?: Error
}

export interface PublisherEvents {
  /** The connection is ready for commands (first time and after each reconnect). */
  onReady: () => void
  /** ioredis reported an error (connection refused, authentication, TLS, ...). */
  onError: (error: Error) => void
}

type Reply = [Error | null, unknown]

/**
 * ARGV holds channel, message, channel, message, ...; the reply lists, for each PUBLISH that failed, its number
 * (from 1) and the error.
 */
const PUBLISH_BATCH_LUA = `local refused = {}
for i = 1, #ARGV, 2 do
  local reply = redis.pcall('PUBLISH', ARGV[i], ARGV[i + 1])
  if type(reply) == 'table' and reply.err then
    refused[#refused + 1] = (i + 1) / 2
    refused[#refused + 1] = reply.err
  end
end
return refused`

/**
 * The same with history. ARGV starts with MAXLEN, the key prefix, the global channel ('' for none), the job TTL and
 * the global TTL; a failed XADD is reported with its number negated.
 */
const PUBLISH_BATCH_WITH_HISTORY_LUA = `local maxlen, prefix, global, jobTtl, globalTtl = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local refused = {}
local kept = {}
for i = 6, #ARGV, 2 do
  local channel, line = ARGV[i], ARGV[i + 1]
  local n = (i - 4) / 2
  local key = prefix .. channel
  local added = redis.pcall('XADD', key, 'MAXLEN', '~', maxlen, '*', '${HISTORY_FIELD}', line)
  if type(added) == 'table' and added.err then
    refused[#refused + 1] = -n
    refused[#refused + 1] = added.err
  elseif not kept[key] then
    kept[key] = true
    redis.pcall('EXPIRE', key, channel == global and globalTtl or jobTtl)
  end
  local reply = redis.pcall('PUBLISH', channel, line)
  if type(reply) == 'table' and reply.err then
    refused[#refused + 1] = n
    refused[#refused + 1] = reply.err
  end
end
return refused`

/** The script as ioredis exposes it once defined (EVALSHA, with EVAL when the server does not have it yet). */
interface WithPublishBatch {
  publishBatch: (...channelsAndMessages: string[]) => Promise<unknown>
  publishBatchWithHistory: (...settingsChannelsAndMessages: Array<string | number>) => Promise<unknown>
}

/** What the publisher is configured with: a subset of the resolved options. */
export type PublisherOptions = Pick<ResolvedOptions, 'url' | 'redis' | 'maxReconnectDelay' | 'batchScript' | 'history' |
'globalChannel'>

export class Publisher {
  readonly #redis: Redis
  readonly #events: PublisherEvents
  // Called when the connection closes, so that a pipeline in flight does not wait for a reply that cannot come.
  readonly #onConnectionLost = new Set<() => void>()
  #useScript: boolean
  readonly #secrets: string[]
  readonly #history: ResolvedHistory | false
  readonly #globalChannel: string | false

  constructor (options: PublisherOptions, events: PublisherEvents) {
    this.#events = events
    this.#useScript = options.batchScript
    this.#history = options.history
    this.#globalChannel = options.globalChannel
    this.#secrets = secretsOf(options.url, options.redis)
    this.#redis = createRedis(options.url, options.redis, {
      // ioredis arms this timer even for a socket that never connected; 2 s (its default) would hold the
      // event loop that long after close.
      disconnectTimeout: 500,
      // Never gives up: the buffer is bounded, the wait is not.
      retryStrategy: backoff(options.maxReconnectDelay)
    }, {
      // The transport buffers (bounded) and re-sends itself; ioredis must not keep a second, unbounded queue.
      lazyConnect: true,
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false
    })
    this.#redis.defineCommand('publishBatch', { numberOfKeys: 0, lua: PUBLISH_BATCH_LUA })
    this.#redis.defineCommand('publishBatchWithHistory', { numberOfKeys: 0, lua: PUBLISH_BATCH_WITH_HISTORY_LUA })
    this.#redis.on('error', (error: Error) => { this.#events.onError(error) })
    this.#redis.on('ready', () => { this.#events.onReady() })
    this.#redis.on('close', () => {
      for (const lost of this.#onConnectionLost) lost()
      this.#onConnectionLost.clear()
    })
    // Connect in the background: the factory must resolve even when Redis is down. Failures arrive as 'error'.
    this.#redis.connect().catch(() => {})
  }

  /** True when commands can be sent now. */
  get ready (): boolean {
    return this.#redis.status === 'ready'
  }

  /** Where the transport publishes, for messages: host and port (or Sentinel group), never credentials. */
  get target (): string {
    return targetOf(this.#redis)
  }

  /** Resolves when the connection is (or next becomes) ready. */
  async whenReady (): Promise<void> {
    if (this.ready) return
    await new Promise<void>((resolve) => { this.#redis.once('ready', () => { resolve() }) })
  }

  /** True while batches go out as one script call; false once the server refused the script. */
  get usesScript (): boolean {
    return this.#useScript
  }

  /** Publishes each line to each of its channels in one round trip. Never rejects. */
  async publish (batch: readonly Entry[]): Promise<PublishResult> {
    if (this.#useScript) {
      const refused = await this.#untilReplyOrLost(this.#publishWithScript(batch))
      if (!(refused instanceof Error)) return sortRefusals(batch, refused)
      if (refused.name !== 'ReplyError') return unsent(batch, refused)
      // The script itself was refused: nothing was published. Use plain PUBLISH from now on.
      this.#useScript = false
      debug(this.#secrets, 'the server refused the publishing script (%s); using PUBLISH pipelines', refused.message)
    }
    const history = this.#history
    const pipeline = this.#redis.pipeline()
    const kept = new Set<string>()
    for (const entry of batch) {
      for (const channel of entry.channels) {
        if (history !== false) {
          const key = historyKey(history, channel)
          pipeline.xadd(key, 'MAXLEN', '~', history.maxLen, '*', HISTORY_FIELD, entry.line)
          kept.add(key)
        }
        pipeline.publish(channel, entry.line)
      }
    }
    if (history !== false) {
      for (const key of kept) pipeline.expire(key, this.#ttlOf(history, key))
    }
    const replies = await this.#untilReplyOrLost(pipeline.exec().then((result) => result ?? new Error('Pipeline was not executed')))
    if (replies instanceof Error) return unsent(batch, replies)
    return sortReplies(batch, replies, history !== false)
  }

  #ttlOf (history: ResolvedHistory, key: string): number {
    const global = this.#globalChannel
    return global !== false && key === historyKey(history, global) ? history.globalTtl : history.jobTtl
  }

  async #publishWithScript (batch: readonly Entry[]): Promise<unknown[]> {
    const history = this.#history
    const args: Array<string | number> = history === false
      ? []
      : [history.maxLen, history.keyPrefix, this.#globalChannel === false ? '' : this.#globalChannel, history.jobTtl, history.globalTtl]
    for (const entry of batch) {
      for (const channel of entry.channels) args.push(channel, entry.line)
    }
    const commands = this.#redis as unknown as WithPublishBatch
    if (history === false) return await commands.publishBatch(...(args as string[])) as unknown[]
    return await commands.publishBatchWithHistory(...args) as unknown[]
  }

  /** Settles with the reply, or with an error when the call fails or the connection closes before the reply. */
  async #untilReplyOrLost<T> (call: Promise<T | Error>): Promise<T | Error> {
    return await new Promise<T | Error>((resolve) => {
      const lost = (): void => { resolve(new Error('Connection to Redis lost while publishing')) }
      this.#onConnectionLost.add(lost)
      const settle = (value: T | Error): void => {
        this.#onConnectionLost.delete(lost)
        resolve(value)
      }
      call.then(settle, (error: unknown) => { settle(error instanceof Error ? error : new Error(String(error))) })
    })
  }

  /** Closes the connection: a polite QUIT when connected (at most `timeoutMs`), then a hard disconnect. */
  async close (timeoutMs: number): Promise<void> {
    if (this.ready) {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        this.#redis.quit().catch(() => {}),
        new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs) })
      ])
      clearTimeout(timer)
    }
    this.#redis.disconnect()
  }
}

/** The whole batch is of unknown fate (the connection went away): all of it is to be sent again. */
function unsent (batch: readonly Entry[], error: Error): PublishResult {
  return { published: 0, rejected: 0, retry: [...batch], historyFailed: 0, error }
}

/**
 * Matches the script's list of refusals (number of the channel-and-line pair from 1, error, ...; a negative
 * number for a failed XADD) to lines. A line one of whose channels refused the PUBLISH counts as rejected.
 */
function sortRefusals (batch: readonly Entry[], refusals: readonly unknown[]): PublishResult {
  if (refusals.length === 0) return { published: batch.length, rejected: 0, retry: [], historyFailed: 0 }
  const refused = new Set<number>()
  const notKept = new Set<number>()
  const result: PublishResult = { published: 0, rejected: 0, retry: [], historyFailed: 0 }
  for (let i = 0; i < refusals.length; i += 2) {
    const number = Number(refusals[i])
    if (number < 0) {
      notKept.add(-number)
      result.historyError ??= new ReplyError(String(refusals[i + 1]))
    } else {
      refused.add(number)
      result.error ??= new ReplyError(String(refusals[i + 1]))
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
 * Matches replies to lines: replies come in command order, one PUBLISH per channel of each line, each preceded by
 * its XADD when `history` is on (the EXPIRE replies at the end only matter for their errors).
 */
function sortReplies (batch: readonly Entry[], replies: readonly Reply[], history: boolean): PublishResult {
  const result: PublishResult = { published: 0, rejected: 0, retry: [], historyFailed: 0 }
  let index = 0
  for (const entry of batch) {
    let refused = false
    let notKept = false
    let unsent: string[] | undefined
    for (const channel of entry.channels) {
      if (history) {
        const error = replies[index++]?.[0] ?? null
        if (error !== null) {
          notKept = true
          if (error.name === 'ReplyError') result.historyError ??= error
        }
      }
      const error = replies[index++]?.[0] ?? null
      if (error === null) continue
      result.error ??= error
      if (error.name === 'ReplyError') refused = true
      else (unsent ??= []).push(channel)
    }
    if (refused) result.rejected++
    else if (unsent !== undefined) result.retry.push({ line: entry.line, channels: unsent })
    else {
      result.published++
      if (notKept) result.historyFailed++
    }
  }
  for (; index < replies.length; index++) {
    const error = replies[index]?.[0] ?? null
    if (error !== null && error.name === 'ReplyError') result.historyError ??= error
  }
  return result
}
