'use strict'
// Several targets in one worker: Redis for the live view, pino-pretty on stdout for the terminal.
// Run: node examples/multiple-targets.js (a private redis-server; REDIS_URL=redis://host:port for yours)
const pino = require('pino')
const { userIdMixin, withUserId, closeTransport } = require('redis-log-transport')
const { useRedis, startViewer } = require('./support')

async function main () {
  const redis = await useRedis()
  try {
    const transport = pino.transport({
      targets: [
        { target: 'redis-log-transport', options: { url: redis.url }, level: 'info' },
        { target: 'pino-pretty', options: { destination: 1, colorize: false }, level: 'info' }
      ]
    })
    const logger = pino({ mixin: userIdMixin }, transport)
    const viewer = await startViewer(redis.url)
    withUserId('job_multi', () => logger.info('printed by pino-pretty and published to logs:job_multi'))
    await closeTransport(transport)
    await viewer.stop(2)
  } finally {
    await redis.stop()
  }
}

main().catch((err) => { console.error(err.message); process.exit(1) })
