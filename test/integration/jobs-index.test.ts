/**
 * The index of recent jobs the transport keeps with history on (a sorted set beside the streams), through the real
 * worker (pino.transport on the built output) against a private redis-server: written by the batch script, and by
 * the pipeline (sharded, or the script turned off) as a Redis Cluster needs it.
 */
import Redis, { Cluster } from 'ioredis'
import pino from 'pino'
import { startRedisServer, type RedisServer } from '../../scripts/redis-server'
import { startCluster, type RedisCluster } from '../../scripts/redis-topology'
import { closeTransport, type TransportStats } from '../../src/index'
import type { RedisLogTransportOptions } from '../../src/worker/options'
import { accounted } from '../helpers/app'
import { BUILT_ENTRY } from '../helpers/paths'
import { captureStderr, type CapturedStderr } from '../helpers/stderr'
import { waitFor } from '../helpers/wait'

type Transport = ReturnType<typeof pino.transport>
/** What the checks read with: one server's client or a cluster's. */
type Reads = Pick<Redis, 'zrange' | 'xrevrange'>

function start (options: RedisLogTransportOptions, stderr: CapturedStderr): { transport: Transport, logger: pino.Logger } {
  const transport = pino.transport({ target: BUILT_ENTRY, options: { maxReconnectDelay: 100, ...options }, worker: stderr.worker })
  return { transport, logger: pino(transport) }
}

async function flush (logger: pino.Logger): Promise<void> {
  await new Promise<void>((resolve, reject) => { logger.flush((error) => { if (error != null) reject(error); else resolve() }) })
}

/** Waits until the clock has moved on a millisecond, so that the next batch's entries are newer. */
async function nextMillisecond (): Promise<void> {
  const now = Date.now()
  await waitFor(() => Date.now() > now, 'the clock to move on')
}

/** The index as `{ job: score }`. */
async function indexOf (client: Reads, key = 'stream:jobs:logs'): Promise<Record<string, number>> {
  const flat = await client.zrange(key, '0', '-1', 'WITHSCORES')
  const jobs: Record<string, number> = {}
  for (let i = 0; i < flat.length; i += 2) jobs[flat[i] as string] = Number(flat[i + 1])
  return jobs
}

/** The milliseconds of the newest entry of a job's stream. */
async function newestMs (client: Reads, job: string): Promise<number> {
  const [entry] = await client.xrevrange(`stream:logs:${job}`, '+', '-', 'COUNT', 1)
  return Number(entry?.[0].split('-')[0])
}

async function closed (transport: Transport): Promise<TransportStats> {
  return accounted(await closeTransport(transport) as TransportStats)
}

describe('the jobs index on one server', () => {
  let server: RedisServer
  let client: Redis
  let stderr: CapturedStderr
  beforeAll(async () => {
    server = await startRedisServer()
    client = new Redis(server.url)
  })
  afterAll(async () => {
    client.disconnect()
    await server.stop()
  })
  beforeEach(async () => {
    stderr = captureStderr()
    await client.flushall() // the suite's own server
  })
  afterEach(() => {
    const said = stderr.text()
    stderr.restore()
    expect(said).toBe('')
  })

  it.each([
    ['the batch script', {}],
    ['pipelines (the script turned off)', { batchScript: false }],
    ['pipelines of SPUBLISH (sharded)', { sharded: true }]
  ])('lists each job that logged, scored by its newest line, with %s', async (_how, extra) => {
    const { transport, logger } = start({ url: server.url, history: true, ...extra }, stderr)
    for (const job of ['job_a', 'job_b', 'job_c']) {
      logger.child({ userId: job }).info('first')
      logger.child({ userId: job }).info('second')
      await flush(logger)
      await nextMillisecond()
    }
    logger.info('no job: global only')
    expect(await closed(transport)).toMatchObject({ received: 7, published: 7, historyFailed: 0 })

    const index = await indexOf(client)
    expect(Object.keys(index).sort()).toEqual(['job_a', 'job_b', 'job_c'])
    for (const job of ['job_a', 'job_b', 'job_c']) {
      // The script takes the score from the XADD's id; the pipeline from the worker's clock, just before the XADD.
      const ms = await newestMs(client, job)
      if ('batchScript' in extra || 'sharded' in extra) expect(Math.abs((index[job] ?? 0) - ms)).toBeLessThan(1000)
      else expect(index[job]).toBe(ms)
    }
    expect((index.job_a ?? 0) < (index.job_b ?? 0) && (index.job_b ?? 0) < (index.job_c ?? 0)).toBe(true)
    // It lives as long as a job's stream, from its last write.
    const ttl = await client.ttl('stream:jobs:logs')
    expect(ttl).toBeGreaterThan(3590)
    expect(ttl).toBeLessThanOrEqual(3600)
  })

  it.each([
    ['the batch script', {}],
    ['pipelines', { batchScript: false }]
  ])('keeps the newest maxJobs jobs, and drops one older than jobTtl, with %s', async (_how, extra) => {
    // A job last seen two hours ago (written as an older transport would have left it).
    await client.zadd('h:jobs:app', Date.now() - 7_200_000, 'stale')
    const { transport, logger } = start({
      url: server.url, channelPrefix: 'app', history: { keyPrefix: 'h:', maxJobs: 3, jobTtl: 3600 }, ...extra
    }, stderr)
    for (const job of ['j1', 'j2', 'j3', 'j4', 'j5']) {
      logger.child({ userId: job }).info('hello')
      await flush(logger)
      await nextMillisecond()
    }
    await closed(transport)
    expect(Object.keys(await indexOf(client, 'h:jobs:app')).sort()).toEqual(['j3', 'j4', 'j5'])
  })

  it('indexes no line without a job, and nothing with history off', async () => {
    const first = start({ url: server.url, history: true }, stderr)
    first.logger.info('plain')
    first.logger.child({ userId: 'global' }).info('an id naming the global channel goes there only')
    await closed(first.transport)
    expect(await client.xlen('stream:logs:global')).toBe(2)
    expect(await client.exists('stream:jobs:logs')).toBe(0)

    const second = start({ url: server.url }, stderr)
    second.logger.child({ userId: 'job_x' }).info('no history')
    await closed(second.transport)
    expect(await client.exists('stream:jobs:logs')).toBe(0)
  })

  it('indexes jobs without a global channel, and publishes every line when the index key cannot be written', async () => {
    const { transport, logger } = start({ url: server.url, history: true, globalChannel: false }, stderr)
    logger.child({ userId: 'only_job' }).info('one')
    await flush(logger)
    expect(Object.keys(await indexOf(client))).toEqual(['only_job'])

    await client.del('stream:jobs:logs')
    await client.set('stream:jobs:logs', 'not a sorted set')
    logger.child({ userId: 'only_job' }).info('two')
    expect(await closed(transport)).toMatchObject({ received: 2, published: 2, historyFailed: 0 })
    expect(await client.xlen('stream:logs:only_job')).toBe(2)
    expect(stderr.lines()).toEqual([expect.stringMatching(/refused to keep history: WRONGTYPE/)])
    stderr.restore()
    stderr = captureStderr() // said and checked: the afterEach finds nothing more
  })
})

describe('the jobs index on a Redis Cluster', () => {
  let cluster: RedisCluster
  let client: Cluster
  beforeAll(async () => {
    cluster = await startCluster()
    client = new Cluster(cluster.startupNodes)
  }, 60_000)
  afterAll(async () => {
    client.disconnect()
    await cluster.stop()
  })

  it.each([
    ['PUBLISH pipelines', { batchScript: false }],
    ['SPUBLISH', { sharded: true }]
  ])('is written on the node of its key, beside streams on every node, with %s', async (_how, extra) => {
    const stderr = captureStderr()
    try {
      const jobs = ['x1', 'x2', 'x3', 'x4', 'x5', 'x6'].map((job) => `${Object.keys(extra)[0] ?? ''}-${job}`)
      const { transport, logger } = start({ cluster: cluster.startupNodes, history: true, ...extra }, stderr)
      for (const job of jobs) logger.child({ userId: job }).info('on the cluster')
      expect(await closed(transport)).toMatchObject({ received: 6, published: 6, historyFailed: 0 })
      const index = await indexOf(client as unknown as Reads)
      for (const job of jobs) expect(index[job]).toBeGreaterThan(0)
      expect(await client.ttl('stream:jobs:logs')).toBeGreaterThan(0)
      expect(stderr.text()).toBe('')
    } finally {
      stderr.restore()
    }
  })
})
