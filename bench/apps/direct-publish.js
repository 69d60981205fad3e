'use strict'
// The latency floor of the benchmark's set-up: no worker and no batching. Logs at a steady RATE for SECONDS
// through pino into a destination that PUBLISHes each line itself, from the main thread, to the job channel and to
// `logs:global` (what the transport does), each line stamped like paced.js's (pace.js). Reports { sent } on stdout.
// Usage: node direct-publish.js URL RATE SECONDS
const pino = require('pino')
const Redis = require('ioredis').default
const { pace } = require('./pace')
const [url, rateText, secondsText] = process.argv.slice(2)
const rate = Number(rateText)
const seconds = Number(secondsText)

const redis = new Redis(url)
const destination = {
  write (line) {
    redis.publish('logs:job_bench_0001', line)
    redis.publish('logs:global', line)
  }
}
const logger = pino({}, destination).child({ userId: 'job_bench_0001' })

redis.once('ready', () => {
  pace(logger, rate, seconds, (sent) => {
    redis.quit().then(() => { process.stdout.write(JSON.stringify({ sent }) + '\n') })
  })
})
