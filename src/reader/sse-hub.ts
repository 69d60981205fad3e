/**
 * The Redis connections the SSE handler's viewers share, so that a handler holds a few
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
import { secretsOf } from '../shared/report'
import type { ResolvedReaderOptions } from './options'
import { SharedConnection } from './shared-connection'
import { Viewer, type ViewerOptions } from './sse-viewer'
import { StreamFollower } from './stream-follower'

/** The shared connections of one SSE handler, and the viewers that use them. */
export class ViewerHub {
  readonly #options: ResolvedReaderOptions
  readonly #secrets: readonly string[]
  #pubsub: SharedConnection | undefined
  #reader: SharedConnection | undefined
  /** The viewers of each channel subscribed, and the reply to its SUBSCRIBE. */
  readonly #channels = new Map<string, { viewers: Set<Viewer>, subscribed: Promise<unknown> }>()
  readonly #followers = new Map<string, StreamFollower>()

  constructor (options: ResolvedReaderOptions) {
    this.#options = options
    this.#secrets = secretsOf(options.fromUrl, options.redis)
  }

  /**
   * Starts a viewer: history from `options.key` when `options.source` is 'stream' (or 'auto' and the stream
   * exists), else the channel.
   */
  open (options: ViewerOptions): Viewer {
    return new Viewer(this, options, this.#secrets)
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
        for (const { viewers } of this.#channels.values()) for (const viewer of viewers) viewer.reconnects++
      })
      connection.client.on(sharded ? 'smessage' : 'message', (channel: string, line: string) => {
        for (const viewer of this.#channels.get(channel)?.viewers ?? []) viewer.push({ line, channel })
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
    connection.close()
    if (this.#pubsub === connection) this.#pubsub = undefined
    if (this.#reader === connection) this.#reader = undefined
  }

  /** Adds a viewer to its channel, subscribing when it is the channel's first; resolves once subscribed. */
  async subscribe (viewer: Viewer, connection: SharedConnection): Promise<void> {
    let channel = this.#channels.get(viewer.channel)
    if (channel === undefined) {
      const subscribed = this.#options.sharded ? connection.client.ssubscribe(viewer.channel) : connection.client.subscribe(viewer.channel)
      channel = { viewers: new Set(), subscribed }
      this.#channels.set(viewer.channel, channel)
    }
    channel.viewers.add(viewer)
    await channel.subscribed
  }

  /** Removes a viewer from its channel, unsubscribing when it was the channel's last. */
  unsubscribe (viewer: Viewer, connection: SharedConnection): void {
    const channel = this.#channels.get(viewer.channel)
    if (channel === undefined || !channel.viewers.delete(viewer) || channel.viewers.size > 0) return
    this.#channels.delete(viewer.channel)
    const done = this.#options.sharded ? connection.client.sunsubscribe(viewer.channel) : connection.client.unsubscribe(viewer.channel)
    done.catch(() => {}) // the connection may be closing with its last viewer
  }

  /** Hands a viewer to the follower of its stream, starting one if there is none. */
  follow (viewer: Viewer, key: string): StreamFollower {
    let follower = this.#followers.get(key)
    if (follower === undefined || follower.connection.failed || follower.failed) {
      follower?.stop()
      // resend: the XREAD waiting when the connection drops is sent again once it is back; without it ioredis would
      // leave it pending, and the stream unread.
      const connection = new SharedConnection(this.#options, { offlineQueue: true, resend: true }, this.#secrets, () => {
        for (const each of created.viewers) each.reconnects++
      })
      const created: StreamFollower = new StreamFollower(key, connection, this.#secrets)
      follower = created
      this.#followers.set(key, follower)
    }
    follower.viewers.add(viewer)
    return follower
  }

  /** Takes a viewer from its follower; the last one stops it. */
  unfollow (viewer: Viewer, follower: StreamFollower): void {
    follower.viewers.delete(viewer)
    if (follower.viewers.size > 0) return
    follower.stop()
    if (this.#followers.get(follower.key) === follower) this.#followers.delete(follower.key)
  }
}
