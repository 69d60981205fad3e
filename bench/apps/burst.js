'use strict'
// One benchmark run: logs COUNT lines of about 150 bytes through VARIANT, with a child `userId` binding, then
// lets the process end on its own (the transport publishes what is left at exit, with `closeTimeout` 9000).
// Prints, as its last stdout line, { cpuMs } measured after the transport has closed.
// Usage: node burst.js VARIANT URL COUNT
const [variant, url, countText] = process.argv.slice(2)
const count = Number(countText)
const TEXT = 'request handled by the image resizer with the usual parameters' // keeps a line near 150 bytes

const { pinoLogger } = require('./variants')

function reportAtExit () {
  // Registered after the transport: runs once pino's exit handler has waited for the worker to close.
  process.once('exit', () => {
    const { user, system } = process.cpuUsage()
    process.stdout.write(JSON.stringify({ cpuMs: (user + system) / 1000 }) + '\n')
  })
}

async function winstonRedis () {
  // Installed apart, in bench/baselines/winston-redis (npm run bench installs it).
  const baseline = require('node:module').createRequire(require.resolve('../baselines/winston-redis/package.json'))
  const winston = baseline('winston')
  const RedisTransport = baseline('winston-redis')
  const { port, hostname } = new URL(url)
  const redisTransport = new RedisTransport({
    host: hostname, port: Number(port), container: 'bench:winston', length: 1000,
    channel: (meta) => `logs:${meta.userId}`
  })
  const logger = winston.createLogger({ transports: [redisTransport] }).child({ userId: 'job_bench_0001' })
  let done = 0
  await new Promise((resolve) => {
    redisTransport.on('logged', () => { if (++done === count) resolve() })
    for (let i = 0; i < count; i++) logger.info(TEXT, { i })
  })
  // Every line is written; the last PUBLISH goes out before QUIT on the same connection.
  await new Promise((resolve) => redisTransport.redis.quit(resolve))
  reportAtExit()
}

if (variant === 'winston-redis') {
  winstonRedis().catch((err) => { console.error(err); process.exit(1) })
} else {
  // The longest close the transport allows: an exit that has this many lines to publish may take a few seconds, and
  // the transport gives a shortfall `closeTimeout` (3 s by default) before it drops lines rather than wait.
  const { logger } = pinoLogger(variant, url, variant.startsWith('redis-log-transport') ? { closeTimeout: 9000 } : {})
  reportAtExit()
  for (let i = 0; i < count; i++) logger.info({ i }, TEXT)
}
