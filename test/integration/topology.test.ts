/**
 * The test tooling for Redis Cluster and Sentinel (scripts/redis-topology.js): the topologies it starts answer
 * ioredis, it knows which primary owns a key, and its killPrimary() returns once a replica has taken over, which
 * ioredis then follows.
 */
import Redis, { Cluster } from 'ioredis'
import {
  command, keySlot, parseClusterNodes, startCluster, startSentinel, waitUntil,
  type RedisCluster, type RedisSentinel
} from '../../scripts/redis-topology'

/** The port a server says it listens on (`INFO server`), to tell which server a client reached. */
const tcpPort = (info: string): number => Number(/tcp_port:(\d+)/.exec(info)?.[1])

describe('startCluster', () => {
  let topology: RedisCluster | undefined
  let client: Cluster | undefined
  afterEach(async () => {
    client?.disconnect()
    client = undefined
    await topology?.stop()
    topology = undefined
  })

  it('starts 3 primaries with a replica each, routes keys as primaryFor() says, and fails a primary over', async () => {
    const cluster = topology = await startCluster()
    const primaries = cluster.nodes.filter((n) => n.role === 'master').map((n) => n.port)
    const replicas = cluster.nodes.filter((n) => n.role === 'slave')
    expect(primaries).toHaveLength(3)
    expect(replicas.map((r) => r.masterPort).sort()).toEqual([...primaries].sort())
    expect(cluster.startupNodes.map((n) => n.port).sort()).toEqual([...primaries].sort())

    // A per-job channel name on each shard (the hash tag decides the slot).
    const keyOf = new Map<number, string>()
    for (let i = 0; keyOf.size < primaries.length; i++) {
      const key = `logs:{user-${i}}`
      if (!keyOf.has(cluster.primaryFor(key))) keyOf.set(cluster.primaryFor(key), key)
    }

    client = new Cluster(cluster.startupNodes)
    client.on('error', () => {}) // a node going away is reported here; the commands below say what matters
    const view = parseClusterNodes(String(await client.call('CLUSTER', 'NODES')))
    for (const [port, key] of keyOf) {
      const slot = keySlot(key)
      expect(Number(await client.call('CLUSTER', 'KEYSLOT', key))).toBe(slot)
      expect(view.find((n) => n.slots.some(([from, to]) => slot >= from && slot <= to))?.port).toBe(port)
      await client.set(key, `on ${port}`)
      expect(await client.get(key)).toBe(`on ${port}`)
      expect(await command(port, ['GET', key])).toBe(`on ${port}`) // the owner answers itself: no MOVED
    }

    // Kill the primary of a shard that does not own slot 0 (killPrimary's default).
    const [victim, key] = [...keyOf].find(([port]) => port !== cluster.primaryFor(0)) ?? []
    if (victim === undefined || key === undefined) throw new Error('no shard without slot 0')
    const replica = replicas.find((r) => r.masterPort === victim)?.port
    if (replica === undefined) throw new Error(`no replica of ${victim}`)
    await waitUntil(`the replica ${replica} to have ${key}`, 5000, async () => await command(replica, ['DBSIZE']) === 1)
    const promoted = await cluster.killPrimary(victim)
    expect(promoted).toBe(replica)
    expect(cluster.primaryFor(key)).toBe(promoted)
    expect(cluster.nodes.find((n) => n.port === promoted)?.role).toBe('master')
    expect(await command(promoted, ['GET', key])).toBe(`on ${victim}`)
    // ioredis finds the new owner (MOVED from a live node), for reads and writes.
    expect(await client.get(key)).toBe(`on ${victim}`)
    await client.set(key, 'after the failover')
    expect(await command(promoted, ['GET', key])).toBe('after the failover')
  }, 25_000)
})

describe('startSentinel', () => {
  let topology: RedisSentinel | undefined
  let client: Redis | undefined
  afterEach(async () => {
    client?.disconnect()
    client = undefined
    await topology?.stop()
    topology = undefined
  })

  it('starts a primary, a replica and 3 sentinels, and fails over to the replica, which ioredis follows', async () => {
    const sentinel = topology = await startSentinel()
    const [first, second] = [sentinel.primary.port, sentinel.replica.port]
    expect(sentinel.sentinels).toHaveLength(3)
    expect(await sentinel.currentPrimaryPort()).toBe(first)

    // ioredis backs off up to ~2 s between reconnections while the sentinels still name the dead primary: retry
    // every 100 ms instead, so it reaches the new one as soon as the failover is done.
    client = new Redis({ sentinels: sentinel.sentinels, name: sentinel.name, retryStrategy: () => 100 })
    client.on('error', () => {}) // the primary going away is reported here
    await client.set('before', '1')
    expect(tcpPort(await client.info('server'))).toBe(first)
    await waitUntil(`the replica ${second} to have the write`, 5000, async () => await command(second, ['GET', 'before']) === '1')

    const promoted = await sentinel.killPrimary()
    expect(promoted).toBe(second)
    expect(sentinel.primary.port).toBe(second)
    expect(await sentinel.currentPrimaryPort()).toBe(second)
    expect(await command(second, ['ROLE'])).toEqual(expect.arrayContaining(['master']))

    await client.set('after', '2') // queued while ioredis asks the sentinels again
    expect(tcpPort(await client.info('server'))).toBe(second)
    expect(await command(second, ['MGET', 'before', 'after'])).toEqual(['1', '2'])
  }, 25_000)
})
