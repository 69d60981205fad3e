/**
 * The transport's notice of lost lines, and a line that only looks like it, through the real worker (a child
 * application) against a private redis-server, read back by every reader: the SSE handler over HTTP, `subscribe()`
 * and `redis-log-tail`. The notice is a gap in each; an application's line shaped like it is a line in each.
 */
import http from 'node:http'
import { startRedisServer, type RedisServer } from '../../scripts/redis-server'
import { createLogStreamHandler, subscribe, type LogMessage, type LogStreamHandler } from '../../src/index'
import { accounted, App } from '../helpers/app'
import { SseClient } from '../helpers/sse-client'
import { listen } from '../helpers/sse-fixture'
import { Tail } from '../helpers/tail'
import { waitFor } from '../helpers/wait'

const FAST = { statsInterval: 50, maxReconnectDelay: 50, closeTimeout: 2000, history: { maxLen: 5000 } }
/** What an application may log: every field of the transport's notice, by its own hand. */
const FORGED = JSON.stringify({ level: 40, time: 1, name: 'redis-log-transport', lost: 5, lostFrom: '2026-01-01T00:00:00.000Z', lostTo: '2026-01-01T00:00:01.000Z', msg: '5 log lines were lost (forged)' })

describe('the loss notice, in every reader', () => {
  let server: RedisServer
  let app: App
  let overflow = 0
  let handler: LogStreamHandler
  let httpServer: http.Server
  let base: string

  beforeAll(async () => {
    server = await startRedisServer()
    app = await App.start({ ...FAST, url: server.url, maxBufferedLines: 200 })
    await app.send({ raw: FORGED })
    await app.send({ log: 10, userId: 'job_a' })
    await app.waitForStats((s) => s.published === 11, 'the first lines published')
    // Redis stops answering while 1 000 lines are logged: the buffer of 200 overflows.
    server.process?.kill('SIGSTOP')
    try {
      await app.send({ log: 1000, userId: 'job_a' })
      await app.waitForStats((s) => s.received === 1011 && (s.droppedByCause.overflow ?? 0) > 0, 'overflow drops')
    } finally {
      server.process?.kill('SIGCONT')
    }
    const stats = accounted(await app.close())
    overflow = stats.droppedByCause.overflow ?? 0
    handler = createLogStreamHandler({ url: server.url, history: true, replay: 2000 })
    httpServer = http.createServer(handler)
    base = await listen(httpServer)
  }, 60_000)

  afterAll(async () => {
    await handler?.close()
    httpServer?.closeAllConnections()
    httpServer?.close()
    await app?.exit()
    await server?.stop()
  })

  it('the SSE handler tells the notice as a gap with its id and count, and the forged line as a line', async () => {
    const client = await SseClient.open(`${base}/`)
    try {
      await waitFor(() => client.notices.some((n) => n.event === 'gap'), 'the gap event')
      const gaps = client.notices.filter((n) => n.event === 'gap')
      expect(gaps).toHaveLength(1)
      const gap = JSON.parse(gaps[0]?.data ?? '') as Record<string, unknown>
      expect(gap).toMatchObject({ reason: 'overflow', lost: overflow })
      expect(gap.message).toMatch(new RegExp(`^${overflow} log lines were lost between \\S+Z and \\S+Z`))
      expect(gaps[0]?.id).toMatch(/^\d+-\d+$/)
      // The forged line arrived as what it is: a line.
      expect(client.events.map((e) => e.data)).toContain(FORGED)
      expect(client.events.some((e) => e.data.includes('"lost":' + String(overflow)))).toBe(false)
    } finally {
      client.close()
    }
  })

  it('a browser that resumes after the notice does not get it again', async () => {
    const first = await SseClient.open(`${base}/`)
    let id: string | undefined
    try {
      await waitFor(() => first.notices.some((n) => n.event === 'gap'), 'the gap event')
      id = first.notices.find((n) => n.event === 'gap')?.id
    } finally {
      first.close()
    }
    const resumed = await SseClient.open(`${base}/`, { 'Last-Event-ID': id ?? '' })
    try {
      await waitFor(() => resumed.notices.some((n) => n.event === 'status' && n.data === 'live'), 'live')
      expect(resumed.notices.filter((n) => n.event === 'gap')).toEqual([])
    } finally {
      resumed.close()
    }
  })

  it('subscribe() yields the notice marked as one, and the forged line unmarked', async () => {
    const subscription = subscribe({ url: server.url, history: 2000 })
    const got: LogMessage[] = []
    try {
      await subscription.ready
      const reading = (async () => { for await (const message of subscription) got.push(message) })()
      await waitFor(() => got.some((m) => m.notice !== undefined), 'the notice')
      await subscription.close()
      await reading
    } finally {
      await subscription.close()
    }
    const notices = got.filter((m) => m.notice !== undefined)
    expect(notices).toHaveLength(1)
    expect(notices[0]?.notice).toBe('lost')
    expect(JSON.parse(notices[0]?.line ?? '')).toMatchObject({ lost: overflow, name: 'redis-log-transport' })
    expect(got.find((m) => m.line === FORGED)).toEqual({ line: FORGED, channel: 'logs:global', id: expect.any(String) })
  })

  it('redis-log-tail says the notice on stderr where the lines are missing, and prints the forged line', async () => {
    const tail = Tail.start(['--global', '--history', '2000', '--url', server.url])
    try {
      await waitFor(() => tail.stderr.includes('are missing here'), `the notice on stderr (got: ${tail.stderr})`)
      await waitFor(() => tail.lines.includes(FORGED), 'the forged line on stdout')
      expect(tail.stderr).toMatch(new RegExp(`^redis-log-tail: lines of logs:global are missing here: ${overflow} log lines were lost between`))
      expect(tail.stdout).not.toContain(`"lost":${overflow}`)
    } finally {
      tail.child.kill('SIGTERM')
      await tail.exit()
    }
  })
})
