/**
 * Real Fastify 5 applications in child processes, logging through `logger: { transport }`, so that the application
 * never holds the transport's stream: SIGTERM and SIGINT with `flushOnSignals()` lose nothing, an application with its
 * own handler keeps control, and invalid options never take the application down.
 */
import { join } from 'node:path'
import { startRedisServer, type RedisServer } from '../../scripts/redis-server'
import { NodeChild } from '../helpers/child'
import { FIXTURES } from '../helpers/paths'
import { Subscriber } from '../helpers/subscriber'
import { waitFor } from '../helpers/wait'

class FastifyApp extends NodeChild {
  constructor (options: Record<string, unknown>, mode: 'none' | 'flush' | 'own') {
    super(join(FIXTURES, 'fastify-app.js'), [JSON.stringify(options), mode])
  }

  static async start (options: Record<string, unknown>, mode: 'none' | 'flush' | 'own'): Promise<FastifyApp> {
    const app = new FastifyApp(options, mode)
    await waitFor(() => app.stdout.includes('"port"'), `Fastify to listen; stderr: ${app.stderr}`, 15_000)
    return app
  }

  get base (): string {
    return `http://127.0.0.1:${(JSON.parse(this.stdout.split('\n')[0] ?? '{}') as { port: number }).port}`
  }

  async work (n: number, job: string): Promise<number> {
    const response = await fetch(`${this.base}/work?n=${n}&job=${job}`)
    return ((await response.json()) as { logged: number }).logged
  }
}

const indices = (lines: string[]): number[] => lines.map((l) => (JSON.parse(l) as { i: number }).i)
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)

describe('Fastify 5 with logger.transport', () => {
  let server: RedisServer
  let sub: Subscriber
  const apps: FastifyApp[] = []
  beforeAll(async () => { server = await startRedisServer() })
  afterAll(async () => { await server.stop() })
  beforeEach(async () => { sub = await Subscriber.start(server.url) })
  afterEach(async () => {
    for (const app of apps.splice(0)) app.kill('SIGKILL')
    await sub.close()
  })

  async function start (options: Record<string, unknown>, mode: 'none' | 'flush' | 'own'): Promise<FastifyApp> {
    const app = await FastifyApp.start(options, mode)
    apps.push(app)
    return app
  }

  it.each([
    ['SIGTERM', 20], ['SIGTERM', 2000], ['SIGTERM', 50_000], ['SIGINT', 2000]
  ] as const)('%s right after a request that logged %d lines: flushOnSignals() publishes every one, then the process ends by the signal', async (signal, count) => {
    const app = await start({ url: server.url, statsInterval: 0 }, 'flush')
    const job = `deploy-${signal}-${count}`
    expect(await app.work(count, job)).toBe(count)
    app.kill(signal)
    expect(await app.exit()).toEqual({ code: null, signal })
    // Every line was published before the process went: they reach the subscriber, all and in order.
    expect(indices(await sub.waitFor(`logs:${job}`, count, 20_000))).toEqual(range(count))
    expect(app.stderr).toBe('')
  })

  it('an application with its own SIGTERM handler keeps control; its exit still publishes every line', async () => {
    const app = await start({ url: server.url, statsInterval: 0 }, 'own')
    expect(await app.work(3000, 'own-handler')).toBe(3000)
    app.kill('SIGTERM')
    expect(await app.exit()).toEqual({ code: 3, signal: null })
    expect(indices(await sub.waitFor('logs:own-handler', 3000))).toEqual(range(3000))
  })

  it.each([
    ['a url that is not a string', { url: 42 }, /^redis-log-transport: expected `url` to be a string starting with `redis:\/\/` or `rediss:\/\/`, got `42` \(number\); the transport publishes nothing/],
    ['a URL with an unencoded # in its password', { url: 'redis://:pa#ss-Secret-9@127.0.0.1:6379' }, /^redis-log-transport: expected `url` to be a Redis URL .* that does not parse/],
    ['an unknown option', { chanelPrefix: 'x' }, /^redis-log-transport: unknown option `chanelPrefix`; known options are url, /],
    ['a number out of range', { maxBatchLines: 0 }, /^redis-log-transport: expected `maxBatchLines` to be an integer from 1 to 10000, got `0` \(number\)/]
  ])('invalid options (%s): the application keeps serving, told once on stderr, never the value', async (_what, options, message) => {
    const app = await start({ ...options, statsInterval: 0 }, 'flush')
    for (let round = 0; round < 3; round++) expect(await app.work(50, 'misconfigured')).toBe(50)
    await waitFor(() => app.stderr.includes('\n'), 'the worker to say what is wrong')
    expect(await app.work(50, 'misconfigured')).toBe(50)
    const lines = app.stderr.split('\n').filter((line) => line !== '')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(message)
    expect(app.stderr).not.toContain('pa#ss-Secret-9')
    expect(app.stderr).not.toContain('the worker has exited')
    app.kill('SIGTERM')
    expect(await app.exit()).toEqual({ code: null, signal: 'SIGTERM' })
    // The closing figures, on stderr: every line received is dropped, under a cause of its own.
    const closing = /redis-log-transport: closed; 0 of (\d+) lines published, (\d+) dropped \(misconfigured: (\d+)\)\.\n$/.exec(app.stderr)
    expect(closing).not.toBeNull()
    const [received, dropped, misconfigured] = (closing ?? []).slice(1).map(Number)
    expect(received).toBeGreaterThanOrEqual(4 * 50)
    expect(dropped).toBe(received)
    expect(misconfigured).toBe(received)
    expect(sub.messages).toEqual([])
  })
})
