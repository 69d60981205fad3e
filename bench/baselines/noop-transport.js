'use strict'
// Baseline: a pino-abstract-transport that reads every line and does nothing with it. The cost of a worker
// transport before any Redis work.
const build = require('pino-abstract-transport')

module.exports = async function noopTransport () {
  return build(async function (source) {
    // eslint-disable-next-line no-unused-vars
    for await (const _line of source) { /* read and forget */ }
  }, { parseLine: (line) => line, metadata: false })
}
