'use strict'
// BullMQ jobs: a processor wrapped with withJobLogs() logs to logs:{queueName}:{jobId}, whichever of the Worker's
// concurrent jobs it is running. queue.add() returns the job, so whoever added it can tell a viewer what to follow:
// `${job.queueName}:${job.id}`. A live viewer follows it with subscribe() while the job runs, and a viewer who
// arrives after the job finished replays its lines from the history stream. Needs bullmq (an optional peer
// dependency: npm install bullmq).
// Run: node examples/bullmq.js (a private redis-server; REDIS_URL=redis://host:port for yours)
const pino = require('pino')
const Redis = require('ioredis').default
const { Queue, Worker } = require('bullmq')
const { userIdMixin, subscribe, closeTransport } = require('redis-log-transport')
const { withJobLogs } = require('redis-log-transport/bullmq')
const { useRedis } = require('./support')

const QUEUE = 'render-example'
const DEADLINE_MS = 5000

/** Prints the first `count` lines of a subscription, `label  channel  msg`, then closes it (at most 5 s). */
async function show (label, subscription, job, count) {
  const timer = setTimeout(() => { subscription.close() }, DEADLINE_MS)
  let seen = 0
  for await (const { line } of subscription) {
    console.log(`${label.padEnd(5)} logs:${job.padEnd(20)} ${JSON.parse(line).msg}`)
    if (++seen === count) break
  }
  clearTimeout(timer)
  await subscription.close()
  if (seen < count) throw new Error(`${label}: only ${seen} of ${count} lines of ${job} arrived`)
}

async function main () {
  const redis = await useRedis()
  const url = redis.url
  // history: true keeps each job's recent lines in stream:logs:{queueName}:{jobId}, for viewers who come late.
  const transport = pino.transport({ target: 'redis-log-transport', options: { url, history: true } })
  const logger = pino({ mixin: userIdMixin }, transport)
  const connection = new Redis(url, { maxRetriesPerRequest: null }) // BullMQ's Worker needs null here
  const queue = new Queue(QUEUE, { connection })
  const worker = new Worker(QUEUE, withJobLogs(async (job) => {
    logger.info(`rendering ${job.data.page}`) // no job id passed around: the mixin reads it from the context
    await new Promise((resolve) => setTimeout(resolve, 50)) // the other job runs meanwhile (concurrency 2)
    logger.info(`${job.data.page} rendered`)
    return `${job.data.page}.pdf`
  }), { connection, concurrency: 2 })
  try {
    const jobs = [await queue.add('page', { page: 'cover' }), await queue.add('page', { page: 'index' })]
    const ids = jobs.map((job) => `${job.queueName}:${job.id}`)
    console.log(`added ${ids.join(' and ')}`)
    // Live: source 'stream' reads the job's history stream from its start, so a line logged before the viewer
    // was ready is not missed; a viewer on the channel alone (the default without history) would miss it.
    await Promise.all(ids.map((id) => show('live', subscribe({ url, job: id, history: 100, source: 'stream' }), id, 2)))
    // Late: the jobs are done; a viewer arriving now still gets their lines, from history.
    await show('late', subscribe({ url, job: ids[0], history: 100 }), ids[0], 2)
  } finally {
    await worker.close()
    await queue.close()
    connection.disconnect()
    await closeTransport(transport)
    await redis.stop()
  }
}

main().catch((err) => { console.error(err.message); process.exit(1) })
