'use strict'
// NestJS 11 with nestjs-pino and redis-log-transport, in plain JavaScript (run with `node`, no compiler): the
// transport and the mixin in LoggerModule.forRoot({ pinoHttp }) (app.module.js), Nest's own logger routed through
// pino, a job context per POST /jobs and the SSE endpoint GET /logs (jobs.controller.js), and flushOnSignals() so
// that SIGTERM loses no line.
//
//   npm run build && node examples/nestjs/main.js     (PORT=3000 by default; a private redis-server unless REDIS_URL is set)
//   curl -X POST 'http://127.0.0.1:3000/jobs?steps=5'        → {"jobId":"job_…"}
//   curl -N 'http://127.0.0.1:3000/logs?job=job_…'           → the job's lines, live
require('reflect-metadata') // Nest reads its decorators' metadata through it
const { NestFactory } = require('@nestjs/core')
const { Logger } = require('nestjs-pino')
const { flushOnSignals } = require('redis-log-transport')
const { useRedis } = require('../support')

async function main () {
  // The module reads REDIS_URL as it loads: yours, or the private redis-server started here for this run.
  process.env.REDIS_URL = (await useRedis()).url
  const { AppModule } = require('./app.module')
  // bufferLogs: Nest's start-up lines wait for app.useLogger() and go through pino as well.
  const app = await NestFactory.create(AppModule, { bufferLogs: true })
  app.useLogger(app.get(Logger))
  // nestjs-pino created the transports and the application never holds them: flushOnSignals() still flushes them.
  // Not together with a bare app.enableShutdownHooks(): Nest's handler would take the signal and end the process
  // with process.kill(), which skips pino's exit hook. With Nest's hooks, pass { useProcessExit: true } instead.
  flushOnSignals()
  await app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1')
  console.log(`listening on ${await app.getUrl()}`)
}

main().catch((err) => { console.error(err); process.exit(1) })
