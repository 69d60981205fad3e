/**
 * Options of the transport: declared once, with their defaults, and validated in one place.
 *
 * This module has no heavy dependencies (ioredis is only referenced as a type), so the application thread may
 * import it to validate a configuration early.
 */
import type { RedisOptions } from 'ioredis'

/** The channel every line is published to, unless `globalChannel` says otherwise. */
export const GLOBAL_LOG_CHANNEL = 'logs:global'

/** A line whose `userId` is longer than this goes to the global channel only. */
export const MAX_USER_ID_LENGTH = 256

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
}

/** Options with every default applied, as the worker uses them. */
export interface ResolvedOptions {
  url: string
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
}

const DEFAULT_URL = 'redis://127.0.0.1:6379'

const KNOWN_KEYS: ReadonlySet<string> = new Set<keyof RedisLogTransportOptions>([
  'url', 'redis', 'channelPrefix', 'globalChannel', 'userIdKey', 'maxBatchLines', 'batchScript', 'maxBufferedLines',
  'maxBufferedBytes', 'dropPolicy', 'closeTimeout', 'maxLineBytes', 'statsInterval', 'maxReconnectDelay', 'history'
])

const HISTORY_KEYS: ReadonlySet<string> = new Set<keyof HistoryOptions>(['maxLen', 'jobTtl', 'globalTtl', 'keyPrefix'])

/** pino and thread-stream add their own keys to a target's options (`$context`, `pinoWillSendConfig`). */
function isAddedByPino (key: string): boolean {
  return key.startsWith('$') || key === 'pinoWillSendConfig'
}

/** Shows a rejected value without ever echoing a string that might be a secret. */
function describe (value: unknown): string {
  if (value === null) return '`null`'
  if (typeof value === 'string') return `a string of ${value.length} characters`
  if (typeof value === 'number' || typeof value === 'boolean') return `\`${String(value)}\` (${typeof value})`
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}

function fail (name: string, expected: string, value: unknown): never {
  throw new TypeError(`redis-log-transport: expected \`${name}\` to be ${expected}, got ${describe(value)}`)
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

  const url = input.url ?? (env.REDIS_URL !== undefined && env.REDIS_URL !== '' ? env.REDIS_URL : DEFAULT_URL)
  if (typeof url !== 'string' || !/^rediss?:\/\/./.test(url)) {
    fail('url', 'a string starting with `redis://` or `rediss://`', url)
  }

  const redis = input.redis === undefined ? {} : input.redis
  if (typeof redis !== 'object' || redis === null || Array.isArray(redis)) fail('redis', 'an object of ioredis options', redis)

  const channelPrefix = channelName('channelPrefix', input.channelPrefix, 'logs')
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
    statsInterval: integer('statsInterval', input.statsInterval, 10_000, 0, MAX_TIMER_DELAY),
    maxReconnectDelay: integer('maxReconnectDelay', input.maxReconnectDelay, 2000, 1, MAX_TIMER_DELAY),
    history: resolveHistory(input.history)
  }
}
