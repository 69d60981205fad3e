/**
 * Through the real worker thread: pino.transport() on the built output (`npm test` builds first), against a
 * private redis-server.
 */
import { once as onceEvent } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { freePort, startRedisServer, type RedisServer } from '../../scripts/redis-server'
import { closeTransport as closeTransportWithStats, jobIdFactory, userIdMixin, withUserId } from '../../src/index'
import type { TransportStats } from '../../src/shared/stats'
import { accounted } from '../helpers/app'
import { BUILT_ENTRY } from '../helpers/paths'
import { captureStderr } from '../helpers/stderr'
import { Subscriber, publishCalls } from '../helpers/subscriber'
import { once, waitFor } from '../helpers/wait'

type Transport = ReturnType<typeof pino.transport>

async function closeTransport (transport: Transport): Promise<void> {
  const closed = onceEvent(transport, 'close')
  transport.end()
  await closed
}

async function flush (logger: pino.Logger): Promise<void> {
  await new Promise<void>((resolve, reject) => { logger.flush((err) => { if (err != null) reject(err); else resolve() }) })
}

const msgs = (lines: string[]): string[] => lines.map((l) => (JSON.parse(l) as { msg: string }).msg)

describe('through the worker thread', () => {
  let server: RedisServer
  let sub: Subscriber
  beforeAll(async () => { server = await startRedisServer() })
  afterAll(async () => { await server.stop() })
  beforeEach(async () => { sub = await Subscriber.start(server.url) })
  afterEach(async () => { await sub.close() })

  it('routes job context, child binding and plain lines, publishing the same bytes on both channels', async () => {
    const transport = pino.transport({ target: BUILT_ENTRY, options: { url: server.url } })
    const logger = pino({ mixin: userIdMixin }, transport)
    const job = jobIdFactory('task')
    await withUserId(job, async () => {
      logger.info('in job')
      await new Promise((resolve) => setImmediate(resolve))
      logger.warn({ step: 2, text: 'ünïcødé ☕ "quotes"' }, 'still in job after await')
    })
    logger.child({ userId: 'job_42' }).info('child line')
    logger.info('global only')
    await flush(logger)

    const jobLines = await sub.waitFor(`logs:${job}`, 2)
    const global = await sub.waitFor('logs:global', 4)
    expect(msgs(jobLines)).toEqual(['in job', 'still in job after await'])
    expect(msgs(await sub.waitFor('logs:job_42', 1))).toEqual(['child line'])
    expect(msgs(global)).toEqual(['in job', 'still in job after await', 'child line', 'global only'])
    // The job channel and the global channel carry the very same line, as pino wrote it, without the newline.
    expect(global.slice(0, 2)).toEqual(jobLines)
    expect(jobLines[1]).toMatch(/^\{"level":40,.*"ünïcødé ☕ \\"quotes\\"".*\}$/)
    const channels = new Set(sub.messages.map((m) => m.channel))
    expect([...channels].sort()).toEqual([`logs:${job}`, 'logs:global', 'logs:job_42'].sort())
    await closeTransport(transport)
  })

  it('call site beats mixin beats binding, as in pino', async () => {
    const transport = pino.transport({ target: BUILT_ENTRY, options: { url: server.url } })
    const logger = pino({ mixin: userIdMixin }, transport)
    withUserId('from_mixin', () => {
      logger.child({ userId: 'from_binding' }).info('mixin wins')
      logger.child({ userId: 'from_binding' }).info({ userId: 'from_callsite' }, 'call site wins')
    })
    logger.child({ userId: 'from_binding' }).info({ nested: { userId: 'nope' } }, 'binding, nested ignored')
    await flush(logger)
    expect(msgs(await sub.waitFor('logs:from_mixin', 1))).toEqual(['mixin wins'])
    expect(msgs(await sub.waitFor('logs:from_callsite', 1))).toEqual(['call site wins'])
    expect(msgs(await sub.waitFor('logs:from_binding', 1))).toEqual(['binding, nested ignored'])
    await sub.waitFor('logs:global', 3)
    expect(sub.on('logs:nope')).toEqual([])
    await closeTransport(transport)
  })

  it('logger.flush calls back only once every earlier line is published', async () => {
    const before = await publishCalls(server.url)
    const transport = pino.transport({ target: BUILT_ENTRY, options: { url: server.url } })
    const logger = pino(transport).child({ userId: 'flushed' })
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 3000; i++) logger.info(`round ${round} line ${i}`)
      await flush(logger)
      // No waiting here: the server has executed every PUBLISH by the time the callback runs.
      expect(await publishCalls(server.url) - before).toBe(2 * 3000 * (round + 1))
    }
    await closeTransport(transport)
  })

  it('resolves the target by package name', async () => {
    const transport = pino.transport({ target: 'redis-log-transport', options: { url: server.url } })
    const logger = pino(transport)
    logger.info({ userId: 'by_name' }, 'resolved by name')
    await flush(logger)
    expect(msgs(await sub.waitFor('logs:by_name', 1))).toEqual(['resolved by name'])
    await closeTransport(transport)
  })

  it('works as one of several targets, next to pino/file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rlt-targets-'))
    const file = join(dir, 'app.log')
    try {
      const transport = pino.transport({
        targets: [
          { target: BUILT_ENTRY, options: { url: server.url }, level: 'info' },
          { target: 'pino/file', options: { destination: file }, level: 'warn' }
        ]
      })
      const logger = pino({ level: 'debug' }, transport).child({ userId: 'multi' })
      logger.debug('below every target')
      logger.info('info line')
      logger.error('error line')
      await closeTransport(transport)
      expect(msgs(await sub.waitFor('logs:multi', 2))).toEqual(['info line', 'error line'])
      expect(msgs(readFileSync(file, 'utf8').trim().split('\n'))).toEqual(['error line'])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('with Redis down at start, the app keeps running, sees no error, and lines go out once Redis is up', async () => {
    const port = await freePort()
    const url = `redis://127.0.0.1:${port}`
    const stderr = captureStderr()
    const transport = pino.transport({
      target: BUILT_ENTRY,
      options: { url, closeTimeout: 500 },
      worker: stderr.worker
    })
    const errors: Error[] = []
    transport.on('error', (err: Error) => { errors.push(err) })
    const logger = pino(transport).child({ userId: 'patient' })
    await once(transport, 'ready')
    for (let i = 0; i < 50; i++) logger.info(`waiting ${i}`)
    // flush gives up after closeTimeout while Redis is away, without an error: the lines stay buffered.
    await flush(logger)
    const late = await startRedisServer({ port })
    try {
      // ioredis reconnects on its own back-off; every buffered line is then published (two PUBLISH each).
      await waitFor(async () => await publishCalls(url) === 100, '100 PUBLISH calls on the late server')
      await closeTransport(transport)
      expect(errors).toEqual([])
      // The outage and its end, each said once on stderr.
      expect(stderr.lines()).toEqual([
        `redis-log-transport: cannot publish to Redis at 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}. Buffering up to 10000 lines until it is back.`,
        `redis-log-transport: connected to Redis at 127.0.0.1:${port} again; publishing resumes.`
      ])
    } finally {
      stderr.restore()
      await late.stop()
    }
  })

  it('invalid options do not end the worker: the stream stays usable and every line is counted as misconfigured', async () => {
    const stderr = captureStderr()
    try {
      const transport = pino.transport({ target: BUILT_ENTRY, options: { url: server.url, maxBatchLines: 0 }, worker: stderr.worker })
      const errors: Error[] = []
      transport.on('error', (error: Error) => { errors.push(error) })
      await once(transport, 'ready')
      const logger = pino(transport)
      logger.info('one')
      logger.info('two')
      await flush(logger)
      const stats = accounted(await closeTransportWithStats(transport) as TransportStats)
      expect(stats).toMatchObject({ received: 2, published: 0, dropped: 2, droppedByCause: { misconfigured: 2 } })
      expect(errors).toEqual([])
      expect(sub.messages).toEqual([])
      expect(stderr.lines()).toEqual([
        'redis-log-transport: expected `maxBatchLines` to be an integer from 1 to 10000, got `0` (number); the transport ' +
          'publishes nothing, and every line is dropped (cause \'misconfigured\') until the application restarts with ' +
          'valid options (resolveOptions(options) checks them at start-up).',
        'redis-log-transport: closed; 0 of 2 lines published, 2 dropped (misconfigured: 2).'
      ])
    } finally {
      stderr.restore()
    }
  })
})
