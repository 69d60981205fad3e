'use strict'
// Starts private Redis topologies on free loopback ports (no persistence), for the Cluster and Sentinel tests and
// the benchmarks: a Redis Cluster (primaries with replicas) and a Sentinel group (one primary, one replica, three
// sentinels). It never touches any other server: it only signals the processes it started, and removes the temporary
// directory it made. Every wait has a deadline and fails naming what did not happen, with what it last saw.
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')
const { hasRedisServer, waitForPing } = require('./redis-server')

const HOST = '127.0.0.1'
const SLOTS = 16384

// ---------------------------------------------------------------------------------------------------------------
// Safety net: whatever a test forgets to stop is killed (and its directory removed) when this process exits.

const live = new Set() // child processes still running
const tempDirs = new Set() // directories not removed yet
let exitHookInstalled = false
function installExitHook () {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once('exit', () => {
    for (const child of live) {
      try { child.kill('SIGKILL') } catch {}
    }
    for (const dir of tempDirs) {
      try { fs.rmSync(dir, { recursive: true, force: true }) } catch {}
    }
  })
}

function makeTempDir (prefix) {
  installExitHook()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  tempDirs.add(dir)
  return dir
}

function removeTempDir (dir) {
  fs.rmSync(dir, { recursive: true, force: true })
  tempDirs.delete(dir)
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers: ports, a one-shot RESP client, deadline-based waiting.

/**
 * `count` distinct free TCP ports on 127.0.0.1, held open together while they are collected (so the OS does not
 * hand out the same one twice), none of them in `exclude`.
 */
async function freePorts (count, exclude = new Set()) {
  const servers = []
  const ports = []
  try {
    while (ports.length < count) {
      const server = net.createServer()
      server.unref()
      servers.push(server)
      const port = await new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen(0, HOST, () => resolve(server.address().port))
      })
      if (!exclude.has(port)) ports.push(port)
    }
    return ports
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(() => resolve()))))
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

class ReplyError extends Error {}

function encodeCommand (args) {
  const parts = [Buffer.from(`*${args.length}\r\n`)]
  for (const arg of args) {
    const bytes = Buffer.from(String(arg))
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'))
  }
  return Buffer.concat(parts)
}

/** Parses one RESP2 reply at `pos`: `[value, next]`, or undefined while it is incomplete. */
function parseReply (buffer, pos) {
  const end = buffer.indexOf('\r\n', pos)
  if (end === -1) return undefined
  const type = String.fromCharCode(buffer[pos])
  const line = buffer.toString('utf8', pos + 1, end)
  switch (type) {
    case '+': return [line, end + 2]
    case '-': return [new ReplyError(line), end + 2]
    case ':': return [Number(line), end + 2]
    case '$': {
      const length = Number(line)
      if (length < 0) return [null, end + 2]
      if (buffer.length < end + 2 + length + 2) return undefined
      return [buffer.toString('utf8', end + 2, end + 2 + length), end + 2 + length + 2]
    }
    case '*': {
      const length = Number(line)
      if (length < 0) return [null, end + 2]
      const items = []
      let next = end + 2
      for (let i = 0; i < length; i++) {
        const item = parseReply(buffer, next)
        if (item === undefined) return undefined
        items.push(item[0])
        next = item[1]
      }
      return [items, next]
    }
    default: throw new Error(`unexpected RESP reply type ${JSON.stringify(type)}`)
  }
}

/**
 * Sends one command to 127.0.0.1:`port` on a connection of its own and resolves with the reply (strings, numbers,
 * arrays, null); an error reply, a refused connection or `timeoutMs` without a reply reject.
 */
function command (port, args, timeoutMs = 2000) {
  const name = `${args.join(' ')} on ${HOST}:${port}`
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0)
    const socket = net.connect(port, HOST)
    socket.setTimeout(timeoutMs)
    socket.once('connect', () => socket.write(encodeCommand(args)))
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk])
      let reply
      try {
        reply = parseReply(received, 0)
      } catch (error) {
        socket.destroy()
        reject(new Error(`${name}: ${error.message}`))
        return
      }
      if (reply === undefined) return
      socket.destroy()
      if (reply[0] instanceof ReplyError) reject(new ReplyError(`${name}: ${reply[0].message}`))
      else resolve(reply[0])
    })
    socket.once('error', (error) => reject(new Error(`${name}: ${error.message}`)))
    socket.once('timeout', () => { socket.destroy(); reject(new Error(`${name}: no reply within ${timeoutMs} ms`)) })
    socket.once('close', () => reject(new Error(`${name}: the connection closed before a reply`)))
  })
}

/** `INFO` text as an object of its `field:value` lines. */
function parseInfo (text) {
  const fields = {}
  for (const line of String(text).split('\r\n')) {
    const colon = line.indexOf(':')
    if (colon > 0 && !line.startsWith('#')) fields[line.slice(0, colon)] = line.slice(colon + 1)
  }
  return fields
}

/** A flat `[key, value, key, value, ...]` reply (SENTINEL masters/replicas/sentinels) as an object. */
function pairs (flat) {
  const object = {}
  for (let i = 0; i + 1 < flat.length; i += 2) object[flat[i]] = flat[i + 1]
  return object
}

/**
 * Polls `check` until it returns true, or throws after `timeoutMs` naming `what` and the last thing `check` reported
 * (it returns a string saying what it sees instead of true; a thrown error counts as not yet, and is reported).
 */
async function waitUntil (what, timeoutMs, check, intervalMs = 50) {
  const deadline = Date.now() + timeoutMs
  let last = 'nothing checked yet'
  for (;;) {
    try {
      const result = await check()
      if (result === true) return
      last = typeof result === 'string' ? result : 'the condition was false'
    } catch (error) {
      last = error.message
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last seen: ${last})`)
    await sleep(intervalMs)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Processes.

const alive = (child) => child !== undefined && child.exitCode === null && child.signalCode === null

/**
 * Spawns `redis-server args` and resolves once it answers PING on `port`, with `{ process, exited, output() }`;
 * rejects (with the tail of its output) if it exits first, or after `timeoutMs`.
 */
async function launch (what, port, args, timeoutMs = 10_000) {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  live.add(child)
  let output = ''
  const keep = (chunk) => { output = (output + chunk).slice(-4000) }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => { live.delete(child); resolve(signal ?? code) })
    child.once('error', (error) => { live.delete(child); output += `\n${error.message}`; resolve(error.code ?? 'error') })
  })
  const handle = { process: child, exited, output: () => output.trim() }
  try {
    await Promise.race([
      waitForPing(port, timeoutMs),
      exited.then((status) => { throw new Error(`${what} on port ${port} exited (${status}) while starting: ${output.trim()}`) })
    ])
  } catch (error) {
    await kill(handle)
    throw error
  }
  return handle
}

/** Starts a server on ports from `allocate()`, taking new ones when a port was taken meanwhile (a few times). */
async function launchOnFreePorts (what, allocate, argsFor) {
  for (let attempt = 1; ; attempt++) {
    const ports = await allocate()
    try {
      return { ports, handle: await launch(what, ports[0], argsFor(ports)) }
    } catch (error) {
      if (attempt >= 3 || !/Address already in use/i.test(error.message)) throw error
    }
  }
}

/**
 * Runs the launches together and waits until all have settled (so none is still starting when the caller cleans up
 * after a failure), handing each success to `started` as it comes; then throws the first failure, if any.
 */
async function launchAll (launches, started) {
  const results = await Promise.allSettled(launches.map(async (launching) => {
    const result = await launching()
    started(result)
    return result
  }))
  const failure = results.find((r) => r.status === 'rejected')
  if (failure !== undefined) throw failure.reason
  return results.map((r) => r.value)
}

/** SIGKILLs a process this module started (if it still runs) and waits until it has exited. */
async function kill (handle, signal = 'SIGKILL') {
  if (handle === undefined) return
  if (alive(handle.process)) handle.process.kill(signal)
  await handle.exited
}

/** Kills every handle and removes `dir`; safe to call more than once (the later calls wait for the first). */
function stopper (handles, dir) {
  let stopping
  return () => {
    stopping ??= (async () => {
      await Promise.all(handles().map((handle) => kill(handle)))
      removeTempDir(dir)
    })()
    return stopping
  }
}

/** The arguments every server of a topology gets: loopback only, no persistence, no diskless-sync delay. */
function baseArgs (port, dir) {
  return [
    '--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir,
    '--daemonize', 'no', '--loglevel', 'warning', '--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0'
  ]
}

function nodeDir (dir, port) {
  const nodePath = path.join(dir, String(port))
  fs.mkdirSync(nodePath, { recursive: true })
  return nodePath
}

function runRedisCli (args, timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-cli', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    live.add(child)
    let output = ''
    child.stdout.on('data', (chunk) => { output += chunk })
    child.stderr.on('data', (chunk) => { output += chunk })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('error', (error) => { clearTimeout(timer); live.delete(child); reject(new Error(`redis-cli ${args.join(' ')}: ${error.message}`)) })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      live.delete(child)
      // redis-cli may exit 0 after printing [ERR] lines, so both count.
      if (code === 0 && !/\[ERR\]/.test(output)) resolve(output)
      else reject(new Error(`redis-cli ${args.join(' ')} failed (${signal === 'SIGKILL' ? `no result within ${timeoutMs} ms` : signal ?? `exit code ${code}`}): ${output.trim().slice(-2000)}`))
    })
  })
}

// ---------------------------------------------------------------------------------------------------------------
// Cluster.

/** CRC16/XMODEM, as Redis Cluster hashes keys. */
const CRC16_TABLE = (() => {
  const table = new Uint16Array(256)
  for (let i = 0; i < 256; i++) {
    let crc = i << 8
    for (let bit = 0; bit < 8; bit++) crc = (crc & 0x8000) !== 0 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
    table[i] = crc
  }
  return table
})()

/**
 * The cluster slot of a key (or channel), as `CLUSTER KEYSLOT` computes it: CRC16 of the key's bytes modulo 16384,
 * hashing only what is between the first `{` and the next `}` when that is not empty (a hash tag).
 */
function keySlot (key) {
  let bytes = Buffer.isBuffer(key) ? key : Buffer.from(String(key))
  const open = bytes.indexOf(0x7b) // {
  if (open !== -1) {
    const close = bytes.indexOf(0x7d, open + 1) // }
    if (close > open + 1) bytes = bytes.subarray(open + 1, close)
  }
  let crc = 0
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ byte) & 0xff]
  return crc % SLOTS
}

/** `CLUSTER NODES` text as `[{ id, port, flags, masterId, slots: [[from, to], ...], connected }]`. */
function parseClusterNodes (text) {
  return String(text).trim().split('\n').filter(Boolean).map((line) => {
    const [id, address, flags, masterId, , , , linkState, ...slots] = line.trim().split(' ')
    const port = Number(/:(\d+)@/.exec(address)?.[1])
    return {
      id,
      port,
      flags: flags.split(','),
      masterId: masterId === '-' ? undefined : masterId,
      connected: linkState === 'connected',
      slots: slots.filter((s) => !s.startsWith('[')).map((s) => {
        const [from, to = from] = s.split('-').map(Number)
        return [from, to]
      })
    }
  })
}

const BAD_FLAGS = ['fail', 'fail?', 'handshake', 'noaddr', 'nofailover']
const describeNode = (n) => `${n.port}(${n.flags.join(',')})`

/**
 * Starts a Redis Cluster of `primaries` primaries with `replicasPerPrimary` replicas each, on free loopback ports
 * (the cluster bus on another free port, given with `--cluster-port`), created with `redis-cli --cluster create`;
 * resolves once every node reports `cluster_state:ok`, sees every other node, and every replica's link is up.
 */
async function startCluster ({ primaries = 3, replicasPerPrimary = 1, nodeTimeout = 1000, timeoutMs = 30_000 } = {}) {
  if (!hasRedisServer()) {
    throw new Error('redis-server was not found on the PATH: install it (Debian: apt-get install -y redis-server)')
  }
  if (!Number.isInteger(primaries) || primaries < 3) throw new Error(`startCluster: primaries must be at least 3 (redis-cli --cluster create needs 3), not ${primaries}`)
  if (!Number.isInteger(replicasPerPrimary) || replicasPerPrimary < 0) throw new Error(`startCluster: replicasPerPrimary must be an integer >= 0, not ${replicasPerPrimary}`)
  const total = primaries * (1 + replicasPerPrimary)
  const dir = makeTempDir('redis-cluster-')
  const nodes = []
  const launched = [] // every node process started, also those started before a failure to start the others
  const taken = new Set()
  const cluster = {
    nodes,
    dir,
    /** The live primaries, as ioredis's `Cluster` takes its startup nodes. */
    get startupNodes () {
      return nodes.filter((n) => n.alive && n.role === 'master').map((n) => ({ host: HOST, port: n.port }))
    },
    /** The port of the node that owns a slot (a number) or the slot of a key or channel (a string), as last seen. */
    primaryFor (slotOrKey) {
      const slot = typeof slotOrKey === 'number' ? slotOrKey : keySlot(slotOrKey)
      if (!Number.isInteger(slot) || slot < 0 || slot >= SLOTS) throw new RangeError(`primaryFor: not a slot: ${slotOrKey}`)
      const owner = nodes.find((n) => n.slots.some(([from, to]) => slot >= from && slot <= to))
      if (owner === undefined) throw new Error(`primaryFor: no node owns slot ${slot}`)
      return owner.port
    },
    /** Reads `CLUSTER NODES` from a live node again and updates each node's role, master and slots. */
    async refresh () {
      const source = nodes.find((n) => n.alive)
      if (source === undefined) throw new Error('refresh: no node of the cluster is running')
      const view = parseClusterNodes(await command(source.port, ['CLUSTER', 'NODES']))
      const byId = new Map(view.map((v) => [v.id, v]))
      for (const node of nodes) {
        const seen = view.find((v) => v.port === node.port)
        if (seen === undefined) continue
        node.id = seen.id
        node.role = seen.flags.includes('slave') ? 'slave' : 'master'
        node.masterPort = seen.masterId === undefined ? undefined : byId.get(seen.masterId)?.port
        node.slots = seen.slots
      }
      return cluster
    },
    /**
     * SIGKILLs a primary (by default the one owning slot 0) and waits until a replica has taken over all of its
     * slots, every remaining node agrees on that and reports `cluster_state:ok`, and the new owner answers ROLE as
     * master. Resolves with the new owner's port.
     */
    async killPrimary (port = cluster.primaryFor(0), { timeoutMs: killTimeout = Math.max(20_000, nodeTimeout * 15) } = {}) {
      const victim = nodes.find((n) => n.port === port)
      if (victim === undefined) throw new Error(`killPrimary: port ${port} is not a node of this cluster`)
      if (!victim.alive) throw new Error(`killPrimary: the node on port ${port} is not running`)
      if (victim.role !== 'master' || victim.slots.length === 0) throw new Error(`killPrimary: the node on port ${port} is not a primary with slots (it is a ${victim.role})`)
      if (!nodes.some((n) => n.alive && n.masterPort === port)) throw new Error(`killPrimary: the primary on port ${port} has no running replica to take over`)
      const slots = victim.slots.map(([from, to]) => [from, to])
      const slot = slots[0][0]
      await kill(victim.handle)
      victim.alive = false
      let newPort
      await waitUntil(`a replica of the killed primary ${port} to take over its slots ${slots.map((r) => r.join('-')).join(',')} with cluster_state:ok on every node`, killTimeout, async () => {
        const survivors = nodes.filter((n) => n.alive)
        const owners = new Set()
        for (const node of survivors) {
          const info = parseInfo(await command(node.port, ['CLUSTER', 'INFO']))
          if (info.cluster_state !== 'ok') return `node ${node.port} reports cluster_state:${info.cluster_state}`
          const view = parseClusterNodes(await command(node.port, ['CLUSTER', 'NODES']))
          for (const [from, to] of slots) {
            const owner = view.find((v) => v.slots.some(([a, b]) => a <= from && to <= b))
            if (owner === undefined) return `node ${node.port} sees no single owner of slots ${from}-${to}`
            if (owner.port === port) return `node ${node.port} still sees the killed ${describeNode(owner)} owning slots ${from}-${to}`
            if (!owner.flags.includes('master') || owner.flags.some((f) => BAD_FLAGS.includes(f))) return `node ${node.port} sees slots ${from}-${to} owned by ${describeNode(owner)}`
            owners.add(owner.port)
          }
        }
        if (owners.size !== 1) return `the nodes disagree on the new owner: ${[...owners].join(', ')}`
        newPort = [...owners][0]
        const role = await command(newPort, ['ROLE'])
        return role[0] === 'master' ? true : `the new owner ${newPort} answers ROLE ${role[0]}`
      })
      await cluster.refresh()
      if (cluster.primaryFor(slot) !== newPort) throw new Error(`killPrimary: slot ${slot} moved to ${newPort}, yet CLUSTER NODES now says ${cluster.primaryFor(slot)}`)
      return newPort
    },
    stop: stopper(() => launched, dir)
  }
  try {
    // Each node gets a client port and a cluster-bus port of its own (not port + 10000, which may be over 65535).
    const initial = await freePorts(total * 2)
    for (const p of initial) taken.add(p)
    const portPairs = Array.from({ length: total }, (_, i) => initial.slice(2 * i, 2 * i + 2))
    const allocate = async (i) => {
      const pair = portPairs[i]
      portPairs[i] = undefined // a retry (the port was taken meanwhile) gets new ones
      if (pair !== undefined) return pair
      const fresh = await freePorts(2, taken)
      for (const p of fresh) taken.add(p)
      return fresh
    }
    const started = await launchAll(Array.from({ length: total }, (_, i) => () => launchOnFreePorts(
      'cluster node',
      () => allocate(i),
      ([port, busPort]) => [
        ...baseArgs(port, nodeDir(dir, port)),
        '--cluster-enabled', 'yes', '--cluster-port', String(busPort),
        '--cluster-config-file', path.join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', String(nodeTimeout),
        // A replica may always fail over, however long since it last heard from its primary.
        '--cluster-replica-validity-factor', '0'
      ]
    )), ({ handle }) => launched.push(handle))
    for (const { ports: [port], handle } of started) {
      nodes.push({ port, url: `redis://${HOST}:${port}`, role: 'master', masterPort: undefined, id: '', slots: [], alive: true, handle, get process () { return this.handle.process } })
    }
    await runRedisCli([
      '--cluster', 'create', ...nodes.map((n) => `${HOST}:${n.port}`),
      '--cluster-replicas', String(replicasPerPrimary), '--cluster-yes'
    ], timeoutMs)
    await waitUntil(`the ${total} nodes to report cluster_state:ok, each seeing ${primaries} primaries with ${replicasPerPrimary} replica(s) each, and every replica's link up`, timeoutMs, async () => {
      for (const node of nodes) {
        const info = parseInfo(await command(node.port, ['CLUSTER', 'INFO']))
        if (info.cluster_state !== 'ok') return `node ${node.port} reports cluster_state:${info.cluster_state}`
        const view = parseClusterNodes(await command(node.port, ['CLUSTER', 'NODES']))
        if (view.length !== total) return `node ${node.port} knows ${view.length} of ${total} nodes`
        const bad = view.find((v) => v.flags.some((f) => BAD_FLAGS.includes(f)) || !v.connected)
        if (bad !== undefined) return `node ${node.port} sees ${describeNode(bad)}${bad.connected ? '' : ' disconnected'}`
        const masters = view.filter((v) => v.flags.includes('master'))
        if (masters.length !== primaries) return `node ${node.port} sees ${masters.length} primaries`
        for (const master of masters) {
          const replicas = view.filter((v) => v.masterId === master.id).length
          if (replicas !== replicasPerPrimary) return `node ${node.port} sees ${replicas} replica(s) of ${master.port}`
        }
        const self = view.find((v) => v.flags.includes('myself'))
        if (self?.flags.includes('slave')) {
          const replication = parseInfo(await command(node.port, ['INFO', 'replication']))
          if (replication.master_link_status !== 'up') return `replica ${node.port} has master_link_status:${replication.master_link_status}`
        }
      }
      return true
    })
    await cluster.refresh()
    return cluster
  } catch (error) {
    await cluster.stop()
    throw error
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Sentinel.

/**
 * Starts one primary, one replica of it and `sentinels` sentinels monitoring them as `name` (quorum 2), on free
 * loopback ports; resolves once every sentinel reports the primary, lists the replica with its link up, and knows
 * every other sentinel (which a failover needs, to be authorized).
 */
async function startSentinel ({ name = 'logs-primary', sentinels: count = 3, downAfter = 1000, failoverTimeout = 3000, quorum = 2, timeoutMs = 30_000 } = {}) {
  if (!hasRedisServer()) {
    throw new Error('redis-server was not found on the PATH: install it (Debian: apt-get install -y redis-server)')
  }
  if (!Number.isInteger(count) || count < quorum) throw new Error(`startSentinel: sentinels must be at least the quorum (${quorum}), not ${count}`)
  const dir = makeTempDir('redis-sentinel-')
  const servers = [] // data servers: { port, url, handle, process }
  const sentinelHandles = []
  const sentinelPorts = []
  const taken = new Set()
  const allocate = async () => {
    const ports = await freePorts(1, taken)
    taken.add(ports[0])
    return ports
  }
  const findServer = (port) => servers.find((s) => s.port === port)
  const topology = {
    name,
    dir,
    servers,
    /** The server the sentinels named primary when last asked (at start, or by `killPrimary`). */
    primary: undefined,
    /** The other server (after `killPrimary`, the killed former primary). */
    replica: undefined,
    /** `{ host, port }` of each sentinel, as ioredis's `sentinels` option takes them. */
    sentinels: [],
    /** The primary's port as a sentinel reports it (`SENTINEL get-master-addr-by-name`), asking each in turn. */
    async currentPrimaryPort () {
      const errors = []
      for (const port of sentinelPorts) {
        try {
          const address = await command(port, ['SENTINEL', 'get-master-addr-by-name', name])
          if (address === null) throw new Error(`sentinel ${port} does not know ${name}`)
          return Number(address[1])
        } catch (error) {
          errors.push(error.message)
        }
      }
      throw new Error(`currentPrimaryPort: no sentinel answered: ${errors.join('; ')}`)
    },
    /**
     * SIGKILLs the current primary and waits until every sentinel reports another primary and that server answers
     * ROLE as master. Resolves with its port.
     */
    async killPrimary ({ timeoutMs: killTimeout = Math.max(20_000, downAfter * 5 + failoverTimeout * 3) } = {}) {
      const oldPort = await topology.currentPrimaryPort()
      const victim = findServer(oldPort)
      if (victim === undefined) throw new Error(`killPrimary: the sentinels name ${oldPort} primary, which is not a server of this topology`)
      if (!alive(victim.process)) throw new Error(`killPrimary: the primary ${oldPort} is not running`)
      await kill(victim.handle)
      let newPort
      await waitUntil(`the sentinels to fail ${name} over from the killed primary ${oldPort} to a server answering ROLE master`, killTimeout, async () => {
        const reported = new Set()
        for (const port of sentinelPorts) {
          const address = await command(port, ['SENTINEL', 'get-master-addr-by-name', name])
          reported.add(Number(address?.[1]))
        }
        if (reported.has(oldPort)) return `a sentinel still reports ${oldPort} (reported: ${[...reported].join(', ')})`
        if (reported.size !== 1) return `the sentinels disagree: ${[...reported].join(', ')}`
        newPort = [...reported][0]
        const role = await command(newPort, ['ROLE'])
        return role[0] === 'master' ? true : `the new primary ${newPort} answers ROLE ${role[0]}`
      })
      topology.primary = findServer(newPort)
      topology.replica = victim
      if (topology.primary === undefined) throw new Error(`killPrimary: the sentinels promoted ${newPort}, which is not a server of this topology`)
      return newPort
    },
    stop: stopper(() => [...servers.map((s) => s.handle), ...sentinelHandles], dir)
  }
  const server = (port, handle) => ({ port, url: `redis://${HOST}:${port}`, handle, get process () { return this.handle.process } })
  try {
    const primary = await launchOnFreePorts('primary', allocate, ([port]) => baseArgs(port, nodeDir(dir, port)))
    topology.primary = server(primary.ports[0], primary.handle)
    servers.push(topology.primary)
    const primaryPort = topology.primary.port
    const replica = await launchOnFreePorts('replica', allocate, ([port]) => [
      ...baseArgs(port, nodeDir(dir, port)), '--replicaof', HOST, String(primaryPort)
    ])
    topology.replica = server(replica.ports[0], replica.handle)
    servers.push(topology.replica)
    const replicaPort = topology.replica.port
    // Started before the sentinels, which then find the replica in the primary's first INFO, not ten seconds later.
    await waitUntil(`the replica ${replicaPort} to sync with the primary ${primaryPort}`, timeoutMs, async () => {
      const status = parseInfo(await command(replicaPort, ['INFO', 'replication'])).master_link_status
      return status === 'up' ? true : `master_link_status:${status}`
    })
    const started = await launchAll(Array.from({ length: count }, () => () => launchOnFreePorts('sentinel', allocate, ([port]) => {
      const file = path.join(dir, `sentinel-${port}.conf`) // a sentinel rewrites its config file: one each
      fs.writeFileSync(file, [
        `port ${port}`,
        `bind ${HOST}`,
        `dir ${dir}`,
        'daemonize no',
        'loglevel warning',
        `sentinel monitor ${name} ${HOST} ${primaryPort} ${quorum}`,
        `sentinel down-after-milliseconds ${name} ${downAfter}`,
        `sentinel failover-timeout ${name} ${failoverTimeout}`,
        `sentinel parallel-syncs ${name} 1`,
        ''
      ].join('\n'))
      return [file, '--sentinel']
    })), ({ handle }) => sentinelHandles.push(handle))
    for (const { ports: [port] } of started) {
      sentinelPorts.push(port)
      topology.sentinels.push({ host: HOST, port })
    }
    await waitUntil(`the ${count} sentinels to report the primary ${primaryPort}, list the replica ${replicaPort} with its link up, and know each other`, timeoutMs, async () => {
      for (const port of sentinelPorts) {
        const address = await command(port, ['SENTINEL', 'get-master-addr-by-name', name])
        if (Number(address?.[1]) !== primaryPort) return `sentinel ${port} reports the primary ${address?.join(':')}`
        const replicas = (await command(port, ['SENTINEL', 'replicas', name])).map(pairs)
        const seen = replicas.find((r) => Number(r.port) === replicaPort)
        if (seen === undefined) return `sentinel ${port} lists replicas [${replicas.map((r) => r.port).join(', ')}]`
        if (seen.flags !== 'slave' || seen['master-link-status'] !== 'ok') return `sentinel ${port} sees the replica with flags ${seen.flags}, master-link-status ${seen['master-link-status']}`
        const others = (await command(port, ['SENTINEL', 'sentinels', name])).map(pairs)
        if (others.length !== count - 1) return `sentinel ${port} knows ${others.length} of the ${count - 1} other sentinels`
        const bad = others.find((s) => s.flags !== 'sentinel')
        if (bad !== undefined) return `sentinel ${port} sees sentinel ${bad.port} with flags ${bad.flags}`
      }
      return true
    })
    return topology
  } catch (error) {
    await topology.stop()
    throw error
  }
}

module.exports = { startCluster, startSentinel, keySlot, command, waitUntil, freePorts, parseClusterNodes }
