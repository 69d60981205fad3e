/**
 * Credentials and permissions, through the real worker in a child application: a wrong password or an ACL
 * refusal is reported once, clearly, without a crash, the lines are counted, and no secret ever shows up in
 * stderr, in an event or in a published line.
 */
import Redis from 'ioredis'
import { freePort, startRedisServer, type RedisServer } from '../../scripts/redis-server'
import { App, accounted } from '../helpers/app'
import { Subscriber } from '../helpers/subscriber'

const FAST = { statsInterval: 50, maxReconnectDelay: 50, closeTimeout: 500 }
const ADMIN_PASSWORD = 'admin-Pa55-word'

/** The lines of stderr written by the transport. */
const warnings = (stderr: string): string[] => stderr.split('\n').filter((l) => l.startsWith('redis-log-transport:'))

function expectNoSecret (app: App, secret: string, sub?: Subscriber): void {
  expect(app.stderr).not.toContain(secret)
  expect(app.stdout).not.toContain(secret)
  for (const { message } of sub?.messages ?? []) expect(message).not.toContain(secret)
}

describe('credentials and permissions, through the worker', () => {
  let server: RedisServer
  let admin: Redis
  let app: App | undefined
  beforeAll(async () => {
    server = await startRedisServer({ args: ['--requirepass', ADMIN_PASSWORD] })
    admin = new Redis({ port: server.port, host: '127.0.0.1', password: ADMIN_PASSWORD })
  })
  afterAll(async () => {
    admin.disconnect()
    await server.stop()
  })
  afterEach(() => {
    app?.kill('SIGKILL')
    app = undefined
  })

  it.each([
    ['in the URL', (port: number, secret: string) => ({ url: `redis://:${secret}@127.0.0.1:${port}` })],
    ['in the redis options', (port: number, secret: string) => ({ url: `redis://127.0.0.1:${port}`, redis: { username: 'default', password: secret } })]
  ])('a wrong password %s: one clear message, lines counted, no crash, no secret anywhere', async (_where, options) => {
    const secret = 'Wr0ng-hunter2-secret'
    app = await App.start({ ...FAST, ...options(server.port, secret) })
    await app.send({ log: 20, userId: 'auth' })
    await app.waitForStats((s) => s.received === 20 && s.errors >= 3, 'several refused attempts')
    const stats = accounted(await app.close())
    expect(stats).toMatchObject({ received: 20, published: 0, dropped: 20, droppedByCause: { shutdown: 20 } })
    const lines = warnings(app.stderr)
    expect(lines.filter((l) => l.includes('cannot publish'))).toEqual([
      expect.stringMatching(new RegExp(`^redis-log-transport: cannot publish to Redis at 127\\.0\\.0\\.1:${server.port}: WRONGPASS .*check the username, password and ACL`))
    ])
    expect(lines.at(-1)).toBe('redis-log-transport: closed; 0 of 20 lines published, 20 dropped (shutdown: 20).')
    expect(app.events.some((e) => e.event === 'error')).toBe(false)
    expectNoSecret(app, secret)
    expect((await app.exit()).code).toBe(0)
  })

  it('with NODE_DEBUG on, the details are masked too', async () => {
    const secret = 'Debug-hunter2-secret'
    app = await App.start({ ...FAST, url: `redis://someone:${secret}@127.0.0.1:${server.port}` }, { NODE_DEBUG: 'redis-log-transport' })
    await app.send({ log: 3 })
    await app.waitForStats((s) => s.errors >= 2, 'refused attempts')
    accounted(await app.close())
    expect(app.stderr).toMatch(/REDIS-LOG-TRANSPORT \d+: redis error: WRONGPASS/)
    expectNoSecret(app, secret)
  })

  it('Redis down: the warning names host and port, never the credentials', async () => {
    const port = await freePort()
    const secret = 'T0ken-s3cret-value'
    app = await App.start({ ...FAST, url: `redis://someone-${secret}:${secret}@127.0.0.1:${port}` })
    await app.send({ log: 5 })
    await app.waitForStats((s) => s.errors >= 2, 'refused connections')
    accounted(await app.close())
    expect(warnings(app.stderr)[0]).toMatch(new RegExp(`^redis-log-transport: cannot publish to Redis at 127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`))
    expectNoSecret(app, secret)
  })

  it.each([
    ['the README\'s ACL line', ['+info', '+evalsha', '+eval']],
    ['the least one: PUBLISH on logs:* and nothing else', []]
  ])('works with an ACL user that may only publish to logs:*: %s', async (_which, extra) => {
    const secret = 'acl-Publisher-pw'
    await admin.call('ACL', 'SETUSER', 'logger', 'reset', 'on', `>${secret}`, 'resetchannels', '&logs:*', '-@all', '+publish', ...extra)
    const sub = await Subscriber.start(`redis://:${ADMIN_PASSWORD}@127.0.0.1:${server.port}`)
    try {
      app = await App.start({ ...FAST, url: `redis://logger:${secret}@127.0.0.1:${server.port}` })
      await app.send({ log: 50, userId: 'acl' })
      expect(await sub.waitFor('logs:acl', 50)).toHaveLength(50)
      expect(await sub.waitFor('logs:global', 50)).toHaveLength(50)
      const stats = accounted(await app.close())
      expect(stats).toMatchObject({ received: 50, published: 50, dropped: 0 })
      // Nothing on stderr with the README's line; without +info, only ioredis's own note about its ready check.
      if (extra.length > 0) expect(app.stderr).toBe('')
      else expect(app.stderr.split('\n').filter((l) => l !== '' && !l.includes('Skipping the ready check'))).toEqual([])
      expectNoSecret(app, secret, sub)
    } finally {
      await sub.close()
    }
  })

  it.each([
    ['published by the script', ['+evalsha', '+eval']],
    ['published by PUBLISH pipelines (no script permission)', []]
  ])('a channel the ACL forbids, %s: the refusal is reported once and the lines are counted as rejected', async (_how, extra) => {
    const secret = 'acl-Publisher-pw2'
    await admin.call('ACL', 'SETUSER', 'narrow', 'reset', 'on', `>${secret}`, 'resetchannels', '&logs:*', '-@all', '+publish', '+info', ...extra)
    app = await App.start({ ...FAST, url: `redis://narrow:${secret}@127.0.0.1:${server.port}`, globalChannel: 'audit:all' })
    await app.send({ log: 30, userId: 'acl' })
    await app.send({ log: 30 })
    const stats = accounted(await app.close())
    expect(stats).toMatchObject({ received: 60, published: 0, dropped: 60, droppedByCause: { rejected: 60 } })
    const refusals = warnings(app.stderr).filter((l) => l.includes('refused to publish'))
    expect(refusals).toHaveLength(1)
    expect(refusals[0]).toMatch(/NOPERM|can't publish to the channel/)
    expectNoSecret(app, secret)
  })
})
