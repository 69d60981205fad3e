/**
 * The transport stream in process (the factory pino's worker calls, from the sources), against a private
 * redis-server: what a write of NDJSON becomes on Redis, bursts, a stalled server, closing.
 */
import { once as onceEvent } from 'node:events'
import redisLogTransport from '../../src/index'
import type { RedisLogTransportStream } from '../../src/worker/transport'
import { startRedisServer, type RedisServer } from '../../scripts/redis-server'
import { logLine } from '../helpers/lines'
import { captureStderr } from '../helpers/stderr'
import { Subscriber, publishCalls } from '../helpers/subscriber'

async function end (stream: RedisLogTransportStream): Promise<void> {
  const closed = onceEvent(stream, 'close')
  stream.end()
  await closed
}

const msgs = (lines: string[]): string[] => lines.map((l) => (JSON.parse(l) as { msg: string }).msg)

describe('transport stream in process', () => {
  let server: RedisServer
  let sub: Subscriber
  let stderr: ReturnType<typeof captureStderr>
  beforeAll(async () => { server = await startRedisServer() })
  afterAll(async () => { await server.stop() })
  beforeEach(async () => {
    stderr = captureStderr()
    sub = await Subscriber.start(server.url)
  })
  afterEach(async () => {
    await sub.close()
    stderr.restore()
  })

  it('turns NDJSON chunks, split anywhere, into messages, and publishes what is left when it ends', async () => {
    const stream = await redisLogTransport({ url: server.url })
    const text = [logLine('one', { userId: 'a' }), 'not json at all', logLine('two'), logLine('three', { userId: 'a' })].join('\n') + '\n'
    // Split mid-line and mid-character (the ☕ below is three bytes in UTF-8).
    const bytes = Buffer.from(text + logLine('☕ four', { userId: 'a' }) + '\n')
    stream.write(bytes.subarray(0, 20))
    stream.write(bytes.subarray(20, bytes.length - 12))
    stream.write(bytes.subarray(bytes.length - 12))
    await end(stream)
    expect(msgs(await sub.waitFor('logs:a', 3))).toEqual(['one', 'three', '☕ four'])
    const global = await sub.waitFor('logs:global', 5)
    expect(global[1]).toBe('not json at all')
  })

  it('delays a burst larger than its buffer instead of dropping it while Redis keeps up', async () => {
    const before = await publishCalls(server.url)
    const stream = await redisLogTransport({ url: server.url, maxBufferedLines: 10, maxBatchLines: 5 })
    const lines = Array.from({ length: 2000 }, (_, i) => logLine(`burst ${i}`))
    stream.write(lines.join('\n') + '\n')
    await stream.flush()
    expect(await publishCalls(server.url) - before).toBe(2000)
    expect(msgs(await sub.waitFor('logs:global', 2000))).toEqual(lines.map((_, i) => `burst ${i}`))
    await end(stream)
  })

  it('keeps reading while Redis is stalled, dropping beyond its buffer, and closes by its deadline', async () => {
    const stalled = await startRedisServer()
    const stalledSub = await Subscriber.start(stalled.url)
    const stream = await redisLogTransport({ url: stalled.url, maxBufferedLines: 5, maxBatchLines: 5, closeTimeout: 300 })
    try {
      stream.write(logLine('before the stall') + '\n')
      await stalledSub.waitFor('logs:global', 1)
      stalled.process?.kill('SIGSTOP')
      // 50 lines into a 5-line buffer with a stalled server: the reader waits a second for room, then reads on.
      const written = new Promise<void>((resolve) => { stream.write(Array.from({ length: 50 }, (_, i) => logLine(`stalled ${i}`)).join('\n') + '\n', () => { resolve() }) })
      await written
      await end(stream)
      // What was lost is in the closing summary; tearing the stalled connection down is not reported as an outage.
      expect(stderr.text()).toMatch(/closed; \d+ of 51 lines published/)
      expect(stderr.text()).not.toContain('cannot publish')
    } finally {
      stalled.process?.kill('SIGCONT')
      await stalledSub.close()
      await stalled.stop()
    }
  })

  it('flush resolves at once when nothing is pending', async () => {
    const stream = await redisLogTransport({ url: server.url })
    await stream.flush()
    await end(stream)
  })
})
