'use strict'
// Shutdown and figures. A job logs a step every 200 ms, 50 steps (10 s; STEPS=n for another number), while the
// 'stats' event reports the figures every second. Press Ctrl-C (SIGINT) or send SIGTERM meanwhile:
// flushOnSignals(transport) closes the transport, publishing what is buffered, so that its closing figures reach the
// 'stats' listener, then ends the process as the signal would have (a shell reports 130 for Ctrl-C, 143 for
// SIGTERM). Left alone, it closes on purpose: closeTransport() resolves with the closing figures.
// Run: node examples/shutdown-and-stats.js, and press Ctrl-C while it logs (a private redis-server;
// REDIS_URL=redis://host:port for yours)
const pino = require('pino')
const { closeTransport, flushOnSignals } = require('redis-log-transport')
const { useRedis, startViewer } = require('./support')

const STEP_MS = 200
const STEPS = Number(process.env.STEPS || 50)

const figures = (s) => `received ${s.received}, published ${s.published}, dropped ${s.dropped}, buffered ${s.buffered}`

async function main () {
  const redis = await useRedis()
  try {
    const transport = pino.transport({ target: 'redis-log-transport', options: { url: redis.url, statsInterval: 1000 } })
    const logger = pino(transport)
    // SIGTERM or SIGINT: close the transport (its last 'stats' event comes first), then end as the signal would have.
    flushOnSignals(transport)
    transport.on('stats', (stats) => { console.log(`stats: ${figures(stats)}`) }) // every second, and once at close
    transport.on('dropped', ({ total, droppedByCause }) => { console.log(`dropped so far: ${total}`, droppedByCause) })
    const viewer = await startViewer(redis.url)

    console.log(`logging ${STEPS} steps, one every ${STEP_MS} ms: press Ctrl-C to stop early`)
    const job = logger.child({ userId: 'job_shutdown' })
    for (let i = 1; i <= STEPS; i++) {
      if (i > 1) await new Promise((resolve) => setTimeout(resolve, STEP_MS))
      // A signal came: flushOnSignals is closing the transport and ends the process once it has closed. Log nothing
      // more (a line logged now would be lost) and leave the rest to it.
      if (transport.writableEnded) return await new Promise(() => {})
      job.info(`step ${i} of ${STEPS}`)
    }
    const stats = await closeTransport(transport)
    // undefined only if the worker did not answer within closeTransport's timeout (10 s by default).
    if (stats === undefined) throw new Error('the transport did not report its closing figures')
    console.log(`closing figures: ${figures(stats)}`)
    await viewer.stop(stats.published * 2)
  } finally {
    await redis.stop()
  }
}

main().catch((err) => { console.error(err.message); process.exit(1) })
