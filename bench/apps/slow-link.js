'use strict'
// Logs at a steady RATE (lines per second) for SECONDS through the transport at URL (in the benchmark, a link to
// Redis that may be slow), each line about 230 bytes with a child `userId` binding, then calls process.exit(0) at
// once. Samples RSS every 50 ms. Prints { sent, rssBeforeMb, peakRssMb, receivedWhenLogged, exitAt } as it
// exits: how many lines the worker had read when the last one was logged (from a 'stats' event at most 100 ms
// old), and when the exit began, for the parent to time the exit (BENCH_DIST: see variants.js).
// Usage: node slow-link.js URL RATE SECONDS
const { writeSync } = require('node:fs')
const { join } = require('node:path')
const pino = require('pino')
const { pace } = require('./pace')
const { DIST } = require('./variants')
const [url, rateText, secondsText] = process.argv.slice(2)
const transport = pino.transport({ target: join(DIST, 'index.js'), options: { url, statsInterval: 100 } })
const logger = pino(transport).child({ userId: 'job_bench_0001' })

const mb = () => process.memoryUsage.rss() / 2 ** 20
let peakRssMb = 0
setInterval(() => { peakRssMb = Math.max(peakRssMb, mb()) }, 50)
let received = 0
transport.on('stats', (stats) => { received = stats.received })

transport.once('ready', () => {
  const rssBeforeMb = mb()
  // 80 characters more than the paced apps' lines: about 230 bytes a line.
  pace(logger, Number(rateText), Number(secondsText), (sent) => {
    const exitAt = performance.timeOrigin + performance.now()
    writeSync(1, JSON.stringify({ sent, rssBeforeMb, peakRssMb, receivedWhenLogged: received, exitAt }) + '\n')
    process.exit(0)
  }, 'x'.repeat(80))
})
