/**
 * The package entry, loaded in the application thread: the job context helpers and the shutdown helpers
 * (`app/`), the option checks, the readers (`reader/`: subscribe, the SSE handler), and the transport factory that
 * pino's worker calls (`worker/`). Light: ioredis is loaded only where a connection is made, by the factory in the
 * worker, or by the first `subscribe()`, `createLogStreamHandler()` or `createLogConsole()` call; the `require`s below
 * do that.
 */
import type { LogConsole } from './reader/console'
import type { LogConsoleOptions, LogStreamHandlerOptions, SubscribeOptions } from './reader/options'
import type { LogStreamHandler } from './reader/sse'
import type { LogSubscription } from './reader/subscription'
import type { RedisLogTransportOptions } from './worker/options'
import type { RedisLogTransportStream } from './worker/transport'

export { userIdContext, withUserId, getUserContext, jobIdFactory, userIdMixin, createUserIdMixin } from './app/context'
export { closeTransport, flushOnSignals } from './app/shutdown'
export { GLOBAL_LOG_CHANNEL } from './shared/channel-names'
export { isUsableJobId } from './shared/job-id'
export { resolveOptions } from './worker/options'
export type { TransportStream, CloseTransportOptions, FlushOnSignalsOptions } from './app/shutdown'
export type { LogConsole } from './reader/console'
export type { JobSummary } from './reader/jobs'
export type { LogMessage } from './reader/message-queue'
export type {
  SubscribeOptions, SubscribeSource, ReaderOptions, LogStreamHandlerOptions, LogConsoleOptions, Authorize
} from './reader/options'
export type { LogStreamHandler } from './reader/sse'
export type { LogSubscription } from './reader/subscription'
export type { ChannelNames } from './shared/channel-names'
export type { HistoryOptions } from './shared/history'
export type { TransportStats, DroppedEvent, DropCause, InvalidCounts, TransportEvents } from './shared/stats'
export type { RedisLogTransportOptions, ResolvedOptions, DropPolicy } from './worker/options'
export type { RedisLogTransportStream } from './worker/transport'

/** The transport factory: `pino.transport({ target: 'redis-log-transport', options })` runs it in the worker. */
export default async function redisLogTransport (options?: RedisLogTransportOptions): Promise<RedisLogTransportStream> {
  const { createTransport } = require('./worker/transport') as typeof import('./worker/transport')
  return await createTransport(options)
}

/**
 * Follows a job's channel (`job`), or the global one, and yields each line in order: `for await (const { line }
 * of subscribe({ job }))`. With `history: n`, starts with the last n lines kept by the transport's `history` option.
 */
export function subscribe (options?: SubscribeOptions): LogSubscription {
  const loaded = require('./reader/subscribe') as typeof import('./reader/subscribe')
  return loaded.subscribe(options)
}

/**
 * A `(req, res)` handler for `node:http` (and Express, and Fastify's raw request and response) that streams a job's
 * lines to a browser as Server-Sent Events, with replay and exact resume when `history` is on.
 */
export function createLogStreamHandler (options?: LogStreamHandlerOptions): LogStreamHandler {
  const loaded = require('./reader/sse') as typeof import('./reader/sse')
  return loaded.createLogStreamHandler(options)
}

/**
 * The live console as one `(req, res)` handler: the page, the viewer module, the SSE endpoint (`<mount>/events`) and
 * the jobs list (`<mount>/events/jobs`), mounted at any path, with the SSE handler's options (and `authorize`).
 */
export function createLogConsole (options?: LogConsoleOptions): LogConsole {
  const loaded = require('./reader/console') as typeof import('./reader/console')
  return loaded.createLogConsole(options)
}
