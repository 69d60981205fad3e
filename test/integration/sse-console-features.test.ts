/**
 * What the live console needs of the SSE handler, against a private redis-server with lines logged through the
 * real worker (history kept, trimmed at `maxLen: 100`): history on by default when the job's stream exists,
 * server-side `level` and `q` filters that keep exact resume, `from` with its context, `status` events across a
 * Redis restart, `gap` events where the stream cannot be exact, and 400s for bad parameters.
 */
import http from 'node:http'
import type Redis from 'ioredis'
import type pino from 'pino'
import { createLogStreamHandler, type LogStreamHandlerOptions } from '../../src/index'
import { SseClient } from '../helpers/sse-client'
import { flush, listen, sseFixture } from '../helpers/sse-fixture'
import { waitFor } from '../helpers/wait'

describe('the SSE handler for the live console', () => {
  const fixture = sseFixture({ history: { maxLen: 100 } })
  let admin: Redis
  let logger: pino.Logger
  beforeAll(() => { ({ admin, logger } = fixture) })

  /** A handler with the options given and nothing else (the fixture's `serve` turns history on). */
  async function serve (options: LogStreamHandlerOptions = {}): Promise<{ base: string, handler: ReturnType<typeof createLogStreamHandler> }> {
    const handler = createLogStreamHandler({ url: fixture.redis.url, ...options })
    const server = http.createServer(handler)
    fixture.track(server, handler)
    return { base: await listen(server), handler }
  }

  async function live (client: SseClient): Promise<void> {
    await waitFor(() => client.noticesOf('status').includes('live'), 'status: live')
  }

  /** The ids of a job's history stream, oldest first. */
  async function historyIds (job: string): Promise<string[]> {
    return (await admin.xrange(`stream:logs:${job}`, '-', '+')).map(([id]) => id)
  }

  const gaps = (client: SseClient): string[] => client.noticesOf('gap').map((data) => (JSON.parse(data) as { reason: string }).reason)

  it('by default reads the job\'s history when its stream exists, and its channel when not', async () => {
    const kept = logger.child({ userId: 'auto-kept' })
    for (let i = 0; i < 3; i++) kept.info(`kept ${i}`)
    await flush(logger)
    const { base, handler } = await serve()
    const withHistory = await SseClient.open(`${base}/?job=auto-kept`)
    await withHistory.waitFor(3, 'the replayed lines')
    await live(withHistory)
    expect(withHistory.msgs).toEqual(['kept 0', 'kept 1', 'kept 2'])
    expect(withHistory.events.map((e) => e.id)).toEqual((await historyIds('auto-kept')))
    withHistory.close()
    await waitFor(() => handler.redisConnections === 0, 'the connections released')

    const channelOnly = await SseClient.open(`${base}/?job=auto-new`)
    await live(channelOnly)
    // The reader connection asked EXISTS and was let go: only the channel's connection is held.
    expect(handler.redisConnections).toBe(1)
    logger.child({ userId: 'auto-new' }).info('first line')
    await channelOnly.waitFor(1)
    expect(channelOnly.msgs).toEqual(['first line'])
    expect(channelOnly.events[0]?.id).toBeUndefined()
    channelOnly.close()
  })

  it('filters by level and text on the server, and resumes exactly after the last line sent', async () => {
    const job = logger.child({ userId: 'filtered' })
    const levels = ['info', 'warn', 'error', 'info'] as const
    const log = (from: number, to: number): void => {
      for (let i = from; i < to; i++) job[levels[i % 4] as 'info']({ n: i }, `${i % 3 === 0 ? 'Beta' : 'alpha'} ${i}`)
    }
    // What `level=warn&q=beta` keeps: warn and error lines whose message holds "beta", in any case.
    const expected = (to: number): string[] => Array.from({ length: to }, (_, i) => i)
      .filter((i) => i % 4 === 1 || i % 4 === 2).filter((i) => i % 3 === 0).map((i) => `Beta ${i}`)
    log(0, 8)
    await flush(logger)
    const { base } = await serve()
    const first = await SseClient.open(`${base}/?job=filtered&level=warn&q=beta`)
    await live(first)
    expect(first.msgs).toEqual(expected(8))
    first.close()
    // Logged while the browser is away: the lines it skipped, and the ones it wants, are read again and filtered.
    log(8, 40)
    await flush(logger)
    const again = await SseClient.open(`${base}/?job=filtered&level=warn&q=beta`, { 'Last-Event-ID': first.lastId as string })
    await again.waitFor(expected(40).length - expected(8).length, 'the filtered lines since')
    log(40, 48)
    await again.waitFor(expected(48).length - expected(8).length, 'the filtered live lines')
    expect([...first.msgs, ...again.msgs]).toEqual(expected(48))
    expect(gaps(again)).toEqual([])
    again.close()
  })

  it('starts at a from= id, with up to 50 lines before it as context, then live lines', async () => {
    const job = logger.child({ userId: 'in-context' })
    for (let i = 0; i < 80; i++) job.info(`ctx ${i}`)
    await flush(logger)
    const ids = await historyIds('in-context')
    expect(ids).toHaveLength(80) // fewer than a block: MAXLEN ~ has not trimmed yet
    const { base } = await serve()
    const client = await SseClient.open(`${base}/?job=in-context&from=${ids[60] ?? ''}`)
    await client.waitFor(70, 'the context and the lines from there')
    await live(client)
    job.info('ctx 80')
    await client.waitFor(71, 'a live line')
    expect(client.msgs).toEqual(Array.from({ length: 71 }, (_, i) => `ctx ${i + 10}`))
    expect(client.events.slice(0, 70).map((e) => e.id)).toEqual(ids.slice(10))
    expect(gaps(client)).toEqual([])
    client.close()
  })

  it('tells a trimmed gap when the lines after the browser\'s id, or at its from= id, are no longer kept', async () => {
    const job = logger.child({ userId: 'trimmed' })
    job.info('line 0')
    await flush(logger)
    const { base } = await serve()
    const first = await SseClient.open(`${base}/?job=trimmed`)
    await live(first)
    for (let i = 1; i < 5; i++) job.info(`line ${i}`)
    await first.waitFor(5)
    first.close()
    // Enough lines for MAXLEN ~ 100 to trim whole blocks, the browser's line and those right after it among them.
    for (let i = 5; i < 400; i++) job.info(`line ${i}`)
    await flush(logger)
    const kept = await historyIds('trimmed')
    expect(kept).not.toContain(first.lastId)
    const oldest = Number(/\d+$/.exec(JSON.parse((await admin.xrange('stream:logs:trimmed', '-', '+', 'COUNT', 1))[0]?.[1][1] ?? '{}').msg)?.[0])
    expect(oldest).toBeGreaterThan(5)

    const resumed = await SseClient.open(`${base}/?job=trimmed`, { 'Last-Event-ID': first.lastId as string })
    await resumed.waitFor(kept.length, 'the lines kept')
    await live(resumed)
    expect(gaps(resumed)).toEqual(['trimmed'])
    expect(resumed.all[0]?.event).toBe('gap') // before the first line after the hole
    expect(resumed.msgs).toEqual(Array.from({ length: 400 - oldest }, (_, i) => `line ${oldest + i}`))
    resumed.close()

    const fromTrimmed = await SseClient.open(`${base}/?job=trimmed&from=${first.events[1]?.id ?? ''}`)
    await fromTrimmed.waitFor(kept.length, 'the lines kept')
    expect(gaps(fromTrimmed)).toEqual(['trimmed'])
    expect(fromTrimmed.msgs[0]).toBe(`line ${oldest}`)
    fromTrimmed.close()

    // Where nothing was lost, no gap: the id of a line still kept.
    const exact = await SseClient.open(`${base}/?job=trimmed`, { 'Last-Event-ID': kept.at(-2) as string })
    await exact.waitFor(1)
    await live(exact)
    expect(exact.msgs).toEqual(['line 399'])
    expect(gaps(exact)).toEqual([])
    exact.close()
  })

  it('tells a reset gap when the browser\'s id is beyond the stream\'s end (a stream recreated since)', async () => {
    await admin.del('stream:logs:recreated')
    for (let i = 1; i <= 3; i++) await admin.xadd('stream:logs:recreated', `${i}-0`, 'line', JSON.stringify({ msg: `after restart ${i}` }))
    const { base } = await serve({ replay: 2 })
    const client = await SseClient.open(`${base}/?job=recreated`, { 'Last-Event-ID': '1700000000000-5' })
    await client.waitFor(2)
    await live(client)
    expect(gaps(client)).toEqual(['reset'])
    expect(client.all.map((e) => e.event ?? e.data)).toEqual(['gap', '{"msg":"after restart 2"}', '{"msg":"after restart 3"}', 'status'])
    client.close()
  })

  // The restart empties the suite's server: the tests after it need no lines kept.
  it('says reconnecting when Redis is lost, and live once it is back, with no line twice', async () => {
    const job = logger.child({ userId: 'restart' })
    job.info('line 0')
    await flush(logger)
    const { base } = await serve()
    const client = await SseClient.open(`${base}/?job=restart`)
    await live(client)
    for (let i = 1; i < 3; i++) job.info(`line ${i}`)
    await client.waitFor(3)
    await fixture.redis.restart()
    await waitFor(() => client.noticesOf('status').length >= 3, 'reconnecting, then live', 15_000)
    expect(client.noticesOf('status')).toEqual(['live', 'reconnecting', 'live'])
    for (let i = 3; i < 6; i++) job.info(`line ${i}`)
    await client.waitFor(6, 'the lines after the restart')
    expect(client.msgs).toEqual(Array.from({ length: 6 }, (_, i) => `line ${i}`))
    expect(new Set(client.events.map((e) => e.id)).size).toBe(6)
    expect(client.all.map((e) => e.event ?? 'line')).toEqual(['line', 'status', 'line', 'line', 'status', 'status', 'line', 'line', 'line'])
    client.close()
  })

  it('tells a behind gap wherever history moved past what a viewer read (a browser stopped while 60 MB passed)', async () => {
    const job = logger.child({ userId: 'slow-reader' })
    job.info('first')
    await flush(logger)
    const { base } = await serve()
    // The job's stream exists: the viewer reads history, with ids.
    const client = await SseClient.open(`${base}/?job=slow-reader`)
    await client.waitFor(1)
    await live(client)
    expect(client.events[0]?.id).toBeDefined()
    // A phone on a slow link: it stops reading, and 60 MB of lines pass, far more than the sockets, the viewer's
    // queue and the 100 lines history keeps can hold (20 MB still fitted here).
    client.pause()
    const padding = 'x'.repeat(4000)
    for (let i = 0; i < 15_000; i++) job.info({ padding }, `line ${i}`)
    await flush(logger)
    client.resume()
    await waitFor(() => client.msgs.at(-1) === 'line 14999', 'the last line', 20_000)
    expect(gaps(client)).toContain('behind')
    // Every skip is told, right where it is: each line that does not follow the one before comes after a gap.
    let previous = -1
    let told = false
    for (const event of client.all.slice(1)) {
      if (event.event === 'gap') told = true
      if (event.event !== undefined) continue
      const number = Number(event.data.match(/"msg":"line (\d+)"/)?.[1])
      expect({ number, told: number === previous + 1 || told }).toEqual({ number, told: true })
      previous = number
      told = false
    }
    // What it got is in order, ends with the newest, and skipped what history no longer held.
    const numbers = client.msgs.slice(1).map((msg) => Number(msg.split(' ')[1]))
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b))
    expect(new Set(numbers).size).toBe(numbers.length)
    expect(numbers.length).toBeLessThan(15_000)
    client.close()
  }, 40_000)

  it('answers 400 naming the parameter for a bad level, a q longer than 200 characters or a bad from', async () => {
    const { base } = await serve()
    const answer = async (query: string): Promise<[number, string]> => {
      const response = await fetch(`${base}/?job=params&${query}`, { signal: AbortSignal.timeout(5000) })
      if (response.status === 200) await response.body?.cancel()
      const text = response.status === 200 ? '' : await response.text()
      return [response.status, text]
    }
    expect(await answer('level=loud')).toEqual([400, 'invalid level: expected trace, debug, info, warn, error, fatal\n'])
    expect(await answer('level=40')).toEqual([400, expect.stringMatching(/^invalid level/)])
    expect(await answer(`q=${'x'.repeat(201)}`)).toEqual([400, 'invalid q: at most 200 characters\n'])
    expect(await answer(`q=${encodeURIComponent('é'.repeat(201))}`)).toEqual([400, 'invalid q: at most 200 characters\n'])
    expect(await answer('from=yesterday')).toEqual([400, 'invalid from: expected a history entry id\n'])
    expect(await answer('from=1-2-3')).toEqual([400, 'invalid from: expected a history entry id\n'])
    // Within bounds, or empty (an untouched form field): a stream.
    expect((await answer(`q=${encodeURIComponent('(.*)+'.repeat(40))}&level=WARN`))[0]).toBe(200)
    expect((await answer('level=&q=&from='))[0]).toBe(200)
  })
})
