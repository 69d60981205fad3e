/**
 * The transport's options: declared once with their defaults (`DEFAULT_TRANSPORT_OPTIONS`, which the TSDoc
 * `@default`s repeat, kept in agreement by a test), and validated in one place, `resolveOptions`.
 *
 * Pure (ioredis is referenced as a type only), so the application thread may import it to validate a configuration
 * early: the package entry exports `resolveOptions`.
 */
import { channelPart, DEFAULT_CHANNEL_NAMES, GLOBAL_LOG_CHANNEL } from '../shared/channel-names'
import {
  DEFAULT_CONNECTION_OPTIONS, resolveConnectionOptions, type ConnectionOptions, type ResolvedConnectionOptions
} from '../shared/connection-options'
import { resolveHistory, type HistoryOptions, type ResolvedHistory } from '../shared/history'
import { boolean, fail, integer, MAX_TIMER_DELAY, oneOf, optionNames, optionsObject, rejectUnknownKeys } from '../shared/option-checks'

export type { ClusterNode, ClusterNodeOption } from '../shared/connection-options'

/** thread-stream waits at most 10 s for the worker at exit; the close deadline must stay safely under it. */
export const MAX_CLOSE_TIMEOUT = 9000

/** The largest batch: published by the script, it holds the server for its whole length. */
const MAX_BATCH_LINES = 10_000

/** What to throw away when the buffer is full. */
export type DropPolicy = 'oldest' | 'newest'

/** Options accepted by the transport (`pino.transport({ target: 'redis-log-transport', options })`). */
export interface RedisLogTransportOptions extends ConnectionOptions {
  /**
   * Job channels are named `${channelPrefix}:${jobId}`.
   * @default 'logs'
   */
  channelPrefix?: string
  /**
   * Channel that receives every line; `false` publishes to job channels only.
   * @default 'logs:global'
   */
  globalChannel?: string | false
  /**
   * Top-level field of a line that holds its job id.
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
   * At most this many lines wait in the worker for Redis; beyond it lines are dropped by `dropPolicy`. As many
   * again may be in batches sent and not yet answered.
   * @default 10000
   */
  maxBufferedLines?: number
  /**
   * At most this much line text waits in the worker for Redis, counted in UTF-16 code units (equal to bytes for
   * ASCII lines); beyond it lines are dropped by `dropPolicy`. As much again may be in batches not yet answered.
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
   * Also append each line to a Redis stream per channel, in the same round trip as its PUBLISH, and keep an index
   * of the recent jobs: `true` for the defaults (1000 lines; 1 hour for a job, 24 hours for the global channel;
   * 1000 jobs), or an object to tune them. The subscribe API, `redis-log-tail --history` and the SSE handler replay
   * and resume from these streams; the SSE handler's jobs list reads the index.
   * @default false
   */
  history?: boolean | HistoryOptions
}

/** Options with every default applied, as the worker uses them. */
export interface ResolvedOptions extends ResolvedConnectionOptions {
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
  history: ResolvedHistory | false
}

/** The transport's defaults, one per option. */
export const DEFAULT_TRANSPORT_OPTIONS = Object.freeze({
  ...DEFAULT_CONNECTION_OPTIONS,
  ...DEFAULT_CHANNEL_NAMES,
  userIdKey: 'userId',
  maxBatchLines: 1000,
  batchScript: true,
  maxBufferedLines: 10_000,
  maxBufferedBytes: 16 * 1024 * 1024,
  dropPolicy: 'oldest' as DropPolicy,
  closeTimeout: 3000,
  maxLineBytes: 1024 * 1024,
  statsInterval: 10_000,
  history: false as const
})

const TRANSPORT_OPTION_NAMES = optionNames<RedisLogTransportOptions>({
  url: true,
  redis: true,
  channelPrefix: true,
  globalChannel: true,
  userIdKey: true,
  maxBatchLines: true,
  batchScript: true,
  maxBufferedLines: true,
  maxBufferedBytes: true,
  dropPolicy: true,
  closeTimeout: true,
  maxLineBytes: true,
  statsInterval: true,
  maxReconnectDelay: true,
  history: true,
  cluster: true,
  sharded: true
})

/** pino and thread-stream add their own keys to a target's options (`$context`, `pinoWillSendConfig`). */
function isAddedByPino (key: string): boolean {
  return key.startsWith('$') || key === 'pinoWillSendConfig'
}

/**
 * Applies the defaults and validates every option. Throws a `TypeError` that names the option, what was expected
 * and what was given; a string value is never echoed, since it might be a secret.
 */
export function resolveOptions (input: RedisLogTransportOptions = {}, env: NodeJS.ProcessEnv = process.env): ResolvedOptions {
  optionsObject(input)
  rejectUnknownKeys(input, TRANSPORT_OPTION_NAMES, 'option', '', isAddedByPino)
  const defaults = DEFAULT_TRANSPORT_OPTIONS
  const connection = resolveConnectionOptions(input, env)
  const userIdKey = input.userIdKey ?? defaults.userIdKey
  if (typeof userIdKey !== 'string' || userIdKey === '') fail('userIdKey', 'a non-empty string', userIdKey)
  return {
    ...connection,
    channelPrefix: channelPart('channelPrefix', input.channelPrefix, defaults.channelPrefix),
    globalChannel: input.globalChannel === false
      ? false
      : channelPart('globalChannel', input.globalChannel, GLOBAL_LOG_CHANNEL, ' or `false`'),
    userIdKey,
    maxBatchLines: integer('maxBatchLines', input.maxBatchLines, defaults.maxBatchLines, 1, MAX_BATCH_LINES),
    batchScript: boolean('batchScript', input.batchScript, defaults.batchScript),
    maxBufferedLines: integer('maxBufferedLines', input.maxBufferedLines, defaults.maxBufferedLines, 1),
    maxBufferedBytes: integer('maxBufferedBytes', input.maxBufferedBytes, defaults.maxBufferedBytes, 1024),
    dropPolicy: oneOf('dropPolicy', input.dropPolicy, ['oldest', 'newest'], defaults.dropPolicy),
    closeTimeout: integer('closeTimeout', input.closeTimeout, defaults.closeTimeout, 0, MAX_CLOSE_TIMEOUT),
    maxLineBytes: integer('maxLineBytes', input.maxLineBytes, defaults.maxLineBytes, 64),
    statsInterval: integer('statsInterval', input.statsInterval, defaults.statsInterval, 0, MAX_TIMER_DELAY),
    history: resolveHistory(input.history)
  }
}
