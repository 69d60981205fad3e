'use strict'
// The latency floor of the benchmark's set-up: no worker and no batching. Logs at a steady RATE for SECONDS
// through pino into a destination that PUBLISHes each line itself, from the main thread, to the job channel and to
// `logs:global` (what the transport does), each line stamped with `t` like paced.js. Reports { sent } on stdout.
// Usage: node direct-publish.js URL RATE SECONDS
const pino = require('pino')
const Redis = require('ioredis').default
const [url, rateText, secondsText] = process.argv.slice(2)
const rate = Number(rateText)
const seconds = Number(secondsText)
const TEXT = 'request handled by the image resizer with the usual parameters'

const redis = new Redis(url)
const destination = {
  write (line) {
    redis.publish('logs:job_bench_0001', line)
    redis.publish('logs:global', line)
  }
}
const logger = pino({}, destination).child({ userId: 'job_bench_0001' })

redis.once('ready', () => {
  const start = performance.now()
  let sent = 0
  const total = rate * seconds
  // The same schedule as paced.js: every millisecond, log the lines due by now.
  const timer = setInterval(() => {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate))
    while (sent < due) {
      logger.info({ t: performance.timeOrigin + performance.now(), i: sent }, TEXT)
      sent++
    }
    if (sent === total) {
      clearInterval(timer)
      redis.quit().then(() => { process.stdout.write(JSON.stringify({ sent }) + '\n') })
    }
  }, 1)
})
