/**
 * TLS, through the real worker in a child application, against a TLS-only redis-server with a certificate made at
 * test time: `rediss://` with the right CA delivers; a CA that does not match fails clearly, once, without a crash.
 */
import { spawnSync } from 'node:child_process'
import Redis from 'ioredis'
import { startRedisServer, type RedisServer } from '../../scripts/redis-server'
import { subscribe } from '../../src/index'
import { App, accounted } from '../helpers/app'
import { makeCertificates, type Certificates } from '../helpers/certificates'
import { CLI } from '../helpers/paths'
import { waitFor } from '../helpers/wait'

describe('TLS, through the worker', () => {
  let certificates: Certificates
  let server: RedisServer
  let app: App | undefined
  beforeAll(async () => {
    certificates = makeCertificates()
    server = await startRedisServer({ tls: certificates.server })
  })
  afterAll(async () => {
    await server.stop()
    certificates.remove()
  })
  afterEach(() => { app?.kill('SIGKILL'); app = undefined })

  it('publishes over rediss:// with the CA passed as a string', async () => {
    expect(server.url).toMatch(/^rediss:\/\//)
    const sub = new Redis(server.url, { tls: { ca: certificates.caPem } })
    const messages: string[] = []
    sub.on('message', (_channel: string, message: string) => { messages.push(message) })
    try {
      await sub.subscribe('logs:tls')
      app = await App.start({ url: server.url, redis: { tls: { ca: certificates.caPem } }, statsInterval: 0 })
      await app.send({ log: 20, userId: 'tls' })
      await waitFor(() => messages.length === 20, '20 lines over TLS')
      expect(messages.map((m) => (JSON.parse(m) as { i: number }).i)).toEqual(Array.from({ length: 20 }, (_, i) => i))
      expect(accounted(await app.close())).toMatchObject({ received: 20, published: 20 })
      expect(app.stderr).toBe('')
    } finally {
      sub.disconnect()
    }
  })

  it('a CA that did not sign the server certificate: one clear warning, lines counted, no crash', async () => {
    app = await App.start({
      url: server.url, redis: { tls: { ca: certificates.otherCaPem } }, statsInterval: 50, maxReconnectDelay: 50, closeTimeout: 300
    })
    await app.send({ log: 10 })
    await app.waitForStats((s) => s.errors >= 3, 'several failed handshakes')
    const stats = accounted(await app.close())
    expect(stats).toMatchObject({ received: 10, published: 0, droppedByCause: { shutdown: 10 } })
    const warnings = app.stderr.split('\n').filter((l) => l.includes('cannot publish'))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(new RegExp(`^redis-log-transport: cannot publish to Redis at 127\\.0\\.0\\.1:${server.port}: .*(certificate|self.signed)`, 'i'))
    expect(app.events.some((e) => e.event === 'error')).toBe(false)
    expect((await app.exit()).code).toBe(0)
  })
})

describe('rediss:// against a server without TLS', () => {
  let plain: RedisServer
  let app: App | undefined
  beforeAll(async () => { plain = await startRedisServer() })
  afterAll(async () => { await plain.stop() })
  afterEach(() => { app?.kill('SIGKILL'); app = undefined })

  // The server never answers the TLS handshake; a short connectTimeout (ioredis waits 10 s by default) says so sooner.
  const hint = 'the TLS handshake did not complete: is that port speaking TLS? Without TLS, use redis://'

  it('the transport says that TLS did not complete, as the likely cause', async () => {
    app = await App.start({ url: `rediss://127.0.0.1:${plain.port}`, redis: { connectTimeout: 300 }, statsInterval: 50, closeTimeout: 300 })
    await app.send({ log: 5 })
    await app.waitForStats((s) => s.errors >= 1, 'a failed handshake')
    expect(accounted(await app.close())).toMatchObject({ received: 5, published: 0 })
    const warnings = app.stderr.split('\n').filter((l) => l.includes('cannot publish'))
    expect(warnings).toEqual([`redis-log-transport: cannot publish to Redis at 127.0.0.1:${plain.port}: connect ETIMEDOUT (${hint}). Buffering up to 10000 lines until it is back.`])
  })

  it('subscribe() rejects ready with the same cause', async () => {
    const subscription = subscribe({ url: `rediss://127.0.0.1:${plain.port}?connectTimeout=300`, job: 'x' })
    await expect(subscription.ready).rejects.toThrow(`redis-log-transport: cannot follow logs:x at 127.0.0.1:${plain.port}: connect ETIMEDOUT (${hint})`)
  })

  it('redis-log-tail exits 1 with that cause on one line', () => {
    const { REDIS_URL: _ignored, ...env } = process.env
    const run = spawnSync(process.execPath, [CLI, '--url', `rediss://127.0.0.1:${plain.port}?connectTimeout=300`], { env, encoding: 'utf8', timeout: 10_000 })
    expect(run.status).toBe(1)
    expect(run.stderr).toBe(`redis-log-tail: cannot follow logs:global at 127.0.0.1:${plain.port}: connect ETIMEDOUT (${hint})\n`)
  })

  it('without TLS, a refused connection gets no such hint', async () => {
    const subscription = subscribe({ url: `redis://127.0.0.1:${plain.port + 1}`, job: 'x' })
    const error = await subscription.ready.then(() => undefined, (e: unknown) => e as Error)
    expect(error?.message).toMatch(/ECONNREFUSED/)
    expect(error?.message).not.toContain('TLS')
  })
})
