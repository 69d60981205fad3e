'use strict'
// The main demo (`npm run demo`): an application logs a small job through the transport, and a viewer subscribed
// to `logs:*` prints each line as it arrives from Redis, by channel. Without REDIS_URL it starts a private
// redis-server on a free loopback port and stops it at the end (examples/support.js, as every example does).
const pino = require('pino')
const Redis = require('ioredis').default
const { userIdMixin, withUserId, jobIdFactory, closeTransport } = require('redis-log-transport')
const { useRedis } = require('./support')

const LEVELS = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' }
const DEADLINE_MS = 10_000

async function main () {
  const redis = await useRedis()
  const url = redis.url
  const viewer = new Redis(url, { lazyConnect: true })
  viewer.on('error', () => {})
  try {
    await viewer.connect()
    await viewer.psubscribe('logs:*')
    const job = jobIdFactory('demo')
    let received = 0
    viewer.on('pmessage', (_pattern, channel, message) => {
      received++
      const line = JSON.parse(message)
      const extra = line.step !== undefined ? `  step=${line.step}` : ''
      console.log(`${channel.padEnd(46)} ${LEVELS[line.level].padEnd(5)} ${line.msg}${extra}`)
    })

    const transport = pino.transport({ target: 'redis-log-transport', options: { url } })
    const logger = pino({ mixin: userIdMixin }, transport)

    await withUserId(job, async () => {
      logger.info('job started')
      for (let step = 1; step <= 3; step++) {
        await new Promise((resolve) => setTimeout(resolve, 20)) // the context follows awaits and timers
        logger.info({ step }, 'working')
      }
      logger.warn('job finished with a warning')
    })
    logger.child({ userId: 'job_42' }).info('a child logger bound to job_42')
    logger.info('a line outside any job goes to logs:global only')

    // 5 job lines and 1 child line reach two channels each; the last line reaches one.
    const expected = 5 * 2 + 1 * 2 + 1
    await new Promise((resolve) => logger.flush(resolve))
    const deadline = Date.now() + DEADLINE_MS
    while (received < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))

    const stats = await closeTransport(transport) // undefined only if the worker did not answer within 10 s
    console.log(`received ${received} of ${expected} expected messages from Redis ` +
      (stats === undefined
        ? '(the transport did not report its closing figures)'
        : `(the transport published ${stats.published} of ${stats.received} lines, dropped ${stats.dropped})`))
    if (received < expected) process.exitCode = 1
  } finally {
    viewer.disconnect()
    await redis.stop()
  }
}

main().catch((err) => {
  console.error(`demo failed: ${err.message}`)
  process.exit(1)
})
