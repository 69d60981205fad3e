'use strict'
// The pino-based variants the benchmarks compare, by name.
const { join } = require('node:path')
const pino = require('pino')

const targets = {
  'pino/file': () => ({ target: 'pino/file', options: { destination: '/dev/null' } }),
  'no-op transport': () => ({ target: join(__dirname, '../baselines/noop-transport.js'), options: {} }),
  'redis-log-transport': (url, options) => ({ target: join(__dirname, '../../dist/index.js'), options: { url, ...options } }),
  'redis-log-transport, batchScript: false': (url, options) => ({ target: join(__dirname, '../../dist/index.js'), options: { url, ...options, batchScript: false } }),
  'naive transport': (url) => ({ target: join(__dirname, '../baselines/naive-transport.js'), options: { url } })
}

/** A pino logger bound to a job, writing through the named variant. */
function pinoLogger (variant, url, options = {}) {
  const make = targets[variant]
  if (make === undefined) throw new Error(`unknown variant ${variant}`)
  const transport = pino.transport(make(url, options))
  return { logger: pino(transport).child({ userId: 'job_bench_0001' }), transport }
}

module.exports = { pinoLogger }
