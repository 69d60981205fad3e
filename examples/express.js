'use strict'
// Express 4 with pino-http and redis-log-transport: pino-http's logger has the mixin and the transport; POST /jobs
// starts a job whose work runs inside withUserId(), so every line it logs, through req.log or the application's
// logger, goes to logs:<jobId>; GET /logs?job=<jobId> streams that job's lines to a browser (Server-Sent Events,
// with replay); flushOnSignals() makes SIGTERM lose no line.
//
//   npm run build && node examples/express.js     (PORT=3000 by default; a private redis-server unless REDIS_URL is set)
//   curl -X POST 'http://127.0.0.1:3000/jobs?steps=5'        → {"jobId":"job_…"}
//   curl -N 'http://127.0.0.1:3000/logs?job=job_…'           → the job's lines, live
const { setTimeout: sleep, setImmediate: nextTurn } = require('node:timers/promises')
const express = require('express')
const pinoHttp = require('pino-http')
const { userIdMixin, withUserId, jobIdFactory, getUserContext, createLogStreamHandler, flushOnSignals } = require('redis-log-transport')
const { useRedis } = require('./support')

async function main () {
  const { url } = await useRedis() // REDIS_URL, else a private redis-server for this run
  const options = { url, history: true }
  // By path: pino resolves a target's name from pino-http's own file, which need not see this package.
  const target = require.resolve('redis-log-transport')
  const httpLogger = pinoHttp({ mixin: userIdMixin, transport: { target, options } })
  const logger = httpLogger.logger // the application's logger: the one pino-http made, same transport
  // pino-http created the transport and the application never holds it: flushOnSignals() still flushes it on SIGTERM.
  flushOnSignals()

  /** The job's work: a few steps, logged through the request's logger and through the application's. */
  async function runJob (log, steps, interval) {
    log.info({ steps }, 'job started')
    for (let step = 1; step <= steps; step++) {
      await (interval > 0 ? sleep(interval) : nextTurn())
      logger.info({ step }, `step ${step} of ${steps}`) // no job id passed: the mixin reads it from the context
    }
    log.info('job done')
  }

  const app = express()
  app.use(httpLogger)

  // POST /jobs?steps=N&interval=MS answers { jobId } at once (with &wait, once the job is done).
  app.post('/jobs', (req, res) => {
    const steps = Number(req.query.steps ?? 5)
    const interval = Number(req.query.interval ?? 200)
    const jobId = jobIdFactory('job')
    req.log.info({ jobId }, 'job queued') // outside the context: logs:global only
    // The catch is attached inside the context, so a failure is logged on the job's channel too.
    const job = withUserId(jobId, () => runJob(req.log, steps, interval).catch((err) => { req.log.error({ err }, 'job failed') }))
    // Answered outside the context: pino-http's 'request completed' line is not the job's.
    if (req.query.wait === undefined) res.status(202).json({ jobId })
    else job.then(() => { res.status(202).json({ jobId }) })
  })

  // A whole request as a job: middleware that calls next() inside withUserId runs the rest of the request (the body
  // parser and the handler) in that context.
  const asJob = (prefix) => (req, res, next) => { withUserId(jobIdFactory(prefix), next) }
  app.post('/imports', asJob('import'), express.json(), async (req, res) => {
    const rows = Array.isArray(req.body?.rows) ? req.body.rows : []
    req.log.info({ rows: rows.length }, 'importing')
    await sleep(5)
    logger.info('imported')
    res.json({ jobId: getUserContext() })
  })
  const logs = createLogStreamHandler({ url, history: true })
  app.get('/logs', logs)

  const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
    console.log(`listening on http://127.0.0.1:${server.address().port}`)
  })
}

main().catch((err) => { console.error(err); process.exit(1) })
