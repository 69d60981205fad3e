/**
 * The subscribe API against private redis-servers: live lines from the channel, replay and exact resume from the
 * history stream written by the transport (through the real worker), a Redis restart, and failures at start.
 */
import { once as onceEvent } from 'node:events'
import Redis from 'ioredis'
import pino from 'pino'
import { freePort, startRedisServer, type RedisServer } from '../../scripts/redis-server'
import { subscribe } from '../../src/index'
import { BUILT_ENTRY } from '../helpers/paths'
import { Reader } from '../helpers/reader'
import { waitFor } from '../helpers/wait'

type Transport = ReturnType<typeof pino.transport>

function logTo (url: string, options: Record<string, unknown> = {}): { logger: pino.Logger, transport: Transport } {
  const transport = pino.transport({ target: BUILT_ENTRY, options: { url, history: true, ...options } })
  return { logger: pino(transport), transport }
}

async function flush (logger: pino.Logger): Promise<void> {
  await new Promise<void>((resolve, reject) => { logger.flush((err) => { if (err != null) reject(err); else resolve() }) })
}

async function end (transport: Transport): Promise<void> {
  const closed = onceEvent(transport, 'close')
  transport.end()
  await closed
}

describe('subscribe', () => {
  let server: RedisServer
  let admin: Redis
  beforeAll(async () => {
    server = await startRedisServer()
    admin = new Redis(server.url)
  })
  afterAll(async () => {
    admin.disconnect()
    await server.stop()
  })

  it('yields the lines of one job channel, live and in order, and ends on close', async () => {
    const reader = new Reader(subscribe({ url: server.url, job: 'live-1' }))
    await reader.subscription.ready
    expect(reader.subscription.source).toBe('pubsub')
    expect(reader.subscription.channel).toBe('logs:live-1')
    for (let i = 0; i < 20; i++) await admin.publish(i % 2 === 0 ? 'logs:live-1' : 'logs:other', `line ${i}`)
    const got = await reader.waitFor(10)
    expect(got.map((m) => m.line)).toEqual(Array.from({ length: 10 }, (_, i) => `line ${i * 2}`))
    expect(got[0]).toEqual({ line: 'line 0', channel: 'logs:live-1' })
    await reader.close()
    expect(reader.ended).toBe(true)
    expect(reader.error).toBeUndefined()
  })

  it('replays the last lines of the history, then live ones, with ids, none twice (through the worker)', async () => {
    const { logger, transport } = logTo(server.url)
    const job = logger.child({ userId: 'hist-1' })
    for (let i = 0; i < 10; i++) job.info(`before ${i}`)
    await flush(logger)

    const reader = new Reader(subscribe({ url: server.url, job: 'hist-1', history: 4 }))
    await reader.subscription.ready
    expect(reader.subscription.source).toBe('stream')
    for (let i = 0; i < 5; i++) job.info(`after ${i}`)
    await reader.waitFor(9)
    expect(reader.msgs).toEqual(['before 6', 'before 7', 'before 8', 'before 9', 'after 0', 'after 1', 'after 2', 'after 3', 'after 4'])
    const ids = reader.messages.map((m) => m.id as string)
    expect(new Set(ids).size).toBe(9)
    expect(ids.every((id) => /^\d+-\d+$/.test(id))).toBe(true)

    // A new subscription given the id of the fifth line resumes right after it: no line twice, none missing.
    const resumed = new Reader(subscribe({ url: server.url, job: 'hist-1', after: ids[4] }))
    await resumed.waitFor(4)
    expect(resumed.msgs).toEqual(['after 1', 'after 2', 'after 3', 'after 4'])
    job.info('after 5')
    await resumed.waitFor(5)
    await reader.waitFor(10)
    expect(resumed.msgs.at(-1)).toBe('after 5')
    expect(reader.msgs.at(-1)).toBe('after 5')
    await Promise.all([reader.close(), resumed.close(), end(transport)])
  })

  it('starts as a new subscription after an id the stream never issued (from the future, or a recreated stream)', async () => {
    for (let i = 0; i < 5; i++) await admin.xadd('stream:logs:unknown-id', '*', 'line', `old ${i}`)
    const future = '99999999999999-0'
    // With `history`, the last lines first, as for a subscription without `after`; without it, live lines only.
    const replaying = new Reader(subscribe({ url: server.url, job: 'unknown-id', after: future, history: 2 }))
    const live = new Reader(subscribe({ url: server.url, job: 'unknown-id', after: future }))
    await Promise.all([replaying.subscription.ready, live.subscription.ready])
    await admin.xadd('stream:logs:unknown-id', '*', 'line', 'new 0')
    await replaying.waitFor(3)
    await live.waitFor(1)
    expect(replaying.lines).toEqual(['old 3', 'old 4', 'new 0'])
    expect(live.lines).toEqual(['new 0'])
    await Promise.all([replaying.close(), live.close()])
  })

  it('reads a long history in order, only as fast as it is read, and stops when the loop breaks', async () => {
    const pipeline = admin.pipeline()
    for (let i = 0; i < 2500; i++) pipeline.xadd('stream:logs:long', '*', 'line', `entry ${i}`)
    await pipeline.exec()
    const subscription = subscribe({ url: server.url, job: 'long', after: '0-0' })
    const seen: string[] = []
    for await (const { line } of subscription) {
      seen.push(line)
      if (seen.length === 2500) break
      // Let the subscription read ahead and wait for this slow reader.
      if (seen.length % 500 === 0) await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(seen).toEqual(Array.from({ length: 2500 }, (_, i) => `entry ${i}`))
    await expect(subscription.close()).resolves.toBeUndefined() // already closed by the break
  })

  it('marks the first line after lines history trimmed before it read them: resuming from a trimmed id', async () => {
    const ids: string[] = []
    for (let i = 0; i < 300; i++) ids.push(await admin.xadd('stream:logs:trim-resume', '*', 'line', `entry ${i}`) as string)
    // Kept: the last 100. A reader that saw entry 10 wants 11 on; 11 to 199 are gone.
    await admin.xtrim('stream:logs:trim-resume', 'MAXLEN', 100)
    const reader = new Reader(subscribe({ url: server.url, job: 'trim-resume', after: ids[10] }))
    const got = await reader.waitFor(100)
    expect(got.map((m) => m.line)).toEqual(Array.from({ length: 100 }, (_, i) => `entry ${200 + i}`))
    expect(got.map((m) => m.gap === true)).toEqual(Array.from({ length: 100 }, (_, i) => i === 0))
    await reader.close()
    // Resuming from an id still kept: no gap.
    const exact = new Reader(subscribe({ url: server.url, job: 'trim-resume', after: ids[250] }))
    expect((await exact.waitFor(49)).some((m) => m.gap === true)).toBe(false)
    await exact.close()
  })

  it('marks the first line after lines history trimmed while a slow reader was behind', async () => {
    const key = 'stream:logs:trim-slow'
    for (let i = 0; i < 1500; i++) await admin.xadd(key, '*', 'line', `entry ${i}`)
    const calls = async (): Promise<number> => Number(/cmdstat_xread:calls=(\d+)/.exec(await admin.info('commandstats'))?.[1] ?? 0)
    const before = await calls()
    const subscription = subscribe({ url: server.url, job: 'trim-slow', after: '0-0' })
    // It reads 1000 lines ahead, then waits for its reader, which has not started.
    await waitFor(async () => await calls() > before, 'the first XREAD')
    const pipeline = admin.pipeline()
    for (let i = 1500; i < 3500; i++) pipeline.xadd(key, 'MAXLEN', '100', '*', 'line', `entry ${i}`)
    await pipeline.exec()
    const seen: Array<{ line: string, gap: boolean }> = []
    for await (const { line, gap } of subscription) {
      seen.push({ line, gap: gap === true })
      if (line === 'entry 3499') break
    }
    expect(seen.slice(0, 1000).map((m) => m.line)).toEqual(Array.from({ length: 1000 }, (_, i) => `entry ${i}`))
    expect(seen.slice(1000).map((m) => m.line)).toEqual(Array.from({ length: 100 }, (_, i) => `entry ${3400 + i}`))
    expect(seen.filter((m) => m.gap).map((m) => m.line)).toEqual(['entry 3400'])
  })

  it('skips history entries that the transport did not write', async () => {
    await admin.xadd('stream:logs:mixed', '*', 'line', 'first')
    await admin.xadd('stream:logs:mixed', '*', 'other', 'written by someone else')
    await admin.xadd('stream:logs:mixed', '*', 'kind', 'x', 'line', 'second')
    const reader = new Reader(subscribe({ url: server.url, job: 'mixed', history: 10 }))
    await reader.waitFor(2)
    await admin.xadd('stream:logs:mixed', '*', 'other', 'again')
    await admin.xadd('stream:logs:mixed', '*', 'line', 'third')
    await reader.waitFor(3)
    expect(reader.lines).toEqual(['first', 'second', 'third'])
    await reader.close()
  })

  it('ends the iteration with the server\'s refusal when the stream cannot be read', async () => {
    await admin.xadd('stream:logs:turns-bad', '*', 'line', 'fine')
    const reader = new Reader(subscribe({ url: server.url, job: 'turns-bad', history: 1 }))
    await reader.waitFor(1)
    await admin.del('stream:logs:turns-bad')
    await admin.set('stream:logs:turns-bad', 'not a stream')
    await waitFor(() => reader.ended, 'the iteration to end', 15_000)
    expect(reader.error?.message).toMatch(/WRONGTYPE/)
  })

  it('follows the global channel, and uses the channel when there is no history stream to replay', async () => {
    const reader = new Reader(subscribe({ url: server.url, history: 5, globalChannel: 'logs:no-history-here' }))
    await reader.subscription.ready
    expect(reader.subscription.source).toBe('pubsub')
    await admin.publish('logs:no-history-here', 'only live')
    expect((await reader.waitFor(1))[0]?.line).toBe('only live')
    await reader.close()
  })

  it('drops the oldest lines for a reader that falls behind, and counts them', async () => {
    const subscription = subscribe({ url: server.url, job: 'slow', maxQueued: 10 })
    await subscription.ready
    const pipeline = admin.pipeline()
    for (let i = 0; i < 3000; i++) pipeline.publish('logs:slow', `line ${i}`)
    await pipeline.exec()
    await waitFor(() => subscription.dropped === 2990, '2990 lines dropped')
    const reader = new Reader(subscription)
    await reader.waitFor(10)
    expect(reader.lines).toEqual(Array.from({ length: 10 }, (_, i) => `line ${2990 + i}`))
    await reader.close()
  })

  it.each([['pubsub', 0], ['stream', 2]] as const)('survives a Redis restart (%s), re-subscribing by itself', async (source, history) => {
    const own = await startRedisServer()
    try {
      const publisher = new Redis(own.url, { maxRetriesPerRequest: null })
      if (source === 'stream') await publisher.xadd('stream:logs:r', '*', 'line', 'kept')
      const reader = new Reader(subscribe({ url: own.url, job: 'r', history, maxReconnectDelay: 100 }))
      await reader.subscription.ready
      expect(reader.subscription.source).toBe(source)
      await own.restart()
      await waitFor(() => reader.subscription.reconnects >= 1, 'a reconnect')
      // After the restart the server is empty; the stream starts again, with later ids.
      await waitFor(async () => {
        if (source === 'stream') await publisher.xadd('stream:logs:r', '*', 'line', 'after restart')
        else await publisher.publish('logs:r', 'after restart')
        return reader.lines.includes('after restart')
      }, 'a line published after the restart')
      publisher.disconnect()
      await reader.close()
    } finally {
      await own.stop()
    }
  })

  it('fails at start with a clear error on a refused connection, and ends the iteration', async () => {
    const port = await freePort()
    const reader = new Reader(subscribe({ url: `redis://127.0.0.1:${port}`, job: 'x' }))
    await expect(reader.subscription.ready).rejects.toThrow(new RegExp(`cannot follow logs:x at 127.0.0.1:${port}: .*ECONNREFUSED`))
    await reader.done
    expect(reader.error?.message).toMatch(/ECONNREFUSED/)
  })

  it('fails at start on bad credentials without showing the password', async () => {
    const locked = await startRedisServer({ args: ['--requirepass', 'the-right-one'] })
    try {
      const subscription = subscribe({ url: `redis://:wrong-pw-123@127.0.0.1:${locked.port}` })
      const error = await subscription.ready.then(() => undefined, (e: unknown) => e as Error)
      expect(error?.message).toMatch(/WRONGPASS|invalid password|NOAUTH/)
      expect(error?.message).toMatch(/check the username, password and ACL/)
      // Nowhere in the error: not its message, its stack or any property of its own.
      for (const key of Object.getOwnPropertyNames(error)) expect(String((error as unknown as Record<string, unknown>)[key])).not.toContain('wrong-pw-123')
      expect(JSON.stringify(error)).not.toContain('wrong-pw-123')
    } finally {
      await locked.stop()
    }
  })

  it('closed before it is ready: ready rejects, saying so, and the iteration ends', async () => {
    const subscription = subscribe({ url: server.url, job: 'never' })
    const reader = new Reader(subscription)
    await subscription.close()
    await expect(subscription.ready).rejects.toThrow('the subscription to logs:never was closed before it was ready')
    await reader.done
    expect(reader.messages).toEqual([])
  })

  it('rejects bad options with a TypeError naming them', () => {
    expect(() => subscribe({ job: 'a b' })).toThrow(/expected `job` to be a non-empty string/)
    expect(() => subscribe({ jobs: 'x' } as never)).toThrow(/unknown subscribe option `jobs`/)
    expect(() => subscribe({ after: 'yesterday' })).toThrow(/expected `after` to be a history entry id/)
    expect(() => subscribe({ source: 'pubsub', history: 3 })).toThrow(/cannot be used with source 'pubsub'/)
  })

  it('refuses a job id the transport would refuse: never another channel than the job\'s, nor the global one', () => {
    const rule = /expected `job` to be a non-empty string of at most 256 characters without whitespace, control or format characters, whose channel is not the global channel, got a string of \d+ characters/
    for (const job of ['global', 'invoice\u202Efdp.exe', 'job\u200B42', '\uFEFFjob', 'a\uD800']) {
      expect(() => subscribe({ url: server.url, job })).toThrow(TypeError)
      expect(() => subscribe({ url: server.url, job })).toThrow(rule)
    }
    // The same rule, with the names of a transport configured otherwise.
    expect(() => subscribe({ url: server.url, job: 'all', channelPrefix: 'jobs', globalChannel: 'jobs:all' })).toThrow(rule)
    const other = subscribe({ url: server.url, job: 'global', channelPrefix: 'jobs', globalChannel: 'jobs:all' })
    expect(other.channel).toBe('jobs:global')
    void other.close()
  })
})
