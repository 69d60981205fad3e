/**
 * Redis trouble, through the real worker in a child application, against redis-servers these tests start, stop,
 * kill and pause: the accounting identity holds once the transport has closed, and the lines that Redis could take
 * reach a subscriber, in order.
 */
import net from 'node:net'
import Redis from 'ioredis'
import { freePort, startRedisServer, type RedisServer } from '../../scripts/redis-server'
import { App, accounted } from '../helpers/app'
import { Gate } from '../helpers/gate'
import { Subscriber } from '../helpers/subscriber'
import { waitFor } from '../helpers/wait'

/** The `i` of each line, in arrival order. */
const indices = (lines: string[]): number[] => lines.map((l) => (JSON.parse(l) as { i: number }).i)
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, k) => from + k)
/** A subscriber that never reads what it is sent. */
async function slowSubscriber (port: number, channel: string): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1')
  socket.on('error', () => {})
  await new Promise<void>((resolve) => {
    socket.write(`SUBSCRIBE ${channel}\r\n`)
    socket.once('data', () => { socket.pause(); resolve() }) // the subscription is confirmed; read no more
  })
  return socket
}

/** How many clients of a server are subscribed to channels by name (SUBSCRIBE, not PSUBSCRIBE). */
async function channelSubscribers (url: string): Promise<number> {
  const redis = new Redis(url)
  try {
    const list = String(await redis.call('CLIENT', 'LIST'))
    return list.split('\n').filter((line) => / sub=[1-9]/.test(line)).length
  } finally {
    redis.disconnect()
  }
}

/** Sends a signal to a running test server (SIGSTOP pauses it, SIGCONT resumes it). */
function signal (server: RedisServer, name: NodeJS.Signals): void {
  if (server.process === undefined) throw new Error('the server is not running')
  server.process.kill(name)
}

const FAST = { statsInterval: 50, maxReconnectDelay: 50, closeTimeout: 2000 }

describe('faults, through the worker', () => {
  let server: RedisServer
  let app: App | undefined
  const subscribers: Subscriber[] = []
  const gates: Gate[] = []
  beforeEach(async () => { server = await startRedisServer() })
  afterEach(async () => {
    app?.kill('SIGKILL')
    app = undefined
    for (const sub of subscribers.splice(0)) await sub.close()
    for (const gate of gates.splice(0)) await gate.close()
    await server.stop()
  })

  async function subscribe (url: string, pattern?: string, options?: { reconnect?: boolean }): Promise<Subscriber> {
    const sub = await Subscriber.start(url, pattern, options)
    subscribers.push(sub)
    return sub
  }

  it('Redis down at start, up later: the buffered lines are published, in order, once it is up', async () => {
    const port = await freePort()
    const gate = new Gate(server.port)
    gates.push(gate)
    app = await App.start({ ...FAST, url: `redis://127.0.0.1:${port}` })
    await app.send({ log: 300, userId: 'late' })
    await app.waitForStats((s) => s.received === 300 && s.errors > 0, 'the worker to hold the lines')
    const sub = await subscribe(server.url)
    await gate.listen(port) // Redis "comes up" on the port the app was given
    expect(indices(await sub.waitFor('logs:late', 300))).toEqual(range(0, 300))
    expect(indices(await sub.waitFor('logs:global', 300))).toEqual(range(0, 300))
    const stats = accounted(await app.close())
    expect(stats).toMatchObject({ received: 300, published: 300, dropped: 0, reconnects: 0 })
  })

  it('Redis killed and restarted mid-stream: every line reaches a subscriber, in order on each server', async () => {
    const port = await freePort()
    const gate = new Gate(server.port)
    gates.push(gate)
    await gate.listen(port)
    app = await App.start({ ...FAST, url: `redis://127.0.0.1:${port}` })
    // The first server's subscriber must not follow the restarted server: each one's lines are checked apart.
    const before = await subscribe(server.url, undefined, { reconnect: false })
    const total = 1500
    await app.send({ log: total, userId: 'kill', every: 1 })
    await before.waitFor('logs:kill', 200)
    await gate.close() // keeps the transport out until the new subscriber is in
    await server.stop() // SIGKILL
    await app.waitForStats((s) => s.received > s.published + 100, 'lines logged while Redis is down')
    await server.start()
    const after = await subscribe(server.url)
    await gate.listen(port)
    await app.waitForEvent((e) => e.event === 'logged', 'the app to log every line')
    const stats = accounted(await app.close())
    expect(stats).toMatchObject({ received: total, published: total, dropped: 0 })
    expect(stats.reconnects).toBeGreaterThanOrEqual(1)
    const first = indices(before.on('logs:kill'))
    const second = indices(await after.waitFor('logs:kill', 1))
    await waitFor(() => after.on('logs:kill').length > 0 && indices(after.on('logs:kill')).at(-1) === total - 1, 'the last line')
    const last = indices(after.on('logs:kill'))
    expect(second[0]).toBeLessThanOrEqual((first.at(-1) as number) + 1)
    // A line in flight at the kill may reach both servers; none is missing, and each server saw them in order.
    expect(new Set([...first, ...last]).size).toBe(total)
    for (const seen of [first, last]) expect(seen).toEqual([...seen].sort((a, b) => a - b))
  })

  it('Redis stalled (SIGSTOP) for over two seconds mid-stream, then resumed: every line arrives once, in order', async () => {
    app = await App.start({ ...FAST, url: server.url })
    const sub = await subscribe(server.url)
    const total = 4000
    await app.send({ log: total, userId: 'stall', every: 1 })
    await sub.waitFor('logs:stall', 100)
    signal(server, 'SIGSTOP')
    try {
      await app.waitForStats((s) => s.buffered > 2000, 'lines to pile up while Redis is stopped')
    } finally {
      signal(server, 'SIGCONT')
    }
    await app.waitForEvent((e) => e.event === 'logged', 'the app to log every line')
    expect(indices(await sub.waitFor('logs:stall', total))).toEqual(range(0, total))
    const stats = accounted(await app.close())
    expect(stats).toMatchObject({ received: total, published: total, dropped: 0 })
  })

  it('a stall longer than the buffer: drops the oldest, counts them, and tells the global channel', async () => {
    app = await App.start({ ...FAST, url: server.url, maxBufferedLines: 200 })
    const sub = await subscribe(server.url)
    await app.send({ log: 10, userId: 'gap' })
    await sub.waitFor('logs:gap', 10)
    signal(server, 'SIGSTOP')
    try {
      await app.send({ log: 1000, userId: 'gap' })
      await app.waitForStats((s) => s.received === 1010 && (s.droppedByCause.overflow ?? 0) > 0, 'overflow drops')
    } finally {
      signal(server, 'SIGCONT')
    }
    const stats = accounted(await app.close())
    const overflow = stats.droppedByCause.overflow ?? 0
    expect(overflow).toBeGreaterThanOrEqual(1010 - 200 - 10 - 1000) // at least what could not fit
    expect(stats.published).toBe(1010 - overflow)
    // 'dropped' events at each hundred crossed, and at close.
    const totals = app.events.filter((e) => e.event === 'dropped').map((e) => e.dropped?.total)
    expect(totals).toEqual([...range(1, Math.floor(overflow / 100) + 1).map((k) => k * 100), overflow])
    // A viewer of the global channel sees the job's lines that survived, then one warn line about the gap.
    const notices = sub.on('logs:global').map((l) => JSON.parse(l) as { level: number, lost?: number, msg: string })
      .filter((l) => l.lost !== undefined)
    expect(notices).toHaveLength(1)
    expect(notices[0]).toMatchObject({ level: 40, lost: overflow })
    expect(notices[0]?.msg).toMatch(new RegExp(`^${overflow} log lines were lost between \\S+Z and \\S+Z`))
    expect(sub.on('logs:gap')).toHaveLength(stats.published)
  })

  it('a burst through a buffer of 100 lines: the lines that wait for room arrive in order, none dropped', async () => {
    app = await App.start({ ...FAST, url: server.url, maxBufferedLines: 100, maxBatchLines: 20 })
    const sub = await subscribe(server.url)
    const total = 20_000
    await app.send({ log: total, userId: 'tight' })
    expect(indices(await sub.waitFor('logs:tight', total, 20_000))).toEqual(range(0, total))
    const stats = accounted(await app.close())
    expect(stats).toMatchObject({ received: total, published: total, dropped: 0 })
  })

  it('a subscriber too slow for the server is cut off by Redis; the transport and other viewers are unaffected', async () => {
    await server.stop()
    // A hard limit only, with room enough that the test's own viewer is not cut off on a loaded machine when it
    // falls a moment behind (Redis runs each batch of lines in one go).
    server = await startRedisServer({ args: ['--client-output-buffer-limit', 'pubsub 8mb 0 0'] })
    const slow = await slowSubscriber(server.port, 'logs:slow')
    expect(await channelSubscribers(server.url)).toBe(1)
    const sub = await subscribe(server.url, 'logs:slow')
    app = await App.start({ ...FAST, url: server.url })
    const total = 40_000 // 24 MB: more than the kernel's socket buffers and the 8 MB limit can hold
    // At a rate the test's own viewer keeps up with on a loaded machine (12 MB/s): the slow one reads nothing.
    await app.send({ log: total, userId: 'slow', size: 600, rate: 20_000 })
    expect(indices(await sub.waitFor('logs:slow', total, 30_000))).toEqual(range(0, total))
    const stats = accounted(await app.close())
    expect(stats).toMatchObject({ received: total, published: total, dropped: 0, errors: 0 })
    expect(await channelSubscribers(server.url)).toBe(0) // Redis cut the slow one off
    slow.destroy()
  })
})
