/**
 * Scaling out, against topologies the test starts (scripts/redis-topology.js), through the real worker:
 * a Redis Cluster of three primaries with a replica each (PUBLISH, SPUBLISH, history split per node, a primary
 * killed mid-stream), and a primary with a replica watched by three sentinels (a failover mid-stream).
 */
import { spawn } from 'node:child_process'
import { once as onceEvent } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import Redis from 'ioredis'
import pino from 'pino'
import {
  command, keySlot, startCluster, startSentinel, type ClusterNode, type RedisCluster, type RedisSentinel
} from '../../scripts/redis-topology'
import { closeTransport, createLogStreamHandler, subscribe, type LogSubscription, type TransportStats } from '../../src/index'
import { resolveOptions, type RedisLogTransportOptions } from '../../src/worker/options'
import type { Entry } from '../../src/worker/route'
import { accounted } from '../helpers/app'
import { BUILT_ENTRY, CLI } from '../helpers/paths'
import { connectedPublisher } from '../helpers/worker'
import { Reader } from '../helpers/reader'
import { SseClient } from '../helpers/sse-client'
import { captureStderr, type CapturedStderr } from '../helpers/stderr'
import { waitFor } from '../helpers/wait'

type Transport = ReturnType<typeof pino.transport>

/** A transport through the worker; `worker` (a captureStderr's) takes what the worker says on stderr. */
function start (options: RedisLogTransportOptions, worker?: CapturedStderr['worker']): { transport: Transport, logger: pino.Logger } {
  const transport = pino.transport({ target: BUILT_ENTRY, options: { maxReconnectDelay: 100, ...options }, ...(worker === undefined ? {} : { worker }) })
  return { transport, logger: pino(transport) }
}

async function readerOn (subscription: LogSubscription): Promise<Reader> {
  const reader = new Reader(subscription)
  await subscription.ready
  return reader
}

/** Logs `count` lines for `jobs` (in turn), `perTick` every few milliseconds, so that a failover falls mid-stream. */
async function logSteadily (logger: pino.Logger, jobs: string[], count: number, during: () => Promise<void>): Promise<void> {
  let sent = 0
  let stop = false
  const loop = (async () => {
    while (sent < count && !stop) {
      for (let i = 0; i < 20 && sent < count; i++, sent++) logger.child({ userId: jobs[sent % jobs.length] }).info({ n: sent }, 'steady')
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  })()
  try {
    await during()
  } finally {
    await loop.finally(() => { stop = true })
  }
}

const ns = (reader: Reader): number[] => reader.lines.map((l) => (JSON.parse(l) as { n: number }).n)

describe('Redis Cluster', () => {
  let cluster: RedisCluster
  beforeAll(async () => { cluster = await startCluster() }, 60_000)
  afterAll(async () => { await cluster.stop() })

  /** A job id whose channel lives on each primary. */
  function jobsOnEveryShard (prefix: string): string[] {
    const byPort = new Map<number, string>()
    for (let i = 0; byPort.size < 3; i++) {
      const job = `${prefix}-${i}`
      if (!byPort.has(cluster.primaryFor(`logs:${job}`))) byPort.set(cluster.primaryFor(`logs:${job}`), job)
    }
    return [...byPort.values()]
  }

  it.each([
    ['PUBLISH (broadcast), the script', {}],
    ['PUBLISH (broadcast), pipelines, with history split per node', { batchScript: false, history: true }],
    ['SPUBLISH (sharded), with history', { sharded: true, history: true }]
  ])('delivers job and global lines with %s', async (_how, extra) => {
    const sharded = (extra as { sharded?: boolean }).sharded === true
    const jobs = jobsOnEveryShard(`c${Object.keys(extra).join('')}`)
    const nodes = { cluster: cluster.startupNodes, sharded }
    const readers = await Promise.all([
      ...jobs.map(async (job) => await readerOn(subscribe({ ...nodes, job }))),
      readerOn(subscribe(nodes))
    ])
    const { transport, logger } = start({ cluster: cluster.startupNodes, ...extra })
    for (let n = 0; n < 300; n++) logger.child({ userId: jobs[n % 3] }).info({ n }, 'on the cluster')
    const stats = await closeTransport(transport) as TransportStats
    expect(accounted(stats)).toMatchObject({ received: 300, published: 300, dropped: 0, historyFailed: 0 })
    const global = readers[3] as Reader
    await global.waitFor(300)
    expect(ns(global)).toEqual(Array.from({ length: 300 }, (_, n) => n))
    for (const [i, job] of jobs.entries()) {
      const reader = readers[i] as Reader
      await reader.waitFor(100, `the lines of ${job}`)
      expect(ns(reader)).toEqual(Array.from({ length: 100 }, (_, k) => k * 3 + i))
    }
    if ('history' in extra) {
      // Each stream lives on the node that owns its key, and holds every line of its channel.
      const client = new Redis(cluster.nodes.find((n) => n.port === cluster.primaryFor(`stream:logs:${jobs[0] ?? ''}`))?.url ?? '')
      expect(await client.xlen(`stream:logs:${jobs[0] ?? ''}`)).toBe(100)
      client.disconnect()
    }
    if (sharded) {
      // SPUBLISH reaches only the shard that owns the channel: a plain SUBSCRIBE anywhere sees nothing.
      const owner = new Redis(cluster.nodes.find((n) => n.port === cluster.primaryFor(`logs:${jobs[1] ?? ''}`))?.url ?? '')
      const calls = String(await owner.info('commandstats'))
      expect(calls).toMatch(/cmdstat_spublish:calls=\d+/)
      owner.disconnect()
    }
    await Promise.all(readers.map(async (r) => { await r.close() }))
  }, 30_000)

  it('serves redis-log-tail and the SSE handler from the cluster, with SSUBSCRIBE where sharded', async () => {
    const [job] = jobsOnEveryShard('viewers')
    const nodes = cluster.startupNodes.map((n) => `${n.host}:${n.port}`)
    const tail = spawn(process.execPath, [CLI, '--cluster', nodes.join(','), '--sharded', '--job', job ?? ''])
    let printed = ''
    let complaints = ''
    let exited: number | null | undefined
    tail.stdout.on('data', (chunk) => { printed += String(chunk) })
    tail.stderr.on('data', (chunk) => { complaints += String(chunk) })
    const exit = new Promise<number | null>((resolve) => { tail.once('exit', (code) => { exited = code; resolve(code) }) })
    // One handler reads the history streams, one the (sharded) channels.
    const handlers = [true, false].map((history) => createLogStreamHandler({ cluster: nodes, sharded: true, history }))
    const servers = handlers.map((handler) => http.createServer(handler).listen(0, '127.0.0.1'))
    await Promise.all(servers.map(async (server) => await onceEvent(server, 'listening')))
    const { transport, logger } = start({ cluster: cluster.startupNodes, sharded: true, history: true })
    try {
      const [viewer, live] = await Promise.all(servers.map(async (server) => await SseClient.open(`http://127.0.0.1:${(server.address() as AddressInfo).port}/?job=${job ?? ''}`)))
      if (viewer === undefined || live === undefined) throw new Error('two viewers expected')
      expect([viewer.status, live.status]).toEqual([200, 200])
      // The CLI and the live view have subscribed once a line logged now reaches them.
      await waitFor(async () => {
        if (exited !== undefined) throw new Error(`redis-log-tail exited ${String(exited)}: ${complaints}`)
        logger.child({ userId: job }).info({ n: 'probe' }, 'probe')
        await new Promise((resolve) => setTimeout(resolve, 50))
        return printed.includes('probe') && live.events.length > 0
      }, 'redis-log-tail and the live view to show a line', 15_000)
      for (let n = 0; n < 20; n++) logger.child({ userId: job }).info({ n }, 'watched')
      await waitFor(() => printed.includes('"n":19'), 'the 20 lines in redis-log-tail')
      for (const [browser, withIds] of [[viewer, true], [live, false]] as const) {
        await waitFor(() => browser.events.some((e) => e.data.includes('"n":19')), 'the 20 lines in the browser')
        const shown = browser.events.map((e) => JSON.parse(e.data) as { n: number | string }).filter((l) => l.n !== 'probe')
        expect(shown.map((l) => l.n)).toEqual(Array.from({ length: 20 }, (_, n) => n))
        expect(browser.events.every((e) => (e.id !== undefined) === withIds)).toBe(true)
        browser.close()
      }
    } finally {
      tail.kill('SIGINT')
      await closeTransport(transport)
      for (const handler of handlers) await handler.close()
      for (const server of servers) {
        server.closeAllConnections()
        server.close()
      }
    }
    expect(await exit).toBe(0)
  }, 40_000)

  it('in process: splits a batch per node, and sends again what a moved slot redirected', async () => {
    const jobs = jobsOnEveryShard('inproc')
    const publisher = connectedPublisher(resolveOptions({ cluster: cluster.startupNodes, sharded: true, history: { maxLen: 100 } }, {}))
    try {
      await publisher.whenReady()
      expect(publisher.usesScript).toBe(false)
      expect(publisher.target).toMatch(/^Redis Cluster \(127\.0\.0\.1:\d+/)
      const batch = jobs.map((job) => ({ line: `to ${job}`, channels: [`logs:${job}`, 'logs:global'] }))
      expect(await publisher.publish(batch)).toEqual({ published: 3, rejected: 0, retry: [], historyFailed: 0 })
      for (const job of jobs) {
        const owner = cluster.nodes.find((n) => n.port === cluster.primaryFor(`stream:logs:${job}`)) as ClusterNode
        expect(await command(owner.port, ['XLEN', `stream:logs:${job}`])).toBe(1)
      }
      // Move the slot of the first job's channel behind ioredis's back: its next SPUBLISH gets MOVED and is handed
      // back to be sent again, which then reaches the new owner.
      const slot = keySlot(`logs:${jobs[0] ?? ''}`)
      const from = cluster.nodes.find((n) => n.port === cluster.primaryFor(slot)) as ClusterNode
      const to = cluster.nodes.find((n) => n.role === 'master' && n.alive && n.port !== from.port) as ClusterNode
      // The way redis-cli moves a slot: importing, migrating, then the new owner first (which bumps its epoch, so
      // the whole cluster, replicas included, takes its word over the old owner's).
      await command(to.port, ['CLUSTER', 'SETSLOT', slot, 'IMPORTING', from.id])
      await command(from.port, ['CLUSTER', 'SETSLOT', slot, 'MIGRATING', to.id])
      for (const node of [to, from, ...cluster.nodes.filter((n) => n.role === 'master' && n.alive && n !== to && n !== from)]) {
        await command(node.port, ['CLUSTER', 'SETSLOT', slot, 'NODE', to.id])
      }
      await cluster.refresh()
      // As delivery does: send again what comes back, until it is published (the nodes learn of the move by gossip).
      let pending: Entry[] = [{ line: 'after the move', channels: [`logs:${jobs[0] ?? ''}`, `logs:${jobs[1] ?? ''}`] }]
      let redirected = 0
      await waitFor(async () => {
        const result = await publisher.publish(pending)
        expect(result.rejected).toBe(0)
        if (result.retry.length > 0) redirected++
        pending = result.retry
        return result.published === 1
      }, 'the line published after the move')
      expect(redirected).toBeGreaterThanOrEqual(1)
    } finally {
      await publisher.close(100)
    }
  })

  it('follows a slot moved to another shard while publishing (ASK, then MOVED): no line lost', async () => {
    const [job] = jobsOnEveryShard('moving')
    const channel = `logs:${job ?? ''}`
    const slot = keySlot(channel)
    const from = cluster.nodes.find((n) => n.port === cluster.primaryFor(slot)) as ClusterNode
    const to = cluster.nodes.find((n) => n.role === 'master' && n.alive && n.port !== from.port) as ClusterNode
    const { transport, logger } = start({ cluster: cluster.startupNodes, sharded: true })
    await logSteadily(logger, [job ?? ''], 2000, async () => {
      await new Promise((resolve) => setTimeout(resolve, 200))
      await command(to.port, ['CLUSTER', 'SETSLOT', slot, 'IMPORTING', from.id])
      await command(from.port, ['CLUSTER', 'SETSLOT', slot, 'MIGRATING', to.id])
      await new Promise((resolve) => setTimeout(resolve, 300)) // SPUBLISH meanwhile gets ASK
      for (const node of cluster.nodes.filter((n) => n.role === 'master' && n.alive)) {
        await command(node.port, ['CLUSTER', 'SETSLOT', slot, 'NODE', to.id]) // from now on, MOVED
      }
    })
    await cluster.refresh()
    expect(cluster.primaryFor(slot)).toBe(to.port)
    const reader = await readerOn(subscribe({ cluster: cluster.startupNodes, sharded: true, job }))
    logger.child({ userId: job }).info({ n: 'moved' }, 'after the move')
    await reader.waitFor(1)
    expect(accounted(await closeTransport(transport) as TransportStats)).toMatchObject({ received: 2001, published: 2001, dropped: 0 })
    const published = /cmdstat_spublish:calls=(\d+)/.exec(String(await command(to.port, ['INFO', 'commandstats'])))?.[1]
    expect(Number(published)).toBeGreaterThan(0)
    await reader.close()
  }, 30_000)

  it('follows a failover: a primary killed mid-stream, publishing resumes, every line accounted for', async () => {
    const jobs = jobsOnEveryShard('failover')
    const victim = cluster.primaryFor(`logs:${jobs[0] ?? ''}`)
    const { transport, logger } = start({ cluster: cluster.startupNodes, history: true, batchScript: false })
    await logSteadily(logger, jobs, 3000, async () => {
      await new Promise((resolve) => setTimeout(resolve, 300))
      await cluster.killPrimary(victim)
    })
    // After the failover, a new viewer of the moved shard gets new lines.
    const reader = await readerOn(subscribe({ cluster: cluster.startupNodes, job: jobs[0] }))
    await waitFor(async () => {
      logger.child({ userId: jobs[0] }).info({ n: -1 }, 'after failover')
      await new Promise((resolve) => setTimeout(resolve, 50))
      return reader.lines.length > 0
    }, 'a line published after the failover', 15_000)
    const stats = accounted(await closeTransport(transport) as TransportStats)
    // The lines of the moved shard waited in the buffer (well within its bound) and went out after the failover.
    expect(stats).toMatchObject({ dropped: 0, historyFailed: 0 })
    expect(stats.received).toBeGreaterThanOrEqual(3001)
    await reader.close()
  }, 60_000)
})

describe('Sentinel', () => {
  let sentinel: RedisSentinel
  beforeAll(async () => { sentinel = await startSentinel() }, 60_000)
  afterAll(async () => { await sentinel.stop() })

  it('publishes to the new primary after a failover, every line accounted for', async () => {
    const redis = { sentinels: sentinel.sentinels, name: sentinel.name }
    const before = await readerOn(subscribe({ redis: { ...redis }, job: 'watched', source: 'pubsub' }))
    const publisher = connectedPublisher(resolveOptions({ redis }, {}))
    expect(publisher.target).toBe(`Sentinel group "${sentinel.name}"`) // where it publishes, never a password
    await publisher.close(100)
    const stderr = captureStderr()
    try {
      const { transport, logger } = start({ redis, history: true }, stderr.worker)
      logger.child({ userId: 'watched' }).info({ n: 0 }, 'before')
      await before.waitFor(1)
      const old = sentinel.primary.port
      let promoted = 0
      await logSteadily(logger, ['watched'], 2000, async () => {
        await new Promise((resolve) => setTimeout(resolve, 200))
        promoted = await sentinel.killPrimary()
      })
      expect(promoted).not.toBe(old)
      logger.child({ userId: 'watched' }).info({ n: 'last' }, 'after')
      const stats = accounted(await closeTransport(transport) as TransportStats)
      expect(stats).toMatchObject({ received: 2002, published: 2002, dropped: 0 })
      expect(stats.reconnects).toBeGreaterThanOrEqual(1)
      // The outage and its end, each said once on stderr, naming the group (never a server's password).
      expect(stderr.lines()).toEqual([
        expect.stringMatching(new RegExp(`^redis-log-transport: cannot publish to Redis at Sentinel group "${sentinel.name}": .+\\. Buffering up to 10000 lines until it is back\\.$`)),
        `redis-log-transport: connected to Redis at Sentinel group "${sentinel.name}" again; publishing resumes.`
      ])
      // The new primary has the history of the lines published to it, the last one included.
      const primary = new Redis(`redis://127.0.0.1:${promoted}`)
      const newest = await primary.xrevrange('stream:logs:watched', '+', '-', 'COUNT', 1)
      expect(JSON.parse(newest[0]?.[1][1] ?? '{}')).toMatchObject({ n: 'last' })
      primary.disconnect()
    } finally {
      stderr.restore()
    }
    await before.close()
  }, 60_000)
})
