/**
 * Options of the transport: declared once, with their defaults, and validated in one place.
 *
 * This module has no heavy dependencies (ioredis is only referenced as a type), so the application thread may
 * import it to validate a configuration early.
 */
import type { IncomingMessage } from 'node:http'
import type { RedisOptions } from 'ioredis'
import { DEFAULT_CHANNEL_NAMES, GLOBAL_LOG_CHANNEL, JOB_ID_RULE, jobChannel } from './job-id'
import { fail } from './option-error'
import { redisOptionsFromUrl } from './redis-url'
import { HISTORY_ID } from './stream-id'

export { GLOBAL_LOG_CHANNEL }

/** Milliseconds between two `'stats'` events, unless `statsInterval` says otherwise. */
export const DEFAULT_STATS_INTERVAL = 10_000

/** thread-stream waits at most 10 s for the worker at exit; the close deadline must stay safely under it. */
export const MAX_CLOSE_TIMEOUT = 9000

/** The largest batch: published by the script, it holds the server for its whole length. */
const MAX_BATCH_LINES = 10_000

/** setTimeout's largest delay (about 24.8 days); a longer one fires at once. */
const MAX_TIMER_DELAY = 2 ** 31 - 1

/** What to throw away when the buffer is full. */
export type DropPolicy = 'oldest' | 'newest'

/**
 * Recent lines kept in a Redis stream per channel (`XADD <keyPrefix><channel> MAXLEN ~ maxLen`), so a viewer who
 * arrives later sees them, and a viewer who reconnects resumes exactly where it stopped.
 */
export interface HistoryOptions {
  /**
   * Lines kept per channel. Redis trims in whole blocks (`MAXLEN ~`), so a stream may briefly hold somewhat more.
   * @default 1000
   */
  maxLen?: number
  /**
   * Seconds a job channel's stream lives after its last line.
   * @default 3600 (1 hour)
   */
  jobTtl?: number
  /**
   * Seconds the global channel's stream lives after its last line.
   * @default 86400 (24 hours)
   */
  globalTtl?: number
  /**
   * A channel's stream is the key `${keyPrefix}${channel}`, e.g. `stream:logs:job_42`.
   * @default 'stream:'
   */
  keyPrefix?: string
}

/** History settings with every default applied. */
export interface ResolvedHistory {
  maxLen: number
  jobTtl: number
  globalTtl: number
  keyPrefix: string
}

/** The field of a history stream entry that holds the line. */
export const HISTORY_FIELD = 'line'

/** The history defaults, the original handler's: 1000 lines, 1 hour for a job, 24 hours for the global channel. */
export const DEFAULT_HISTORY: Readonly<ResolvedHistory> = Object.freeze({
  maxLen: 1000,
  jobTtl: 3600,
  globalTtl: 86_400,
  keyPrefix: 'stream:'
})

/** Options accepted by the transport (`pino.transport({ target: 'redis-log-transport', options })`). */
export interface RedisLogTransportOptions {
  /**
   * Redis URL: `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS.
   * @default process.env.REDIS_URL, else 'redis://127.0.0.1:6379'
   */
  url?: string
  /**
   * ioredis options, passed through (username, password, db, tls, sentinels, name, connectTimeout, ...). They take
   * precedence over what `url` says. `enableOfflineQueue`, `lazyConnect` and `autoResendUnfulfilledCommands` are
   * set by the transport, which does its own bounded buffering.
   * @default {}
   */
  redis?: RedisOptions
  /**
   * Job channels are named `${channelPrefix}:${userId}`.
   * @default 'logs'
   */
  channelPrefix?: string
  /**
   * Channel that receives every line; `false` publishes to job channels only.
   * @default 'logs:global'
   */
  globalChannel?: string | false
  /**
   * Top-level field of a line that names its job.
   * @default 'userId'
   */
  userIdKey?: string
  /**
   * At most this many lines go out in one round trip (each line is one PUBLISH per channel). At most 10000: a
   * batch published by the script keeps the server busy until its last PUBLISH.
   * @default 1000
   */
  maxBatchLines?: number
  /**
   * Publish each batch with one call of a small Lua script (EVALSHA) instead of a pipeline of PUBLISH commands:
   * far less CPU in the worker. When the server refuses the script (an ACL user without `+evalsha +eval`, scripting
   * disabled), the transport falls back to PUBLISH pipelines by itself; `false` uses them from the start.
   * @default true
   */
  batchScript?: boolean
  /**
   * At most this many lines wait in the worker for Redis; beyond it lines are dropped by `dropPolicy`.
   * @default 10000
   */
  maxBufferedLines?: number
  /**
   * At most this much line text waits in the worker for Redis, counted in UTF-16 code units (equal to bytes for
   * ASCII lines); beyond it lines are dropped by `dropPolicy`.
   * @default 16777216 (16 MiB)
   */
  maxBufferedBytes?: number
  /**
   * Which lines to drop when the buffer is full: the oldest waiting ones, or the newly arriving ones.
   * @default 'oldest'
   */
  dropPolicy?: DropPolicy
  /**
   * Milliseconds the transport may spend, when it closes, publishing what is still buffered; it is also the
   * longest `logger.flush(cb)` waits while Redis is unreachable. At most 9000 (thread-stream gives the worker 10 s).
   * @default 3000
   */
  closeTimeout?: number
  /**
   * A line longer than this many bytes (UTF-8) is not published: it is dropped and counted with cause
   * `'oversize'`, so one huge line can neither stall the pipeline nor blow the buffer.
   * @default 1048576 (1 MiB)
   */
  maxLineBytes?: number
  /**
   * Milliseconds between two `'stats'` events on the transport stream; `0` sends them only when the transport
   * closes.
   * @default 10000
   */
  statsInterval?: number
  /**
   * Longest pause, in milliseconds, between two attempts to reconnect to Redis. The pause starts at 50 ms and
   * doubles with each failed attempt up to this. (`redis.retryStrategy` cannot cross into the worker thread: it
   * is a function.)
   * @default 2000
   */
  maxReconnectDelay?: number
  /**
   * Also append each line to a Redis stream per channel, in the same round trip as its PUBLISH: `true` for the
   * defaults (1000 lines; 1 hour for a job, 24 hours for the global channel), or an object to tune them. The
   * subscribe API, `redis-log-tail --history` and the SSE handler replay and resume from these streams.
   * @default false
   */
  history?: boolean | HistoryOptions
  /**
   * Redis Cluster: the startup nodes (`'host:port'` strings or `{ host, port }`). `url` is then not used; the
   * `redis` options are ioredis cluster options (node options such as `password` and `tls` go in
   * `redis.redisOptions`).
   * @default false (a single server, or Sentinel through `redis.sentinels`)
   */
  cluster?: ClusterNodeOption[] | false
  /**
   * Publish with SPUBLISH (Redis 7 sharded pub/sub) instead of PUBLISH: in a cluster a line then goes only to the
   * shard that owns its channel instead of to every node. Viewers must then read with SSUBSCRIBE (the subscribe
   * API, `redis-log-tail --sharded` and the SSE handler do when given `sharded: true`).
   * @default false
   */
  sharded?: boolean
}

/** A cluster startup node. */
export type ClusterNodeOption = string | { host: string, port: number }

/** A cluster startup node, as resolved. */
export interface ClusterNode { host: string, port: number }

/** Options with every default applied, as the worker uses them. */
export interface ResolvedOptions {
  url: string
  /** What `url` says, parsed once, as ioredis options (`redis` wins over them); empty with `cluster`. */
  fromUrl: RedisOptions
  redis: RedisOptions
  channelPrefix: string
  globalChannel: string | false
  userIdKey: string
  maxBatchLines: number
  batchScript: boolean
  maxBufferedLines: number
  maxBufferedBytes: number
  dropPolicy: DropPolicy
  closeTimeout: number
  maxLineBytes: number
  statsInterval: number
  maxReconnectDelay: number
  history: ResolvedHistory | false
  cluster: ClusterNode[] | false
  sharded: boolean
}

const DEFAULT_URL = 'redis://127.0.0.1:6379'

const KNOWN_KEYS: ReadonlySet<string> = new Set<keyof RedisLogTransportOptions>([
  'url', 'redis', 'channelPrefix', 'globalChannel', 'userIdKey', 'maxBatchLines', 'batchScript', 'maxBufferedLines',
  'maxBufferedBytes', 'dropPolicy', 'closeTimeout', 'maxLineBytes', 'statsInterval', 'maxReconnectDelay', 'history',
  'cluster', 'sharded'
])

const HISTORY_KEYS: ReadonlySet<string> = new Set<keyof HistoryOptions>(['maxLen', 'jobTtl', 'globalTtl', 'keyPrefix'])

/** pino and thread-stream add their own keys to a target's options (`$context`, `pinoWillSendConfig`). */
function isAddedByPino (key: string): boolean {
  return key.startsWith('$') || key === 'pinoWillSendConfig'
}

function integer (name: string, value: unknown, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `from ${min} and up` : `from ${min} to ${max}`
    fail(name, `an integer ${range}`, value)
  }
  return value
}

/** A channel part: non-empty, no whitespace or control characters. */
function channelName (name: string, value: unknown, fallback: string, orElse = ''): string {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || value === '' || /[\s\p{Cc}]/u.test(value)) {
    fail(name, `a non-empty string without whitespace or control characters${orElse}`, value)
  }
  return value
}

/** Validates the `history` option (`name` is how errors call it): `false` when off. */
export function resolveHistory (value: unknown, name = 'history'): ResolvedHistory | false {
  if (value === undefined || value === false) return false
  if (value === true) return { ...DEFAULT_HISTORY }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(name, 'a boolean or an object', value)
  const input = value as HistoryOptions
  for (const key of Object.keys(input)) {
    if (!HISTORY_KEYS.has(key)) {
      throw new TypeError(`redis-log-transport: unknown option \`${name}.${key}\`; known ones are ${[...HISTORY_KEYS].join(', ')}`)
    }
  }
  return {
    maxLen: integer(`${name}.maxLen`, input.maxLen, DEFAULT_HISTORY.maxLen, 1),
    jobTtl: integer(`${name}.jobTtl`, input.jobTtl, DEFAULT_HISTORY.jobTtl, 1),
    globalTtl: integer(`${name}.globalTtl`, input.globalTtl, DEFAULT_HISTORY.globalTtl, 1),
    keyPrefix: channelName(`${name}.keyPrefix`, input.keyPrefix, DEFAULT_HISTORY.keyPrefix)
  }
}

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

/** The stream that keeps a channel's recent lines. */
export function historyKey (history: Pick<ResolvedHistory, 'keyPrefix'>, channel: string): string {
  return history.keyPrefix + channel
}

/**
 * Applies the defaults and validates every option. Throws a `TypeError` that names the option, what was expected
 * and what was given; a string value is never echoed, since it might be a secret.
 */
export function resolveOptions (input: RedisLogTransportOptions = {}, env: NodeJS.ProcessEnv = process.env): ResolvedOptions {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    fail('options', 'an object', input)
  }
  for (const key of Object.keys(input)) {
    if (!KNOWN_KEYS.has(key) && !isAddedByPino(key)) {
      throw new TypeError(`redis-log-transport: unknown option \`${key}\`; known options are ${[...KNOWN_KEYS].join(', ')}`)
    }
  }

  const cluster = resolveCluster(input.cluster)
  if (cluster !== false && input.url !== undefined) {
    throw new TypeError('redis-log-transport: give either `url` or `cluster`, not both (cluster credentials go in `redis.redisOptions`)')
  }
  const sharded = input.sharded ?? false
  if (typeof sharded !== 'boolean') fail('sharded', 'a boolean', sharded)
  // With a cluster the URL is not used; REDIS_URL is not consulted.
  const fromEnv = input.url === undefined && env.REDIS_URL !== undefined && env.REDIS_URL !== ''
  const url = cluster !== false ? DEFAULT_URL : fromEnv ? env.REDIS_URL as string : input.url ?? DEFAULT_URL
  const fromUrl = cluster !== false ? {} : redisOptionsFromUrl(url, fromEnv ? 'REDIS_URL' : 'url')

  const redis = input.redis === undefined ? {} : input.redis
  if (typeof redis !== 'object' || redis === null || Array.isArray(redis)) fail('redis', 'an object of ioredis options', redis)

  const channelPrefix = channelName('channelPrefix', input.channelPrefix, DEFAULT_CHANNEL_NAMES.channelPrefix)
  const globalChannel = input.globalChannel === false
    ? false
    : channelName('globalChannel', input.globalChannel, GLOBAL_LOG_CHANNEL, ' or `false`')

  const userIdKey = input.userIdKey ?? 'userId'
  if (typeof userIdKey !== 'string' || userIdKey === '') fail('userIdKey', 'a non-empty string', userIdKey)

  const batchScript = input.batchScript ?? true
  if (typeof batchScript !== 'boolean') fail('batchScript', 'a boolean', batchScript)

  const dropPolicy = input.dropPolicy ?? 'oldest'
  if (dropPolicy !== 'oldest' && dropPolicy !== 'newest') fail('dropPolicy', "`'oldest'` or `'newest'`", dropPolicy)

  return {
    url,
    fromUrl,
    redis,
    channelPrefix,
    globalChannel,
    userIdKey,
    maxBatchLines: integer('maxBatchLines', input.maxBatchLines, 1000, 1, MAX_BATCH_LINES),
    batchScript,
    maxBufferedLines: integer('maxBufferedLines', input.maxBufferedLines, 10_000, 1),
    maxBufferedBytes: integer('maxBufferedBytes', input.maxBufferedBytes, 16 * 1024 * 1024, 1024),
    dropPolicy,
    closeTimeout: integer('closeTimeout', input.closeTimeout, 3000, 0, MAX_CLOSE_TIMEOUT),
    maxLineBytes: integer('maxLineBytes', input.maxLineBytes, 1024 * 1024, 64),
    statsInterval: integer('statsInterval', input.statsInterval, DEFAULT_STATS_INTERVAL, 0, MAX_TIMER_DELAY),
    maxReconnectDelay: integer('maxReconnectDelay', input.maxReconnectDelay, 2000, 1, MAX_TIMER_DELAY),
    history: resolveHistory(input.history),
    cluster,
    sharded
  }
}

/** Where the reading side (subscribe API, SSE handler, CLI) finds the lines: the names the transport publishes to. */
export interface ReaderOptions {
  /**
   * Redis URL, as in the transport.
   * @default process.env.REDIS_URL, else 'redis://127.0.0.1:6379'
   */
  url?: string
  /**
   * ioredis options, passed through; they take precedence over what `url` says.
   * @default {}
   */
  redis?: RedisOptions
  /**
   * Job channels are named `${channelPrefix}:${job}`, as in the transport.
   * @default 'logs'
   */
  channelPrefix?: string
  /**
   * The channel every line goes to, as in the transport.
   * @default 'logs:global'
   */
  globalChannel?: string
  /**
   * Longest pause, in milliseconds, between two attempts to reconnect after the connection was lost.
   * @default 2000
   */
  maxReconnectDelay?: number
  /**
   * Redis Cluster startup nodes, as in the transport; `url` is then not used.
   * @default false
   */
  cluster?: ClusterNodeOption[] | false
  /**
   * Read with SSUBSCRIBE, for a transport that publishes with `sharded: true`.
   * @default false
   */
  sharded?: boolean
}

/** Where a subscription reads from. */
export type SubscribeSource = 'auto' | 'stream' | 'pubsub'

/** Options of `subscribe()`. */
export interface SubscribeOptions extends ReaderOptions {
  /** Follow this job's channel; without it, the global channel. */
  job?: string
  /**
   * Start with up to this many of the most recent lines, read from the channel's history stream (the transport's
   * `history` option must be on).
   * @default 0
   */
  history?: number
  /**
   * Start right after this history entry (an id such as a browser's `Last-Event-ID`): every line kept since, then
   * live ones, none twice. Reads from the history stream.
   */
  after?: string
  /**
   * Where lines come from. `'stream'`: the history stream (XREAD): every line carries its `id`, and after a lost
   * connection the subscription resumes where it stopped. `'pubsub'`: the channel (SUBSCRIBE): lines published
   * while the connection is down are missed. `'auto'`: the stream when `history` or `after` is given and the stream
   * exists, else the channel.
   * @default 'auto'
   */
  source?: SubscribeSource
  /**
   * With the history prefix the transport was given (`history.keyPrefix`).
   * @default 'stream:'
   */
  historyKeyPrefix?: string
  /**
   * Lines held for a reader slower than they arrive on the channel (`'pubsub'`); beyond that the oldest are
   * dropped and counted in `dropped`. (From the stream, the subscription reads only as fast as it is read.)
   * @default 10000
   */
  maxQueued?: number
}

/** `ReaderOptions` with every default applied. */
export interface ResolvedReaderOptions {
  url: string
  /** What `url` says, as ioredis options; empty with `cluster`. */
  fromUrl: RedisOptions
  redis: RedisOptions
  channelPrefix: string
  globalChannel: string
  maxReconnectDelay: number
  cluster: ClusterNode[] | false
  sharded: boolean
}

/** `SubscribeOptions` with every default applied; `channel` and `key` are where the lines are read. */
export interface ResolvedSubscribeOptions extends ResolvedReaderOptions {
  job: string | undefined
  channel: string
  key: string
  history: number
  after: string | undefined
  source: SubscribeSource
  maxQueued: number
}

const READER_KEYS = ['url', 'redis', 'channelPrefix', 'globalChannel', 'maxReconnectDelay', 'cluster', 'sharded']
const SUBSCRIBE_KEYS: ReadonlySet<string> = new Set([...READER_KEYS, 'job', 'history', 'after', 'source', 'historyKeyPrefix', 'maxQueued'])

function knownKeys (what: string, input: object, known: ReadonlySet<string>): void {
  for (const key of Object.keys(input)) {
    if (!known.has(key)) throw new TypeError(`redis-log-transport: unknown ${what} option \`${key}\`; known ones are ${[...known].join(', ')}`)
  }
}

/** Validates the options every reader shares. `known` lists the keys the caller accepts. */
export function resolveReaderOptions (input: ReaderOptions, env: NodeJS.ProcessEnv = process.env): ResolvedReaderOptions {
  const transport = resolveOptions({
    url: input.url,
    redis: input.redis,
    channelPrefix: input.channelPrefix,
    maxReconnectDelay: input.maxReconnectDelay,
    cluster: input.cluster,
    sharded: input.sharded
  }, env)
  return {
    url: transport.url,
    fromUrl: transport.fromUrl,
    redis: transport.redis,
    channelPrefix: transport.channelPrefix,
    globalChannel: channelName('globalChannel', input.globalChannel, GLOBAL_LOG_CHANNEL),
    maxReconnectDelay: transport.maxReconnectDelay,
    cluster: transport.cluster,
    sharded: transport.sharded
  }
}

/**
 * Applies the defaults and validates the options of `subscribe()`, with the same kind of errors as the
 * transport's (naming the option, never echoing a string).
 */
export function resolveSubscribeOptions (input: SubscribeOptions = {}, env: NodeJS.ProcessEnv = process.env): ResolvedSubscribeOptions {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) fail('options', 'an object', input)
  knownKeys('subscribe', input, SUBSCRIBE_KEYS)
  const reader = resolveReaderOptions(input, env)
  const { job, after } = input
  const jobsChannel = job === undefined ? undefined : jobChannel(job, reader)
  if (job !== undefined && jobsChannel === undefined) fail('job', JOB_ID_RULE, job)
  if (after !== undefined && (typeof after !== 'string' || !HISTORY_ID.test(after))) {
    fail('after', 'a history entry id such as `1700000000000-0`', after)
  }
  const source = input.source ?? 'auto'
  if (source !== 'auto' && source !== 'stream' && source !== 'pubsub') fail('source', "`'auto'`, `'stream'` or `'pubsub'`", source)
  const history = integer('history', input.history, 0, 0, 1_000_000)
  if (source === 'pubsub' && (history > 0 || after !== undefined)) {
    throw new TypeError("redis-log-transport: `history` and `after` read the history stream; they cannot be used with source 'pubsub'")
  }
  const channel = jobsChannel ?? reader.globalChannel
  const keyPrefix = channelName('historyKeyPrefix', input.historyKeyPrefix, DEFAULT_HISTORY.keyPrefix)
  return {
    ...reader,
    job,
    channel,
    key: historyKey({ keyPrefix }, channel),
    history,
    after,
    source,
    maxQueued: integer('maxQueued', input.maxQueued, 10_000, 1)
  }
}

/** Which job a request may see: the job id, `true` for any job and the global view, or nothing (403). */
export type Authorize = (req: IncomingMessage) => string | boolean | null | undefined |
Promise<string | boolean | null | undefined>

/** Options of `createLogStreamHandler()`. */
export interface LogStreamHandlerOptions extends ReaderOptions {
  /**
   * The transport's `history` setting (the same value may be passed to both). When on, a new viewer first gets the
   * recent lines, every event carries an `id:`, and a browser that reconnects with `Last-Event-ID` resumes right
   * after the last line it saw. When off, viewers get live lines only, and lines published while a browser
   * reconnects are missed.
   * @default false
   */
  history?: boolean | HistoryOptions
  /**
   * With history on: at most this many recent lines sent to a viewer that arrives without `Last-Event-ID`.
   * @default 1000
   */
  replay?: number
  /**
   * Decides which job a request may see. The request names a job with `?job=ID` (no `job`: the global view).
   * Return that id (or, when the request names none, the id to show), `true` to allow any job and the global view,
   * or nothing for 403. Without it, every request is allowed: put the handler behind your own authentication.
   */
  authorize?: Authorize
  /**
   * Milliseconds between two keepalive comments, which keep proxies from closing an idle stream.
   * @default 15000
   */
  keepAlive?: number
  /**
   * The reconnection delay, in milliseconds, suggested to the browser (`retry:`).
   * @default 3000
   */
  retry?: number
}

/** `LogStreamHandlerOptions` with every default applied. */
export interface ResolvedLogStreamHandlerOptions extends ResolvedReaderOptions {
  history: ResolvedHistory | false
  replay: number
  authorize: Authorize | undefined
  keepAlive: number
  retry: number
}

const HANDLER_KEYS: ReadonlySet<string> = new Set([...READER_KEYS, 'history', 'replay', 'authorize', 'keepAlive', 'retry'])

/** Applies the defaults and validates the options of `createLogStreamHandler()`. */
export function resolveLogStreamHandlerOptions (input: LogStreamHandlerOptions = {}, env: NodeJS.ProcessEnv = process.env): ResolvedLogStreamHandlerOptions {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) fail('options', 'an object', input)
  knownKeys('createLogStreamHandler', input, HANDLER_KEYS)
  const { authorize } = input
  if (authorize !== undefined && typeof authorize !== 'function') fail('authorize', 'a function', authorize)
  return {
    ...resolveReaderOptions(input, env),
    history: resolveHistory(input.history),
    replay: integer('replay', input.replay, 1000, 0, 1_000_000),
    authorize,
    keepAlive: integer('keepAlive', input.keepAlive, 15_000, 1, MAX_TIMER_DELAY),
    retry: integer('retry', input.retry, 3000, 0, MAX_TIMER_DELAY)
  }
}
