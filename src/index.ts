/**
 * The package entry, loaded in the application thread: the job context helpers, the shutdown helpers, the reading
 * side (subscribe), and the transport factory that pino's worker calls. ioredis is loaded only where a connection
 * is made: by the factory, in the worker, or by the first `subscribe()` call.
 */
import type { LogStreamHandlerOptions, RedisLogTransportOptions, SubscribeOptions } from './options'
import type { LogStreamHandler } from './sse'
import type { LogSubscription } from './subscribe'
import type { RedisLogTransportStream } from './transport'

export { userIdContext, withUserId, getUserContext, jobIdFactory, userIdMixin, createUserIdMixin } from './context'
export { GLOBAL_LOG_CHANNEL, resolveOptions } from './options'
export { isUsableJobId } from './job-id'
export { closeTransport, flushOnSignals } from './shutdown'
export type { ChannelNames } from './job-id'
export type { RedisLogTransportOptions, ResolvedOptions, DropPolicy, HistoryOptions, SubscribeOptions, SubscribeSource, ReaderOptions } from './options'
export type { LogMessage, LogSubscription } from './subscribe'
export type { LogStreamHandlerOptions, Authorize } from './options'
export type { LogStreamHandler } from './sse'
export type { TransportStream, CloseTransportOptions, FlushOnSignalsOptions } from './shutdown'
export type { TransportStats, DroppedEvent, DropCause, InvalidCounts, TransportEvents } from './stats'
export type { RedisLogTransportStream } from './transport'

/** The transport factory: `pino.transport({ target: 'redis-log-transport', options })` runs it in the worker. */
export default async function redisLogTransport (options?: RedisLogTransportOptions): Promise<RedisLogTransportStream> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createTransport } = require('./transport') as typeof import('./transport')
  return await createTransport(options)
}

/**
 * Follows a job's channel (`job`), or the global one, and yields each line in order: `for await (const { line }
 * of subscribe({ job }))`. With `history: n`, starts with the last n lines kept by the transport's `history` option.
 */
export function subscribe (options?: SubscribeOptions): LogSubscription {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require('./subscribe') as typeof import('./subscribe')
  return loaded.subscribe(options)
}

/**
 * A `(req, res)` handler for `node:http` (and Express, and Fastify's raw request and response) that streams a job's
 * lines to a browser as Server-Sent Events, with replay and exact resume when `history` is on.
 */
export function createLogStreamHandler (options?: LogStreamHandlerOptions): LogStreamHandler {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require('./sse') as typeof import('./sse')
  return loaded.createLogStreamHandler(options)
}
