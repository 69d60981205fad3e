'use strict'
// A viewer process: subscribes to CHANNEL, prints "ready" once subscribed, and when EXPECTED messages have
// arrived (or none for IDLE_MS) prints { count, firstAt, lastAt, latency } and exits. Times are
// performance.timeOrigin + performance.now(), comparable across processes on one machine; latency is taken from
// the `t` field of each line when present, leaving out lines whose `i` is below WARMUP (the warm-up phase).
// Usage: node subscriber.js URL CHANNEL EXPECTED [IDLE_MS] [WARMUP]
const Redis = require('ioredis').default
const [url, channel, expectedText, idleText = '3000', warmupText = '0'] = process.argv.slice(2)
const warmup = Number(warmupText)
const expected = Number(expectedText)
const now = () => performance.timeOrigin + performance.now()

const redis = new Redis(url)
const latencies = []
let count = 0
let firstAt = 0
let lastAt = 0
let idle
let finished = false

function finish () {
  // Lines still arriving before the disconnect takes effect must not report (and disconnect) again.
  if (finished) return
  finished = true
  latencies.sort((a, b) => a - b)
  const pick = (q) => latencies.length === 0 ? null : latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]
  process.stdout.write(JSON.stringify({
    count, firstAt, lastAt, latency: { p50: pick(0.5), p99: pick(0.99), max: pick(1), n: latencies.length }
  }) + '\n')
  redis.disconnect()
}

redis.on('messageBuffer', (_channel, message) => {
  if (finished) return
  const at = now()
  if (count === 0) firstAt = at
  lastAt = at
  count++
  // `"t":` is written by the paced app; a cheap search keeps the viewer fast enough for the ceiling.
  const t = message.indexOf('"t":')
  if (t !== -1) {
    const i = message.indexOf('"i":')
    const index = i === -1 ? 0 : Number(message.toString('latin1', i + 4, message.indexOf(',', i)))
    if (index >= warmup) latencies.push(at - Number(message.toString('latin1', t + 4, message.indexOf(',', t))))
  }
  clearTimeout(idle)
  if (count >= expected) finish()
  else idle = setTimeout(finish, Number(idleText))
})
redis.subscribe(channel).then(() => { process.stdout.write('ready\n') })
