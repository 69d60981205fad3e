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

  it('answers 500, without details, when authorize throws', async () => {
    const { base } = await serve({ authorize: () => { throw new Error('session store down: secret-detail') } })
    const response = await fetch(`${base}/?job=x`)
    expect(response.status).toBe(500)
    expect(await response.text()).toBe('internal error\n')
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

  it('answers 503 when Redis cannot be reached, without details', async () => {
    const { base } = await serve({ url: `redis://:secret-pw@127.0.0.1:${await freePort()}` })
    const response = await fetch(`${base}/?job=x`)
    expect(response.status).toBe(503)
    expect(await response.text()).toBe('the log stream is not available now\n')
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
