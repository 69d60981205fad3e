/**
 * Pure (ioredis is referenced as a type only): the options that say how to reach Redis, the same for the writer
 * (the transport) and every reader (subscribe, the SSE handler, the CLI). Declared, defaulted and validated here
 * once; each audience's options extend them.
 */
import type { RedisOptions } from 'ioredis'
import { boolean, fail, integer, MAX_TIMER_DELAY } from './option-checks'
import { redisOptionsFromUrl } from './redis-url'

/** A cluster startup node. */
export type ClusterNodeOption = string | { host: string, port: number }

/** A cluster startup node, as resolved. */
export interface ClusterNode { host: string, port: number }

/** How to reach Redis: one server, a Sentinel group (through `redis.sentinels`) or a cluster. */
export interface ConnectionOptions {
  /**
   * Redis URL: `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS. `process.env.REDIS_URL`, when
   * set, is used instead of the default.
   * @default 'redis://127.0.0.1:6379'
   */
  url?: string
  /**
   * ioredis options, passed through (username, password, db, tls, sentinels, name, connectTimeout, ...). They take
   * precedence over what `url` says, but for the few settings the package needs to work (the transport buffers
   * itself, bounded, so it turns ioredis's offline queue off). With `cluster`, ioredis cluster options (node
   * options such as `password` and `tls` go in `redis.redisOptions`).
   * @default {}
   */
  redis?: RedisOptions
  /**
   * Longest pause, in milliseconds, between two attempts to reconnect to Redis. The pause starts at 50 ms and
   * doubles with each failed attempt up to this. (`redis.retryStrategy` cannot cross into the worker thread: it
   * is a function.)
   * @default 2000
   */
  maxReconnectDelay?: number
  /**
   * Redis Cluster: the startup nodes (`'host:port'` strings or `{ host, port }`). `url` is then not used.
   * @default false (a single server, or Sentinel through `redis.sentinels`)
   */
  cluster?: ClusterNodeOption[] | false
  /**
   * Redis 7 sharded pub/sub: the transport publishes with SPUBLISH instead of PUBLISH (in a cluster a line then goes
   * only to the shard that owns its channel instead of to every node), and readers read with SSUBSCRIBE. Writer and
   * readers must agree.
   * @default false
   */
  sharded?: boolean
}

/** `ConnectionOptions` with every default applied, the URL parsed. */
export interface ResolvedConnectionOptions {
  url: string
  /** What `url` says, parsed once, as ioredis options (`redis` wins over them); empty with `cluster`. */
  fromUrl: RedisOptions
  redis: RedisOptions
  maxReconnectDelay: number
  cluster: ClusterNode[] | false
  sharded: boolean
}

/** The connection defaults. */
export const DEFAULT_CONNECTION_OPTIONS = Object.freeze({
  url: 'redis://127.0.0.1:6379',
  redis: Object.freeze({}) as RedisOptions,
  maxReconnectDelay: 2000,
  cluster: false as const,
  sharded: false
})

/** Validates the `cluster` option: `false`, or a non-empty list of `'host:port'` or `{ host, port }`. */
export function resolveCluster (value: unknown): ClusterNode[] | false {
  if (value === undefined || value === false) return false
  const expected = 'a non-empty array of `\'host:port\'` strings or `{ host, port }` objects'
  if (!Array.isArray(value) || value.length === 0) fail('cluster', expected, value)
  return value.map((node: unknown) => {
    let host: unknown
    let port: unknown
    if (typeof node === 'string') {
      const match = /^(.+):(\d{1,5})$/.exec(node)
      if (match === null) fail('cluster', expected, node)
      host = match[1]
      port = Number(match[2])
    } else if (node !== null && typeof node === 'object') {
      ({ host, port } = node as { host?: unknown, port?: unknown })
    }
    if (typeof host !== 'string' || host === '' || typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
      fail('cluster', expected, node)
    }
    return { host, port }
  })
}

/**
 * Applies the defaults to the connection options and validates them; the URL (`url`, else `REDIS_URL` from `env`)
 * is parsed here, once. Throws a `TypeError` naming the option; no part of a URL is ever echoed.
 */
export function resolveConnectionOptions (input: ConnectionOptions, env: NodeJS.ProcessEnv): ResolvedConnectionOptions {
  const defaults = DEFAULT_CONNECTION_OPTIONS
  const cluster = resolveCluster(input.cluster)
  if (cluster !== false && input.url !== undefined) {
    throw new TypeError('redis-log-transport: give either `url` or `cluster`, not both (cluster credentials go in `redis.redisOptions`)')
  }
  const sharded = boolean('sharded', input.sharded, defaults.sharded)
  // With a cluster the URL is not used; REDIS_URL is not consulted.
  const fromEnv = input.url === undefined && env.REDIS_URL !== undefined && env.REDIS_URL !== ''
  const url = cluster !== false ? defaults.url : fromEnv ? env.REDIS_URL as string : input.url ?? defaults.url
  const fromUrl = cluster !== false ? {} : redisOptionsFromUrl(url, fromEnv ? 'REDIS_URL' : 'url')
  const redis = input.redis === undefined ? {} : input.redis
  if (typeof redis !== 'object' || redis === null || Array.isArray(redis)) fail('redis', 'an object of ioredis options', redis)
  return {
    url,
    fromUrl,
    redis,
    maxReconnectDelay: integer('maxReconnectDelay', input.maxReconnectDelay, defaults.maxReconnectDelay, 1, MAX_TIMER_DELAY),
    cluster,
    sharded
  }
}
