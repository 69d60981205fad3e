/**
 * The package entry, loaded in the application thread: the job context helpers, the shutdown helpers, and the
 * transport factory that pino's worker calls. The worker side (ioredis included) is loaded only when that factory
 * runs, in the worker.
 */
import type { RedisLogTransportOptions } from './options'
import type { RedisLogTransportStream } from './transport'

export { userIdContext, withUserId, getUserContext, jobIdFactory, userIdMixin, createUserIdMixin } from './context'
export { GLOBAL_LOG_CHANNEL, resolveOptions } from './options'
export { closeTransport, flushOnSignals } from './shutdown'
export type { RedisLogTransportOptions, ResolvedOptions, DropPolicy } from './options'
export type { TransportStream, CloseTransportOptions, FlushOnSignalsOptions } from './shutdown'
export type { TransportStats, DroppedEvent, DropCause, InvalidCounts, TransportEvents } from './stats'
export type { RedisLogTransportStream } from './transport'

/** The transport factory: `pino.transport({ target: 'redis-log-transport', options })` runs it in the worker. */
export default async function redisLogTransport (options?: RedisLogTransportOptions): Promise<RedisLogTransportStream> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createTransport } = require('./transport') as typeof import('./transport')
  return await createTransport(options)
}
