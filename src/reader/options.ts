/**
 * The readers' options: what every reader shares (`ReaderOptions`: where Redis is, the channel names the transport
 * publishes to), `subscribe()`'s and the SSE handler's. Each declared once with its `DEFAULT_*` object (which the
 * TSDoc `@default`s repeat, kept in agreement by a test) and validated once, by its resolver.
 */
import type { IncomingMessage } from 'node:http'
import { channelPart, DEFAULT_CHANNEL_NAMES } from '../shared/channel-names'
import {
  DEFAULT_CONNECTION_OPTIONS, resolveConnectionOptions, type ConnectionOptions, type ResolvedConnectionOptions
} from '../shared/connection-options'
import { DEFAULT_HISTORY, HISTORY_ID, historyKey, resolveHistory, type HistoryOptions, type ResolvedHistory } from '../shared/history'
import { JOB_ID_RULE, jobChannel } from '../shared/job-id'
import { fail, integer, MAX_TIMER_DELAY, oneOf, optionNames, optionsObject, rejectUnknownKeys } from '../shared/option-checks'

/** Where the reading side (subscribe API, SSE handler, CLI) finds the lines: the names the transport publishes to. */
export interface ReaderOptions extends ConnectionOptions {
  /**
   * Job channels are named `${channelPrefix}:${jobId}`, as in the transport.
   * @default 'logs'
   */
  channelPrefix?: string
  /**
   * The channel every line goes to, as in the transport.
   * @default 'logs:global'
   */
  globalChannel?: string
}

/** `ReaderOptions` with every default applied. */
export interface ResolvedReaderOptions extends ResolvedConnectionOptions {
  channelPrefix: string
  globalChannel: string
}

/** The defaults every reader shares. */
export const DEFAULT_READER_OPTIONS = Object.freeze({ ...DEFAULT_CONNECTION_OPTIONS, ...DEFAULT_CHANNEL_NAMES })

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

/** `subscribe()`'s defaults. */
export const DEFAULT_SUBSCRIBE_OPTIONS = Object.freeze({
  ...DEFAULT_READER_OPTIONS,
  history: 0,
  source: 'auto' as SubscribeSource,
  historyKeyPrefix: DEFAULT_HISTORY.keyPrefix,
  maxQueued: 10_000
})

/** Which job a request may see: the job id, `true` for any job and the global view, or nothing (403). */
export type Authorize = (req: IncomingMessage) => string | boolean | null | undefined |
Promise<string | boolean | null | undefined>

/** Options of `createLogStreamHandler()`. */
export interface LogStreamHandlerOptions extends ReaderOptions {
  /**
   * Where a viewer's lines come from. From the history stream (the transport's `history` option), a new viewer
   * first gets the recent lines, every event carries an `id:`, and a browser that reconnects with `Last-Event-ID`
   * resumes right after the last line it saw. From the channel, viewers get live lines only, and lines published
   * while a browser reconnects are missed. `'auto'`: each request reads its job's history stream when that stream
   * exists (with the default `keyPrefix`), else the channel. `true` or the transport's `history` object: always
   * the stream (the same value may be passed to both). `false`: always the channel.
   * @default 'auto'
   */
  history?: 'auto' | boolean | HistoryOptions
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
  /** The history streams' settings; `false` when viewers always read the channel. */
  history: ResolvedHistory | false
  /** `history: 'auto'`: a viewer reads the stream only when it exists (`history` holds the defaults then). */
  historyAuto: boolean
  replay: number
  authorize: Authorize | undefined
  keepAlive: number
  retry: number
}

/** The SSE handler's defaults. */
export const DEFAULT_LOG_STREAM_HANDLER_OPTIONS = Object.freeze({
  ...DEFAULT_READER_OPTIONS,
  history: 'auto' as const,
  replay: 1000,
  keepAlive: 15_000,
  retry: 3000
})

const READER_OPTION_NAMES: Record<keyof Required<ReaderOptions>, true> = {
  url: true, redis: true, channelPrefix: true, globalChannel: true, maxReconnectDelay: true, cluster: true, sharded: true
}
const SUBSCRIBE_OPTION_NAMES = optionNames<SubscribeOptions>({
  ...READER_OPTION_NAMES, job: true, history: true, after: true, source: true, historyKeyPrefix: true, maxQueued: true
})
const HANDLER_OPTION_NAMES = optionNames<LogStreamHandlerOptions>({
  ...READER_OPTION_NAMES, history: true, replay: true, authorize: true, keepAlive: true, retry: true
})

/** Validates the options every reader shares. */
function resolveReaderOptions (input: ReaderOptions, env: NodeJS.ProcessEnv): ResolvedReaderOptions {
  return {
    ...resolveConnectionOptions(input, env),
    channelPrefix: channelPart('channelPrefix', input.channelPrefix, DEFAULT_READER_OPTIONS.channelPrefix),
    globalChannel: channelPart('globalChannel', input.globalChannel, DEFAULT_READER_OPTIONS.globalChannel)
  }
}

/** What a subscription reads, beyond where Redis is: all of it already checked. */
export interface Reading {
  job: string | undefined
  source: SubscribeSource
  history: number
  after: string | undefined
  historyKeyPrefix: string
  maxQueued: number
}

/**
 * The options of a subscription to `reading.job` (the global channel without one), for options already resolved.
 * The job id must have been checked against the rule (`jobChannel`).
 */
export function subscriptionOptions (reader: ResolvedReaderOptions, reading: Reading): ResolvedSubscribeOptions {
  const { job, source, history, after, historyKeyPrefix, maxQueued } = reading
  const channel = jobChannel(job, reader) ?? reader.globalChannel
  return { ...reader, job, channel, key: historyKey({ keyPrefix: historyKeyPrefix }, channel), history, after, source, maxQueued }
}

/**
 * Applies the defaults and validates the options of `subscribe()`, with the same kind of errors as the
 * transport's (naming the option, never echoing a string).
 */
export function resolveSubscribeOptions (input: SubscribeOptions = {}, env: NodeJS.ProcessEnv = process.env): ResolvedSubscribeOptions {
  optionsObject(input)
  rejectUnknownKeys(input, SUBSCRIBE_OPTION_NAMES, 'subscribe option')
  const defaults = DEFAULT_SUBSCRIBE_OPTIONS
  const reader = resolveReaderOptions(input, env)
  const { job, after } = input
  if (job !== undefined && jobChannel(job, reader) === undefined) fail('job', JOB_ID_RULE, job)
  if (after !== undefined && (typeof after !== 'string' || !HISTORY_ID.test(after))) {
    fail('after', 'a history entry id such as `1700000000000-0`', after)
  }
  const source = oneOf('source', input.source, ['auto', 'stream', 'pubsub'], defaults.source)
  const history = integer('history', input.history, defaults.history, 0, 1_000_000)
  if (source === 'pubsub' && (history > 0 || after !== undefined)) {
    throw new TypeError("redis-log-transport: `history` and `after` read the history stream; they cannot be used with source 'pubsub'")
  }
  return subscriptionOptions(reader, {
    job,
    source,
    history,
    after,
    historyKeyPrefix: channelPart('historyKeyPrefix', input.historyKeyPrefix, defaults.historyKeyPrefix),
    maxQueued: integer('maxQueued', input.maxQueued, defaults.maxQueued, 1)
  })
}

/** The handler's `history`: `'auto'` (the stream when it exists, with the default settings), or as the transport's. */
function handlerHistory (value: unknown): Pick<ResolvedLogStreamHandlerOptions, 'history' | 'historyAuto'> {
  if (value === 'auto') return { history: { ...DEFAULT_HISTORY }, historyAuto: true }
  if (typeof value !== 'boolean' && (value === null || typeof value !== 'object' || Array.isArray(value))) {
    fail('history', "`'auto'`, a boolean or an object", value)
  }
  return { history: resolveHistory(value), historyAuto: false }
}

/** Applies the defaults and validates the options of `createLogStreamHandler()`. */
export function resolveLogStreamHandlerOptions (input: LogStreamHandlerOptions = {}, env: NodeJS.ProcessEnv = process.env): ResolvedLogStreamHandlerOptions {
  optionsObject(input)
  rejectUnknownKeys(input, HANDLER_OPTION_NAMES, 'createLogStreamHandler option')
  const defaults = DEFAULT_LOG_STREAM_HANDLER_OPTIONS
  const { authorize } = input
  if (authorize !== undefined && typeof authorize !== 'function') fail('authorize', 'a function', authorize)
  return {
    ...resolveReaderOptions(input, env),
    ...handlerHistory(input.history === undefined ? defaults.history : input.history),
    replay: integer('replay', input.replay, defaults.replay, 0, 1_000_000),
    authorize,
    keepAlive: integer('keepAlive', input.keepAlive, defaults.keepAlive, 1, MAX_TIMER_DELAY),
    retry: integer('retry', input.retry, defaults.retry, 0, MAX_TIMER_DELAY)
  }
}

/** Options of `createLogConsole()`: the SSE handler's (its events and jobs list) and the page's own. */
export interface LogConsoleOptions extends LogStreamHandlerOptions {
  /**
   * The page's title and heading.
   * @default 'Logs'
   */
  title?: string
  /**
   * Origins, besides the console's own, whose pages may show the console in a frame (its Content-Security-Policy's
   * `frame-ancestors`), e.g. `['https://admin.example.com']`: for an application that embeds the console in a page
   * of another origin. Each is a scheme, a host and an optional port, without a path.
   * @default [] (only the console's own origin may frame it)
   */
  frameAncestors?: string[]
}

/** The console's defaults. */
export const DEFAULT_LOG_CONSOLE_OPTIONS = Object.freeze({
  ...DEFAULT_LOG_STREAM_HANDLER_OPTIONS,
  title: 'Logs',
  frameAncestors: Object.freeze([]) as readonly string[]
})

/** The console's options checked: its own resolved, the SSE handler's to hand to `createLogStreamHandler`. */
export interface ResolvedLogConsoleOptions {
  title: string
  frameAncestors: readonly string[]
  stream: LogStreamHandlerOptions
}

const CONSOLE_OPTION_NAMES: ReadonlySet<string> = new Set([
  ...HANDLER_OPTION_NAMES, ...optionNames<Omit<LogConsoleOptions, keyof LogStreamHandlerOptions>>({ title: true, frameAncestors: true })
])

/** The longest title, in UTF-16 code units. */
const MAX_TITLE_LENGTH = 200

/** The most origins `frameAncestors` may list. */
const MAX_FRAME_ANCESTORS = 100

/** What `frameAncestors` must hold, for its error. */
const ORIGINS = `an array of at most ${MAX_FRAME_ANCESTORS} origins such as \`https://admin.example.com\` (http or https, no path)`

/** True for an http(s) origin written as the URL standard serializes it: `https://host[:port]`, nothing more. */
function isOrigin (value: unknown): boolean {
  if (typeof value !== 'string') return false
  try {
    const url = new URL(value)
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value
  } catch {
    return false
  }
}

/** Validates `frameAncestors`: a list of origins, copied. */
function frameAncestorsOf (value: unknown): readonly string[] {
  if (value === undefined) return DEFAULT_LOG_CONSOLE_OPTIONS.frameAncestors
  if (!Array.isArray(value) || value.length > MAX_FRAME_ANCESTORS || !value.every(isOrigin)) fail('frameAncestors', ORIGINS, value)
  return Object.freeze([...value as string[]])
}

/**
 * Applies the defaults and validates the console's own options, refusing unknown ones; the SSE handler's are
 * validated by `createLogStreamHandler()`.
 */
export function resolveLogConsoleOptions (input: LogConsoleOptions = {}): ResolvedLogConsoleOptions {
  optionsObject(input)
  rejectUnknownKeys(input, CONSOLE_OPTION_NAMES, 'createLogConsole option')
  const { title = DEFAULT_LOG_CONSOLE_OPTIONS.title, frameAncestors, ...stream } = input
  if (typeof title !== 'string' || title.length > MAX_TITLE_LENGTH) fail('title', `a string of at most ${MAX_TITLE_LENGTH} characters`, title)
  return { title, frameAncestors: frameAncestorsOf(frameAncestors), stream }
}
