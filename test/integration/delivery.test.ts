/**
 * Delivery with the real publisher, in process, against a private redis-server: batching, order, outages,
 * bounds and the accounting identity (published + dropped == received).
 */
import { startRedisServer, freePort, type RedisServer } from '../../scripts/redis-server'
import type { Counters } from '../../src/worker/accounting'
import type { Delivery } from '../../src/worker/delivery'
import { resolveOptions, type RedisLogTransportOptions } from '../../src/worker/options'
import { assemble } from '../../src/worker/transport'
import { Subscriber, publishCalls } from '../helpers/subscriber'
import { logLine } from '../helpers/lines'
import { waitFor } from '../helpers/wait'
import { captureStderr } from '../helpers/stderr'
import Redis from 'ioredis'

/** Delivery as the transport assembles it, with its figures at hand. */
function setup (options: RedisLogTransportOptions): { delivery: Delivery, counters: Counters, send: (line: string) => void } {
  const { delivery, route, accounting } = assemble(resolveOptions(options, {}))
  return { delivery, counters: accounting.counters, send: (line) => { delivery.add(route(line)) } }
}

function expectAccounted (counters: Counters): void {
  const { received, published, dropped, droppedByCause } = counters
  expect(published + dropped).toBe(received)
  expect(Object.values(droppedByCause).reduce((a, b) => a + b, 0)).toBe(dropped)
}

async function readsProcessed (url: string): Promise<number> {
  const redis = new Redis(url)
  try {
    const info = await redis.info('stats')
    return Number(/total_reads_processed:(\d+)/.exec(info)?.[1])
  } finally {
    redis.disconnect()
  }
}

let stderr: ReturnType<typeof captureStderr>
beforeEach(() => { stderr = captureStderr() })
afterEach(() => { stderr.restore() })
const warnings = (): string => stderr.text()

describe('delivery against a live server', () => {
  let server: RedisServer
  let sub: Subscriber
  beforeAll(async () => {
    server = await startRedisServer()
  })
  afterAll(async () => { await server.stop() })
  beforeEach(async () => { sub = await Subscriber.start(server.url) })
  afterEach(async () => { await sub.close() })

  it('publishes every line to its channels, in order, many lines sharing a round trip', async () => {
    const { delivery, counters, send } = setup({ url: server.url })
    await waitFor(() => sub !== undefined, 'subscriber')
    const before = await readsProcessed(server.url)
    const n = 5000
    for (let i = 0; i < n; i++) send(logLine(`line ${i}`, { userId: i % 2 === 0 ? 'even' : 'odd' }))
    await delivery.flushed(n)
    const reads = (await readsProcessed(server.url)) - before
    expect(counters).toMatchObject({ received: n, published: n, dropped: 0 })
    const even = await sub.waitFor('logs:even', n / 2)
    const global = await sub.waitFor('logs:global', n)
    expect(even.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(
      Array.from({ length: n / 2 }, (_, k) => `line ${2 * k}`))
    expect(global.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(Array.from({ length: n }, (_, i) => `line ${i}`))
    // 10 000 PUBLISH commands arrived in far fewer socket reads than commands: they were pipelined.
    expect(reads).toBeLessThan(n / 10)
    await delivery.close()
    expectAccounted(counters)
  })

  it('sends a lone line without waiting for more', async () => {
    const { delivery, send } = setup({ url: server.url })
    send(logLine('alone', { userId: 'solo' }))
    await sub.waitFor('logs:solo', 1, 2000)
    await delivery.close()
  })

  it('buffers while Redis is down at start and publishes in order once it is up', async () => {
    const port = await freePort()
    const url = `redis://127.0.0.1:${port}`
    // The transport retries every 300 ms, which leaves the subscriber time to join before the lines go out.
    const { delivery, counters, send } = setup({ url, redis: { retryStrategy: () => 300 } })
    for (let i = 0; i < 100; i++) send(logLine(`early ${i}`, { userId: 'late' }))
    await waitFor(() => counters.errors > 0, 'a connection error')
    expect(counters.published).toBe(0)
    expect(delivery.buffered).toBe(100)
    const late = await startRedisServer({ port })
    try {
      const lateSub = await Subscriber.start(url)
      const job = await lateSub.waitFor('logs:late', 100)
      expect(job.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(Array.from({ length: 100 }, (_, i) => `early ${i}`))
      await waitFor(() => counters.published === 100, '100 published lines')
      expect(await publishCalls(url)).toBe(200)
      send(logLine('after'))
      await lateSub.waitFor('logs:global', 101)
      await lateSub.close()
      await delivery.close()
      expectAccounted(counters)
      expect(warnings()).toMatch(new RegExp(`cannot publish to Redis at 127.0.0.1:${port}: .*ECONNREFUSED.*Buffering up to 10000 lines`))
      expect(warnings()).toContain(`connected to Redis at 127.0.0.1:${port} again`)
      // One warning per outage, not one per failed attempt or per line.
      expect(warnings().match(/cannot publish/g)).toHaveLength(1)
    } finally {
      await late.stop()
    }
  })

  it('keeps memory bounded while Redis is away, counting what it drops', async () => {
    const port = await freePort()
    const { delivery, counters, send } = setup({ url: `redis://127.0.0.1:${port}`, maxBufferedLines: 50, closeTimeout: 200 })
    for (let i = 0; i < 500; i++) send(logLine(`l${i}`))
    expect(delivery.buffered).toBe(50)
    expect(counters.droppedByCause.overflow).toBe(450)
    expect(warnings().match(/buffer full \(50 lines or 16777216 bytes\): dropping the oldest lines/g)).toHaveLength(1)
    await delivery.close()
    expect(counters.droppedByCause.shutdown).toBe(50)
    expectAccounted(counters)
    expect(warnings()).toContain('closed; 0 of 500 lines published, 500 dropped (overflow: 450, shutdown: 50).')
  })

  it('survives a restart mid-stream and publishes what was logged after it', async () => {
    const restarted = await startRedisServer()
    const { delivery, counters, send } = setup({ url: restarted.url, redis: { retryStrategy: () => 20 } })
    try {
      for (let i = 0; i < 200; i++) send(logLine(`before ${i}`))
      await delivery.flushed(200)
      await restarted.restart()
      for (let i = 0; i < 200; i++) send(logLine(`after ${i}`))
      await waitFor(() => counters.published + counters.dropped === 400, 'all 400 lines accounted')
      expect(counters.published).toBe(400)
      expect(counters.reconnects).toBe(1)
      expect(await publishCalls(restarted.url)).toBe(200) // counted by the new server process
      await delivery.close()
      expectAccounted(counters)
    } finally {
      await restarted.stop()
    }
  })

  it('re-sends the lines of a pipeline cut off by a server killed mid-flow, losing none', async () => {
    const killed = await startRedisServer()
    const { delivery, counters, send } = setup({ url: killed.url, maxBufferedLines: 100_000, maxBatchLines: 200 })
    try {
      const n = 30_000
      for (let i = 0; i < n; i++) send(logLine(`flow ${i}`))
      await waitFor(() => counters.published > 0, 'the first lines to go out')
      await killed.restart()
      await delivery.flushed(n)
      await waitFor(() => counters.published === n, `all ${n} lines published`)
      expect(counters.dropped).toBe(0)
      expect(counters.errors).toBeGreaterThan(0)
      await delivery.close()
      expectAccounted(counters)
    } finally {
      await killed.stop()
    }
  })

  it('closes within its deadline when Redis is unreachable, counting the rest as shutdown', async () => {
    const port = await freePort()
    const { delivery, counters, send } = setup({ url: `redis://127.0.0.1:${port}`, closeTimeout: 300 })
    for (let i = 0; i < 10; i++) send(logLine(`l${i}`))
    await delivery.close()
    expect(counters.droppedByCause.shutdown).toBe(10)
    expectAccounted(counters)
    send(logLine('after close'))
    expect(counters.droppedByCause.shutdown).toBe(11)
  })

  it('counts lines the server refuses, warns once without the password, and keeps going', async () => {
    const admin = new Redis(server.url)
    await admin.call('ACL', 'SETUSER', 'limited', 'on', '>Sup3rS3cret!', '~*', '&logs:allowed', '+@all')
    admin.disconnect()
    const { delivery, counters, send } = setup({ url: `redis://limited:Sup3rS3cret!@127.0.0.1:${server.port}` })
    for (let i = 0; i < 5; i++) send(logLine(`denied ${i}`, { userId: 'forbidden' }))
    send(logLine('allowed', { userId: 'allowed' }))
    await waitFor(() => counters.published + counters.dropped === 6, 'six lines accounted')
    expect(counters.droppedByCause.rejected).toBe(6) // the global channel is not allowed either
    expect(warnings().match(/refused to publish: (NOPERM|ERR The user executing the script can't publish)/g)).toHaveLength(1)
    expect(warnings()).not.toContain('Sup3rS3cret!')
    await delivery.close()
    expectAccounted(counters)
  })

  it('publishes a line whose history Redis refuses, counts it in historyFailed and warns once', async () => {
    const admin = new Redis(server.url)
    await admin.call('ACL', 'SETUSER', 'no-streams', 'on', '>Hist0ryS3cret', 'resetkeys', '~other:*', '&*', '+@all')
    admin.disconnect()
    const { delivery, counters, send } = setup({ url: `redis://no-streams:Hist0ryS3cret@127.0.0.1:${server.port}`, history: true })
    for (let i = 0; i < 3; i++) send(logLine(`line ${i}`, { userId: 'nohistory' }))
    await delivery.flushed(3)
    expect(counters).toMatchObject({ published: 3, dropped: 0, historyFailed: 3 })
    expect(await sub.waitFor('logs:nohistory', 3)).toHaveLength(3)
    expect(warnings().match(/refused to keep history: .*counted in historyFailed/g)).toHaveLength(1)
    expect(warnings()).not.toContain('Hist0ryS3cret')
    await delivery.close()
    expectAccounted(counters)
  })

  it('with globalChannel false, counts lines with no job as unrouted', async () => {
    const { delivery, counters, send } = setup({ url: server.url, globalChannel: false })
    send(logLine('no job'))
    send(logLine('job', { userId: 'only' }))
    await sub.waitFor('logs:only', 1)
    await delivery.close()
    expect(counters).toMatchObject({ received: 2, published: 1, droppedByCause: { unrouted: 1 } })
    expect(sub.on('logs:global')).toEqual([])
  })
})

describe('delivery events and notices, in process', () => {
  it("reports 'stats' on its timer and at close, 'dropped' at each hundred and at close, and oversize lines", async () => {
    const port = await freePort()
    const events: Array<[string, unknown]> = []
    const resolved = resolveOptions({ url: `redis://127.0.0.1:${port}`, maxBufferedLines: 5, statsInterval: 20, closeTimeout: 100, maxLineBytes: 200 }, {})
    const { delivery, route } = assemble(resolved, (name, payload) => { events.push([name, payload]) })
    for (let i = 0; i < 150; i++) delivery.add(route(logLine(`l${i}`)))
    delivery.add(route(logLine('x'.repeat(300))))
    delivery.add(route('not json'))
    await waitFor(() => events.some(([name]) => name === 'stats'), 'a periodic stats event')
    expect(events.filter(([name]) => name === 'dropped')).toEqual([['dropped', { total: 100, droppedByCause: { overflow: 100 } }]])
    await delivery.close()
    const closing = events.filter(([name]) => name === 'stats').at(-1)?.[1]
    expect(closing).toEqual({
      received: 152,
      published: 0,
      dropped: 152,
      droppedByCause: { overflow: 146, oversize: 1, shutdown: 5 },
      buffered: 0,
      errors: expect.any(Number) as number,
      reconnects: 0,
      historyFailed: 0,
      invalid: { notJsonObject: 1, userId: 0 }
    })
    expect(events.at(-2)).toEqual(['dropped', { total: 152, droppedByCause: { overflow: 146, oversize: 1, shutdown: 5 } }])
    expect(warnings().match(/longer than maxLineBytes \(200 bytes\)/g)).toHaveLength(1)
  })

  it('after losing lines, tells the global channel how many and when, once, before what it kept', async () => {
    const port = await freePort()
    const url = `redis://127.0.0.1:${port}`
    const { delivery, counters, send } = setup({ url, maxBufferedLines: 10, redis: { retryStrategy: () => 300 } })
    for (let i = 0; i < 50; i++) send(logLine(`l${i}`))
    await waitFor(() => counters.errors > 0, 'a connection error')
    const late = await startRedisServer({ port })
    try {
      const sub = await Subscriber.start(url)
      const global = await sub.waitFor('logs:global', 11)
      const [notice, ...kept] = global.map((l) => JSON.parse(l) as { level: number, msg: string, lost?: number, lostFrom?: string, lostTo?: string })
      expect(notice).toMatchObject({ level: 40, lost: 40, name: 'redis-log-transport' })
      expect(Date.parse(notice?.lostTo ?? '')).toBeGreaterThanOrEqual(Date.parse(notice?.lostFrom ?? ''))
      expect(notice?.msg).toMatch(/^40 log lines were lost between /)
      expect(kept.map((l) => l.msg)).toEqual(Array.from({ length: 10 }, (_, i) => `l${40 + i}`))
      await sub.close()
      await delivery.close()
      // The notice is the transport's own line: not counted among the application's.
      expect(counters).toMatchObject({ received: 50, published: 10, dropped: 40, reconnects: 0 })
    } finally {
      await late.stop()
    }
  })
})
