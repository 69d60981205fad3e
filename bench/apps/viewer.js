'use strict'
// The console under load: an application publishes LINES lines at RATE lines/s through the transport (history on)
// for one job, while headless Chromium views that job on the console that createLogConsole serves. Measured in the
// page: the longest main-thread task (PerformanceObserver 'longtask', and the longest gap between two
// requestAnimationFrame callbacks), the lines the viewer holds at the end (all of them, in order, or the run fails
// to meet its target), and the page's JS heap (CDP). Prints one JSON line.
// With LINES 0, nothing is published: the same page, idle for IDLE_SECONDS, is the floor the machine sets.
// Usage: node viewer.js URL [LINES] [RATE] [IDLE_SECONDS]   (the publisher is this file again: node viewer.js --publish ...)
const { spawn } = require('node:child_process')
const http = require('node:http')
const { join } = require('node:path')
const { DIST } = require('./variants')

const CHROMIUM = '/usr/bin/chromium'

/** The publishing application, in a process of its own (the page's numbers should not include its work). */
function publish (url, job, lines, rate) {
  const pino = require('pino')
  const { closeTransport } = require(join(DIST, 'index.js'))
  const { pace } = require('./pace')
  const transport = pino.transport({ target: join(DIST, 'index.js'), options: { url, history: true } })
  const logger = pino(transport).child({ userId: job })
  transport.once('ready', () => {
    pace(logger, rate, lines / rate, (sent) => {
      closeTransport(transport).then((stats) => {
        process.stdout.write(JSON.stringify({ sent, stats }) + '\n')
      })
    })
  })
}

/** Runs in the page before its own scripts: keeps the longest task and the longest frame gap since `__mark()`. */
function observe () {
  const w = window
  w.__perf = { longest: 0, longTasks: 0, maxGap: 0, last: 0, recording: false, start: 0, times: [] }
  new PerformanceObserver((list) => {
    if (!w.__perf.recording) return
    for (const entry of list.getEntries()) {
      w.__perf.longTasks++
      w.__perf.longest = Math.max(w.__perf.longest, entry.duration)
      // When, in seconds from the start, and how long: whether they grow with the lines held.
      w.__perf.times.push([Math.round((entry.startTime - w.__perf.start) / 100) / 10, Math.round(entry.duration)])
    }
  }).observe({ type: 'longtask', buffered: false })
  const frame = (t) => {
    if (w.__perf.recording && w.__perf.last > 0) w.__perf.maxGap = Math.max(w.__perf.maxGap, t - w.__perf.last)
    w.__perf.last = t
    requestAnimationFrame(frame)
  }
  requestAnimationFrame(frame)
  // Gaps and status changes: where lines went missing, if any did.
  w.__events = []
  for (const type of ['gap', 'status']) {
    document.addEventListener(type, (event) => { w.__events.push([Math.round((performance.now() - w.__perf.start) / 100) / 10, type, event.detail]) }, true)
  }
  w.__mark = () => { Object.assign(w.__perf, { longest: 0, longTasks: 0, maxGap: 0, recording: true, start: performance.now(), times: [] }) }
}

/** What the viewer holds: how many lines, and whether they are this run's numbers 0.. in order. */
function held (lines) {
  const viewer = document.querySelector('log-viewer')
  const entries = viewer.entries
  // The runs of numbers missing, as [first, last] (at most 20 of them).
  const missing = []
  let next = 0
  for (const entry of entries) {
    const i = JSON.parse(entry.line).i
    if (i > next && missing.length < 20) missing.push([next, i - 1])
    next = Math.max(next, i + 1)
  }
  if (next < lines) missing.push([next, lines - 1])
  const inOrder = entries.every((entry, index) => JSON.parse(entry.line).i === index)
  return { held: entries.length, shown: viewer.shown.length, inOrder, missing, status: viewer.status, events: window.__events }
}

async function waitFor (check, what, timeoutMs) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Runs the publisher to its end; resolves with its report. */
async function runPublisher (url, job, lines, rate) {
  const publisher = spawn(process.execPath, [__filename, '--publish', url, job, String(lines), String(rate)], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  publisher.stdout.on('data', (chunk) => { out += chunk })
  const code = await new Promise((resolve) => publisher.once('exit', resolve))
  if (code !== 0) throw new Error(`the publisher exited with code ${code}`)
  return JSON.parse(out.trim().split('\n').pop())
}

async function main () {
  const [url, linesText = '100000', rateText = '5000', idleText = '20'] = process.argv.slice(2)
  const lines = Number(linesText)
  const rate = Number(rateText)
  const job = `job_viewer_${Date.now()}`
  const { chromium } = require('playwright-core')
  const { createLogConsole } = require(join(DIST, 'index.js'))
  const handler = createLogConsole({ url, history: true })
  const server = http.createServer(handler)
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run']
  })
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } })
    await page.addInitScript(observe)
    await page.goto(`http://127.0.0.1:${server.address().port}/?job=${job}`)
    await page.waitForFunction(() => document.querySelector('log-viewer')?.status === 'live', null, { timeout: 15_000 })
    // VIEWER_PROFILE=FILE: a CPU profile of the page over the run, for finding what its long tasks do.
    const profiler = process.env.VIEWER_PROFILE ? await page.context().newCDPSession(page) : undefined
    if (profiler !== undefined) {
      await profiler.send('Profiler.enable')
      await profiler.send('Profiler.start')
    }
    await page.evaluate(() => window.__mark())
    const started = performance.now()
    const published = lines === 0
      ? await new Promise((resolve) => setTimeout(() => resolve({ sent: 0 }), Number(idleText) * 1000))
      : await runPublisher(url, job, lines, rate)
    const publishedAt = performance.now()
    // Every line, or what is there once nothing has arrived for 5 s.
    let last = -1
    let since = Date.now()
    await waitFor(async () => {
      const count = await page.evaluate(() => document.querySelector('log-viewer').entries.length)
      if (count !== last) { last = count; since = Date.now() }
      return count >= lines || Date.now() - since > 5000
    }, 'the viewer to hold the lines', 120_000)
    const caughtUpAt = performance.now()
    if (profiler !== undefined) {
      const { profile } = await profiler.send('Profiler.stop')
      require('node:fs').writeFileSync(process.env.VIEWER_PROFILE, JSON.stringify(profile))
    }
    const perf = await page.evaluate(() => window.__perf)
    const result = await page.evaluate(held, lines)
    const cdp = await page.context().newCDPSession(page)
    const heap = await cdp.send('Runtime.getHeapUsage')
    await cdp.send('HeapProfiler.collectGarbage')
    const heapAfterGc = await cdp.send('Runtime.getHeapUsage')
    process.stdout.write(JSON.stringify({
      lines,
      rate,
      sent: published.sent,
      ...result,
      longestTaskMs: perf.longest,
      longTasks: perf.longTasks,
      longTaskTimes: perf.times,
      maxFrameGapMs: perf.maxGap,
      heapMb: heap.usedSize / 2 ** 20,
      heapAfterGcMb: heapAfterGc.usedSize / 2 ** 20,
      publishMs: publishedAt - started,
      catchUpMs: caughtUpAt - publishedAt
    }) + '\n')
  } finally {
    await browser.close()
    await handler.close()
    server.closeAllConnections()
    server.close()
  }
}

if (process.argv[2] === '--publish') {
  const [, url, job, lines, rate] = process.argv.slice(2)
  publish(url, job, Number(lines), Number(rate))
} else {
  main().catch((error) => { console.error(error); process.exit(1) })
}
