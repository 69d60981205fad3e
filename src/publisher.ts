/**
 * Worker side: the only module that knows ioredis. It owns the connection and turns a batch of lines into one
 * pipeline of PUBLISH commands, reporting for each line whether it was published, refused by the server, or is
 * of unknown fate because the connection went away (those are handed back to be sent again).
 */
import Redis, { type RedisOptions } from 'ioredis'
import type { ResolvedOptions } from './options'
import type { Entry } from './route'

/** What became of a batch. */
export interface PublishResult {
  /** Lines every channel of which accepted the PUBLISH. */
  published: number
  /** Lines the server refused (a command error such as NOPERM); they are not sent again. */
  rejected: number
  /** Lines whose fate is unknown (connection lost), with only the channels still to reach. */
  retry: Entry[]
  /** The first error met, for reporting. */
  error?: Error
}

export interface PublisherEvents {
  /** The connection is ready for commands (first time and after each reconnect). */
  onReady: () => void
  /** ioredis reported an error (connection refused, authentication, TLS, ...). */
  onError: (error: Error) => void
}

type Reply = [Error | null, unknown]

// ioredis merges its arguments with the first one winning; passing the options object before the URL lets the
// user's `redis` options take precedence over what the URL says. The typed overloads do not offer that order.
const RedisClient = Redis as unknown as new (options: RedisOptions, url: string) => Redis

export class Publisher {
  readonly #redis: Redis
  readonly #events: PublisherEvents
  // Called when the connection closes, so that a pipeline in flight does not wait for a reply that cannot come.
  readonly #onConnectionLost = new Set<() => void>()

  constructor (options: Pick<ResolvedOptions, 'url' | 'redis' | 'maxReconnectDelay'>, events: PublisherEvents) {
    this.#events = events
    const { maxReconnectDelay } = options
    this.#redis = new RedisClient({
      // ioredis arms this timer even for a socket that never connected; 2 s (its default) would hold the
      // event loop that long after close.
      disconnectTimeout: 500,
      // 50 ms, doubling per failed attempt, capped. Never gives up: the buffer is bounded, the wait is not.
      retryStrategy: (attempt: number) => Math.min(50 * 2 ** Math.min(attempt - 1, 20), maxReconnectDelay),
      ...options.redis,
      // The transport buffers (bounded) and re-sends itself; ioredis must not keep a second, unbounded queue.
      lazyConnect: true,
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false
    }, options.url)
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
    const { host, port, sentinels, name } = this.#redis.options
    if (Array.isArray(sentinels) && sentinels.length > 0) return `Sentinel group "${name ?? ''}"`
    return `${host ?? ''}:${String(port ?? '')}`
  }

  /** Resolves when the connection is (or next becomes) ready. */
  async whenReady (): Promise<void> {
    if (this.ready) return
    await new Promise<void>((resolve) => { this.#redis.once('ready', () => { resolve() }) })
  }

  /** Publishes each line to each of its channels in one pipeline. Never rejects. */
  async publish (batch: readonly Entry[]): Promise<PublishResult> {
    const pipeline = this.#redis.pipeline()
    for (const entry of batch) {
      for (const channel of entry.channels) pipeline.publish(channel, entry.line)
    }
    const replies = await new Promise<Reply[] | Error>((resolve) => {
      const lost = (): void => { resolve(new Error('Connection to Redis lost while publishing')) }
      this.#onConnectionLost.add(lost)
      const settle = (value: Reply[] | Error): void => {
        this.#onConnectionLost.delete(lost)
        resolve(value)
      }
      pipeline.exec().then(
        (result) => { settle(result ?? new Error('Pipeline was not executed')) },
        (error: unknown) => { settle(error instanceof Error ? error : new Error(String(error))) }
      )
    })
    if (replies instanceof Error) return { published: 0, rejected: 0, retry: [...batch], error: replies }
    return sortReplies(batch, replies)
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

/** Matches replies to lines: replies come in command order, one per channel of each line. */
function sortReplies (batch: readonly Entry[], replies: readonly Reply[]): PublishResult {
  const result: PublishResult = { published: 0, rejected: 0, retry: [] }
  let index = 0
  for (const entry of batch) {
    let refused = false
    let unsent: string[] | undefined
    for (const channel of entry.channels) {
      const error = replies[index++]?.[0] ?? null
      if (error === null) continue
      result.error ??= error
      if (error.name === 'ReplyError') refused = true
      else (unsent ??= []).push(channel)
    }
    if (refused) result.rejected++
    else if (unsent !== undefined) result.retry.push({ line: entry.line, channels: unsent })
    else result.published++
  }
  return result
}
