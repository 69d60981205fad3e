'use strict'
// One run of the start-up scenario, in a fresh process: reads the clock, calls pino.transport() and logs one line
// right after it returns, carrying that time as `t`.
// - redis-log-transport: the line is timed by a subscriber on the job channel, started before this process
//   (subscriber.js takes the receipt time less `t`). This process stays up, as an application would, until its
//   stdin ends (the benchmark closes it once the line is in), then ends on its own.
// - no-op: the worker (bench/baselines/noop-first-line.js) emits the time it read its first line; this prints
//   { firstLineMs } and ends.
// Times are performance.timeOrigin + performance.now(), comparable across threads and processes on one machine.
// Usage: node startup.js redis-log-transport|no-op URL
const { join } = require('node:path')
const pino = require('pino')
const { DIST } = require('./variants')
const [variant, url] = process.argv.slice(2)
const TEXT = 'request handled by the image resizer with the usual parameters' // as in burst.js
const now = () => performance.timeOrigin + performance.now()

const target = variant === 'no-op'
  ? { target: join(__dirname, '../baselines/noop-first-line.js'), options: {} }
  : { target: join(DIST, 'index.js'), options: { url } }
// pino itself is loaded above: what is timed is the transport's start, from the call on.
const calledAt = now()
const transport = pino.transport(target)
const logger = pino(transport).child({ userId: 'job_bench_0001' })
logger.info({ t: calledAt, i: 0 }, TEXT)

if (variant === 'no-op') {
  // thread-stream does not keep the process up: without this timer it would end, and wait for the worker at exit,
  // before the worker's message could be delivered.
  const guard = setTimeout(() => { process.exitCode = 1 }, 30_000)
  transport.once('firstLine', (readAt) => {
    clearTimeout(guard)
    process.stdout.write(JSON.stringify({ firstLineMs: readAt - calledAt }) + '\n')
  })
} else {
  process.stdin.resume()
  process.stdin.once('end', () => { process.stdin.pause() })
}
