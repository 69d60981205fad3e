'use strict'
// Job context: code run inside withUserId(jobIdFactory('task'), fn) logs to logs:task_<uuid> (and logs:global),
// across awaits and timers, with no logger passed around. Run: REDIS_URL=redis://127.0.0.1:6379 node examples/job-context.js
const pino = require('pino')
const { userIdMixin, withUserId, jobIdFactory, getUserContext, closeTransport } = require('redis-log-transport')
const { url, startViewer } = require('./support')

const transport = pino.transport({ target: 'redis-log-transport', options: { url } })
const logger = pino({ mixin: userIdMixin }, transport)

async function resizeImages () {
  logger.info('resizing images') // no job id here: the mixin reads it from the context
  await new Promise((resolve) => setTimeout(resolve, 10))
  logger.info(`done, still in ${getUserContext()}`)
}

async function main () {
  const viewer = await startViewer()
  const job = jobIdFactory('task')
  await withUserId(job, resizeImages)
  logger.info('outside the job: logs:global only')
  await closeTransport(transport)
  await viewer.stop(2 * 2 + 1)
}

main().catch((err) => { console.error(err.message); process.exit(1) })
