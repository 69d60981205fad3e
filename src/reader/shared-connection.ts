/**
 * A Redis connection that several viewers of the SSE handler share: opened for its first user, closed by the hub
 * after its last. Its first connection attempt decides `ready`; later losses are retried by ioredis without end.
 */
import { createClient, type Client, type ClientPolicy } from '../shared/connection'
import { debug } from '../shared/report'
import { Readiness } from './message-queue'
import type { ResolvedReaderOptions } from './options'

/** A connection opened for its first user and closed after its last. */
export class SharedConnection {
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
