'use strict'
// The benchmark suite (`npm run bench`): starts a private redis-server, runs each scenario with its variants
// alternated (A B A B ...), and writes the medians to BENCHMARKS.md with the machine, the versions and the command.
// Options: --runs N (default 5), --only burst,watched,latency,elu,outage,slowlink,cluster,viewer,steady,rediscost,startup,
// --quick (1 run, short phases; not for BENCHMARKS.md), --out FILE (default BENCHMARKS.md).
const { spawn, execFileSync } = require('node:child_process')
const { writeFileSync, readFileSync } = require('node:fs')
const os = require('node:os')
const { join } = require('node:path')
const Redis = require('ioredis').default
const { startRedisServer } = require('../scripts/redis-server')
const { startCluster, command } = require('../scripts/redis-topology')
const { startSlowLink } = require('../scripts/slow-link')

const args = process.argv.slice(2)
const flag = (name, fallback) => { const i = args.indexOf(name); return i === -1 ? fallback : args[i + 1] }
const quick = args.includes('--quick')
const RUNS = quick ? 1 : Number(flag('--runs', '5'))
const ONLY = flag('--only', 'burst,watched,latency,elu,outage,slowlink,cluster,viewer,steady,rediscost,startup').split(',')
const OUT = flag('--out', join(__dirname, '..', 'BENCHMARKS.md'))
const APPS = join(__dirname, 'apps')
const BURST_LINES = 200_000
const STEADY_LINES = 1_000_000
// The steady scenario's reference for Redis CPU per line (its variant name, which the targets read too).
const PIPELINED = 'reference: pipelined PUBLISH (ioredis, 1 000 lines a pipeline)'

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2 }
const now = () => performance.timeOrigin + performance.now()
const log = (...parts) => { process.stderr.write(parts.join(' ') + '\n') }

/** Runs a node script to its end; resolves with stdout's last line parsed as JSON, and the wall time. */
function runNode (script, scriptArgs, { timeoutMs = 600_000 } = {}) {
  return new Promise((resolve, reject) => {
    const started = now()
    const child = spawn(process.execPath, [join(APPS, script), ...scriptArgs], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c) => { stdout += c })
    child.stderr.on('data', (c) => { stderr += c })
    const timer = setTimeout(() => { child.kill('SIGKILL') }, timeoutMs)
    child.once('exit', (code) => {
      clearTimeout(timer)
      const wallMs = now() - started
      const last = stdout.trim().split('\n').pop()
      if (code !== 0) return reject(new Error(`${script} ${scriptArgs[0]} exited ${code}: ${stderr.slice(-500)}`))
      try { resolve({ wallMs, result: JSON.parse(last), stderr }) } catch { reject(new Error(`${script}: no result; ${stderr.slice(-500)}`)) }
    })
  })
}

/** Starts the viewer process and resolves once it is subscribed; `.done` resolves with its report. */
function startSubscriber (url, channel, expected, idleMs = 3000, warmup = 0) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(APPS, 'subscriber.js'), url, channel, String(expected), String(idleMs), String(warmup)], { stdio: ['ignore', 'pipe', 'inherit'] })
    let stdout = ''
    const done = new Promise((resolveDone) => { child.once('exit', () => { resolveDone(JSON.parse(stdout.trim().split('\n').pop())) }) })
    child.stdout.on('data', (c) => {
      stdout += c
      if (stdout.startsWith('ready\n')) { stdout = stdout.slice(6); resolve({ done, child }) }
    })
  })
}

async function publishCalls (url) {
  const redis = new Redis(url)
  try {
    const m = /cmdstat_publish:calls=(\d+)/.exec(await redis.info('commandstats'))
    return m === null ? 0 : Number(m[1])
  } finally { redis.disconnect() }
}

// --- scenarios --------------------------------------------------------------------------------------------

async function burst (server) {
  const lines = quick ? 20_000 : BURST_LINES
  const variants = [
    ['pino/file', 0], ['no-op transport', 0], ['redis-log-transport', 2], ['redis-log-transport, batchScript: false', 2],
    ['naive transport', 2], ['winston-redis', 1]
  ]
  const samples = Object.fromEntries(variants.map(([v]) => [v, { wall: [], cpu: [] }]))
  for (let run = 0; run < RUNS; run++) {
    for (const [variant, publishesPerLine] of variants) {
      const before = await publishCalls(server.url)
      const { wallMs, result } = await runNode('burst.js', [variant, server.url, String(lines)])
      const published = await publishCalls(server.url) - before
      if (published !== publishesPerLine * lines) throw new Error(`${variant}: ${published} PUBLISH for ${lines} lines`)
      samples[variant].wall.push(wallMs)
      samples[variant].cpu.push(result.cpuMs)
      log(`burst ${variant} run ${run + 1}: ${wallMs.toFixed(0)} ms wall, ${result.cpuMs.toFixed(0)} ms CPU, ${published} PUBLISH verified`)
    }
  }
  const floor = median(samples['pino/file'].wall)
  return {
    title: `Burst: ${lines.toLocaleString('en')} lines of about 150 bytes with a child \`userId\`, then exit`,
    note: 'Whole-process wall and CPU time (CPU of all threads, read after the transport closed). Every line was ' +
      'verified as published with `INFO commandstats` (2 PUBLISH per line for the pino transports, 1 for winston-redis, ' +
      'which also runs LPUSH and LTRIM per line). redis-log-transport runs with `closeTimeout: 9000`, its maximum: ' +
      'with the default 3 000 ms, an exit with more lines left than it can publish in 3 s drops the rest, counted.',
    head: ['variant', 'wall ms (median)', 'CPU ms (median)', '× pino/file wall'],
    rows: variants.map(([v]) => [v, median(samples[v].wall).toFixed(0), median(samples[v].cpu).toFixed(0), (median(samples[v].wall) / floor).toFixed(2)]),
    samples
  }
}

async function watched (server) {
  const lines = quick ? 20_000 : BURST_LINES
  const payload = JSON.stringify({ level: 30, time: Date.now(), pid: 1, hostname: 'bench', userId: 'job_bench_0001', i: 0, msg: 'request handled by the image resizer with the usual parameters' })
  const samples = { 'redis-log-transport': [], 'ceiling: redis-benchmark': [], 'ceiling, two PUBLISH per line: raw RESP': [] }
  const rate = (r) => r.count / ((r.lastAt - r.firstAt) / 1000)
  for (let run = 0; run < RUNS; run++) {
    {
      const { done } = await startSubscriber(server.url, 'logs:global', lines)
      await runNode('burst.js', ['redis-log-transport', server.url, String(lines)])
      const r = await done
      if (r.count !== lines) throw new Error(`watched: the viewer got ${r.count} of ${lines}`)
      samples['redis-log-transport'].push(rate(r))
      log(`watched transport run ${run + 1}: ${rate(r).toFixed(0)} lines/s`)
    }
    {
      const { done } = await startSubscriber(server.url, 'logs:global', lines)
      execFileSync('redis-benchmark', ['-p', String(server.port), '-c', '1', '-P', '100', '-n', String(lines), 'PUBLISH', 'logs:global', payload], { stdio: 'ignore' })
      const r = await done
      samples['ceiling: redis-benchmark'].push(rate(r))
      log(`watched ceiling run ${run + 1}: ${rate(r).toFixed(0)} lines/s`)
    }
    {
      const { done } = await startSubscriber(server.url, 'logs:global', lines)
      await runNode('raw-publisher.js', [server.url, String(lines)])
      const r = await done
      samples['ceiling, two PUBLISH per line: raw RESP'].push(rate(r))
      log(`watched two-channel ceiling run ${run + 1}: ${rate(r).toFixed(0)} lines/s`)
    }
  }
  const ceiling = median(samples['ceiling: redis-benchmark'])
  return {
    title: `Watched: the burst with one subscriber process on \`logs:global\``,
    note: 'Lines per second the subscriber received, first to last. The ceiling: `redis-benchmark -c 1 -P 100` ' +
      'publishing the same payload into the same kind of subscriber. A second ceiling does what the transport asks ' +
      'of Redis, two PUBLISH per line (job and global channel), from pre-encoded RESP written straight to a socket ' +
      '(bench/apps/raw-publisher.js).',
    head: ['variant', 'lines/s received (median)', '× ceiling'],
    rows: Object.entries(samples).map(([v, xs]) => [v, median(xs).toFixed(0), (median(xs) / ceiling).toFixed(2)]),
    samples
  }
}

/** The variants of the latency scenario: the app, and the same schedule publishing from its own main thread. */
const LATENCY_VARIANTS = {
  'redis-log-transport': (url, rate, seconds) => ['paced.js', ['redis-log-transport', url, String(rate), String(seconds)]],
  'floor: PUBLISH from the main thread': (url, rate, seconds) => ['direct-publish.js', [url, String(rate), String(seconds)]]
}

async function latency (server) {
  const cases = [[1000, quick ? 2 : 5], [50_000, quick ? 1 : 2]]
  const WARMUP_SECONDS = 1
  const samples = {} // variant -> rate -> [{ p50, p99, max, n, spreadMs }]
  for (let run = 0; run < RUNS; run++) {
    for (const [rate, measured] of cases) {
      for (const [variant, app] of Object.entries(LATENCY_VARIANTS)) {
        const key = `${rate.toLocaleString('en')} lines/s`
        const seconds = WARMUP_SECONDS + measured
        const { done } = await startSubscriber(server.url, 'logs:global', rate * seconds, 3000, rate * WARMUP_SECONDS)
        await runNode(...app(server.url, rate, seconds))
        const r = await done
        if (r.count !== rate * seconds) throw new Error(`latency: the viewer got ${r.count} of ${rate * seconds}`)
        ;((samples[variant] ??= {})[key] ??= []).push({ ...r.latency, spreadMs: r.lastAt - r.firstAt })
        log(`latency ${variant} ${key} run ${run + 1}: p50 ${r.latency.p50.toFixed(2)} p99 ${r.latency.p99.toFixed(2)} max ${r.latency.max.toFixed(2)} ms`)
      }
    }
  }
  const rows = []
  for (const [variant, byRate] of Object.entries(samples)) {
    for (const [key, xs] of Object.entries(byRate)) {
      const p = (q) => median(xs.map((x) => x[q])).toFixed(2)
      rows.push([key, variant, p('p50'), p('p99'), p('max'), (median(xs.map((x) => x.spreadMs)) / 1000).toFixed(1), String(xs[0].n)])
    }
  }
  rows.sort((a, b) => Number(a[0].replace(/\D/g, '')) - Number(b[0].replace(/\D/g, '')))
  return {
    title: 'Latency: log call to subscriber receipt',
    note: 'Each line carries the time of its log call; a subscriber process on `logs:global` subtracts it from the ' +
      'time of receipt (same machine clock). The first second of each run is a warm-up and is left out (a fresh ' +
      'worker is not yet compiled and loads the script: at 50 000 lines/s its first 300 ms see up to 130 ms). ' +
      'The floor is the set-up without the transport: the same app, schedule and subscriber, with pino writing into ' +
      'a destination that PUBLISHes each line to both channels from the main thread (bench/apps/direct-publish.js). ' +
      '"Received over" is the time from the first line received to the last, for lines logged over ' +
      `${WARMUP_SECONDS} s of warm-up plus the measured seconds (5 at 1 000 lines/s, 2 at 50 000): longer means the ` +
      'variant fell behind the rate. Medians over runs of each run\'s percentile.',
    head: ['rate', 'variant', 'p50 ms', 'p99 ms', 'max ms', 'received over, s', 'lines measured per run'],
    rows,
    samples
  }
}

async function elu (server) {
  const seconds = quick ? 1 : 3
  const variants = ['pino/file', 'redis-log-transport']
  const samples = { 'pino/file': [], 'redis-log-transport': [] }
  for (let run = 0; run < RUNS; run++) {
    for (const variant of variants) {
      const { result } = await runNode('paced.js', [variant, server.url, '20000', String(seconds)])
      samples[variant].push(result.elu)
      log(`elu ${variant} run ${run + 1}: ${(result.elu * 100).toFixed(1)} %`)
    }
  }
  const floor = median(samples['pino/file'])
  return {
    title: 'Application cost: main-thread event-loop utilization at 20 000 lines/s',
    note: `\`performance.eventLoopUtilization()\` over ${seconds} s of logging at a steady rate.`,
    head: ['variant', 'ELU (median)', '× pino/file'],
    rows: variants.map((v) => [v, `${(median(samples[v]) * 100).toFixed(1)} %`, (median(samples[v]) / floor).toFixed(2)]),
    samples
  }
}

async function outage (server) {
  const downFor = quick ? 5 : 30
  const seconds = downFor + 10
  const samples = []
  for (let run = 0; run < RUNS; run++) {
    const app = runNode('paced.js', ['redis-log-transport', server.url, '20000', String(seconds), '{"statsInterval":0}'])
    await new Promise((resolve) => setTimeout(resolve, 3000))
    const killedAt = now()
    await server.stop()
    await new Promise((resolve) => setTimeout(resolve, downFor * 1000))
    await server.start()
    const restartedAt = now()
    const { done } = await startSubscriber(server.url, 'logs:global', 1, 10_000)
    const seen = await done
    const { result } = await app
    const before = result.rssTimeline.filter(([t]) => t <= killedAt).map(([, mb]) => mb)
    const during = result.rssTimeline.filter(([t]) => t > killedAt).map(([, mb]) => mb)
    const s = result.stats
    if (s.published + s.dropped !== s.received) throw new Error(`outage: accounting broken ${JSON.stringify(s)}`)
    const sample = {
      rssBeforeMb: Math.max(...before), peakRssMb: Math.max(...during), dropped: s.dropped, received: s.received,
      published: s.published, recoveryMs: seen.firstAt - restartedAt
    }
    samples.push(sample)
    log(`outage run ${run + 1}: ${JSON.stringify(sample)}`)
  }
  const m = (key) => median(samples.map((x) => x[key]))
  return {
    title: `Outage: Redis stopped for ${downFor} s while logging 20 000 lines/s`,
    note: 'Redis is killed 3 s into the run and restarted on the same port; RSS of the application process ' +
      '(both threads) sampled every 50 ms; recovery is from the restart to the first line a new subscriber receives ' +
      '(it subscribes right after the restart). The accounting identity held in every run. Default options ' +
      '(`maxBufferedLines` 10 000, `maxBufferedBytes` 16 MiB).',
    head: ['RSS before, MB', 'peak RSS during, MB', 'growth, MB', 'received', 'published', 'dropped', 'recovery ms'],
    // Growth is taken run by run, then the median: the same figure the targets check.
    rows: [[m('rssBeforeMb'), m('peakRssMb'), median(samples.map((x) => x.peakRssMb - x.rssBeforeMb)), m('received'), m('published'), m('dropped'), m('recoveryMs').toFixed(0)].map(String)],
    samples
  }
}

/**
 * A Redis that is merely slow: the same application over a link to the server that carries 1.2 MB/s, and over
 * one that does not limit it, while it logs 2.3 MB/s; then process.exit(0). What the application holds
 * (RSS), how far behind the worker's reading is when the last line is logged, and how long the exit takes.
 */
async function slowLink (server) {
  const seconds = quick ? 4 : 12
  const rate = 10_000
  const variants = [['unlimited link', 1e9], ['1.2 MB/s link', 1.2e6]]
  const samples = Object.fromEntries(variants.map(([v]) => [v, []]))
  for (let run = 0; run < RUNS; run++) {
    for (const [variant, bytesPerSecond] of variants) {
      const link = await startSlowLink({ targetPort: server.port, bytesPerSecond })
      try {
        const { wallMs, result, stderr } = await runNode('slow-link.js', [link.url, String(rate), String(seconds)])
        const exitedAt = now()
        const closed = /closed; (\d+) of (\d+) lines published, (\d+) dropped/.exec(stderr)
        const sample = {
          rssGrowthMb: result.peakRssMb - result.rssBeforeMb,
          sent: result.sent,
          waiting: result.sent - result.receivedWhenLogged,
          exitMs: exitedAt - result.exitAt,
          published: closed === null ? result.sent : Number(closed[1]),
          dropped: closed === null ? 0 : Number(closed[3]),
          wallMs
        }
        // Every line is accounted for at exit: the closing line on stderr says so when any were dropped.
        if (closed !== null && Number(closed[2]) !== result.sent) throw new Error(`slow link: ${closed[2]} of ${result.sent} lines accounted`)
        samples[variant].push(sample)
        log(`slow link ${variant} run ${run + 1}: ${JSON.stringify(sample)}`)
      } finally {
        await link.close()
      }
    }
  }
  const m = (v, key) => median(samples[v].map((x) => x[key]))
  return {
    title: `Outage: a slow link to Redis while logging ${(rate * 230 / 1e6).toFixed(1)} MB/s`,
    note: `The application logs ${rate.toLocaleString('en')} lines/s of about 230 bytes for ${seconds} s through a TCP ` +
      'forwarder (scripts/slow-link.js) that carries 1.2 MB/s to the server, or does not limit it, then calls ' +
      '`process.exit(0)`. RSS of the application process (both threads) sampled every 50 ms, growth from the start of ' +
      'logging to its peak; "lines not yet read" is how many lines the worker had not read when the last one was ' +
      'logged (pino keeps them in the application\'s memory); the exit is timed from `process.exit(0)` to the ' +
      'process\'s end. Default options (`closeTimeout` 3 000 ms, `maxBufferedLines` 10 000).',
    head: ['variant', 'RSS growth, MB', 'lines not yet read', 'exit ms', 'published', 'dropped'],
    rows: variants.map(([v]) => [v, m(v, 'rssGrowthMb').toFixed(0), m(v, 'waiting').toFixed(0), m(v, 'exitMs').toFixed(0),
      m(v, 'published').toFixed(0), m(v, 'dropped').toFixed(0)]),
    samples
  }
}

/** CPU seconds a server has used, and how many PUBLISH and SPUBLISH it ran. */
async function serverWork (port) {
  const info = String(await command(port, ['INFO', 'all']))
  const number = (re) => Number(re.exec(info)?.[1] ?? 0)
  return {
    cpu: number(/used_cpu_sys:([\d.]+)/) + number(/used_cpu_user:([\d.]+)/),
    publish: number(/cmdstat_publish:calls=(\d+)/),
    spublish: number(/cmdstat_spublish:calls=(\d+)/)
  }
}

async function scaleOut (server) {
  const lines = quick ? 20_000 : BURST_LINES
  const JOBS = 100
  const cluster = await startCluster({ primaries: 3, replicasPerPrimary: 1 })
  try {
    const nodes = JSON.stringify(cluster.startupNodes)
    const globalOwner = cluster.primaryFor('logs:global')
    const primaries = cluster.nodes.filter((n) => n.role === 'master').map((n) => n.port)
    const variants = [
      ['single server', server.url, '{}', [server.port]],
      ['cluster, PUBLISH', nodes, '{}', primaries],
      ['cluster, SPUBLISH (sharded: true)', nodes, '{"sharded":true}', primaries]
    ]
    const samples = Object.fromEntries(variants.map(([v]) => [v, { wall: [], busiestCpu: [], globalShareCpu: [], spread: [] }]))
    for (let run = 0; run < RUNS; run++) {
      for (const [variant, target, options, ports] of variants) {
        const before = await Promise.all(ports.map(serverWork))
        const { wallMs } = await runNode('spread-burst.js', [target, String(lines), String(JOBS), options])
        const after = await Promise.all(ports.map(serverWork))
        const work = ports.map((port, i) => ({
          port,
          cpu: after[i].cpu - before[i].cpu,
          calls: (after[i].publish - before[i].publish) + (after[i].spublish - before[i].spublish)
        }))
        const calls = work.reduce((a, w) => a + w.calls, 0)
        // A PUBLISH in a cluster runs where it is sent and is then broadcast; SPUBLISH runs on the owning shard only.
        if (calls !== 2 * lines) throw new Error(`${variant}: ${calls} publishes for ${lines} lines`)
        const busiest = work.reduce((a, b) => (b.cpu > a.cpu ? b : a))
        samples[variant].wall.push(wallMs)
        samples[variant].busiestCpu.push(busiest.cpu * 1000)
        samples[variant].globalShareCpu.push((work.find((w) => w.port === globalOwner)?.cpu ?? busiest.cpu) * 1000)
        samples[variant].spread.push(work.map((w) => `${w.port}: ${w.calls} calls, ${(w.cpu * 1000).toFixed(0)} ms`).join('; '))
        log(`cluster ${variant} run ${run + 1}: ${wallMs.toFixed(0)} ms wall; ${samples[variant].spread.at(-1)}`)
      }
    }
    const single = median(samples['single server'].wall)
    return {
      title: `Scaling out: the burst spread over ${JOBS} jobs, one server against a cluster of 3 primaries (with a replica each)`,
      note: 'Whole-process wall time of the application, and the server CPU (`used_cpu_sys + used_cpu_user`) of each ' +
        'primary over the run. Every publish verified with `INFO commandstats` (PUBLISH + SPUBLISH calls over the ' +
        'primaries = 2 per line). Under `sharded: true` the global channel lives on one shard, which runs the SPUBLISH ' +
        'of every line; the last column is that shard\'s CPU (for PUBLISH, the primary that owns the same slot).',
      head: ['variant', 'wall ms (median)', 'lines/s', '× single server', 'busiest primary CPU ms', 'global channel\'s shard CPU ms'],
      rows: variants.map(([v]) => {
        const wall = median(samples[v].wall)
        return [v, wall.toFixed(0), (lines / wall * 1000).toFixed(0), (single / wall).toFixed(2), median(samples[v].busiestCpu).toFixed(0), median(samples[v].globalShareCpu).toFixed(0)]
      }),
      samples
    }
  } finally {
    await cluster.stop()
  }
}

/** The console in headless Chromium while 100 000 lines of one job arrive at 5 000 lines/s (bench/apps/viewer.js). */
async function viewer (server) {
  const lines = 100_000
  const rate = 5000
  const variants = [[`${lines.toLocaleString('en')} lines at ${rate.toLocaleString('en')} lines/s`, lines], ['floor: the same page, no lines, 20 s', 0]]
  const samples = Object.fromEntries(variants.map(([v]) => [v, []]))
  for (let run = 0; run < RUNS; run++) {
    for (const [variant, count] of variants) {
      const { result } = await runNode('viewer.js', [server.url, String(count), String(rate), String(lines / rate)])
      samples[variant].push(result)
      log(`viewer ${variant} run ${run + 1}: ${JSON.stringify(result)}`)
    }
  }
  const m = (v, key) => median(samples[v].map((x) => x[key]))
  return {
    title: `Console: a job's view in headless Chromium while ${lines.toLocaleString('en')} lines arrive at ${rate.toLocaleString('en')} lines/s`,
    note: 'The application logs through the transport (history on) in a process of its own; the page is the console ' +
      'that `createLogConsole` serves, viewing that job, in Debian\'s Chromium (headless, `--disable-gpu`). Measured in ' +
      'the page over the run: the longest main-thread task (`PerformanceObserver` \'longtask\' entries, which start at ' +
      '50 ms: 0 means none) and the longest gap between two `requestAnimationFrame` callbacks; the lines the viewer ' +
      'holds at the end (all of them, in order, is the target); its JS heap (CDP `Runtime.getHeapUsage`, then after a ' +
      'forced GC); catch-up is from the last line logged to the viewer holding it. The floor is the same page with ' +
      'nothing logged, for as long: what the machine alone costs.',
    head: ['variant', 'longest task ms', 'tasks over 50 ms', 'longest frame gap ms', 'lines held', 'in order', 'JS heap MB', 'after GC MB', 'catch-up ms'],
    rows: variants.map(([v, count]) => [v, m(v, 'longestTaskMs').toFixed(0), m(v, 'longTasks').toFixed(0), m(v, 'maxFrameGapMs').toFixed(0),
      `${m(v, 'held').toLocaleString('en')} of ${count.toLocaleString('en')}`, samples[v].every((x) => x.inOrder) ? 'yes' : '**no**',
      m(v, 'heapMb').toFixed(0), m(v, 'heapAfterGcMb').toFixed(0), count === 0 ? '' : m(v, 'catchUpMs').toFixed(0)]),
    samples
  }
}

/**
 * Issue 16's steady state: a million lines, so that the worker's start-up is a small part of the run, against the
 * no-op pino-abstract-transport (the floor every such worker shares) and pino/file; and what Redis, the resource
 * every instance of the application shares, spends per line, against plain PUBLISH in pipelines.
 */
async function steady (server) {
  const lines = quick ? 200_000 : STEADY_LINES
  const variants = [
    ['pino/file', 0, 'burst.js'], ['no-op transport', 0, 'burst.js'], ['redis-log-transport', 2, 'burst.js'],
    ['redis-log-transport, batchScript: false', 2, 'burst.js'], [PIPELINED, 2, 'pipelined-publish.js']
  ]
  const samples = Object.fromEntries(variants.map(([v]) => [v, { wall: [], cpu: [], redisCpuUs: [] }]))
  // Round 0 runs each variant once, uncounted: a variant's first run pays for a cold file cache, and the server's
  // first script call loads the script.
  for (let run = 0; run <= RUNS; run++) {
    for (const [variant, publishesPerLine, app] of variants) {
      const before = await serverWork(server.port)
      const { wallMs, result } = await runNode(app, app === 'burst.js' ? [variant, server.url, String(lines)] : [server.url, String(lines)])
      const after = await serverWork(server.port)
      const published = after.publish - before.publish
      if (published !== publishesPerLine * lines) throw new Error(`steady ${variant}: ${published} PUBLISH for ${lines} lines`)
      // The server's CPU over the run, per line: for the variants that publish nothing, its idle background.
      const redisCpuUs = (after.cpu - before.cpu) * 1e6 / lines
      log(`steady ${variant} ${run === 0 ? 'warm-up' : `run ${run}`}: ${wallMs.toFixed(0)} ms wall, ${result.cpuMs.toFixed(0)} ms CPU, ` +
        `Redis ${redisCpuUs.toFixed(2)} µs/line, ${published} PUBLISH verified`)
      if (run === 0) continue
      samples[variant].wall.push(wallMs)
      samples[variant].cpu.push(result.cpuMs)
      samples[variant].redisCpuUs.push(redisCpuUs)
    }
  }
  const wall = (v) => median(samples[v].wall)
  const idle = median([...samples['pino/file'].redisCpuUs, ...samples['no-op transport'].redisCpuUs])
  return {
    title: `Steady: ${lines.toLocaleString('en')} lines of about 150 bytes with a child \`userId\`, then exit`,
    note: 'The burst\'s lines, enough of them that start-up is a small part of the run. Whole-process wall and CPU ' +
      'time (CPU of all threads), each variant run once uncounted before the counted runs. Redis CPU: the private ' +
      'server\'s `used_cpu_sys + used_cpu_user` (`INFO`) after the run less before, per line; every line verified as ' +
      'two PUBLISH with `INFO commandstats` (the transport\'s run inside its script calls). The reference publishes ' +
      'the same lines (pino\'s) to the same two channels as plain PUBLISH, in ioredis pipelines of 1 000 lines, one ' +
      'at a time (bench/apps/pipelined-publish.js); its wall and CPU are those of one process that formats and ' +
      'publishes in its main thread, not a transport, so they are not compared. Over the runs that publish nothing ' +
      `the server spent ${idle.toFixed(3)} µs per line on its own background. redis-log-transport runs with ` +
      '`closeTimeout: 9000`.',
    head: ['variant', 'wall ms (median)', 'CPU ms (median)', '× no-op wall', '× pino/file wall', 'Redis CPU µs per line (median)'],
    // The reference is not a transport: its wall is not compared with theirs.
    rows: variants.map(([v, publishesPerLine]) => [v, wall(v).toFixed(0), median(samples[v].cpu).toFixed(0),
      v === PIPELINED ? '' : (wall(v) / wall('no-op transport')).toFixed(2), v === PIPELINED ? '' : (wall(v) / wall('pino/file')).toFixed(2),
      publishesPerLine === 0 ? '' : median(samples[v].redisCpuUs).toFixed(2)]),
    samples
  }
}

/**
 * Where Redis's CPU per line goes (bench/apps/redis-cost.js): the transport's batch script against the same
 * arguments read by a script that does nothing else, PUBLISH run from Lua, and pipelined PUBLISH.
 */
async function redisCost (server) {
  const samples = []
  for (let run = 0; run < RUNS; run++) {
    const { result } = await runNode('redis-cost.js', [server.url, quick ? '100' : '300'])
    log(`rediscost run ${run + 1}: ${Object.entries(result).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}`)
    samples.push(result)
  }
  const ways = Object.keys(samples[0])
  return {
    title: 'Redis CPU per line, by what the server does',
    note: 'The same 1 000 lines of about 150 bytes, each for a job channel and the global channel, sent one call at ' +
      `a time ${quick ? 100 : 300} times in each way (after 20 uncounted), the private server's \`used_cpu_sys + ` +
      'used_cpu_user` read before and after each way (bench/apps/redis-cost.js). "Only reads" is the batch call ' +
      'itself: parsing its arguments and handing them to Lua. "From Lua" is what 2 000 PUBLISH cost when a script ' +
      'runs them, without arguments to read.',
    head: ['way', 'Redis CPU µs per line (median)'],
    rows: ways.map((way) => [way, median(samples.map((x) => x[way])).toFixed(3)]),
    samples
  }
}

/** Starts a node script with a stdin of its own; `.exited` resolves with its exit code and stdout's last line. */
function startNode (script, scriptArgs) {
  const child = spawn(process.execPath, [join(APPS, script), ...scriptArgs], { stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c) => { stdout += c })
  child.stderr.on('data', (c) => { stderr += c })
  const exited = new Promise((resolve) => {
    child.once('exit', (code) => { resolve({ code, last: stdout.trim().split('\n').pop(), stderr }) })
  })
  return { child, exited }
}

/** Rejects after `ms`, for a wait that could otherwise never end. */
const deadline = (ms, what) => new Promise((resolve, reject) => { setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms).unref() })

/**
 * Issue 16's start-up: from the call of pino.transport() to the first line out the other end, each run a fresh
 * process (bench/apps/startup.js). For the transport, out is a subscriber on the job channel, started before the
 * application; for the no-op, the worker's first line read (bench/baselines/noop-first-line.js).
 */
async function startup (server) {
  // Fresh processes are cheap: 9 runs of each even in a quick run.
  const runs = 9
  const JOB_CHANNEL = 'logs:job_bench_0001'
  const variants = ['no-op transport, first line read', 'redis-log-transport, first line published']
  const samples = Object.fromEntries(variants.map((v) => [v, []]))
  // Round 0 is uncounted: it warms the file cache, and leaves the script in the server's script cache, as a
  // long-lived Redis that the application's other instances use holds it.
  for (let run = 0; run <= runs; run++) {
    {
      const { child, exited } = startNode('startup.js', ['no-op', server.url])
      const { code, last, stderr } = await Promise.race([exited, deadline(30_000, 'the no-op\'s first line')])
        .catch((err) => { child.kill('SIGKILL'); throw err })
      if (code !== 0) throw new Error(`startup no-op exited ${code}: ${stderr.slice(-500)}`)
      samples[variants[0]].push(JSON.parse(last).firstLineMs)
    }
    {
      const { done, child: subscriber } = await startSubscriber(server.url, JOB_CHANNEL, 1, 30_000)
      const { child, exited } = startNode('startup.js', ['redis-log-transport', server.url])
      let r
      try {
        r = await Promise.race([done, deadline(30_000, 'the transport\'s first line')])
      } catch (err) {
        child.kill('SIGKILL')
        subscriber.kill('SIGKILL')
        throw err
      }
      // The line is in: let the application end as it would (its stdin was what kept it up).
      child.stdin.end()
      const { code, stderr } = await exited
      if (code !== 0) throw new Error(`startup redis-log-transport exited ${code}: ${stderr.slice(-500)}`)
      if (r.count !== 1 || r.latency.n !== 1) throw new Error(`startup: the subscriber got ${r.count} lines`)
      samples[variants[1]].push(r.latency.max)
    }
    log(`startup ${run === 0 ? 'warm-up' : `run ${run}`}: no-op ${samples[variants[0]].at(-1).toFixed(1)} ms, redis-log-transport ${samples[variants[1]].at(-1).toFixed(1)} ms`)
    if (run === 0) for (const v of variants) samples[v].pop()
  }
  const noop = median(samples[variants[0]])
  return {
    title: 'Start-up: from `pino.transport()` to the first line',
    note: `Median of ${runs} runs of each, alternated, after one uncounted run of each, each a fresh process that reads the clock, calls ` +
      '`pino.transport()` and logs one line right after it returns, carrying that time (bench/apps/startup.js; pino is ' +
      'already loaded). For redis-log-transport, until a subscriber process on the job channel, subscribed before, ' +
      'receives the line: the worker\'s start, loading its modules, connecting to Redis and the first script call ' +
      '(the server holds the script from the uncounted run, as a long-lived Redis would). For the no-op ' +
      'transport, until its worker reads the line (bench/baselines/noop-first-line.js). Times are ' +
      '`performance.timeOrigin + performance.now()`, one clock for all threads and processes of the machine.',
    head: ['variant', 'ms (median)', 'min ms', 'max ms', '× no-op'],
    rows: variants.map((v) => [v, median(samples[v]).toFixed(1), Math.min(...samples[v]).toFixed(1), Math.max(...samples[v]).toFixed(1),
      (median(samples[v]) / noop).toFixed(2)]),
    samples
  }
}

// --- report -----------------------------------------------------------------------------------------------

/** The issue's targets, checked against this run's figures. */
function targets ({ burst, watched, latency, elu, outage, slowlink, viewer, steady }) {
  const rows = []
  const cell = (ok) => (ok ? 'met' : '**not met**')
  const wallOf = (v) => median(burst.samples[v].wall)
  if (burst !== undefined) {
    const ratio = wallOf('redis-log-transport') / wallOf('pino/file')
    rows.push(['burst wall ≤ 1.25 × pino/file', `${ratio.toFixed(2)} ×`, cell(ratio <= 1.25)])
    const faster = wallOf('winston-redis') / wallOf('redis-log-transport')
    rows.push(['burst ≥ 15 × faster than winston-redis', `${faster.toFixed(1)} ×`, cell(faster >= 15)])
  }
  if (watched !== undefined) {
    const ratio = median(watched.samples['redis-log-transport']) / median(watched.samples['ceiling: redis-benchmark'])
    rows.push(['watched throughput ≥ 0.8 × ceiling', `${ratio.toFixed(2)} ×`, cell(ratio >= 0.8)])
  }
  if (latency !== undefined) {
    const [slow, fast] = Object.values(latency.samples['redis-log-transport'])
    const [slowFloor, fastFloor] = Object.values(latency.samples['floor: PUBLISH from the main thread'])
    const p = (xs, q) => median(xs.map((x) => x[q]))
    const with_ = (xs, floor, q) => `${p(xs, q).toFixed(2)} ms (floor ${p(floor, q).toFixed(2)})`
    rows.push(['p50 ≤ 1 ms at 1 000 lines/s', with_(slow, slowFloor, 'p50'), cell(p(slow, 'p50') <= 1)])
    rows.push(['p99 ≤ 2 ms at 1 000 lines/s', with_(slow, slowFloor, 'p99'), cell(p(slow, 'p99') <= 2)])
    rows.push(['p99 ≤ 15 ms at 50 000 lines/s', with_(fast, fastFloor, 'p99'), cell(p(fast, 'p99') <= 15)])
  }
  if (elu !== undefined) {
    const ratio = median(elu.samples['redis-log-transport']) / median(elu.samples['pino/file'])
    rows.push(['event-loop utilization ≤ 1.1 × pino/file', `${ratio.toFixed(2)} ×`, cell(ratio <= 1.1)])
  }
  if (outage !== undefined) {
    const growth = median(outage.samples.map((x) => x.peakRssMb - x.rssBeforeMb))
    // The buffer's cap: 16 MiB of line text (maxBufferedBytes), plus 32 MB.
    rows.push(['outage RSS growth ≤ buffer cap (16 MiB) + 32 MB', `${growth} MB`, cell(growth <= 16 + 32)])
    const identity = outage.samples.every((x) => x.published + x.dropped === x.received)
    rows.push(['outage: published + dropped = received', identity ? 'held in every run' : 'broken', cell(identity)])
  }
  if (slowlink !== undefined) {
    const of = (variant, key) => median(slowlink.samples[variant].map((x) => x[key]))
    // The same application over a link that does not limit Redis grows too (V8's heaps at this rate): the slow
    // link may add the buffer's cap, 16 MiB of line text, and 16 MB.
    const extra = of('1.2 MB/s link', 'rssGrowthMb') - of('unlimited link', 'rssGrowthMb')
    rows.push(['slow link: RSS growth ≤ the unlimited link\'s + buffer cap (16 MiB) + 16 MB', `+${extra.toFixed(0)} MB`, cell(extra <= 16 + 16)])
    const waiting = of('1.2 MB/s link', 'waiting')
    const sent = of('1.2 MB/s link', 'sent')
    rows.push(['slow link: lines not yet read when the last is logged ≤ 1 % of them', `${waiting.toFixed(0)} of ${sent}`, cell(waiting <= sent / 100)])
    const exit = of('1.2 MB/s link', 'exitMs')
    // closeTimeout, plus the half second the transport gives Redis to acknowledge QUIT.
    rows.push(['slow link: exit ≤ closeTimeout (3 s) + 0.5 s', `${exit.toFixed(0)} ms`, cell(exit <= 3500)])
  }
  if (viewer !== undefined) {
    const [loaded] = Object.values(viewer.samples)
    const all = loaded.every((x) => x.held === x.lines && x.inOrder)
    rows.push(['console: every one of 100 000 lines held, in order', all ? 'in every run' : 'lines missing', cell(all)])
    // "Without freezing the page": no task longer than 100 ms, the budget in which a click still feels immediate.
    const longest = median(loaded.map((x) => Math.max(x.longestTaskMs, x.maxFrameGapMs)))
    rows.push(['console: longest main-thread task or frame gap ≤ 100 ms at 5 000 lines/s (median of runs)', `${longest.toFixed(0)} ms`, cell(longest <= 100)])
  }
  if (steady !== undefined) {
    const of = (v, key) => median(steady.samples[v][key])
    const ratio = of('redis-log-transport', 'wall') / of('no-op transport', 'wall')
    rows.push(['steady wall ≤ 1.25 × the no-op transport', `${ratio.toFixed(2)} ×`, cell(ratio <= 1.25)])
    const ours = of('redis-log-transport', 'redisCpuUs')
    const pipelined = of(PIPELINED, 'redisCpuUs')
    rows.push(['steady: Redis CPU per line ≤ pipelined PUBLISH\'s', `${ours.toFixed(2)} µs (pipelined ${pipelined.toFixed(2)} µs)`, cell(ours <= pipelined)])
    const pipelines = of('redis-log-transport, batchScript: false', 'redisCpuUs')
    // Not a target: its PUBLISH pipelines are the reference's, so the two differ by the noise of the runs.
    rows.push(['steady: Redis CPU per line with `batchScript: false`, for the record', `${pipelines.toFixed(2)} µs`, ''])
  }
  return rows.length === 0 ? [] : ['## Targets', '', table({ head: ['target', 'this run', ''], rows }), '']
}

function versions () {
  const pkg = (name, from = join(__dirname, '..')) => JSON.parse(readFileSync(join(from, 'node_modules', name, 'package.json'), 'utf8')).version
  const baseline = join(__dirname, 'baselines', 'winston-redis')
  const redisVersion = /v=([\d.]+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1]
  return {
    machine: `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}`,
    software: `Node ${process.version}, Redis ${redisVersion}, redis-log-transport ${JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version}, ` +
      `pino ${pkg('pino')}, thread-stream ${pkg('thread-stream')}, ioredis ${pkg('ioredis')}, winston ${pkg('winston', baseline)}, winston-redis ${pkg('winston-redis', baseline)}`
  }
}

function table ({ head, rows }) {
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n')
}

async function main () {
  const server = await startRedisServer()
  const results = []
  const byName = {}
  try {
    for (const [name, scenario] of Object.entries({ burst, watched, latency, elu, outage, slowlink: slowLink, cluster: scaleOut, viewer, steady, rediscost: redisCost, startup })) {
      if (!ONLY.includes(name)) continue
      log(`== ${name}`)
      byName[name] = await scenario(server)
      results.push(byName[name])
    }
  } finally {
    await server.stop()
  }
  const { machine, software } = versions()
  const body = [
    '# Benchmarks', '',
    `Produced by \`npm run bench${args.length > 0 ? ' -- ' + args.join(' ') : ''}\` (bench/run.js) on ${new Date().toISOString().slice(0, 10)}.`,
    `Machine: ${machine}.`, `Software: ${software}.`,
    `Each scenario alternates its variants and reports the median of ${RUNS} run${RUNS === 1 ? '' : 's'}, against a private redis-server (no persistence) on loopback.`, '',
    ...targets(byName),
    ...results.flatMap((r) => [`## ${r.title}`, '', r.note, '', table(r), '']),
    readFileSync(join(__dirname, 'NOTES.md'), 'utf8')
  ].join('\n')
  writeFileSync(OUT, body)
  writeFileSync(OUT.replace(/\.md$/, '.json'), JSON.stringify(results.map(({ title, samples }) => ({ title, samples })), null, 1))
  log(`wrote ${OUT}`)
}

main().catch((err) => { console.error(err); process.exit(1) })
