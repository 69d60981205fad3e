/**
 * One viewer of the SSE handler: a `LogSubscription` fed through the hub's shared connections. From the channel, it
 * gets what the hub's subscription receives. From the history stream, it takes what the stream's follower reads
 * while it is up to date, and reads what it lacks itself (XRANGE) while it is behind, at its own pace; entry ids
 * decide, so it gets no line twice and misses none.
 *
 * Between its lines it queues notices for the browser (see Notice): `status` when a connection it depends on is
 * lost and when all are back, `gap` when it cannot be exact. They travel in the same queue, so each sits where it
 * happened among the lines.
 */
import { targetOf } from '../shared/connection'
import { asError } from '../shared/errors'
import { compareIds, nextId } from '../shared/history'
import type { LogMessage } from './message-queue'
import type { ResolvedSubscribeOptions } from './options'
import type { SharedConnection } from './shared-connection'
import type { ViewerHub } from './sse-hub'
import type { StreamFollower } from './stream-follower'
import { lostSince, startViewing, type GapReason } from './stream-position'
import { READ_COUNT, readRange, type StreamEntry } from './stream-reads'
import { QueuedSubscription } from './subscription'

/** What a viewer reads: a subscription's options, and the `from` id of "view in context". */
export type ViewerOptions = ResolvedSubscribeOptions & { from: string | undefined }

/** What the browser is told of each gap. */
const GAP_MESSAGES: Record<GapReason, string> = {
  trimmed: 'some lines from this point on are no longer kept in history',
  reset: 'the history was recreated since (Redis restarted?): lines may be missing',
  behind: 'the view fell behind what history keeps: lines were skipped',
  dropped: 'lines were dropped: the view fell behind'
}

/** A status or gap event for the browser, queued among the lines (never yielded to subscribe()'s users). */
export class Notice implements LogMessage {
  constructor (readonly event: 'status' | 'gap', readonly line: string, readonly channel: string) {}

  static gap (reason: GapReason, channel: string): Notice {
    return new Notice('gap', JSON.stringify({ reason, message: GAP_MESSAGES[reason] }), channel)
  }
}

export class Viewer extends QueuedSubscription {
  source: 'stream' | 'pubsub'
  /** With history: the id of the newest entry queued for this viewer. */
  last = '0-0'

  readonly #hub: ViewerHub
  readonly #options: ViewerOptions
  readonly #connections: SharedConnection[] = []
  #follower: StreamFollower | undefined
  #reader: SharedConnection | undefined
  #catchingUp = false
  /** An id whose successors are known to be accounted for (told as a gap, or not lost): not checked again. */
  #checked: string | undefined
  readonly #unwatch: Array<() => void> = []

  constructor (hub: ViewerHub, options: ViewerOptions, secrets: readonly string[]) {
    super(options, secrets, () => { this.#catchUp() })
    this.#hub = hub
    this.#options = options
    this.source = options.source === 'pubsub' ? 'pubsub' : 'stream'
    const start = options.source === 'auto' ? this.#startAuto() : this.source === 'stream' ? this.#startStream() : this.#startChannel()
    start.catch((error: unknown) => { this.fail(asError(error)) })
  }

  /** The stream when it exists (asked on the shared reader connection), else the channel. */
  async #startAuto (): Promise<void> {
    const reader = this.#use(this.#hub.reader())
    this.#reader = reader
    await reader.ready
    if (this.closed) return
    if (await reader.client.exists(this.#options.key) === 1) {
      await this.#startStream()
      return
    }
    if (this.closed) return
    this.#connections.splice(this.#connections.indexOf(reader), 1)
    this.#reader = undefined
    this.#hub.release(reader)
    this.source = 'pubsub'
    await this.#startChannel()
  }

  async #startChannel (): Promise<void> {
    const connection = this.#use(this.#hub.pubsub())
    await connection.ready
    if (this.closed) return
    await this.#hub.subscribe(this, connection)
    // The channel keeps nothing: the lines from that point on cannot be shown.
    if (this.#options.from !== undefined && this.#options.after === undefined) this.queue.push(Notice.gap('trimmed', this.channel))
    this.#inPlace()
  }

  async #startStream (): Promise<void> {
    const { key, after, from, history } = this.#options
    const reader = this.#reader ?? this.#use(this.#hub.reader())
    this.#reader = reader
    await reader.ready
    if (this.closed) return
    const { last, replay, gap } = await startViewing(reader.client, key, { after, from, replay: history })
    this.last = last
    this.#checked = last
    if (gap !== undefined) this.queue.push(Notice.gap(gap, this.channel))
    for (const [id, fields] of replay) this.#pushEntry(id, fields)
    if (this.closed) return
    this.#follower = this.#hub.follow(this, key)
    await this.#follower.started
    if (this.closed) return
    this.#inPlace()
    this.#catchUp()
  }

  #use (connection: SharedConnection): SharedConnection {
    this.#connections.push(connection)
    return connection
  }

  /** In place: ready, `live` told, and the connections it depends on watched from now on. */
  #inPlace (): void {
    const depends = [...this.#connections, ...(this.#follower === undefined ? [] : [this.#follower.connection])]
    const lost = new Set(depends.filter((connection) => !connection.up))
    for (const connection of depends) {
      this.#unwatch.push(connection.watch({
        lost: () => {
          if (lost.size === 0) this.#status('reconnecting')
          lost.add(connection)
        },
        back: () => {
          if (lost.delete(connection) && lost.size === 0) this.#status('live')
        }
      }))
    }
    this.readiness.resolve()
    this.#status(lost.size === 0 ? 'live' : 'reconnecting')
  }

  #status (state: 'live' | 'reconnecting'): void {
    this.queue.push(new Notice('status', state, this.channel))
  }

  /** A message of this viewer's channel (ignored once closed: the queue has ended). */
  push (message: LogMessage): void {
    this.queue.push(message)
  }

  /**
   * Entries the follower read after `before`. Taken as they are when this viewer is up to date and has room;
   * otherwise it reads them itself, when it has room. `skipped`: entries right after `before` may have been trimmed
   * before the follower read them, which an up-to-date viewer tells as a gap.
   */
  offer (before: string, entries: readonly StreamEntry[], skipped = false): void {
    if (this.closed) return
    if (this.#catchingUp || compareIds(this.last, before) < 0 || this.queue.length >= READ_COUNT) {
      this.#catchUp()
      return
    }
    // This viewer read past `before` itself (catching up). The follower's entries follow on from its last one only if
    // they hold it; if not, that one was trimmed before the follower read, and lines after it may have gone too:
    // reading on from it tells such a gap (see #catchUp).
    const last = this.last
    if (compareIds(last, before) > 0 && !entries.some(([id]) => id === last)) {
      this.#catchUp()
      return
    }
    if (skipped && compareIds(this.last, before) === 0) {
      this.queue.push(Notice.gap('behind', this.channel))
      this.#checked = this.last
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
    const { key } = this.#options
    this.#catchingUp = true
    const run = async (): Promise<void> => {
      while (!this.closed && this.queue.length < READ_COUNT && compareIds(this.last, follower.last) < 0) {
        const read = await readRange(reader.client, key, this.last, this.secrets)
        if (read === undefined) continue // the connection was lost, and is back
        const { entries, kept } = read
        if (entries.length === 0) {
          // Nothing after `last` although the follower has read further: gone meanwhile. Go on from there.
          this.queue.push(Notice.gap('behind', this.channel))
          this.last = follower.last
          this.#checked = this.last
          continue
        }
        // `last` itself was trimmed while this viewer was behind: were some of the entries after it too?
        if (!kept && this.#checked !== this.last && await lostSince(reader.client, key, nextId(this.last))) {
          this.queue.push(Notice.gap('behind', this.channel))
        }
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
    for (const unwatch of this.#unwatch.splice(0)) unwatch()
    if (this.#follower !== undefined) this.#hub.unfollow(this, this.#follower)
    for (const connection of this.#connections.splice(0)) {
      if (this.source === 'pubsub') this.#hub.unsubscribe(this, connection)
      this.#hub.release(connection)
    }
  }
}
