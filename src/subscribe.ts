/**
 * Application side: following a job's lines (or every line) as they arrive, for a CLI, a web view or a test.
 *
 * Two sources. The channel (SUBSCRIBE) needs nothing from the transport, but lines published while the
 * connection is down are missed. The history stream (the transport's `history` option; XREAD) gives every line an
 * id, replays recent lines, and resumes exactly after the last line seen, across a lost connection or, with
 * `after`, across a new subscription.
 */
import { createClient, targetOf, type Client } from './connect'
import { HISTORY_FIELD, resolveSubscribeOptions, type ResolvedSubscribeOptions, type SubscribeOptions } from './options'
import { debug, redact, secretsOf } from './warn'

/** One log line as read back from Redis. */
export interface LogMessage {
  /** The line as the application's pino wrote it (JSON, without the newline). */
  line: string
  /** The channel it was published to. */
  channel: string
  /** Its history entry id, when read from the history stream: give it as `after` to resume right after it. */
  id?: string
}

/** A running subscription: iterate it (`for await`) to get each line, in order. */
export interface LogSubscription extends AsyncIterable<LogMessage> {
  /** The channel followed. */
  readonly channel: string
  /**
   * Resolves once the subscription is in place (history read, channel subscribed), so that every line published
   * from then on is seen. Rejects when the first connection fails (refused, bad credentials, TLS, timeout); the
   * message never holds a password. Later losses of the connection are retried without end.
   */
  readonly ready: Promise<void>
  /** Where lines come from; known once `ready` resolved. */
  readonly source: 'stream' | 'pubsub'
  /** Lines dropped because the reader fell more than `maxQueued` lines behind (channel source only). */
  readonly dropped: number
  /** Times the connection came back after being lost. */
  readonly reconnects: number
  /**
   * Stops: ends the iteration and closes the connection (`ready`, if still pending, rejects). Safe to call more
   * than once.
   */
  close: () => Promise<void>
}

/** Lines read per XREAD; also how far ahead of its reader a stream subscription reads. */
const READ_COUNT = 1000
/** How long one XREAD waits for a new entry before asking again (it returns at once when there is one). */
const BLOCK_MS = 5000

/** Follows a job's channel, or the global one. Throws a `TypeError` naming the option when an option is invalid. */
export function subscribe (options: SubscribeOptions = {}): LogSubscription {
  return new Subscription(resolveSubscribeOptions(options))
}

class Subscription implements LogSubscription {
  readonly channel: string
  readonly ready: Promise<void>
  source: 'stream' | 'pubsub' = 'pubsub'
  dropped = 0
  reconnects = 0

  readonly #options: ResolvedSubscribeOptions
  readonly #redis: Client
  readonly #secrets: string[]
  #queue: LogMessage[] = []
  #head = 0
  #reader: (() => void) | undefined
  #drained: (() => void) | undefined
  #everReady = false
  #closed = false
  #error: Error | undefined
  #settleReady!: { resolve: () => void, reject: (error: Error) => void }
  #readySettled = false

  constructor (options: ResolvedSubscribeOptions) {
    this.#options = options
    this.channel = options.channel
    this.#secrets = secretsOf(options.url, options.redis)
    this.ready = new Promise<void>((resolve, reject) => {
      this.#settleReady = {
        resolve: () => { this.#readySettled = true; resolve() },
        reject: (error) => { this.#readySettled = true; reject(error) }
      }
    })
    this.ready.catch(() => {}) // the error also ends the iteration; not awaiting `ready` is no unhandled rejection
    this.#redis = createClient(options, { offlineQueue: true, resend: true, shardedSubscribers: options.sharded })
    this.#redis.on('error', (error: Error) => { this.#onError(error) })
    this.#redis.on('ready', () => {
      if (this.#everReady) this.reconnects++
      this.#everReady = true
    })
    this.#redis.on(options.sharded ? 'smessage' : 'message', (channel: string, line: string) => { this.#push({ line, channel }) })
    this.#start().catch((error: unknown) => { this.#fail(error instanceof Error ? error : new Error(String(error))) })
  }

  async #start (): Promise<void> {
    await this.#redis.connect()
    const { source, history, after, key, channel } = this.#options
    const fromStream = source === 'stream' ||
      (source === 'auto' && (after !== undefined || (history > 0 && await this.#redis.exists(key) === 1)))
    if (!fromStream) {
      if (this.#options.sharded) await this.#redis.ssubscribe(channel)
      else await this.#redis.subscribe(channel)
      this.source = 'pubsub'
      this.#settleReady.resolve()
      return
    }
    this.source = 'stream'
    let last = after
    if (last === undefined) {
      // The newest `history` entries, oldest first; with none asked, only where the stream ends now.
      const newest = await this.#redis.xrevrange(key, '+', '-', 'COUNT', Math.max(history, 1))
      last = newest[0]?.[0] ?? '0-0'
      if (history > 0) for (const [id, fields] of newest.reverse()) this.#pushEntry(id, fields)
    }
    this.#settleReady.resolve()
    await this.#follow(last)
  }

  /** Reads the stream from `last` on, for as long as the subscription runs, resuming after a lost connection. */
  async #follow (last: string): Promise<void> {
    const { key } = this.#options
    while (!this.#closed) {
      if (this.#queue.length - this.#head >= READ_COUNT) {
        // Far enough ahead of the reader: wait until it has caught up.
        await new Promise<void>((resolve) => { this.#drained = resolve })
        continue
      }
      let reply: Array<[string, Array<[string, string[]]>]> | null
      try {
        reply = await this.#redis.xread('COUNT', READ_COUNT, 'BLOCK', BLOCK_MS, 'STREAMS', key, last)
      } catch (error) {
        if (this.#closed) return
        if (error instanceof Error && error.name === 'ReplyError') throw error // refused (ACL, wrong type): final
        debug(this.#secrets, 'reading %s failed (%s); resuming after %s', key, (error as Error).message, last)
        await this.#whenReady()
        continue
      }
      for (const [id, fields] of reply?.[0]?.[1] ?? []) {
        this.#pushEntry(id, fields)
        last = id
      }
    }
  }

  /** Yields a history entry; one without the transport's field (written by something else) is skipped. */
  #pushEntry (id: string, fields: string[]): void {
    for (let i = 0; i < fields.length; i += 2) {
      if (fields[i] === HISTORY_FIELD) {
        this.#push({ line: fields[i + 1] ?? '', channel: this.channel, id })
        return
      }
    }
    debug(this.#secrets, 'skipped entry %s of %s: it has no `%s` field', id, this.#options.key, HISTORY_FIELD)
  }

  async #whenReady (): Promise<void> {
    if (this.#redis.status === 'ready' || this.#closed) return
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.#redis.off('ready', done)
        this.#redis.off('end', done)
        resolve()
      }
      this.#redis.on('ready', done)
      this.#redis.on('end', done)
    })
  }

  #push (message: LogMessage): void {
    if (this.#closed) return
    this.#queue.push(message)
    if (this.#queue.length - this.#head > this.#options.maxQueued) {
      this.#head++
      this.dropped++
      if (this.#head >= READ_COUNT && this.#head * 2 >= this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head) // let the dropped lines be collected
        this.#head = 0
      }
    }
    this.#wakeReader()
  }

  #wakeReader (): void {
    const reader = this.#reader
    this.#reader = undefined
    reader?.()
  }

  #onError (error: Error): void {
    if (this.#everReady) {
      debug(this.#secrets, 'connection to %s: %s', targetOf(this.#redis), error.message)
      return
    }
    this.#fail(error)
  }

  /** The first connection failed, or the server refused a command: the subscription ends with an error. */
  #fail (error: Error): void {
    if (this.#closed) return
    const hint = /WRONGPASS|NOAUTH|NOPERM/.test(error.message) ? ' (check the username, password and ACL)' : ''
    this.#error = new Error(redact(`redis-log-transport: cannot follow ${this.channel} at ${targetOf(this.#redis)}: ${error.message}${hint}`, this.#secrets))
    this.#settleReady.reject(this.#error)
    void this.close()
  }

  async close (): Promise<void> {
    if (this.#closed) return
    if (!this.#readySettled) this.#settleReady.reject(new Error(`redis-log-transport: the subscription to ${this.channel} was closed before it was ready`))
    this.#closed = true
    this.#redis.disconnect()
    this.#drained?.()
    this.#wakeReader()
  }

  async #next (): Promise<IteratorResult<LogMessage>> {
    for (;;) {
      if (this.#head < this.#queue.length) {
        const value = this.#queue[this.#head] as LogMessage
        this.#head++
        if (this.#head === this.#queue.length) {
          this.#queue = []
          this.#head = 0
          const drained = this.#drained
          this.#drained = undefined
          drained?.()
        }
        return { value, done: false }
      }
      if (this.#error !== undefined) throw this.#error
      if (this.#closed) return { value: undefined, done: true }
      await new Promise<void>((resolve) => { this.#reader = resolve })
    }
  }

  [Symbol.asyncIterator] (): AsyncIterator<LogMessage> {
    return {
      next: async () => await this.#next(),
      return: async () => {
        await this.close()
        return { value: undefined, done: true }
      }
    }
  }
}
