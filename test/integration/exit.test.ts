/**
 * Exit paths, each in a child process that logs through the real worker and then leaves: every line logged before
 * the exit must be on Redis, and with Redis down the process must still leave within the close deadline.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { freePort, startRedisServer, type RedisServer } from '../../scripts/redis-server'
import { FIXTURES, ROOT } from '../helpers/paths'
import type { TransportStats } from '../../src/shared/stats'
import { App, accounted } from '../helpers/app'
import { publishCalls } from '../helpers/subscriber'

interface Run { code: number | null, stderr: string, elapsedMs: number }

async function runApp (args: string[], deadlineMs = 15_000): Promise<Run> {
  const started = Date.now()
  const child = spawn(process.execPath, [join(FIXTURES, 'exit-app.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk) => { stderr += String(chunk) })
  return await new Promise<Run>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`app did not exit within ${deadlineMs} ms; stderr: ${stderr}`))
    }, deadlineMs)
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stderr, elapsedMs: Date.now() - started })
    })
  })
}

describe('exit paths', () => {
  let server: RedisServer
  beforeAll(async () => { server = await startRedisServer() })
  afterAll(async () => { await server.stop() })

  // More lines than the default buffer holds: a burst at exit must be delayed, not dropped, while Redis is up.
  const COUNT = 20_000

  it.each([
    ['a natural exit', 'natural', 0],
    ['process.exit()', 'exit', 0],
    ['an uncaught exception', 'throw', 1]
  ])('publishes every line logged before %s', async (_label, mode, expectedCode) => {
    const before = await publishCalls(server.url)
    const run = await runApp([mode as string, server.url, String(COUNT)])
    expect(run.code).toBe(expectedCode)
    if (mode === 'throw') expect(run.stderr).toContain('boom from the application')
    else expect(run.stderr).toBe('')
    // Two PUBLISH per line (job channel and global channel), all executed before the process was gone.
    expect(await publishCalls(server.url) - before).toBe(2 * COUNT)
  })

  it('with Redis down at exit, leaves within the close deadline plus a second, without an error event', async () => {
    const port = await freePort()
    const run = await runApp(['exit', `redis://127.0.0.1:${port}`, '100', '1000'])
    expect(run.code).toBe(0)
    expect(run.stderr).not.toContain('transport error')
    expect(run.stderr).toContain(`cannot publish to Redis at 127.0.0.1:${port}`)
    // The closing figures, on stderr, as the application thread is gone before any event could reach it.
    expect(run.stderr).toContain('closed; 0 of 100 lines published, 100 dropped (shutdown: 100).')
    // Worker start-up, a 1000 ms close deadline, and a second of slack.
    expect(run.elapsedMs).toBeLessThan(1000 + 1000 + 1500)
  })
})

describe('SIGTERM and SIGINT with flushOnSignals', () => {
  let server: RedisServer
  let app: App | undefined
  beforeAll(async () => { server = await startRedisServer() })
  afterAll(async () => { await server.stop() })
  afterEach(() => { app?.kill('SIGKILL'); app = undefined })

  const COUNT = 20_000

  it.each(['SIGTERM', 'SIGINT'] as const)('%s: publishes every line, then ends the process by that signal', async (signal) => {
    const before = await publishCalls(server.url)
    app = await App.start({ url: server.url, statsInterval: 0 })
    await app.send({ signals: true })
    await app.send({ log: COUNT, userId: 'sig' })
    app.kill(signal)
    const exit = await app.exited()
    expect(exit).toMatchObject({ code: null, signal })
    expect(await publishCalls(server.url) - before).toBe(2 * COUNT)
    // The closing figures reach the application before it goes.
    expect(accounted(app.stats as TransportStats)).toMatchObject({ received: COUNT, published: COUNT, dropped: 0 })
  })

  it('an application with its own handler awaits the same close and exits its own way', async () => {
    app = await App.start({ url: server.url, statsInterval: 0 })
    await app.send({ signals: true, own: true })
    await app.send({ log: 1000, userId: 'own' })
    app.kill('SIGTERM')
    expect(await app.exited()).toMatchObject({ code: 3, signal: null })
    const own = app.events.find((e) => e.event === 'own-handler')
    expect(accounted(own?.stats as TransportStats)).toMatchObject({ received: 1000, published: 1000 })
  })

  it('with Redis down: ends within the close deadline plus a second, the lines counted as shutdown', async () => {
    const port = await freePort()
    app = await App.start({ url: `redis://127.0.0.1:${port}`, closeTimeout: 1000, statsInterval: 0 })
    await app.send({ signals: true })
    await app.send({ log: 100 })
    const signalled = Date.now()
    app.kill('SIGTERM')
    expect(await app.exited()).toMatchObject({ signal: 'SIGTERM' })
    expect(Date.now() - signalled).toBeLessThan(1000 + 1000)
    expect(accounted(app.stats as TransportStats)).toMatchObject({ received: 100, published: 0, droppedByCause: { shutdown: 100 } })
  })
})
