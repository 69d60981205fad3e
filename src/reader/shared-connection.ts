/**
 * A Redis connection that several viewers of the SSE handler share: opened for its first user, closed by the hub
 * after its last. Its first connection attempt decides `ready`; later losses are retried by ioredis without end, and
 * told to the viewers that watch it (so that their browsers can show "reconnecting", then "live").
 */
import { createClient, type Client, type ClientPolicy } from '../shared/connection'
import { debug } from '../shared/report'
import { Readiness } from './message-queue'
import type { ResolvedReaderOptions } from './options'

/** Told when a connection that was up is lost, and when it is back. */
export interface ConnectionWatcher {
  lost: () => void
  back: () => void
}

/** A connection opened for its first user and closed after its last. */
export class SharedConnection {
  readonly client: Client
  /** Resolves when first connected; rejects when the first attempt fails (refused, credentials, TLS). */
  readonly ready: Promise<void>
  failed = false
  users = 0
  #everReady = false
  /** Connected now (after the first connection, until a loss). */
  #up = false
  #closing = false
  readonly #watchers = new Set<ConnectionWatcher>()

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
    // ioredis says 'close' when the socket goes, 'reconnecting' before each new attempt, 'end' when it gives up.
    for (const event of ['close', 'reconnecting', 'end']) this.client.on(event, () => { this.#lost() })
    this.client.on('ready', () => {
      if (this.#everReady) onReconnect()
      const wasLost = this.#everReady && !this.#up
      this.#everReady = true
      this.#up = true
      readiness.resolve()
      if (wasLost) for (const watcher of [...this.#watchers]) watcher.back()
    })
    this.client.connect().catch(() => {})
  }

  /** True while connected (false before the first connection and while reconnecting). */
  get up (): boolean {
    return this.#up
  }

  /** Tells `watcher` of each loss and return, until the function returned is called. */
  watch (watcher: ConnectionWatcher): () => void {
    this.#watchers.add(watcher)
    return () => { this.#watchers.delete(watcher) }
  }

  /** Closes the connection, at once; its watchers are not told (they are leaving too). */
  close (): void {
    this.#closing = true
    this.client.disconnect()
  }

  #lost (): void {
    if (!this.#up) return
    this.#up = false
    if (this.#closing) return
    for (const watcher of [...this.#watchers]) watcher.lost()
  }
}
