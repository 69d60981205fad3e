'use strict'
// The reference of the steady scenario's Redis CPU: the lines the burst logs (pino's, with the same child `userId`,
// about 150 bytes each) published to the same two channels, the job channel and `logs:global`, as plain PUBLISH
// commands in ioredis pipelines of 1 000 lines (2 000 commands), one pipeline at a time. What Redis spends on these
// per line is what a client that batches without a script costs it. Prints { cpuMs } at the end.
// Usage: node pipelined-publish.js URL COUNT
const pino = require('pino')
const Redis = require('ioredis').default
const [url, countText] = process.argv.slice(2)
const count = Number(countText)
const TEXT = 'request handled by the image resizer with the usual parameters' // as in burst.js
const BATCH_LINES = 1000

let batch = []
// pino hands each line over synchronously, with its newline; the transport publishes lines without it.
const logger = pino({}, { write (line) { batch.push(line.slice(0, -1)) } }).child({ userId: 'job_bench_0001' })

async function main () {
  const redis = new Redis(url)
  for (let i = 0; i < count;) {
    batch = []
    for (const end = Math.min(count, i + BATCH_LINES); i < end; i++) logger.info({ i }, TEXT)
    const pipeline = redis.pipeline()
    for (const line of batch) pipeline.publish('logs:job_bench_0001', line).publish('logs:global', line)
    await pipeline.exec()
  }
  await redis.quit()
  const { user, system } = process.cpuUsage()
  process.stdout.write(JSON.stringify({ cpuMs: (user + system) / 1000 }) + '\n')
}

main().catch((err) => { console.error(err); process.exit(1) })
