'use strict'
// The NestJS example's controller, in plain JavaScript: Nest's decorators are functions, applied here by hand
// (what TypeScript would emit for `@Controller()`, `@Post('jobs')`, `@Query('steps')`, ...).
// POST /jobs starts a job whose work runs inside withUserId(), so every line it logs goes to logs:<jobId>;
// GET /logs?job=<jobId> streams that job's lines as Server-Sent Events.
const { setTimeout: sleep, setImmediate: nextTurn } = require('node:timers/promises')
const { Controller, Get, HttpCode, Inject, Logger, Post, Query, Req, Res } = require('@nestjs/common')
const { PinoLogger } = require('nestjs-pino')
const { withUserId, jobIdFactory, createLogStreamHandler } = require('redis-log-transport')

const logs = createLogStreamHandler({ url: process.env.REDIS_URL, history: true }) // REDIS_URL: see main.js
// Nest's own Logger: with app.useLogger(app.get(Logger from nestjs-pino)) its lines go through pino too.
const appLogger = new Logger('Jobs')

class JobsController {
  constructor (log) {
    this.log = log // nestjs-pino's PinoLogger: the request's logger while a request (or its job) runs
  }

  // POST /jobs?steps=N&interval=MS answers { jobId } at once (with &wait, once the job is done).
  async start (steps = '5', interval = '200', wait) {
    const jobId = jobIdFactory('job')
    this.log.info({ jobId }, 'job queued') // outside the context: logs:global only
    // The catch is attached inside the context, so a failure is logged on the job's channel too.
    const job = withUserId(jobId, () => this.run(Number(steps), Number(interval)).catch((err) => { this.log.error({ err }, 'job failed') }))
    if (wait !== undefined) await job
    return { jobId }
  }

  async run (steps, interval) {
    this.log.info({ steps }, 'job started')
    for (let step = 1; step <= steps; step++) {
      await (interval > 0 ? sleep(interval) : nextTurn())
      appLogger.log(`step ${step} of ${steps}`) // no job id passed: the mixin reads it from the context
    }
    this.log.info('job done')
  }

  // @Res() leaves the response to the handler, which streams until the browser leaves.
  logs (req, res) {
    logs(req, res)
  }

  onModuleDestroy () {
    return logs.close()
  }
}

/** Applies method decorators the way TypeScript does, then stores the decorated method. */
function decorate (target, key, ...decorators) {
  const descriptor = Reflect.decorate(decorators, target.prototype, key, Object.getOwnPropertyDescriptor(target.prototype, key))
  Object.defineProperty(target.prototype, key, descriptor)
}

Controller()(JobsController)
Inject(PinoLogger)(JobsController, undefined, 0)
decorate(JobsController, 'start', Post('jobs'), HttpCode(202))
Query('steps')(JobsController.prototype, 'start', 0)
Query('interval')(JobsController.prototype, 'start', 1)
Query('wait')(JobsController.prototype, 'start', 2)
decorate(JobsController, 'logs', Get('logs'))
Req()(JobsController.prototype, 'logs', 0)
Res()(JobsController.prototype, 'logs', 1)

module.exports = { JobsController }
