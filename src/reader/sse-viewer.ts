/**
 * One viewer of the SSE handler: a `LogSubscription` fed through the hub's shared connections. From the channel, it
 * gets what the hub's subscription receives. From the history stream, it takes what the stream's follower reads
 * while it is up to date, and reads what it lacks itself (XRANGE) while it is behind, at its own pace; entry ids
 * decide, so it gets no line twice and misses none.
 */
import { targetOf } from '../shared/connection'
import { asError } from '../shared/errors'
import { compareIds } from '../shared/history'
import type { LogMessage } from './message-queue'
import type { ResolvedSubscribeOptions } from './options'
import type { SharedConnection } from './shared-connection'
import type { ViewerHub } from './sse-hub'
import type { StreamFollower } from './stream-follower'
import { READ_COUNT, readRange, startReading, type StreamEntry } from './stream-reads'
import { QueuedSubscription } from './subscription'

export class Viewer extends QueuedSubscription {
  readonly source: 'stream' | 'pubsub'
  /** With history: the id of the newest entry queued for this viewer. */
  last = '0-0'

  readonly #hub: ViewerHub
  readonly #options: ResolvedSubscribeOptions
  readonly #connections: SharedConnection[] = []
  #follower: StreamFollower | undefined
  #reader: SharedConnection | undefined
  #catchingUp = false

  constructor (hub: ViewerHub, options: ResolvedSubscribeOptions, secrets: readonly string[]) {
    super(options, secrets, () => { this.#catchUp() })
    this.#hub = hub
    this.#options = options
    this.source = options.source === 'stream' ? 'stream' : 'pubsub'
    const start = this.source === 'stream' ? this.#startStream() : this.#startChannel()
    start.catch((error: unknown) => { this.fail(asError(error)) })
  }

  async #startChannel (): Promise<void> {
    const connection = this.#use(this.#hub.pubsub())
    await connection.ready
    if (this.closed) return
    await this.#hub.subscribe(this, connection)
    this.readiness.resolve()
  }

  async #startStream (): Promise<void> {
    const { key, after, history } = this.#options
    const reader = this.#use(this.#hub.reader())
    this.#reader = reader
    await reader.ready
    if (this.closed) return
    const { last, replay } = await startReading(reader.client, key, after, history)
    this.last = last
    for (const [id, fields] of replay) this.#pushEntry(id, fields)
    if (this.closed) return
    this.#follower = this.#hub.follow(this, key)
    await this.#follower.started
    this.readiness.resolve()
    this.#catchUp()
  }

  #use (connection: SharedConnection): SharedConnection {
    this.#connections.push(connection)
    return connection
  }

  /** A message of this viewer's channel (ignored once closed: the queue has ended). */
  push (message: LogMessage): void {
    this.queue.push(message)
  }

  /**
   * Entries the follower read after `before`. Taken as they are when this viewer is up to date and has room;
   * otherwise it reads them itself, when it has room.
   */
  offer (before: string, entries: readonly StreamEntry[]): void {
    if (this.closed) return
    if (this.#catchingUp || compareIds(this.last, before) < 0 || this.queue.length >= READ_COUNT) {
      this.#catchUp()
      return
    }
    for (const [id, fields] of entries) {
      if (compareIds(id, this.last) > 0) this.#pushEntry(id, fields)
    }
  }

  /** Reads, with XRANGE, what this viewer lacks of what its follower has read, while it has room for it. */
  #catchUp (): void {
    if (this.#catchingUp || this.closed || this.#follower === undefined || this.#reader === undefined) return
    const follower = this.#follower
    const reader = this.#reader
    this.#catchingUp = true
    const run = async (): Promise<void> => {
      while (!this.closed && this.queue.length < READ_COUNT && compareIds(this.last, follower.last) < 0) {
        const entries = await readRange(reader.client, this.#options.key, this.last, this.secrets)
        if (entries === undefined) continue // the connection was lost, and is back
        // Nothing after `last` although the follower has read further: trimmed away meanwhile. Go on from there.
        if (entries.length === 0) this.last = follower.last
        for (const [id, fields] of entries) this.#pushEntry(id, fields)
      }
    }
    run().then(() => { this.#catchingUp = false }, (error: unknown) => {
      this.#catchingUp = false
      this.fail(asError(error))
    })
  }

  #pushEntry (id: string, fields: string[]): void {
    this.last = id
    this.pushEntry(this.#options.key, id, fields)
  }

  /** Redis cannot be reached at first, or refused: the viewer ends with an error (masked). */
  fail (error: Error): void {
    if (this.closed) return
    // Before close() empties it, the list holds the connection the viewer was opened with, unless making that
    // connection is what failed (ioredis refusing an option).
    const connection = this.#connections[0]
    this.endWith(connection === undefined ? 'Redis' : targetOf(connection.client), error)
  }

  async close (): Promise<void> {
    if (!this.markClosed()) return
    if (this.#follower !== undefined) this.#hub.unfollow(this, this.#follower)
    for (const connection of this.#connections.splice(0)) {
      if (this.source === 'pubsub') this.#hub.unsubscribe(this, connection)
      this.#hub.release(connection)
    }
  }
}
