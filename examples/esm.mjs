// ESM: the same API through `import`; the default export is the transport factory pino's worker runs.
// Run: node examples/esm.mjs
import pino from 'pino'
import redisLogTransport, { userIdMixin, withUserId, jobIdFactory, closeTransport, GLOBAL_LOG_CHANNEL } from 'redis-log-transport'
import support from './support.js'

const { url, startViewer } = support
console.log(`factory: ${typeof redisLogTransport}, global channel: ${GLOBAL_LOG_CHANNEL}`)

const transport = pino.transport({ target: 'redis-log-transport', options: { url } })
const logger = pino({ mixin: userIdMixin }, transport)

const viewer = await startViewer()
withUserId(jobIdFactory('esm'), () => logger.info('logged from an ES module'))
await closeTransport(transport)
await viewer.stop(2)
