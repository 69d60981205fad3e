/**
 * What the application hears from the worker: 'stats' on a timer and at close, 'dropped' at each hundred, and
 * closeTransport's closing figures; through the real worker thread (pino.transport on the built output).
 */
import pino from 'pino'
import { freePort, startRedisServer, type RedisServer } from '../../scripts/redis-server'
import { closeTransport } from '../../src/app/shutdown'
import type { DroppedEvent, TransportStats } from '../../src/shared/stats'
import type { RedisLogTransportOptions } from '../../src/worker/options'
import { accounted } from '../helpers/app'
import { BUILT_ENTRY } from '../helpers/paths'
import { captureStderr, type CapturedStderr } from '../helpers/stderr'
import { once, waitFor } from '../helpers/wait'

/** What the worker of the current test's transport writes to stderr. */
let stderr: CapturedStderr

function start (options: RedisLogTransportOptions): { transport: ReturnType<typeof pino.transport>, logger: pino.Logger, stats: TransportStats[], dropped: DroppedEvent[] } {
  const transport = pino.transport({ target: BUILT_ENTRY, options, worker: stderr.worker })
  const stats: TransportStats[] = []
  const dropped: DroppedEvent[] = []
  transport.on('stats', (s: TransportStats) => { stats.push(s) })
  transport.on('dropped', (d: DroppedEvent) => { dropped.push(d) })
  return { transport, logger: pino(transport), stats, dropped }
}

describe('events, through the worker', () => {
  let server: RedisServer
  beforeAll(async () => { server = await startRedisServer() })
  afterAll(async () => { await server.stop() })
  beforeEach(() => { stderr = captureStderr() })
  afterEach(() => { stderr.restore() })

  it("emits 'stats' every statsInterval, and closeTransport resolves with the closing figures", async () => {
    const { transport, logger, stats } = start({ url: server.url, statsInterval: 30 })
    await once(transport, 'ready')
    for (let i = 0; i < 500; i++) logger.child({ userId: 'st' }).info({ i }, 'line')
    await waitFor(() => stats.some((s) => s.published === 500), 'a stats event showing every line published')
    const seen = stats.length
    await waitFor(() => stats.length >= seen + 2, 'two more periodic stats events')
    const closing = await closeTransport(transport)
    expect(accounted(closing as TransportStats)).toEqual({
      received: 500,
      published: 500,
      dropped: 0,
      droppedByCause: {},
      buffered: 0,
      errors: 0,
      reconnects: 0,
      historyFailed: 0,
      invalid: { notJsonObject: 0, userId: 0 }
    })
    expect(stats.at(-1)).toEqual(closing)
    expect(stderr.text()).toBe('')
  })

  it('with statsInterval 0, sends stats only once, at close', async () => {
    const { transport, logger, stats } = start({ url: server.url, statsInterval: 0 })
    await once(transport, 'ready')
    logger.info('one')
    await new Promise<void>((resolve) => { logger.flush(() => { resolve() }) })
    expect(stats).toEqual([])
    await closeTransport(transport)
    expect(stats).toHaveLength(1)
    expect(stats[0]).toMatchObject({ received: 1, published: 1 })
    expect(stderr.text()).toBe('')
  })

  it("emits 'dropped' each time the total crosses a hundred, and once at close", async () => {
    const port = await freePort()
    const { transport, logger, dropped } = start({
      url: `redis://127.0.0.1:${port}`, maxBufferedLines: 10, dropPolicy: 'newest', closeTimeout: 200, statsInterval: 0
    })
    await once(transport, 'ready')
    for (let i = 0; i < 250; i++) logger.info({ i }, 'line')
    await waitFor(() => dropped.length === 2, "two 'dropped' events")
    expect(dropped).toEqual([
      { total: 100, droppedByCause: { overflow: 100 } },
      { total: 200, droppedByCause: { overflow: 200 } }
    ])
    const closing = accounted(await closeTransport(transport) as TransportStats)
    expect(closing).toMatchObject({ received: 250, published: 0, dropped: 250, droppedByCause: { overflow: 240, shutdown: 10 } })
    expect(dropped.at(-1)).toEqual({ total: 250, droppedByCause: { overflow: 240, shutdown: 10 } })
    expect(stderr.lines()).toEqual(expect.arrayContaining([
      `redis-log-transport: cannot publish to Redis at 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}. Buffering up to 10 lines until it is back.`,
      'redis-log-transport: buffer full (10 lines or 16777216 bytes): dropping the newest lines until Redis catches up.',
      'redis-log-transport: closed; 0 of 250 lines published, 250 dropped (overflow: 240, shutdown: 10).'
    ]))
    expect(stderr.lines()).toHaveLength(3)
  })

  it('keeps reading from pino while Redis is away, holding no more than the buffer', async () => {
    const port = await freePort()
    const { transport, logger, stats } = start({ url: `redis://127.0.0.1:${port}`, maxBufferedLines: 1000, closeTimeout: 100, statsInterval: 20 })
    await once(transport, 'ready')
    for (let i = 0; i < 50_000; i++) logger.info({ i }, 'line while Redis is away')
    await waitFor(() => stats.some((s) => s.received === 50_000), 'the worker to read every line')
    expect(Math.max(...stats.map((s) => s.buffered))).toBeLessThanOrEqual(1000)
    const closing = accounted(await closeTransport(transport) as TransportStats)
    expect(closing.droppedByCause).toEqual({ overflow: 49_000, shutdown: 1000 })
    expect(stderr.lines()).toEqual(expect.arrayContaining([
      `redis-log-transport: cannot publish to Redis at 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}. Buffering up to 1000 lines until it is back.`,
      'redis-log-transport: buffer full (1000 lines or 16777216 bytes): dropping the oldest lines until Redis catches up.',
      'redis-log-transport: closed; 0 of 50000 lines published, 50000 dropped (overflow: 49000, shutdown: 1000).'
    ]))
    expect(stderr.lines()).toHaveLength(3)
  })

  it('with invalid options, the worker keeps reading: every line is counted as misconfigured, no error, flush works', async () => {
    const { transport, logger, stats, dropped } = start({ url: 42 } as unknown as RedisLogTransportOptions)
    const errors: unknown[] = []
    transport.on('error', (error: unknown) => { errors.push(error) })
    await once(transport, 'ready')
    for (let i = 0; i < 250; i++) logger.info({ i }, 'line')
    await new Promise<void>((resolve, reject) => { logger.flush((err) => { if (err != null) reject(err); else resolve() }) })
    await waitFor(() => dropped.length === 2, "two 'dropped' events")
    expect(dropped).toEqual([
      { total: 100, droppedByCause: { misconfigured: 100 } },
      { total: 200, droppedByCause: { misconfigured: 200 } }
    ])
    logger.info('one more, after a flush')
    const closing = accounted(await closeTransport(transport) as TransportStats)
    expect(closing).toMatchObject({ received: 251, published: 0, dropped: 251, droppedByCause: { misconfigured: 251 }, errors: 0 })
    expect(stats.at(-1)).toEqual(closing)
    expect(errors).toEqual([])
    expect(stderr.lines()).toEqual([
      'redis-log-transport: expected `url` to be a string starting with `redis://` or `rediss://`, got `42` (number); ' +
        'the transport publishes nothing, and every line is dropped (cause \'misconfigured\') until the application ' +
        'restarts with valid options (resolveOptions(options) checks them at start-up).',
      'redis-log-transport: closed; 0 of 251 lines published, 251 dropped (misconfigured: 251).'
    ])
  })

  it('when ioredis refuses the connection options, the transport counts every line as misconfigured too', async () => {
    const { transport, logger } = start({ url: server.url, redis: { replyMapping: 'resp3', protocol: 2 } as never, statsInterval: 0 })
    await once(transport, 'ready')
    for (let i = 0; i < 5; i++) logger.info({ i }, 'line')
    const closing = accounted(await closeTransport(transport) as TransportStats)
    expect(closing).toMatchObject({ received: 5, published: 0, droppedByCause: { misconfigured: 5 } })
    expect(stderr.lines()).toEqual([
      'redis-log-transport: cannot start: The "resp3" replyMapping is only supported with protocol 3; the transport ' +
        'publishes nothing, and every line is dropped (cause \'misconfigured\') until the application restarts with valid options.',
      'redis-log-transport: closed; 0 of 5 lines published, 5 dropped (misconfigured: 5).'
    ])
  })

  it('a line logged after closeTransport is lost without crashing the application', async () => {
    const { transport, logger } = start({ url: server.url, statsInterval: 0 })
    await once(transport, 'ready')
    // The same close, wherever it is awaited from.
    const [first, second] = await Promise.all([closeTransport(transport), closeTransport(transport)])
    expect(first).toBeDefined()
    expect(second).toBe(first)
    const written = process.stderr.write
    const late: string[] = []
    process.stderr.write = ((chunk: string) => { late.push(String(chunk)); return true }) as typeof process.stderr.write
    try {
      logger.info('too late')
      logger.info('too late again')
      await waitFor(() => late.length > 0, 'the loss to be reported')
      await new Promise((resolve) => setImmediate(resolve))
    } finally {
      process.stderr.write = written
    }
    expect(late).toEqual(['redis-log-transport: a line was logged after the transport was closed; it is lost, and so are any later ones.\n'])
    expect(stderr.text()).toBe('')
  })
})
