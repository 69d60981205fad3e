/**
 * Application side: following a job's lines (or every line) as they arrive, for a CLI, a web view or a test.
 *
 * Two sources. The channel (SUBSCRIBE) needs nothing from the transport, but lines published while the
 * connection is down are missed. The history stream (the transport's `history` option; XREAD) gives every line an
 * id, replays recent lines, and resumes exactly after the last line seen, across a lost connection or, with
 * `after`, across a new subscription.
 */
import { createClient, targetOf, untilReady, usesTls, type Client } from './connect'
import { asError, explain, isRefusal } from './errors'
import { LineQueue, Readiness, iterate, type LogMessage } from './line-queue'
import { HISTORY_FIELD, resolveSubscribeOptions, type ResolvedSubscribeOptions, type SubscribeOptions } from './options'
import { compareIds } from './stream-id'
import { debug, redact, secretsOf } from './warn'

export type { LogMessage } from './line-queue'

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
export const READ_COUNT = 1000
/** How long one XREAD waits for a new entry before asking again (it returns at once when there is one). */
const BLOCK_MS = 5000

/** Follows a job's channel, or the global one. Throws a `TypeError` naming the option when an option is invalid. */
export function subscribe (options: SubscribeOptions = {}): LogSubscription {
  return new Subscription(resolveSubscribeOptions(options))
}

/**
 * What every subscription has: the queue of lines its reader has not taken, `ready`, and the way it ends, with a
 * masked error or closed. `subscribe()` and the SSE handler's viewers (hub.ts) build on it.
 */
export abstract class QueuedSubscription implements LogSubscription {
  readonly channel: string
  readonly ready: Promise<void>
  abstract readonly source: 'stream' | 'pubsub'
  reconnects = 0
  protected readonly queue: LineQueue
  protected readonly readiness = new Readiness()
  protected readonly secrets: readonly string[]
  protected closed = false

  /** True when the connection is made with TLS, which is then a likely cause of a failure. */
  protected readonly tls: boolean

  /** `onEmptied` runs each time the reader has taken every queued line. */
  constructor (options: ResolvedSubscribeOptions, secrets: readonly string[], onEmptied: () => void) {
    this.channel = options.channel
    this.secrets = secrets
    this.tls = usesTls(options)
    this.queue = new LineQueue(options.maxQueued, onEmptied)
    this.ready = this.readiness.promise
  }

  get dropped (): number {
    return this.queue.dropped
  }

  /** Redis cannot be reached at first (`target`), or refused a command: ends with a masked error. */
  protected endWith (target: string, error: Error): void {
    if (this.closed) return
    const failure = new Error(redact(`redis-log-transport: cannot follow ${this.channel} at ${target}: ${explain(error, this.tls)}`, this.secrets))
    this.readiness.reject(failure)
    this.queue.end(failure)
    void this.close()
  }

  /** Ends the iteration (once the queued lines are taken) and `ready`, if pending. False when already closed. */
  protected markClosed (): boolean {
    if (this.closed) return false
    if (!this.readiness.settled) {
      this.readiness.reject(new Error(`redis-log-transport: the subscription to ${this.channel} was closed before it was ready`))
    }
    this.closed = true
    this.queue.end()
    return true
  }

  /** Queues a history entry of `key`; one without the transport's field (written by something else) is skipped. */
  protected pushEntry (key: string, id: string, fields: readonly string[]): void {
    for (let i = 0; i < fields.length; i += 2) {
      if (fields[i] === HISTORY_FIELD) {
        this.queue.push({ line: fields[i + 1] ?? '', channel: this.channel, id })
        return
      }
    }
    debug(this.secrets, 'skipped entry %s of %s: it has no `%s` field', id, key, HISTORY_FIELD)
  }

  abstract close (): Promise<void>

  [Symbol.asyncIterator] (): AsyncIterator<LogMessage> {
    return iterate(this.queue, async () => { await this.close() })
  }
}

class Subscription extends QueuedSubscription {
  source: 'stream' | 'pubsub' = 'pubsub'

  readonly #options: ResolvedSubscribeOptions
  readonly #redis: Client
  #drained: (() => void) | undefined
  #everReady = false

  constructor (options: ResolvedSubscribeOptions) {
    super(options, secretsOf(options.fromUrl, options.redis), () => {
      const drained = this.#drained
      this.#drained = undefined
      drained?.()
    })
    this.#options = options
    this.#redis = createClient(options, { offlineQueue: true, resend: true, shardedSubscribers: options.sharded })
    this.#redis.on('error', (error: Error) => { this.#onError(error) })
    this.#redis.on('ready', () => {
      if (this.#everReady) this.reconnects++
      this.#everReady = true
    })
    this.#redis.on(options.sharded ? 'smessage' : 'message', (channel: string, line: string) => { this.queue.push({ line, channel }) })
    this.#start().catch((error: unknown) => { this.#fail(asError(error)) })
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
      this.readiness.resolve()
      return
    }
    this.source = 'stream'
    const { last, replay } = await startReading(this.#redis, key, after, history)
    for (const [id, fields] of replay) this.pushEntry(key, id, fields)
    this.readiness.resolve()
    await this.#follow(last)
  }

  /** Reads the stream from `last` on, for as long as the subscription runs, resuming after a lost connection. */
  async #follow (last: string): Promise<void> {
    const { key } = this.#options
    while (!this.closed) {
      if (this.queue.length >= READ_COUNT) {
        // Far enough ahead of the reader: wait until it has caught up.
        await new Promise<void>((resolve) => { this.#drained = resolve })
        continue
      }
      for (const [id, fields] of await readAfter(this.#redis, key, last, this.secrets)) {
        this.pushEntry(key, id, fields)
        last = id
      }
    }
  }

  #onError (error: Error): void {
    if (this.#everReady) {
      debug(this.secrets, 'connection to %s: %s', targetOf(this.#redis), error.message)
      return
    }
    this.#fail(error)
  }

  /** The first connection failed, or the server refused a command: the subscription ends with an error. */
  #fail (error: Error): void {
    this.endWith(targetOf(this.#redis), error)
  }

  async close (): Promise<void> {
    if (!this.markClosed()) return
    this.#redis.disconnect()
    this.#drained?.()
  }
}

/** A history entry: its id, and its fields and values in turn. */
export type StreamEntry = [id: string, fields: string[]]

/**
 * Where a reader of `key` starts: right after `after` when the stream has issued that id; otherwise (no `after`, or
 * an id beyond the stream's last entry: from the future, or from a stream recreated since, after a Redis restart
 * without persistence) as a new reader, where the stream ends now, with its newest `history` entries to replay first,
 * oldest first.
 */
export async function startReading (client: Client, key: string, after: string | undefined, history: number): Promise<{ last: string, replay: StreamEntry[] }> {
  const newest = await client.xrevrange(key, '+', '-', 'COUNT', 1) as StreamEntry[]
  const end = newest[0]?.[0] ?? '0-0'
  if (after !== undefined && compareIds(after, end) <= 0) return { last: after, replay: [] }
  if (history === 0 || end === '0-0') return { last: end, replay: [] }
  const recent = await client.xrevrange(key, end, '-', 'COUNT', history) as StreamEntry[]
  return { last: end, replay: recent.reverse() }
}

/**
 * One XREAD of `key` after `last`, waiting up to `BLOCK_MS`: the entries, none when the wait ran out, or none once
 * the connection is back after being lost. Throws when the server refused (ACL, wrong type): that is final.
 */
export async function readAfter (client: Client, key: string, last: string, secrets: readonly string[]): Promise<StreamEntry[]> {
  let reply: Array<[string, StreamEntry[]]> | null
  try {
    reply = await client.xread('COUNT', READ_COUNT, 'BLOCK', BLOCK_MS, 'STREAMS', key, last) as typeof reply
  } catch (error) {
    if (isRefusal(error)) throw error
    debug(secrets, 'reading %s failed (%s); resuming after %s', key, asError(error).message, last)
    await untilReady(client)
    return []
  }
  return reply?.[0]?.[1] ?? []
}
