'use strict'
// Job context: code run inside withUserId(jobIdFactory('task'), fn) logs to logs:task_<uuid> (and logs:global),
// across awaits and timers, with no logger passed around.
// Run: node examples/job-context.js (a private redis-server; REDIS_URL=redis://host:port for yours)
const pino = require('pino')
const { userIdMixin, withUserId, jobIdFactory, getUserContext, closeTransport } = require('redis-log-transport')
const { useRedis, startViewer } = require('./support')

async function resizeImages (logger) {
  logger.info('resizing images') // no job id here: the mixin reads it from the context
  await new Promise((resolve) => setTimeout(resolve, 10))
  logger.info(`done, still in ${getUserContext()}`)
}

async function main () {
  const redis = await useRedis()
  try {
    const transport = pino.transport({ target: 'redis-log-transport', options: { url: redis.url } })
    const logger = pino({ mixin: userIdMixin }, transport)
    const viewer = await startViewer(redis.url)
    const job = jobIdFactory('task')
    await withUserId(job, () => resizeImages(logger))
    logger.info('outside the job: logs:global only')
    await closeTransport(transport)
    await viewer.stop(2 * 2 + 1)
  } finally {
    await redis.stop()
  }
}

main().catch((err) => { console.error(err.message); process.exit(1) })
