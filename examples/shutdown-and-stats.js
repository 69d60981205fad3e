'use strict'
// Shutdown and figures: flushOnSignals() publishes what is buffered on SIGTERM/SIGINT before the process ends;
// closeTransport() does the same on purpose and resolves with the closing figures; 'stats' and 'dropped' events
// report along the way. Run: node examples/shutdown-and-stats.js (or press Ctrl-C while it waits)
const pino = require('pino')
const { closeTransport, flushOnSignals } = require('redis-log-transport')
const { url, startViewer } = require('./support')

const transport = pino.transport({ target: 'redis-log-transport', options: { url, statsInterval: 1000 } })
const logger = pino(transport)
flushOnSignals(transport) // SIGTERM or SIGINT: close the transport, then end as the signal would have
transport.on('dropped', ({ total, droppedByCause }) => { console.log(`dropped so far: ${total}`, droppedByCause) })

async function main () {
  const viewer = await startViewer()
  const job = logger.child({ userId: 'job_shutdown' })
  for (let i = 1; i <= 3; i++) job.info(`step ${i} of 3`)
  const stats = await closeTransport(transport)
  await viewer.stop(3 * 2)
  console.log(`closing figures: received ${stats.received}, published ${stats.published}, dropped ${stats.dropped}`)
}

main().catch((err) => { console.error(err.message); process.exit(1) })
