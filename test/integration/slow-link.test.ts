/**
 * A Redis that is merely slow, through the real worker in a child application: a link to the server that carries
 * 400 kB/s while the application logs about 1 MB/s. The worker must keep reading pino's lines (or the backlog
 * would pile up in the application's memory, where pino keeps what the worker does not read) and drop by policy,
 * counted and with the loss notice; the close must still fit in `closeTimeout`.
 */
import { startRedisServer, type RedisServer } from '../../scripts/redis-server'
import { startSlowLink, type SlowLink } from '../../scripts/slow-link'
import { App, accounted } from '../helpers/app'
import { Subscriber } from '../helpers/subscriber'

describe('a slow link to Redis, through the worker', () => {
  let server: RedisServer
  let link: SlowLink
  let app: App | undefined
  beforeAll(async () => {
    server = await startRedisServer()
    link = await startSlowLink({ targetPort: server.port, bytesPerSecond: 400_000 })
  })
  afterAll(async () => {
    await link.close()
    await server.stop()
  })
  afterEach(() => { app?.kill('SIGKILL'); app = undefined })

  it('keeps reading and drops by policy, counted and told, and closes within closeTimeout', async () => {
    const sub = await Subscriber.start(server.url)
    try {
      const closeTimeout = 1000
      // Small batches complete often (each well under a second), as on any link that is slow but not stalled.
      app = await App.start({ url: link.url, maxBufferedLines: 2000, maxBatchLines: 100, closeTimeout, statsInterval: 50 })
      const total = 20_000 // at 5 000 lines a second of about 200 bytes: 1 MB/s for 4 s
      await app.send({ log: total, rate: 5000, size: 100, userId: 'slow-link' })
      await app.waitForEvent((e) => e.event === 'logged', 'the app to log every line', 20_000)
      // The worker has read (nearly) as fast as the application logged, although Redis took far less.
      await app.waitForStats((s) => s.received === total, 'the worker to have read every line while Redis is still slow', 2000)
      const closing = Date.now()
      const stats = accounted(await app.close())
      expect(Date.now() - closing).toBeLessThan(closeTimeout + 1000)
      expect(stats.received).toBe(total)
      expect(stats.droppedByCause.overflow).toBeGreaterThan(0)
      // The viewers of the global channel were told of the gap.
      const notices = sub.on('logs:global').filter((line) => line.includes('"lost":'))
      expect(notices.length).toBeGreaterThan(0)
      expect(app.stderr).toContain('buffer full (2000 lines or 16777216 bytes): dropping the oldest lines until Redis catches up.')
    } finally {
      await sub.close()
    }
  })

  it('a burst that only waits for room a moment is delayed, not dropped', async () => {
    app = await App.start({ url: link.url, maxBufferedLines: 1000, statsInterval: 0 })
    // 3 000 short lines, 330 kB: under a second of this link, well within the time a shortfall may wait.
    await app.send({ log: 3000, userId: 'short-burst' })
    const stats = accounted(await app.close())
    expect(stats).toMatchObject({ received: 3000, published: 3000, dropped: 0 })
  })
})
