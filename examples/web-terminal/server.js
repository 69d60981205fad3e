'use strict'
// The web terminal example: a demo application logs two jobs through redis-log-transport (history on), and a page
// shows each job's lines, or all of them, live, through the package's SSE handler. Without REDIS_URL it starts a
// private redis-server on a free loopback port. PORT (default 3000; 0 for any free port) is where it listens.
//
//   npm run build && node examples/web-terminal/server.js
const http = require('node:http')
const { readFileSync } = require('node:fs')
const { join } = require('node:path')
const pino = require('pino')
const { createLogStreamHandler, closeTransport } = require('redis-log-transport')
const { startRedisServer } = require('../../scripts/redis-server')

const JOBS = ['job_build', 'job_deploy']
const STEP_MS = Number(process.env.STEP_MS || 300)
const PAGE = readFileSync(join(__dirname, 'index.html'))

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
      jobs[job][level]({ step, stage: job === 'job_build' ? 'compile' : 'rollout' }, `${job === 'job_build' ? 'building' : 'deploying'}: step ${step}`)
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
  const logs = createLogStreamHandler({ url, history: true, replay: 200 })
  const sockets = new Set()

  const server = http.createServer((req, res) => {
    const path = new URL(req.url, 'http://localhost').pathname
    if (path === '/events') {
      sockets.add(req.socket)
      req.socket.once('close', () => sockets.delete(req.socket))
      logs(req, res)
    } else if (path === '/jobs') {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify(JOBS))
    } else if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' })
      res.end(PAGE)
    } else if (path === '/debug/drop' && process.env.WEB_TERMINAL_TEST === '1') {
      // For the end-to-end test: cut every open event stream, as a flaky network would.
      const count = sockets.size
      for (const socket of sockets) socket.destroy()
      res.writeHead(200, { 'Content-Type': 'text/plain' })
      res.end(`dropped ${count}\n`)
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' })
      res.end('not found\n')
    }
  })
  server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
    console.log(`listening on http://127.0.0.1:${server.address().port}`)
  })

  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    stopDemo()
    await logs.close()
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
