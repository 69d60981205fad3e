import Redis from 'ioredis'
import { waitFor } from './wait'

export interface Message { channel: string, message: string }

/** A subscriber on a pattern (default `*`) that records every message, to assert what reached Redis. */
export class Subscriber {
  readonly messages: Message[] = []
  readonly #redis: Redis

  private constructor (redis: Redis) {
    this.#redis = redis
    redis.on('pmessage', (_pattern: string, channel: string, message: string) => { this.messages.push({ channel, message }) })
  }

  /**
   * Subscribes at `url`. With `reconnect: false` it records one server's messages only: a subscriber that reconnects
   * to a server restarted on the same port would mix the new server's messages into the old one's.
   */
  static async start (url: string, pattern = '*', { reconnect = true }: { reconnect?: boolean } = {}): Promise<Subscriber> {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, ...(reconnect ? {} : { retryStrategy: () => null }) })
    redis.on('error', () => {})
    await redis.connect()
    const subscriber = new Subscriber(redis)
    await redis.psubscribe(pattern)
    return subscriber
  }

  /** Messages of one channel, in arrival order. */
  on (channel: string): string[] {
    return this.messages.filter((m) => m.channel === channel).map((m) => m.message)
  }

  /** Waits until `channel` has received at least `count` messages. */
  async waitFor (channel: string, count: number, timeoutMs = 10_000): Promise<string[]> {
    await waitFor(() => this.on(channel).length >= count, `${count} messages on ${channel} (have ${this.on(channel).length})`, timeoutMs)
    return this.on(channel)
  }

  async close (): Promise<void> {
    this.#redis.disconnect()
  }
}

/** How many PUBLISH commands a server has executed (INFO commandstats); exact, unlike a subscriber's view. */
export async function publishCalls (url: string): Promise<number> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
  redis.on('error', () => {})
  try {
    await redis.connect()
    const info = await redis.info('commandstats')
    const match = /cmdstat_publish:calls=(\d+)/.exec(info)
    return match === null ? 0 : Number(match[1])
  } finally {
    redis.disconnect()
  }
}
