/**
 * `redis-log-tail --serve PORT`, run as a process on the built output against a private redis-server, with lines
 * logged through the real worker: the URL it prints, the console it serves (page, viewer module, a job's events),
 * how it ends on a signal, and its exit codes when the port is taken or Redis cannot be reached.
 */
import net from 'node:net'
import pino from 'pino'
import { freePort, startRedisServer, type RedisServer } from '../../scripts/redis-server'
import { flushed, TransportLoggers } from '../helpers/loggers'
import { SseClient } from '../helpers/sse-client'
import { stopCleanly, Tail } from '../helpers/tail'
import { waitFor } from '../helpers/wait'

const URL_LINE = /^http:\/\/127\.0\.0\.1:(\d+)\/\n$/

describe('redis-log-tail --serve', () => {
  let server: RedisServer
  const loggers = new TransportLoggers(() => server.url)
  const started: Tail[] = []

  const logger = (options: Record<string, unknown> = {}): pino.Logger => loggers.logger(options)

  /** Starts `--serve 0` with `args`, and resolves with it and its URL once it printed one. */
  async function serve (args: string[] = []): Promise<{ tail: Tail, url: string }> {
    const tail = Tail.start(['--serve', '0', '--url', server.url, ...args])
    started.push(tail)
    await waitFor(() => tail.stdout.includes('\n') || tail.child.exitCode !== null, `the URL (got: ${tail.stdout}${tail.stderr})`)
    expect(tail.stdout).toMatch(URL_LINE)
    return { tail, url: tail.stdout.trim() }
  }

  const sigterm = async (tail: Tail): Promise<void> => { await stopCleanly(tail, 'SIGTERM') }

  let log: pino.Logger
  beforeAll(async () => {
    server = await startRedisServer()
    log = logger()
  })
  afterEach(() => {
    for (const tail of started.splice(0)) tail.child.kill('SIGKILL')
  })
  afterAll(async () => {
    await loggers.close()
    await server.stop()
  })

  it('prints its URL, serves the page, the viewer, the jobs and a job\'s events, and exits 0 on SIGTERM with a viewer open', async () => {
    const job = log.child({ userId: 'served' })
    job.info('before')
    log.child({ userId: 'other' }).info('not this job')
    await flushed(log)
    const { tail, url } = await serve()
    expect(Number(URL_LINE.exec(tail.stdout)?.[1])).toBeGreaterThan(0)

    const page = await fetch(url)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(await page.text()).toContain('log-viewer')
    const viewer = await fetch(`${url}log-viewer.js`)
    expect(viewer.status).toBe(200)
    expect(viewer.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    await viewer.arrayBuffer()

    const jobs = await fetch(`${url}events/jobs`)
    expect(jobs.status).toBe(200)
    expect((await jobs.json() as { jobs: Array<{ id: string }> }).jobs.map((each) => each.id)).toEqual(expect.arrayContaining(['served', 'other']))

    const events = await SseClient.open(`${url}events?job=served`)
    expect(events.status).toBe(200)
    // The job keeps history, so the console replays it (history 'auto'), with ids.
    await waitFor(() => events.msgs.includes('before'), `the replayed line (got: ${events.body})`)
    job.info('after')
    log.child({ userId: 'other' }).info('still not this job')
    await waitFor(() => events.msgs.includes('after'), `the live line (got: ${events.body})`)
    expect(events.msgs).toEqual(['before', 'after'])
    expect(events.events.every((event) => event.id !== undefined)).toBe(true)

    await sigterm(tail)
    await waitFor(() => events.ended, 'the event stream closed by the server')
  })

  it('matches a transport with its own channel and history names', async () => {
    const custom = logger({ channelPrefix: 'app', globalChannel: 'app:all', history: { keyPrefix: 'h:' } })
    custom.child({ userId: 'j1' }).info('kept')
    await flushed(custom)
    const { tail, url } = await serve(['--channel-prefix', 'app', '--global-channel', 'app:all', '--history-prefix', 'h:'])
    const events = await SseClient.open(`${url}events?job=j1`)
    await waitFor(() => events.msgs.includes('kept'), `the line from h:app:j1 (got: ${events.body})`)
    expect(events.lastId).toMatch(/^\d+-\d+$/)
    events.close()
    await sigterm(tail)
  })

  it('exits 1 with one line naming the address when the port is taken', async () => {
    const taken = net.createServer()
    await new Promise<void>((resolve) => { taken.listen(0, '127.0.0.1', resolve) })
    const { port } = taken.address() as net.AddressInfo
    try {
      const tail = Tail.start(['--serve', String(port), '--url', server.url])
      expect(await tail.exit()).toBe(1)
      expect(tail.stderr).toMatch(new RegExp(`^redis-log-tail: cannot serve the console on http://127\\.0\\.0\\.1:${port}/: the address is already in use[^\\n]*\\n$`))
      expect(tail.stdout).toBe('')
    } finally {
      await new Promise((resolve) => { taken.close(resolve) })
    }
  })

  it('exits 1 with one line when Redis cannot be reached, without printing the password', async () => {
    const port = await freePort()
    const tail = Tail.start(['--serve', '0', '--url', `redis://:the-password@127.0.0.1:${port}`])
    expect(await tail.exit()).toBe(1)
    expect(tail.stderr).toMatch(new RegExp(`^redis-log-tail: cannot follow logs:global at 127\\.0\\.0\\.1:${port}: connect ECONNREFUSED[^\\n]*\\n$`))
    expect(tail.stderr).not.toContain('the-password')
    expect(tail.stdout).toBe('')
  })
})
