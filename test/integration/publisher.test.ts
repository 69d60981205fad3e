/**
 * The publisher's own contract, against private redis-servers: where it says it publishes, a batch sent while
 * disconnected, precedence of options, and the two ways a batch goes out (one script call, or a PUBLISH pipeline
 * when the server refuses the script), with per-line results either way.
 */
import Redis from 'ioredis'
import { freePort, startRedisServer, type RedisServer } from '../../scripts/redis-server'
import { resolveOptions, type RedisLogTransportOptions } from '../../src/worker/options'
import type { Publisher } from '../../src/worker/publisher'
import { connectedPublisher } from '../helpers/worker'
import type { Entry } from '../../src/worker/route'
import { Subscriber, publishCalls } from '../helpers/subscriber'
import { waitFor } from '../helpers/wait'

function publisherFor (options: RedisLogTransportOptions, onError: (e: Error) => void = () => {}): Publisher {
  return connectedPublisher(resolveOptions({ maxReconnectDelay: 100, ...options }, {}), { onError })
}

const entries = (n: number, channels: string[]): Entry[] => Array.from({ length: n }, (_, i) => ({ line: `line ${i}`, channels }))

describe('Publisher', () => {
  it('names its target by host and port, never by URL (which may hold credentials)', async () => {
    const port = await freePort()
    const errors: Error[] = []
    const publisher = publisherFor({ url: `redis://user:pw-secret@127.0.0.1:${port}` }, (e) => { errors.push(e) })
    expect(publisher.target).toBe(`127.0.0.1:${port}`)
    await waitFor(() => errors.length > 0, 'a connection error')
    // Sent while not connected: handed back for a later try, not lost and not queued inside ioredis.
    const result = await publisher.publish([{ line: 'x', channels: ['logs:global'] }])
    expect(result).toMatchObject({ published: 0, rejected: 0, retry: [{ line: 'x', channels: ['logs:global'] }] })
    await publisher.close(100)
  })

  it('lets the `redis` options win over what the URL says', async () => {
    const server = await startRedisServer({ args: ['--requirepass', 'right-password'] })
    const publisher = publisherFor({ url: `redis://:wrong-password@127.0.0.1:${server.port}`, redis: { password: 'right-password' } })
    try {
      await publisher.whenReady()
      expect(await publisher.publish([{ line: 'x', channels: ['logs:global'] }])).toEqual({ published: 1, rejected: 0, retry: [], historyFailed: 0 })
    } finally {
      await publisher.close(100)
      await server.stop()
    }
  })

  describe('batches', () => {
    let server: RedisServer
    let admin: Redis
    let sub: Subscriber
    beforeAll(async () => {
      server = await startRedisServer()
      admin = new Redis(server.url)
    })
    afterAll(async () => {
      admin.disconnect()
      await server.stop()
    })
    beforeEach(async () => { sub = await Subscriber.start(server.url) })
    afterEach(async () => { await sub.close() })

    async function withPublisher (options: RedisLogTransportOptions, use: (p: Publisher) => Promise<void>): Promise<void> {
      const publisher = publisherFor({ url: server.url, ...options })
      try {
        await publisher.whenReady()
        await use(publisher)
      } finally {
        await publisher.close(100)
      }
    }

    it('publishes a batch with one script call, in order, and loads the script again after SCRIPT FLUSH', async () => {
      await withPublisher({}, async (publisher) => {
        const before = await publishCalls(server.url)
        expect(await publisher.publish(entries(500, ['logs:a', 'logs:global']))).toEqual({ published: 500, rejected: 0, retry: [], historyFailed: 0 })
        expect(await publishCalls(server.url) - before).toBe(1000) // PUBLISH inside the script counts too
        await admin.script('FLUSH')
        expect(await publisher.publish(entries(3, ['logs:b']))).toEqual({ published: 3, rejected: 0, retry: [], historyFailed: 0 })
        expect(publisher.usesScript).toBe(true)
        expect(await sub.waitFor('logs:a', 500)).toEqual(entries(500, []).map((e) => e.line))
        expect(await sub.waitFor('logs:b', 3)).toEqual(['line 0', 'line 1', 'line 2'])
      })
    })

    it.each([
      ['a user that may run the script', ['+evalsha', '+eval'], true],
      ['a user that may not (falls back to a PUBLISH pipeline)', [], false]
    ])('with %s, counts a line refused on one channel as rejected and publishes the others', async (_who, extra, script) => {
      const user = script ? 'scripted' : 'plain'
      await admin.call('ACL', 'SETUSER', user, 'reset', 'on', '>pw-for-test', 'resetchannels', '&logs:ok*', '-@all', '+publish', '+info', ...extra)
      await withPublisher({ url: `redis://${user}:pw-for-test@127.0.0.1:${server.port}` }, async (publisher) => {
        const batch = [
          { line: 'fine', channels: ['logs:ok', 'logs:ok:global'] },
          { line: 'half refused', channels: ['logs:no', 'logs:ok:global'] },
          { line: 'fine too', channels: ['logs:ok'] }
        ]
        const result = await publisher.publish(batch)
        expect(result).toMatchObject({ published: 2, rejected: 1, retry: [] })
        expect(result.error?.name).toBe('ReplyError')
        expect(result.error?.message).toMatch(/NOPERM|can't publish to the channel/)
        expect(publisher.usesScript).toBe(script)
        expect(await sub.waitFor('logs:ok', 2)).toEqual(['fine', 'fine too'])
        expect(await sub.waitFor('logs:ok:global', 2)).toEqual(['fine', 'half refused'])
      })
    })

    describe.each([
      ['one script call', true],
      ['a pipeline', false]
    ])('with history, through %s', (_how, batchScript) => {
      it('appends each line to its channel\'s stream in order, trims it, and sets the TTLs', async () => {
        const job = `logs:h-${String(batchScript)}`
        const global = `logs:global-${String(batchScript)}`
        await withPublisher({ batchScript, globalChannel: global, history: { maxLen: 10, jobTtl: 60 } }, async (publisher) => {
          expect(publisher.usesScript).toBe(batchScript)
          expect(await publisher.publish(entries(3, [job, global]))).toEqual({ published: 3, rejected: 0, retry: [], historyFailed: 0 })
          const kept = await admin.xrange(`stream:${job}`, '-', '+')
          expect(kept.map(([, fields]) => fields)).toEqual([['line', 'line 0'], ['line', 'line 1'], ['line', 'line 2']])
          expect(await sub.waitFor(job, 3)).toEqual(['line 0', 'line 1', 'line 2'])
          const jobTtl = await admin.ttl(`stream:${job}`)
          const globalTtl = await admin.ttl(`stream:${global}`)
          expect(jobTtl).toBeGreaterThan(50)
          expect(jobTtl).toBeLessThanOrEqual(60)
          expect(globalTtl).toBeGreaterThan(86_000)
          // MAXLEN ~ trims whole nodes of the stream (100 entries each by default): far below 1000, never below 10.
          for (let i = 0; i < 4; i++) await publisher.publish(entries(250, [job]))
          const length = await admin.xlen(`stream:${job}`)
          expect(length).toBeGreaterThanOrEqual(10)
          expect(length).toBeLessThan(300)
          const newest = await admin.xrevrange(`stream:${job}`, '+', '-', 'COUNT', 1)
          expect(newest[0]?.[1]).toEqual(['line', 'line 249'])
        })
      })

      it('publishes a line whose history Redis refuses, and counts it in historyFailed', async () => {
        const user = `no-history-${String(batchScript)}`
        await admin.call('ACL', 'SETUSER', user, 'reset', 'on', '>pw-for-test', 'resetchannels', '&logs:*', 'resetkeys',
          '~stream:logs:kept*', '-@all', '+publish', '+info', '+evalsha', '+eval', '+xadd', '+expire')
        await withPublisher({ url: `redis://${user}:pw-for-test@127.0.0.1:${server.port}`, batchScript, history: true }, async (publisher) => {
          const result = await publisher.publish([
            { line: 'kept', channels: ['logs:kept'] },
            { line: 'not kept', channels: ['logs:other'] }
          ])
          expect(result).toMatchObject({ published: 2, rejected: 0, retry: [], historyFailed: 1 })
          expect(result.historyError?.message).toMatch(/NOPERM|No permissions|can't access/)
          expect(await sub.waitFor('logs:other', 1)).toEqual(['not kept'])
          expect(await admin.xlen('stream:logs:kept')).toBeGreaterThanOrEqual(1)
          expect(await admin.exists('stream:logs:other')).toBe(0)
        })
      })
    })

    it('with batchScript false, uses a PUBLISH pipeline from the start', async () => {
      await withPublisher({ batchScript: false }, async (publisher) => {
        expect(publisher.usesScript).toBe(false)
        expect(await publisher.publish(entries(10, ['logs:p']))).toEqual({ published: 10, rejected: 0, retry: [], historyFailed: 0 })
        expect(await sub.waitFor('logs:p', 10)).toHaveLength(10)
      })
    })
  })
})
