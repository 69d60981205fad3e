/**
 * The `redis-log-transport/bullmq` entry: `withJobLogs(processor, options?)`, which runs a BullMQ processor inside
 * its job's context so that its lines go to `logs:{queueName}:{jobId}`. Apart from the main entry so that only the
 * applications that use BullMQ read about it; neither entry loads BullMQ (an optional peer dependency) nor ioredis.
 *
 * ```js
 * const { userIdMixin } = require('redis-log-transport')
 * const { withJobLogs } = require('redis-log-transport/bullmq')
 * const logger = pino({ mixin: userIdMixin }, pino.transport({ target: 'redis-log-transport', options }))
 * new Worker('render', withJobLogs(async (job) => { logger.info('goes to logs:render:' + job.id) }), { connection })
 * ```
 *
 * @packageDocumentation
 */
export { withJobLogs } from './app/bullmq'
export type { JobIdentity, JobProcessor, SandboxedJobProcessor, WithJobLogsOptions } from './app/bullmq'
