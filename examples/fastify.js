'use strict'
// Fastify 5 with redis-log-transport: the transport and the mixin in Fastify's `logger` option; POST /jobs starts a
// job whose work runs inside withUserId(), so every line it logs, through request.log or app.log, goes to
// logs:<jobId>; GET /logs?job=<jobId> streams that job's lines to a browser (Server-Sent Events, with replay);
// flushOnSignals() makes SIGTERM lose no line. POST /imports shows the other way: a route hook that makes the
// whole request a job.
//
//   npm run build && node examples/fastify.js     (PORT=3000 by default; a private redis-server unless REDIS_URL is set)
//   curl -X POST 'http://127.0.0.1:3000/jobs?steps=5'        → {"jobId":"job_…"}
//   curl -N 'http://127.0.0.1:3000/logs?job=job_…'           → the job's lines, live
const { setTimeout: sleep, setImmediate: nextTurn } = require('node:timers/promises')
const Fastify = require('fastify')
const {
  userIdMixin, withUserId, jobIdFactory, getUserContext, createLogStreamHandler, flushOnSignals
} = require('redis-log-transport')
const { useRedis } = require('./support')

async function main () {
  const { url } = await useRedis() // REDIS_URL, else a private redis-server for this run
  const options = { url, history: true }
  const app = Fastify({ logger: { mixin: userIdMixin, transport: { target: 'redis-log-transport', options } } })
  // Fastify created the transport and the application never holds it: flushOnSignals() still flushes it on SIGTERM.
  flushOnSignals()

  /** The job's work: a few steps, logged through the request's logger and through the application's. */
  async function runJob (log, steps, interval) {
    log.info({ steps }, 'job started')
    for (let step = 1; step <= steps; step++) {
      await (interval > 0 ? sleep(interval) : nextTurn())
      app.log.info({ step }, `step ${step} of ${steps}`) // no job id passed: the mixin reads it from the context
    }
    log.info('job done')
  }

  // POST /jobs?steps=N&interval=MS answers { jobId } at once (with &wait, once the job is done).
  app.post('/jobs', async (request, reply) => {
    const steps = Number(request.query.steps ?? 5)
    const interval = Number(request.query.interval ?? 200)
    const jobId = jobIdFactory('job')
    request.log.info({ jobId }, 'job queued') // outside the context: logs:global only
    // The catch is attached inside the context, so a failure is logged on the job's channel too.
    const job = withUserId(jobId, () => runJob(request.log, steps, interval).catch((err) => { request.log.error({ err }, 'job failed') }))
    if (request.query.wait !== undefined) await job
    return reply.code(202).send({ jobId })
  })

  // A whole request as a job: the route's onRequest hook runs the rest of the request's lifecycle inside withUserId,
  // so every line from then on carries the id, Fastify's own 'request completed' too ('incoming request' comes
  // before the hooks). A hook must call `done` inside withUserId; an async hook cannot wrap what follows it.
  app.post('/imports', { onRequest: (request, reply, done) => { withUserId(jobIdFactory('import'), done) } }, async (request) => {
    const rows = Array.isArray(request.body?.rows) ? request.body.rows : []
    request.log.info({ rows: rows.length }, 'importing')
    await sleep(5)
    app.log.info('imported')
    return { jobId: getUserContext() }
  })

  const logs = createLogStreamHandler({ url, history: true })
  app.get('/logs', (request, reply) => {
    reply.hijack() // the handler writes the response itself, for as long as the browser stays
    logs(request.raw, reply.raw)
  })
  app.addHook('onClose', async () => { await logs.close() })

  const address = await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' })
  console.log(`listening on ${address}`)
}

main().catch((err) => { console.error(err); process.exit(1) })
