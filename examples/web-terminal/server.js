'use strict'
// The web terminal example: a demo application logs two jobs through redis-log-transport (history on), and the
// package's console (createLogConsole: the jobs list, the <log-viewer> element, the global view) shows them live.
// Without REDIS_URL it starts a private redis-server on a free loopback port. PORT (default 3000; 0 for any free
// port) is where it listens.
//
//   npm run build && node examples/web-terminal/server.js
const http = require('node:http')
const pino = require('pino')
const { createLogConsole, closeTransport } = require('redis-log-transport')
const { startRedisServer } = require('../../scripts/redis-server')

const JOBS = ['job_build', 'job_deploy']
const STEP_MS = Number(process.env.STEP_MS || 300)

/** The demo application: each job logs a step every STEP_MS, at varying levels; now and then a line with no job. */
function startDemo (logger) {
  const steps = Object.fromEntries(JOBS.map((job) => [job, 0]))
  const jobs = Object.fromEntries(JOBS.map((job) => [job, logger.child({ userId: job })]))
  const levels = ['info', 'info', 'debug', 'info', 'warn', 'info', 'error']
  let tick = 0
  const timer = setInterval(() => {
    tick++
    for (const job of JOBS) {
      const step = ++steps[job]
      const level = levels[(step + JOBS.indexOf(job)) % levels.length]
      const fields = { step, stage: job === 'job_build' ? 'compile' : 'rollout' }
      // An error line carries an Error, whose stack the console shows as lines.
      if (level === 'error') fields.err = new Error(`step ${step} failed`)
      jobs[job][level](fields, `${job === 'job_build' ? 'building' : 'deploying'}: step ${step}`)
    }
    if (tick % 7 === 0) logger.info({ tick }, 'scheduler heartbeat (no job)')
  }, STEP_MS)
  return () => clearInterval(timer)
}

async function main () {
  const redisServer = process.env.REDIS_URL ? undefined : await startRedisServer()
  const url = process.env.REDIS_URL || redisServer.url
  const transport = pino.transport({ target: 'redis-log-transport', options: { url, history: true } })
  const logger = pino({ level: 'debug' }, transport)
  const stopDemo = startDemo(logger)
  // The whole page: the console routes its own paths (the page, its script, /events, /events/jobs).
  const logConsole = createLogConsole({ url, title: 'Web terminal example' })
  const server = http.createServer(logConsole)
  server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
    console.log(`listening on http://127.0.0.1:${server.address().port}`)
  })

  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    stopDemo()
    await logConsole.close()
    server.closeAllConnections()
    server.close()
    await closeTransport(transport)
    if (redisServer) await redisServer.stop()
    process.exit(0)
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
