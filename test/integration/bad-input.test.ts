/**
 * Lines that are not what pino writes, written straight into the real worker's stream: each is published to the
 * global channel only, unchanged and once, or (too long) dropped and counted; nothing stalls, nothing crashes.
 */
import pino from 'pino'
import { startRedisServer, type RedisServer } from '../../scripts/redis-server'
import { closeTransport } from '../../src/app/shutdown'
import type { TransportStats } from '../../src/shared/stats'
import { accounted } from '../helpers/app'
import { BUILT_ENTRY } from '../helpers/paths'
import { captureStderr, type CapturedStderr } from '../helpers/stderr'
import { Subscriber } from '../helpers/subscriber'
import { once } from '../helpers/wait'

describe('bad input, through the worker', () => {
  let server: RedisServer
  let sub: Subscriber
  let stderr: CapturedStderr
  beforeAll(async () => { server = await startRedisServer() })
  afterAll(async () => { await server.stop() })
  beforeEach(async () => {
    sub = await Subscriber.start(server.url)
    stderr = captureStderr()
  })
  afterEach(async () => {
    stderr.restore()
    await sub.close()
  })

  it('publishes malformed lines and unusable ids to the global channel only, once, unchanged, and counts them', async () => {
    const transport = pino.transport({ target: BUILT_ENTRY, options: { url: server.url, maxLineBytes: 1024, statsInterval: 0 }, worker: stderr.worker })
    await once(transport, 'ready')
    const notObjects = ['plain text, not JSON', '[1,2,"userId"]', '"a string"', '{"userId":"cut short"']
    const badIds = [
      '{"userId":42,"msg":"number"}',
      '{"userId":"","msg":"empty"}',
      '{"userId":"has space","msg":"space"}',
      '{"userId":"tab\\there","msg":"control"}',
      `{"userId":"${'x'.repeat(257)}","msg":"too long"}`,
      '{"userId":"global","msg":"names the global channel"}',
      '{"userId":"invoice\\u202efdp.exe","msg":"a right-to-left override"}',
      '{"userId":"job\\u200b42","msg":"a zero-width space"}'
    ]
    const oversize = `{"userId":"big","msg":"${'€'.repeat(400)}"}` // 1 200 bytes in UTF-8
    const good = '{"userId":"fine","msg":"a good line after them"}'
    for (const line of [...notObjects, ...badIds, oversize, good]) transport.write(line + '\n')

    const stats = accounted(await closeTransport(transport) as TransportStats)
    expect(stats).toMatchObject({
      received: 14,
      published: 13,
      dropped: 1,
      droppedByCause: { oversize: 1 },
      invalid: { notJsonObject: 4, userId: 8 }
    })
    expect(await sub.waitFor('logs:global', 13)).toEqual([...notObjects, ...badIds, good])
    expect(sub.on('logs:fine')).toEqual([good])
    const channels = new Set(sub.messages.map((m) => m.channel))
    expect([...channels].sort()).toEqual(['logs:fine', 'logs:global'])
    // Malformed lines are published as they are, without a word; the oversize one is said once, and at close.
    expect(stderr.lines()).toEqual([
      'redis-log-transport: a line longer than maxLineBytes (1024 bytes) was dropped; such lines are counted as \'oversize\' and not reported again.',
      'redis-log-transport: closed; 13 of 14 lines published, 1 dropped (oversize: 1).'
    ])
  })

  it('drops a line of several megabytes (default maxLineBytes) without stalling the lines behind it', async () => {
    const transport = pino.transport({ target: BUILT_ENTRY, options: { url: server.url, statsInterval: 0 }, worker: stderr.worker })
    const logger = pino(transport)
    await once(transport, 'ready')
    logger.info({ blob: 'y'.repeat(3 * 1024 * 1024) }, 'huge')
    logger.info('after the huge one')
    expect((JSON.parse((await sub.waitFor('logs:global', 1))[0] as string) as { msg: string }).msg).toBe('after the huge one')
    const stats = accounted(await closeTransport(transport) as TransportStats)
    expect(stats).toMatchObject({ received: 2, published: 1, droppedByCause: { oversize: 1 } })
    expect(stderr.lines()).toEqual([
      'redis-log-transport: a line longer than maxLineBytes (1048576 bytes) was dropped; such lines are counted as \'oversize\' and not reported again.',
      'redis-log-transport: closed; 1 of 2 lines published, 1 dropped (oversize: 1).'
    ])
  })
})
