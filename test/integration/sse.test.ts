/**
 * The SSE handler against a private redis-server, with lines logged through the real worker: replay then live,
 * exact resume with Last-Event-ID, authorization, keepalive, release of the Redis connection when a viewer leaves,
 * and mounting in Express and Fastify.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import Fastify from 'fastify'
import type Redis from 'ioredis'
import type pino from 'pino'
import { freePort, type RedisServer } from '../../scripts/redis-server'
import { createLogStreamHandler } from '../../src/index'
import { SseClient } from '../helpers/sse-client'
import { captureStderr } from '../helpers/stderr'
import { clientCount, flush, listen, sseFixture } from '../helpers/sse-fixture'
import { waitFor } from '../helpers/wait'

describe('createLogStreamHandler', () => {
  const fixture = sseFixture({ history: true })
  const { serve } = fixture
  let redis: RedisServer
  let admin: Redis
  let logger: pino.Logger
  beforeAll(() => { ({ redis, admin, logger } = fixture) })

  it('sends the recent lines, then live ones, each with an id, with the headers proxies need', async () => {
    const job = logger.child({ userId: 'sse-1' })
    for (let i = 0; i < 5; i++) job.info(`old ${i}`)
    await flush(logger)
    const { base } = await serve({ replay: 3 })
    const client = await SseClient.open(`${base}/?job=sse-1`)
    expect(client.status).toBe(200)
    expect(client.headers['content-type']).toBe('text/event-stream; charset=utf-8')
    expect(client.headers['cache-control']).toBe('no-cache, no-transform')
    expect(client.headers['x-accel-buffering']).toBe('no')
    await client.waitFor(3, 'the replayed lines')
    expect(client.retry).toBe(3000)
    for (let i = 0; i < 3; i++) job.info(`new ${i}`)
    await client.waitFor(6, 'the live lines')
    expect(client.msgs).toEqual(['old 2', 'old 3', 'old 4', 'new 0', 'new 1', 'new 2'])
    expect(client.events.every((e) => e.id !== undefined && /^\d+-\d+$/.test(e.id))).toBe(true)
    client.close()
  })

  it('resumes after Last-Event-ID: across a dropped connection, no line twice and none missing', async () => {
    const job = logger.child({ userId: 'sse-resume' })
    const { base } = await serve()
    const first = await SseClient.open(`${base}/?job=sse-resume`)
    for (let i = 0; i < 4; i++) job.info(`line ${i}`)
    await first.waitFor(4)
    first.close()
    // Logged while the browser is away.
    for (let i = 4; i < 8; i++) job.info(`line ${i}`)
    await flush(logger)
    const again = await SseClient.open(`${base}/?job=sse-resume`, { 'Last-Event-ID': first.lastId as string })
    await again.waitFor(4)
    job.info('line 8')
    await again.waitFor(5)
    expect([...first.msgs, ...again.msgs]).toEqual(Array.from({ length: 9 }, (_, i) => `line ${i}`))
    again.close()
    // A client that cannot set the header (an EventSource polyfill) may pass the id in the query instead.
    const polyfill = await SseClient.open(`${base}/?job=sse-resume&lastEventId=${encodeURIComponent(again.events[3]?.id ?? '')}`)
    await polyfill.waitFor(1)
    expect(polyfill.msgs).toEqual(['line 8'])
    polyfill.close()
  })

  it('serves the global view, and live lines without ids when history is off', async () => {
    const { base } = await serve({ history: false })
    const client = await SseClient.open(base)
    await waitFor(async () => (await admin.pubsub('NUMSUB', 'logs:global') as [string, number])[1] > 0, 'the subscription')
    logger.child({ userId: 'any' }).info('to global')
    logger.info('no job')
    await client.waitFor(2)
    expect(client.msgs).toEqual(['to global', 'no job'])
    expect(client.events.map((e) => e.id)).toEqual([undefined, undefined])
    client.close()
  })

  it('lets authorize decide which job a request may see', async () => {
    const { base } = await serve({
      authorize: (req) => {
        const who = req.headers['x-user']
        if (who === 'admin') return true
        if (who === 'alice') return 'job-alice'
        return undefined
      }
    })
    const get = async (path: string, user?: string): Promise<number> => {
      const client = await SseClient.open(`${base}${path}`, user === undefined ? {} : { 'X-User': user })
      client.close()
      return client.status
    }
    expect(await get('/?job=job-alice', 'alice')).toBe(200)
    expect(await get('/?job=job-bob', 'alice')).toBe(403)
    expect(await get('/', 'alice')).toBe(200) // her own job, named by authorize
    expect(await get('/?job=job-bob', 'admin')).toBe(200)
    expect(await get('/')).toBe(403)
    expect(await get('/?job=a%20b', 'admin')).toBe(400)
    const post = await fetch(`${base}/`, { method: 'POST', headers: { 'X-User': 'admin' } })
    expect(post.status).toBe(405)
  })

  it('holds every job id to the transport\'s rule: 400 when the request names a bad one, 403 when authorize does', async () => {
    // authorize returns whatever the X-Job header says: a stand-in for a session that holds a user-chosen id.
    const { base } = await serve({ authorize: async (req) => await Promise.resolve(decodeURIComponent(String(req.headers['x-job']))) })
    const status = async (path: string, job = 'fine-job'): Promise<number> => {
      const response = await fetch(`${base}${path}`, { headers: { 'X-Job': encodeURIComponent(job) } })
      await response.body?.cancel()
      return response.status
    }
    // `global` would follow the global channel, which carries every job's lines.
    const bad = ['global', 'invoice\u202Efdp.exe', 'job\u200B42', 'a b']
    for (const job of bad) expect(await status(`/?job=${encodeURIComponent(job)}`)).toBe(400)
    for (const job of [...bad, '']) expect(await status('/', job)).toBe(403)
    expect(await status('/')).toBe(200)
  })

  it('answers 500, without details, when authorize throws, and says why once on stderr', async () => {
    const stderr = captureStderr()
    try {
      const { base } = await serve({ authorize: async () => { throw new Error('session store down') } })
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`${base}/?job=x`)
        expect(response.status).toBe(500)
        expect(await response.text()).toBe('internal error\n')
      }
      expect(stderr.text()).toBe('redis-log-transport: the log stream handler answers 500: authorize() threw (Error: session store down)\n')
    } finally {
      stderr.restore()
    }
  })

  it('a Last-Event-ID the stream never issued (from the future, or from a stream recreated since): replays as for a new viewer', async () => {
    const job = logger.child({ userId: 'sse-unknown-id' })
    for (let i = 0; i < 5; i++) job.info(`old ${i}`)
    await flush(logger)
    const { base } = await serve({ replay: 2 })
    const future = await SseClient.open(`${base}/?job=sse-unknown-id`, { 'Last-Event-ID': '99999999999999-0' })
    await future.waitFor(2)
    job.info('new 0')
    await future.waitFor(3)
    expect(future.msgs).toEqual(['old 3', 'old 4', 'new 0'])
    future.close()
    // A stream recreated after a Redis restart without persistence, whose server's clock is behind: its ids are
    // all below the one the browser kept.
    await admin.del('stream:logs:recreated')
    for (let i = 1; i <= 3; i++) await admin.xadd('stream:logs:recreated', `${i}-0`, 'line', JSON.stringify({ msg: `after restart ${i}` }))
    const behind = await SseClient.open(`${base}/?job=recreated`, { 'Last-Event-ID': '1700000000000-5' })
    await behind.waitFor(2)
    expect(behind.msgs).toEqual(['after restart 2', 'after restart 3'])
    expect(behind.events.map((e) => e.id)).toEqual(['2-0', '3-0'])
    behind.close()
  })

  it('sends keepalive comments while idle', async () => {
    const { base } = await serve({ keepAlive: 50 })
    const client = await SseClient.open(`${base}/?job=quiet`)
    await waitFor(() => client.comments.filter((c) => c === 'keepalive').length >= 2, 'two keepalive comments')
    client.close()
  })

  it('releases the Redis connection of each viewer that leaves: no leak after many visits', async () => {
    const { base, handler } = await serve()
    const before = await clientCount(admin)
    for (let round = 0; round < 5; round++) {
      const clients = await Promise.all(Array.from({ length: 10 }, async (_, i) => await SseClient.open(`${base}/?job=visit-${i}`)))
      await waitFor(() => handler.connections === 10, '10 viewers')
      for (const client of clients) client.close()
      await waitFor(() => handler.connections === 0, 'every viewer gone')
    }
    await waitFor(async () => await clientCount(admin) <= before, `the Redis connections back to ${before}`)
  })

  it('answers 503 when Redis cannot be reached, without details, and says why once on stderr, masked', async () => {
    const stderr = captureStderr()
    try {
      const port = await freePort()
      const { base } = await serve({ url: `redis://:secret-pw@127.0.0.1:${port}` })
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`${base}/?job=x`)
        expect(response.status).toBe(503)
        expect(await response.text()).toBe('the log stream is not available now\n')
      }
      expect(stderr.text()).toMatch(new RegExp(`^redis-log-transport: the log stream handler answers 503: cannot follow logs:x at 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED[^\\n]*\\n$`))
      expect(stderr.text()).not.toContain('secret-pw')
    } finally {
      stderr.restore()
    }
  })

  it('answers 503, and keeps its server alive, when ioredis refuses the connection options', async () => {
    const stderr = captureStderr()
    try {
      // ioredis throws from its constructor for this combination; the handler's process must not die of it.
      const { base } = await serve({ redis: { replyMapping: 'resp3', protocol: 2 } as never })
      const response = await fetch(`${base}/?job=x`)
      expect(response.status).toBe(503)
      expect(stderr.text()).toMatch(/^redis-log-transport: the log stream handler answers 503: cannot follow logs:x at Redis: .*resp3/)
      expect((await fetch(`${base}/?job=x`)).status).toBe(503)
    } finally {
      stderr.restore()
    }
  })

  it('refuses a malformed URL when it is created, naming `url` and holding no part of it', () => {
    for (const url of ['redis://127.0.0.1:99999', 'redis://:pa#ss-word@127.0.0.1:6379', 'redis://:pass%zzword@127.0.0.1']) {
      let error: unknown
      try {
        createLogStreamHandler({ url })
      } catch (caught) {
        error = caught
      }
      expect(error).toBeInstanceOf(TypeError)
      expect(String((error as Error).stack)).toMatch(/expected `url` to be a Redis URL/)
      expect(JSON.stringify(error) + String((error as Error).stack)).not.toMatch(/99999|ss-word|zzword/)
    }
  })

  it('works mounted in Express and in Fastify', async () => {
    const job = logger.child({ userId: 'mounted' })
    const handler = createLogStreamHandler({ url: redis.url, history: true })
    const app = express()
    app.get('/logs', handler)
    const expressServer = http.createServer(app)
    fixture.track(expressServer, handler)
    const fastify = Fastify()
    fastify.get('/logs', (request, reply) => {
      reply.hijack()
      handler(request.raw, reply.raw)
    })
    await fastify.listen({ port: 0, host: '127.0.0.1' })
    try {
      const viaExpress = await SseClient.open(`${await listen(expressServer)}/logs?job=mounted`)
      const viaFastify = await SseClient.open(`http://127.0.0.1:${(fastify.server.address() as AddressInfo).port}/logs?job=mounted`)
      await waitFor(() => handler.connections === 2, 'both viewers')
      job.info('hello both')
      await viaExpress.waitFor(1)
      await viaFastify.waitFor(1)
      expect(viaExpress.msgs).toEqual(['hello both'])
      expect(viaFastify.msgs).toEqual(['hello both'])
      viaExpress.close()
      viaFastify.close()
    } finally {
      await handler.close()
      fastify.server.closeAllConnections()
      await fastify.close()
    }
  })

  it('rejects bad options with a TypeError naming them', () => {
    expect(() => createLogStreamHandler({ authorize: 'yes' } as never)).toThrow(/expected `authorize` to be a function/)
    expect(() => createLogStreamHandler({ replay: -1 })).toThrow(/expected `replay` to be an integer/)
    expect(() => createLogStreamHandler({ histroy: true } as never)).toThrow(/unknown createLogStreamHandler option `histroy`/)
  })
})
