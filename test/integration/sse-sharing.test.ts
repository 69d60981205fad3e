/**
 * The SSE handler's viewers share its Redis connections (src/reader/sse-hub.ts), against a private redis-server with lines logged
 * through the real worker: many viewers on a few connections, each getting every line once and in order; a viewer
 * whose browser stops reading holds up nobody and, once it reads again, gets what it missed; channel subscriptions
 * taken and dropped with their viewers; nothing left open when the last viewer leaves.
 */
import type Redis from 'ioredis'
import type pino from 'pino'
import { SseClient } from '../helpers/sse-client'
import { clientCount, flush, sseFixture } from '../helpers/sse-fixture'
import { captureStderr } from '../helpers/stderr'
import { waitFor } from '../helpers/wait'

const PADDING = 'x'.repeat(200) // a line of about 300 bytes

/** How many times the server has run a command since it started. */
async function calls (admin: Redis, command: string): Promise<number> {
  const match = new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(await admin.info('commandstats'))
  return Number(match?.[1] ?? 0)
}

async function subscribers (admin: Redis, channel: string): Promise<number> {
  return (await admin.pubsub('NUMSUB', channel) as [string, number])[1]
}

const lines = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `line ${from + i}`)

describe('createLogStreamHandler: viewers share its Redis connections', () => {
  // Long enough streams that a viewer far behind still finds every line it missed.
  const fixture = sseFixture({ history: { maxLen: 100_000 } })
  const { serve } = fixture
  let admin: Redis
  let logger: pino.Logger
  beforeAll(() => { ({ admin, logger } = fixture) })

  it('serves 25 viewers of two streams on three connections, every line once and in order, and closes them after', async () => {
    const { base, handler } = await serve({ replay: 0 })
    const before = await clientCount(admin)
    const jobViewers = await Promise.all(Array.from({ length: 20 }, async () => await SseClient.open(`${base}/?job=shared`)))
    const globalViewers = await Promise.all(Array.from({ length: 5 }, async () => await SseClient.open(base)))
    await waitFor(() => handler.connections === 25, '25 viewers')
    // One connection reads history for every viewer; one follows each of the two streams.
    expect(handler.redisConnections).toBe(3)
    expect(await clientCount(admin) - before).toBe(3)
    const job = logger.child({ userId: 'shared' })
    for (let i = 0; i < 300; i++) job.info(`line ${i}`)
    await flush(logger)
    for (const viewer of [...jobViewers, ...globalViewers]) {
      await viewer.waitFor(300)
      expect(viewer.msgs).toEqual(lines(0, 300))
    }
    for (const viewer of [...jobViewers, ...globalViewers]) viewer.close()
    await waitFor(() => handler.connections === 0, 'every viewer gone')
    expect(handler.redisConnections).toBe(0)
    await waitFor(async () => await clientCount(admin) <= before, `the Redis connections back to ${before}`)
  })

  it('lets a viewer that stops reading fall behind without holding up the others, then gives it every line it missed', async () => {
    const { base, handler } = await serve({ replay: 0 })
    const fast = await SseClient.open(`${base}/?job=slow-reader`)
    const slow = await SseClient.open(`${base}/?job=slow-reader`)
    await waitFor(() => handler.connections === 2, 'two viewers')
    const readsBefore = await calls(admin, 'xrange')
    slow.pause()
    const job = logger.child({ userId: 'slow-reader' })
    const total = 20_000 // 6 MB: more than the sockets between the handler and the paused browser hold
    for (let i = 0; i < total; i++) job.info({ padding: PADDING }, `line ${i}`)
    await flush(logger)
    await waitFor(() => fast.events.length >= total, `${total} lines at the viewer that reads`, 30_000)
    expect(slow.events.length).toBeLessThan(total)
    slow.resume()
    await waitFor(() => slow.events.length >= total, `${total} lines at the viewer that read late`, 30_000)
    expect(fast.msgs).toEqual(lines(0, total))
    expect(slow.msgs).toEqual(lines(0, total))
    expect(await calls(admin, 'xrange')).toBeGreaterThan(readsBefore) // it caught up by reading the stream itself
    fast.close()
    slow.close()
  })

  it('brings a viewer that resumes from Last-Event-ID up to the others, then feeds both from one follower', async () => {
    const { base, handler } = await serve({ replay: 0 })
    const live = await SseClient.open(`${base}/?job=late`)
    const job = logger.child({ userId: 'late' })
    for (let i = 0; i < 50; i++) job.info(`line ${i}`)
    await live.waitFor(50)
    const late = await SseClient.open(`${base}/?job=late`, { 'Last-Event-ID': live.events[9]?.id as string })
    await late.waitFor(40, 'the lines after the one it saw')
    for (let i = 50; i < 60; i++) job.info(`line ${i}`)
    await live.waitFor(60)
    await late.waitFor(50)
    expect(live.msgs).toEqual(lines(0, 60))
    expect(late.msgs).toEqual(lines(10, 60))
    expect(handler.redisConnections).toBe(2)
    live.close()
    late.close()
  })

  it('a first viewer that resumes from an id in the future starts as a new one and holds back nobody', async () => {
    const { base } = await serve({ replay: 0 })
    const future = await SseClient.open(`${base}/?job=future`, { 'Last-Event-ID': '99999999999999-0' })
    const now = await SseClient.open(`${base}/?job=future`)
    logger.child({ userId: 'future' }).info('line 0')
    await now.waitFor(1)
    expect(now.msgs).toEqual(['line 0'])
    // The stream never issued that id: it is unknown, and the viewer gets what a new one gets (here: live lines).
    await future.waitFor(1)
    expect(future.msgs).toEqual(['line 0'])
    future.close()
    now.close()
  })

  it('skips a history entry the transport did not write, and ends the viewers of a stream that is replaced by another type', async () => {
    const { base, handler } = await serve({ replay: 0 })
    const viewers = [await SseClient.open(`${base}/?job=odd`), await SseClient.open(`${base}/?job=odd`)]
    await waitFor(() => handler.connections === 2, 'two viewers')
    await admin.xadd('stream:logs:odd', '*', 'written-by', 'someone else')
    logger.child({ userId: 'odd' }).info('line 0')
    for (const viewer of viewers) {
      await viewer.waitFor(1)
      expect(viewer.msgs).toEqual(['line 0'])
    }
    // Not a stream any more: reading it is refused, which is final. The browsers' streams end; they will retry.
    const stderr = captureStderr()
    try {
      await admin.del('stream:logs:odd')
      await admin.set('stream:logs:odd', 'a string')
      await waitFor(() => viewers.every((viewer) => viewer.ended), 'the viewers\' streams ended', 15_000)
      await waitFor(() => handler.redisConnections === 0, 'the connections released')
      // Said once, for the stream, however many viewers it ended.
      expect(stderr.lines()).toEqual([expect.stringMatching(new RegExp(
        `^redis-log-transport: the log stream handler ended a stream: cannot follow logs:odd at 127\\.0\\.0\\.1:${fixture.redis.port}: WRONGTYPE `))])
    } finally {
      stderr.restore()
    }
    await admin.del('stream:logs:odd')
  })

  it('with history off, holds every channel on one connection and subscribes each channel while it has viewers', async () => {
    const { base, handler } = await serve({ history: false })
    const viewers = await Promise.all(['a', 'a', 'b', 'b', 'c', 'c'].map(async (job) => ({ job, client: await SseClient.open(`${base}/?job=hub-${job}`) })))
    await waitFor(async () => (await Promise.all(['a', 'b', 'c'].map(async (j) => await subscribers(admin, `logs:hub-${j}`)))).every((n) => n === 1),
      'one subscription for each channel')
    expect(handler.redisConnections).toBe(1)
    for (const job of ['a', 'b', 'c']) logger.child({ userId: `hub-${job}` }).info(`to ${job}`)
    for (const { job, client } of viewers) {
      await client.waitFor(1)
      expect(client.msgs).toEqual([`to ${job}`])
    }
    for (const { job, client } of viewers) if (job === 'a') client.close()
    await waitFor(async () => await subscribers(admin, 'logs:hub-a') === 0, 'channel a dropped with its last viewer')
    expect(await subscribers(admin, 'logs:hub-b')).toBe(1)
    logger.child({ userId: 'hub-b' }).info('still to b')
    for (const { job, client } of viewers) if (job === 'b') await client.waitFor(2)
    for (const { client } of viewers) client.close()
    await waitFor(() => handler.redisConnections === 0, 'the shared connection closed with the last viewer')
  })

  it('keeps its viewers through a Redis restart: the shared connections come back, and lines after it arrive once', async () => {
    const withHistory = await serve({ replay: 0 })
    const live = await serve({ history: false })
    const fromStream = await SseClient.open(`${withHistory.base}/?job=restart`)
    const fromChannel = await SseClient.open(`${live.base}/?job=restart`)
    await waitFor(async () => await subscribers(admin, 'logs:restart') === 1, 'the channel subscribed')
    const job = logger.child({ userId: 'restart' })
    for (let i = 0; i < 3; i++) job.info(`line ${i}`)
    await fromStream.waitFor(3)
    await fromChannel.waitFor(3)
    await fixture.redis.restart()
    // Lines published before the channel's subscription is back would be missed by a live-only view.
    await waitFor(async () => await subscribers(admin, 'logs:restart').catch(() => 0) === 1, 'the channel subscribed again', 15_000)
    for (let i = 3; i < 6; i++) job.info(`line ${i}`)
    await fromStream.waitFor(6, 'the lines after the restart, from history')
    await fromChannel.waitFor(6, 'the lines after the restart, live')
    expect(fromStream.msgs).toEqual(lines(0, 6))
    expect(fromChannel.msgs).toEqual(lines(0, 6))
    expect(withHistory.handler.redisConnections).toBe(2)
    expect(live.handler.redisConnections).toBe(1)
    fromStream.close()
    fromChannel.close()
  })

  it('answers 503 when Redis cannot be reached, with or without history, and says why on stderr', async () => {
    for (const history of [true, false]) {
      const stderr = captureStderr()
      try {
        const { base, handler } = await serve({ history, url: 'redis://127.0.0.1:1' })
        const response = await fetch(`${base}/?job=x`)
        expect(response.status).toBe(503)
        await response.text()
        await waitFor(() => handler.redisConnections === 0, 'the failed connection released')
        expect(stderr.lines()).toEqual([expect.stringMatching(
          /^redis-log-transport: the log stream handler answers 503: cannot follow logs:x at 127\.0\.0\.1:1: .*ECONNREFUSED/)])
      } finally {
        stderr.restore()
      }
    }
  })
})
