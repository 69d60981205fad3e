'use strict'
// Several targets in one worker: Redis for the live view, pino-pretty on stdout for the terminal.
// Run: node examples/multiple-targets.js
const pino = require('pino')
const { userIdMixin, withUserId, closeTransport } = require('redis-log-transport')
const { url, startViewer } = require('./support')

const transport = pino.transport({
  targets: [
    { target: 'redis-log-transport', options: { url }, level: 'info' },
    { target: 'pino-pretty', options: { destination: 1, colorize: false }, level: 'info' }
  ]
})
const logger = pino({ mixin: userIdMixin }, transport)

async function main () {
  const viewer = await startViewer()
  withUserId('job_multi', () => logger.info('printed by pino-pretty and published to logs:job_multi'))
  await closeTransport(transport)
  await viewer.stop(2)
}

main().catch((err) => { console.error(err.message); process.exit(1) })
