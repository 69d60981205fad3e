'use strict'
// Child binding: logger.child({ userId: 'job_42' }) sends that logger's lines to logs:job_42, no context needed.
// A userId at the call site wins over the binding, as in pino.
// Run: node examples/child-binding.js (a private redis-server; REDIS_URL=redis://host:port for yours)
const pino = require('pino')
const { closeTransport } = require('redis-log-transport')
const { useRedis, startViewer } = require('./support')

async function main () {
  const redis = await useRedis()
  try {
    const transport = pino.transport({ target: 'redis-log-transport', options: { url: redis.url } })
    const logger = pino(transport)
    const viewer = await startViewer(redis.url)
    const jobLogger = logger.child({ userId: 'job_42' })
    jobLogger.info('bound to job_42')
    jobLogger.info({ userId: 'job_43' }, 'the call site overrides the binding: job_43')
    await closeTransport(transport)
    await viewer.stop(2 * 2)
  } finally {
    await redis.stop()
  }
}

main().catch((err) => { console.error(err.message); process.exit(1) })
