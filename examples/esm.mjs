// ESM: the same API through `import`; the default export is the transport factory pino's worker runs.
// Run: node examples/esm.mjs (a private redis-server; REDIS_URL=redis://host:port for yours)
import pino from 'pino'
import redisLogTransport, { userIdMixin, withUserId, jobIdFactory, closeTransport, GLOBAL_LOG_CHANNEL } from 'redis-log-transport'
import support from './support.js'

const { useRedis, startViewer } = support
console.log(`factory: ${typeof redisLogTransport}, global channel: ${GLOBAL_LOG_CHANNEL}`)

const redis = await useRedis()
try {
  const transport = pino.transport({ target: 'redis-log-transport', options: { url: redis.url } })
  const logger = pino({ mixin: userIdMixin }, transport)
  const viewer = await startViewer(redis.url)
  withUserId(jobIdFactory('esm'), () => logger.info('logged from an ES module'))
  await closeTransport(transport)
  await viewer.stop(2)
} finally {
  await redis.stop()
}
