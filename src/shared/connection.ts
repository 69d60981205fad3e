/**
 * How every part of the package opens its connection to Redis: the worker's publisher, and every reader (the
 * subscribe API, the SSE handler's shared connections, the CLI). One server (or a Sentinel group, through the
 * `redis` options) or a Redis Cluster. The one module of `shared/` that loads ioredis: only where a connection is
 * made.
 */
import Redis, { Cluster, type ClusterOptions, type RedisOptions } from 'ioredis'
import { onceAny } from './once-any'
import type { ResolvedConnectionOptions } from './connection-options'

/** A connection: to one server, or to a cluster. */
export type Client = Redis | Cluster

/** Where to connect, as the resolved options say. */
export type ConnectOptions = Pick<ResolvedConnectionOptions, 'fromUrl' | 'redis' | 'cluster' | 'maxReconnectDelay'>

/** What the caller needs from the connection to work at all; these win over the user's options. */
export interface ClientPolicy {
  /** Queue commands while disconnected (the publisher does not: it buffers, bounded, and re-sends itself). */
  offlineQueue: boolean
  /** Send again, after a reconnect, the commands whose reply was lost (the publisher does that itself). */
  resend: boolean
  /** For a cluster: let ioredis route SSUBSCRIBE to the shard owning each channel. */
  shardedSubscribers?: boolean
}

const described = new WeakMap<Client, string>()

/**
 * Reconnects after 50 ms, doubling per failed attempt up to `maxDelay`, and never gives up. (A function, so it
 * cannot be passed to the worker thread; the transport builds it there from `maxReconnectDelay`.)
 */
export function backoff (maxDelay: number): (attempt: number) => number {
  return (attempt) => Math.min(50 * 2 ** Math.min(attempt - 1, 20), maxDelay)
}

/** Creates the connection, not yet connected (`connect()` starts it). */
export function createClient (options: ConnectOptions, policy: ClientPolicy): Client {
  const retryStrategy = backoff(options.maxReconnectDelay)
  if (options.cluster === false) {
    return new Redis({
      // ioredis arms this timer even for a socket that never connected; 2 s (its default) would hold the event loop
      // that long after close.
      disconnectTimeout: 500,
      retryStrategy,
      ...options.fromUrl,
      ...definedOnly(options.redis as RedisOptions),
      lazyConnect: true,
      enableOfflineQueue: policy.offlineQueue,
      autoResendUnfulfilledCommands: policy.resend
    })
  }
  const user = options.redis as ClusterOptions
  const cluster = new Cluster(options.cluster, {
    clusterRetryStrategy: retryStrategy,
    ...user,
    lazyConnect: true,
    enableOfflineQueue: policy.offlineQueue,
    ...(policy.shardedSubscribers === true ? { shardedSubscribers: true } : {}),
    redisOptions: {
      disconnectTimeout: 500,
      ...user.redisOptions,
      autoResendUnfulfilledCommands: policy.resend
    }
  })
  described.set(cluster, `Redis Cluster (${options.cluster.map((n) => `${n.host}:${n.port}`).join(', ')})`)
  return cluster
}

/** The user's options without the keys set to `undefined`, which would otherwise hide what the URL says. */
function definedOnly (options: RedisOptions): RedisOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined))
}

/** True when the connection is made with TLS (`rediss://`, or `tls` in the options; a cluster's in `redisOptions`). */
export function usesTls (options: ConnectOptions): boolean {
  const tls = options.cluster === false
    ? (options.redis as RedisOptions).tls ?? options.fromUrl.tls
    : (options.redis as ClusterOptions).redisOptions?.tls
  return tls !== undefined && tls !== null && (tls as unknown) !== false
}

/** Where a connection goes, for messages: host and port, Sentinel group or cluster nodes, never credentials. */
export function targetOf (client: Client): string {
  const known = described.get(client)
  if (known !== undefined) return known
  const { host, port, sentinels, name } = (client as Redis).options
  if (Array.isArray(sentinels) && sentinels.length > 0) return `Sentinel group "${name ?? ''}"`
  return `${host ?? ''}:${String(port ?? '')}`
}

/** Resolves once the connection is ready (at once if it is), or has ended for good. */
export async function untilReady (client: Client): Promise<void> {
  if (client.status === 'ready' || client.status === 'end') return
  await onceAny(client, ['ready', 'end'])
}
