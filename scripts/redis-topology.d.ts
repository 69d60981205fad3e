import type { ChildProcess } from 'node:child_process'

/** `{ host, port }`, as ioredis's `Cluster` startup nodes and `sentinels` option take them. */
export interface HostPort { host: '127.0.0.1', port: number }

export interface ClusterNode {
  readonly port: number
  /** `redis://127.0.0.1:port` */
  readonly url: string
  /** As last read from `CLUSTER NODES` (at start, after `killPrimary`, or by `refresh()`); a killed node keeps its last role. */
  role: 'master' | 'slave'
  /** For a replica, the port of its primary. */
  masterPort: number | undefined
  /** The cluster node id. */
  id: string
  /** The slot ranges it owns, `[from, to]` inclusive (none for a replica). */
  slots: Array<[number, number]>
  /** False once `killPrimary` has killed it. */
  alive: boolean
  readonly process: ChildProcess
}

export interface RedisCluster {
  readonly nodes: ClusterNode[]
  /** The temporary directory of the node configs and data, removed by `stop()`. */
  readonly dir: string
  /** The live primaries. */
  readonly startupNodes: HostPort[]
  /** The port of the node owning a slot (number) or the slot of a key or channel (string; {hash tags} honoured), as last seen. */
  primaryFor (slotOrKey: number | string): number
  /** Reads `CLUSTER NODES` again and updates each node's role, master and slots. */
  refresh (): Promise<RedisCluster>
  /**
   * SIGKILLs a primary (by default the one owning slot 0) and waits until a replica owns its slots, every other node
   * reports `cluster_state:ok` and agrees, and the new owner answers ROLE master. Resolves with the new owner's port.
   */
  killPrimary (port?: number, options?: { timeoutMs?: number }): Promise<number>
  /** Kills every process it started and removes its directory; safe to call more than once. */
  stop (): Promise<void>
}

export interface ClusterOptions {
  /** At least 3 (what `redis-cli --cluster create` accepts). Default 3. */
  primaries?: number
  /** Default 1. */
  replicasPerPrimary?: number
  /** `cluster-node-timeout` in ms. Default 1000. */
  nodeTimeout?: number
  /** Deadline of each wait while starting. Default 30000. */
  timeoutMs?: number
}

export function startCluster (options?: ClusterOptions): Promise<RedisCluster>

export interface SentinelServer {
  readonly port: number
  readonly url: string
  readonly process: ChildProcess
}

export interface RedisSentinel {
  /** The monitored primary's name, for ioredis's `name` option. */
  readonly name: string
  readonly dir: string
  /** The two data servers (the first one started as primary). */
  readonly servers: SentinelServer[]
  /** The primary as last known (at start, or after `killPrimary`). */
  readonly primary: SentinelServer
  /** The other data server: at start the replica; after `killPrimary`, the killed former primary. */
  readonly replica: SentinelServer
  /** For ioredis's `sentinels` option. */
  readonly sentinels: HostPort[]
  /** The primary's port, as a sentinel reports it (`SENTINEL get-master-addr-by-name`). */
  currentPrimaryPort (): Promise<number>
  /**
   * SIGKILLs the current primary and waits until every sentinel reports another one and it answers ROLE master.
   * Resolves with its port.
   */
  killPrimary (options?: { timeoutMs?: number }): Promise<number>
  /** Kills every process it started and removes its directory; safe to call more than once. */
  stop (): Promise<void>
}

export interface SentinelOptions {
  /** Default 'logs-primary'. */
  name?: string
  /** Default 3. */
  sentinels?: number
  /** `sentinel down-after-milliseconds`. Default 1000. */
  downAfter?: number
  /** `sentinel failover-timeout`. Default 3000. */
  failoverTimeout?: number
  /** Default 2. */
  quorum?: number
  /** Deadline of each wait while starting. Default 30000. */
  timeoutMs?: number
}

export function startSentinel (options?: SentinelOptions): Promise<RedisSentinel>

/** The cluster slot of a key or channel, as `CLUSTER KEYSLOT` computes it (CRC16 modulo 16384, {hash tags} honoured). */
export function keySlot (key: string | Buffer): number

/** One command to 127.0.0.1:port on a connection of its own; error replies reject. */
export function command (port: number, args: Array<string | number>, timeoutMs?: number): Promise<unknown>

/**
 * Polls `check` until it returns true, or throws after `timeoutMs` naming `what` and the last string `check`
 * returned (or error it threw).
 */
export function waitUntil (what: string, timeoutMs: number, check: () => Promise<true | string | false> | true | string | false, intervalMs?: number): Promise<void>

/** `count` distinct free ports on 127.0.0.1, none of them in `exclude`. */
export function freePorts (count: number, exclude?: Set<number>): Promise<number[]>

export interface ClusterNodesEntry {
  id: string
  port: number
  flags: string[]
  masterId: string | undefined
  connected: boolean
  slots: Array<[number, number]>
}

/** `CLUSTER NODES` text, parsed. */
export function parseClusterNodes (text: string): ClusterNodesEntry[]
