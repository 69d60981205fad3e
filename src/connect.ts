/**
 * How every part of the package opens a Redis connection: the worker's publisher, and, in the application, the
 * subscribe API, the SSE handler and the CLI. Only loaded where a connection is made.
 */
import Redis, { type RedisOptions } from 'ioredis'

// ioredis merges its arguments with the first one winning; passing the options object before the URL lets the
// user's `redis` options take precedence over what the URL says. The typed overloads do not offer that order.
const RedisClient = Redis as unknown as new (options: RedisOptions, url: string) => Redis

/**
 * Reconnects after 50 ms, doubling per failed attempt up to `maxDelay`, and never gives up. (A function, so it
 * cannot be passed to the worker thread; the transport builds it there from `maxReconnectDelay`.)
 */
export function backoff (maxDelay: number): (attempt: number) => number {
  return (attempt) => Math.min(50 * 2 ** Math.min(attempt - 1, 20), maxDelay)
}

/**
 * Opens (lazily or not, as `options` say) a connection to `url`. `defaults` give way to the user's `redis` options,
 * which give way to `forced` (what the caller needs to work at all).
 */
export function createRedis (url: string, redis: RedisOptions, defaults: RedisOptions, forced: RedisOptions = {}): Redis {
  return new RedisClient({ ...defaults, ...redis, ...forced }, url)
}

/** Where a connection goes, for messages: host and port (or Sentinel group), never credentials. */
export function targetOf (redis: Redis): string {
  const { host, port, sentinels, name } = redis.options
  if (Array.isArray(sentinels) && sentinels.length > 0) return `Sentinel group "${name ?? ''}"`
  return `${host ?? ''}:${String(port ?? '')}`
}
