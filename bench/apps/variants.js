'use strict'
// The pino-based variants the benchmarks compare, by name. With BENCH_DIST set, the transport is taken from that
// build instead of this one's dist/ (to measure an earlier build the same way).
const { join } = require('node:path')
const pino = require('pino')

/** The build the transport variants load. */
const DIST = process.env.BENCH_DIST ?? join(__dirname, '../../dist')

const targets = {
  'pino/file': () => ({ target: 'pino/file', options: { destination: '/dev/null' } }),
  'no-op transport': () => ({ target: join(__dirname, '../baselines/noop-transport.js'), options: {} }),
  'redis-log-transport': (url, options) => ({ target: join(DIST, 'index.js'), options: { url, ...options } }),
  'redis-log-transport, batchScript: false': (url, options) => ({ target: join(DIST, 'index.js'), options: { url, ...options, batchScript: false } }),
  'naive transport': (url) => ({ target: join(__dirname, '../baselines/naive-transport.js'), options: { url } })
}

/** A pino logger bound to a job, writing through the named variant. */
function pinoLogger (variant, url, options = {}) {
  const make = targets[variant]
  if (make === undefined) throw new Error(`unknown variant ${variant}`)
  const transport = pino.transport(make(url, options))
  return { logger: pino(transport).child({ userId: 'job_bench_0001' }), transport }
}

module.exports = { pinoLogger, DIST }
