/**
 * `subscribe()`: following a job's lines (or every line) as they arrive, for a CLI, a web view or a test, on a
 * connection of its own.
 *
 * Two sources. The channel (SUBSCRIBE) needs nothing from the transport, but lines published while the
 * connection is down are missed. The history stream (the transport's `history` option; XREAD) gives every line an
 * id, replays recent lines, and resumes exactly after the last line seen, across a lost connection or, with
 * `after`, across a new subscription.
 */
import { createClient, targetOf, type Client } from '../shared/connection'
import { asError } from '../shared/errors'
import { nextId } from '../shared/history'
import { debug, secretsOf } from '../shared/report'
import { resolveSubscribeOptions, type ResolvedSubscribeOptions, type SubscribeOptions } from './options'
import { lostSince } from './stream-position'
import { READ_COUNT, readAfter, startReading, stillKept } from './stream-reads'
import { QueuedSubscription, type LogSubscription } from './subscription'

export type { LogMessage } from './message-queue'
export type { LogSubscription } from './subscription'

/** Follows a job's channel, or the global one. Throws a `TypeError` naming the option when an option is invalid. */
export function subscribe (options: SubscribeOptions = {}): LogSubscription {
  return new Subscription(resolveSubscribeOptions(options))
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
    // Resuming after `after`: were lines after it trimmed meanwhile? The first line read says so.
    const resumed = after !== undefined && last === after
    await this.#follow(last, resumed && await lostSince(this.#redis, key, nextId(after)))
  }

  /**
   * Reads the stream from `last` on, for as long as the subscription runs, resuming after a lost connection. It reads
   * only as fast as it is iterated, so history may trim lines before it reads them: the first line after such a
   * hole says so (`gap`), found as the SSE handler finds it (see StreamFollower).
   */
  async #follow (last: string, gap: boolean): Promise<void> {
    const { key } = this.#options
    while (!this.closed) {
      if (this.queue.length >= READ_COUNT) {
        // Far enough ahead of the reader: wait until it has caught up.
        await new Promise<void>((resolve) => { this.#drained = resolve })
        continue
      }
      const entries = await readAfter(this.#redis, key, last, this.secrets)
      if (entries.length === 0) continue
      if (!gap && last !== '0-0' && await stillKept(this.#redis, key, last) === false) {
        gap = await lostSince(this.#redis, key, nextId(last))
      }
      for (const [id, fields] of entries) {
        this.pushEntry(key, id, fields, gap)
        gap = false
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
