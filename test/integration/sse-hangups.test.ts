/**
 * Browsers hang up at any moment: during an asynchronous authorize(), during the replay, during catch-up, or while
 * live. Through a real HTTP server and lines logged through the real worker: whenever a client leaves, its viewer and
 * its share of the Redis connections are released at once, nothing is written to its response afterwards, and the
 * next viewer is served as usual.
 */
import http from 'node:http'
import type Redis from 'ioredis'
import type pino from 'pino'
import { createLogStreamHandler, type LogStreamHandler, type LogStreamHandlerOptions } from '../../src/index'
import { SseClient } from '../helpers/sse-client'
import { clientCount, flush, listen, sseFixture } from '../helpers/sse-fixture'
import { waitFor } from '../helpers/wait'

/** A server whose responses count what is written to them after their client has gone. */
interface Watched {
  base: string
  handler: LogStreamHandler
  writesAfterClose: () => number
  /** Requests that reached the handler, and those whose client has gone since. */
  started: () => number
  closed: () => number
}

describe('SSE viewers that hang up', () => {
  const fixture = sseFixture({ history: true })
  let admin: Redis
  let logger: pino.Logger
  beforeAll(() => { ({ admin, logger } = fixture) })

  async function watched (options: LogStreamHandlerOptions): Promise<Watched> {
    const handler = createLogStreamHandler({ url: fixture.redis.url, ...options })
    let late = 0
    let started = 0
    let closed = 0
    const server = http.createServer((req, res) => {
      started++
      let gone = false
      res.once('close', () => { gone = true; closed++ })
      for (const name of ['write', 'writeHead', 'end'] as const) {
        const original = res[name].bind(res) as (...args: unknown[]) => unknown
        // A write after 'close' goes nowhere; counting them is the point (end() after a close is harmless).
        ;(res as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
          if (gone && name !== 'end') late++
          return original(...args)
        }
      }
      handler(req, res)
    })
    fixture.track(server, handler)
    return { base: await listen(server), handler, writesAfterClose: () => late, started: () => started, closed: () => closed }
  }

  /** When a client hangs up: so many ms after its request went out, or after the first line reached it. */
  type HangUp = { afterSent: number } | { afterFirstLine: number }

  /**
   * Opens a raw request; `hangUp` destroys it, and so does the moment `when` names (or 5 s, whichever comes first).
   * `done` resolves once it has hung up or failed.
   */
  function request (url: string, headers: Record<string, string> = {}, when?: HangUp): { hangUp: () => void, done: Promise<void>, streamed: () => boolean } {
    const req = http.get(url, { headers: { Accept: 'text/event-stream', ...headers } })
    const hangUp = (): void => { req.destroy() }
    let streamed = false
    const done = new Promise<void>((resolve) => {
      req.on('response', (response) => {
        response.on('data', (chunk) => {
          if (streamed || !String(chunk).includes('data: ')) return
          streamed = true
          if (when !== undefined && 'afterFirstLine' in when) setTimeout(hangUp, when.afterFirstLine)
        })
      })
      req.on('close', resolve)
    })
    req.on('error', () => {})
    if (when !== undefined) {
      const latest = setTimeout(hangUp, 5000)
      req.on('close', () => { clearTimeout(latest) })
      if ('afterSent' in when) req.on('finish', () => { setTimeout(hangUp, when.afterSent) })
    }
    return { hangUp, done, streamed: () => streamed }
  }

  it('a client gone during authorize() leaves nothing behind, and nothing is written to it', async () => {
    let release: () => void = () => {}
    const decided = new Promise<void>((resolve) => { release = resolve })
    let asked = 0
    const served = await watched({
      history: true,
      authorize: async () => {
        asked++
        await decided
        return true
      }
    })
    const before = await clientCount(admin)
    const clients = Array.from({ length: 20 }, () => request(`${served.base}/?job=during-authorize`))
    await waitFor(() => asked === 20, 'authorize to be called for every request')
    for (const client of clients) client.hangUp()
    await waitFor(() => served.closed() === 20, 'the server to see every client leave')
    release()
    // The next viewer, authorized after the 20 gone ones were: once it is served, they have been dealt with.
    const viewer = await SseClient.open(`${served.base}/?job=during-authorize`)
    await waitFor(() => served.handler.connections === 1, 'the next viewer')
    logger.child({ userId: 'during-authorize' }).info('for the one who stayed')
    expect((await viewer.waitFor(1)).map((e) => (JSON.parse(e.data) as { msg: string }).msg)).toEqual(['for the one who stayed'])
    // One viewer, on the connections one viewer needs: a reader and the stream's follower.
    expect(served.handler.connections).toBe(1)
    expect(served.handler.redisConnections).toBe(2)
    expect(await clientCount(admin)).toBe(before + 2)
    viewer.close()
    await waitFor(() => served.handler.connections === 0 && served.handler.redisConnections === 0, 'nothing held')
    expect(served.writesAfterClose()).toBe(0)
  })

  it.each([true, false])('hundreds of hang-ups at random moments (history %s): every viewer and connection released', async (history) => {
    const jobs = ['hang-0', 'hang-1', 'hang-2']
    // History to replay, so that some clients leave in the middle of it.
    for (const job of jobs) for (let i = 0; i < 300; i++) logger.child({ userId: job }).info(`old ${i}`)
    await flush(logger)
    const served = await watched({
      history,
      replay: 300,
      // A session lookup: 0 to 40 ms.
      authorize: async () => await new Promise((resolve) => setTimeout(() => { resolve(true) }, Math.random() * 40))
    })
    const before = await clientCount(admin)
    const live = setInterval(() => { for (const job of jobs) logger.child({ userId: job }).info('live') }, 2)
    try {
      // A third hang up 0 to 60 ms after the request went out (most during authorize, 0 to 40 ms), a third as the
      // first line arrives (in the replay, or the catch-up), a third 0 to 60 ms after it (catching up, or live). Half
      // resume from an id the stream holds, so that they catch up while others are live.
      const clients = Array.from({ length: 300 }, (_, i) => {
        const headers: Record<string, string> = i % 2 === 0 ? {} : { 'Last-Event-ID': '0-1' }
        const when = [{ afterSent: Math.random() * 60 }, { afterFirstLine: 0 }, { afterFirstLine: Math.random() * 60 }][i % 3]
        return request(`${served.base}/?job=${jobs[i % jobs.length] ?? ''}`, headers, when)
      })
      await Promise.all(clients.map(async (c) => { await c.done }))
      // Lines reached those who left while they streamed.
      expect(clients.filter((c) => c.streamed()).length).toBeGreaterThanOrEqual(150)
      // Some clients leave before their request reaches the handler; each of the others must be seen leaving.
      await waitFor(() => served.closed() === served.started(), 'the server to see every client leave', 20_000)
      expect(served.started()).toBe(300)
      await waitFor(() => served.handler.connections === 0 && served.handler.redisConnections === 0,
        `nothing held (viewers ${served.handler.connections}, Redis connections ${served.handler.redisConnections})`, 20_000)
    } finally {
      clearInterval(live)
    }
    expect(served.writesAfterClose()).toBe(0)
    await waitFor(async () => await clientCount(admin) === before, `the server's clients back to ${before}`)
    const viewer = await SseClient.open(`${served.base}/?job=hang-1`)
    await waitFor(() => served.handler.connections === 1, 'the next viewer')
    await waitFor(async () => {
      logger.child({ userId: 'hang-1' }).info('still served')
      return viewer.events.some((e) => e.data.includes('still served'))
    }, 'a live line for the next viewer')
    expect(viewer.status).toBe(200)
    viewer.close()
  })
})
