/**
 * Application side: the Redis connections the SSE handler's viewers share, so that a handler holds a few
 * connections however many browsers watch.
 *
 * - History off: one connection holds every channel subscription (SUBSCRIBE when a channel's first viewer arrives,
 *   UNSUBSCRIBE when its last one leaves) and hands each message to that channel's viewers.
 * - History on: one connection per stream being watched blocks on XREAD and hands new entries to the viewers that
 *   are up to date. A viewer that is behind (it arrived with `Last-Event-ID`, or its browser reads slowly) reads
 *   what it lacks itself, with XRANGE on one connection shared for that, at its own pace, and is handed entries
 *   again once it has caught up. Entry ids decide who gets what, so however the connections' replies interleave no
 *   viewer gets a line twice or misses one, and a slow viewer holds up nobody.
 *
 * Every connection is opened with its first viewer and closed when its last one leaves.
 */
import { createClient, targetOf, untilReady, type Client, type ClientPolicy } from './connect'
import { asError, isRefusal } from './errors'
import { Readiness, type LogMessage } from './line-queue'
import type { ResolvedReaderOptions, ResolvedSubscribeOptions } from './options'
import { compareIds, nextId } from './stream-id'
import { QueuedSubscription, READ_COUNT, readAfter, startReading, type LogSubscription, type StreamEntry } from './subscribe'
import { debug, secretsOf } from './warn'

/** A connection opened for its first user and closed after its last. */
class SharedConnection {
  readonly client: Client
  /** Resolves when first connected; rejects when the first attempt fails (refused, credentials, TLS). */
  readonly ready: Promise<void>
  failed = false
  users = 0
  #everReady = false

  constructor (options: ResolvedReaderOptions, policy: ClientPolicy, secrets: readonly string[], onReconnect: () => void) {
    this.client = createClient(options, policy)
    const readiness = new Readiness()
    this.ready = readiness.promise
    this.client.on('error', (error: Error) => {
      if (this.#everReady) {
        debug(secrets, 'shared connection: %s', error.message)
        return
      }
      this.failed = true
      readiness.reject(error)
    })
    this.client.on('ready', () => {
      if (this.#everReady) onReconnect()
      this.#everReady = true
      readiness.resolve()
    })
    this.client.connect().catch(() => {})
  }
}

/** Reads one history stream with a blocking XREAD and hands what it reads to the viewers of that stream. */
class Follower {
  readonly views = new Set<HubView>()
  /** The id of the newest entry read so far. */
  last = '0-0'
  /**
   * Resolves once the follower knows where the stream ends, from which it reads on; rejects when its connection
   * fails at first or the server refuses to read the stream.
   */
  readonly started: Promise<void>
  readonly connection: SharedConnection
  /** The server refused to read the stream: a new viewer gets a new follower. */
  failed = false
  #stopped = false

  constructor (readonly key: string, connection: SharedConnection, secrets: readonly string[]) {
    this.connection = connection
    // From where the stream ends, whatever its first viewer asked for (an id from the future, say): the viewers
    // behind that read the rest themselves.
    this.started = (async () => {
      await connection.ready
      const newest = await connection.client.xrevrange(key, '+', '-', 'COUNT', 1) as StreamEntry[]
      this.last = newest[0]?.[0] ?? '0-0'
    })()
    this.started.then(async () => { await this.#loop(secrets) }, () => { this.failed = true })
  }

  async #loop (secrets: readonly string[]): Promise<void> {
    while (!this.#stopped) {
      let entries: StreamEntry[]
      try {
        entries = await readAfter(this.connection.client, this.key, this.last, secrets)
      } catch (error) { // refused (ACL, wrong type): final for its viewers
        this.failed = true
        for (const view of this.views) view.fail(asError(error))
        return
      }
      const newest = entries.at(-1)
      if (newest === undefined) continue
      const before = this.last
      this.last = newest[0]
      for (const view of this.views) view.offer(before, entries)
    }
  }

  stop (): void {
    this.#stopped = true
    this.connection.client.disconnect()
  }
}

/** The shared connections of one SSE handler, and the viewers that use them. */
export class ViewerHub {
  readonly #options: ResolvedReaderOptions
  readonly #secrets: readonly string[]
  #pubsub: SharedConnection | undefined
  #reader: SharedConnection | undefined
  /** The viewers of each channel subscribed, and the reply to its SUBSCRIBE. */
  readonly #channels = new Map<string, { views: Set<HubView>, subscribed: Promise<unknown> }>()
  readonly #followers = new Map<string, Follower>()

  constructor (options: ResolvedReaderOptions) {
    this.#options = options
    this.#secrets = secretsOf(options.fromUrl, options.redis)
  }

  /** Starts a viewer: history from `options.key` when `options.source` is 'stream', else the channel. */
  open (options: ResolvedSubscribeOptions): LogSubscription {
    return new HubView(this, options, this.#secrets)
  }

  /** Connections open now (for tests and the curious). */
  get connections (): number {
    return (this.#pubsub === undefined ? 0 : 1) + (this.#reader === undefined ? 0 : 1) + this.#followers.size
  }

  /** The connection that holds the channel subscriptions, for one more viewer. */
  pubsub (): SharedConnection {
    if (this.#pubsub === undefined || this.#pubsub.failed) {
      const sharded = this.#options.sharded
      const connection = new SharedConnection(this.#options, { offlineQueue: true, resend: true, shardedSubscribers: sharded }, this.#secrets, () => {
        for (const { views } of this.#channels.values()) for (const view of views) view.reconnects++
      })
      connection.client.on(sharded ? 'smessage' : 'message', (channel: string, line: string) => {
        for (const view of this.#channels.get(channel)?.views ?? []) view.push({ line, channel })
      })
      this.#pubsub = connection
    }
    this.#pubsub.users++
    return this.#pubsub
  }

  /** The connection viewers read history with (XRANGE, XREVRANGE), for one more viewer. */
  reader (): SharedConnection {
    if (this.#reader === undefined || this.#reader.failed) {
      this.#reader = new SharedConnection(this.#options, { offlineQueue: true, resend: true }, this.#secrets, () => {})
    }
    this.#reader.users++
    return this.#reader
  }

  /** One viewer less on `connection`; the last one closes it. */
  release (connection: SharedConnection): void {
    connection.users--
    if (connection.users > 0) return
    connection.client.disconnect()
    if (this.#pubsub === connection) this.#pubsub = undefined
    if (this.#reader === connection) this.#reader = undefined
  }

  /** Adds a viewer to its channel, subscribing when it is the channel's first; resolves once subscribed. */
  async subscribe (view: HubView, connection: SharedConnection): Promise<void> {
    let channel = this.#channels.get(view.channel)
    if (channel === undefined) {
      const subscribed = this.#options.sharded ? connection.client.ssubscribe(view.channel) : connection.client.subscribe(view.channel)
      channel = { views: new Set(), subscribed }
      this.#channels.set(view.channel, channel)
    }
    channel.views.add(view)
    await channel.subscribed
  }

  /** Removes a viewer from its channel, unsubscribing when it was the channel's last. */
  unsubscribe (view: HubView, connection: SharedConnection): void {
    const channel = this.#channels.get(view.channel)
    if (channel === undefined || !channel.views.delete(view) || channel.views.size > 0) return
    this.#channels.delete(view.channel)
    const done = this.#options.sharded ? connection.client.sunsubscribe(view.channel) : connection.client.unsubscribe(view.channel)
    done.catch(() => {}) // the connection may be closing with its last viewer
  }

  /** Hands a viewer to the follower of its stream, starting one if there is none. */
  follow (view: HubView, key: string): Follower {
    let follower = this.#followers.get(key)
    if (follower === undefined || follower.connection.failed || follower.failed) {
      follower?.stop()
      // resend: the XREAD waiting when the connection drops is sent again once it is back; without it ioredis would
      // leave it pending, and the stream unread.
      const connection = new SharedConnection(this.#options, { offlineQueue: true, resend: true }, this.#secrets, () => {
        for (const each of created.views) each.reconnects++
      })
      const created: Follower = new Follower(key, connection, this.#secrets)
      follower = created
      this.#followers.set(key, follower)
    }
    follower.views.add(view)
    return follower
  }

  /** Takes a viewer from its follower; the last one stops it. */
  unfollow (view: HubView, follower: Follower): void {
    follower.views.delete(view)
    if (follower.views.size > 0) return
    follower.stop()
    if (this.#followers.get(follower.key) === follower) this.#followers.delete(follower.key)
  }
}

/** One viewer: a `LogSubscription` fed through the hub's shared connections. */
class HubView extends QueuedSubscription {
  readonly source: 'stream' | 'pubsub'
  /** With history: the id of the newest entry queued for this viewer. */
  last = '0-0'

  readonly #hub: ViewerHub
  readonly #options: ResolvedSubscribeOptions
  readonly #connections: SharedConnection[] = []
  #follower: Follower | undefined
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
        let entries: StreamEntry[]
        try {
          entries = await reader.client.xrange(this.#options.key, nextId(this.last), '+', 'COUNT', READ_COUNT) as StreamEntry[]
        } catch (error) {
          if (this.closed) return
          if (isRefusal(error)) throw error // final
          debug(this.secrets, 'reading %s failed (%s); resuming after %s', this.#options.key, asError(error).message, this.last)
          await untilReady(reader.client)
          continue
        }
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
