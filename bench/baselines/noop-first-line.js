'use strict'
// Baseline for the start-up scenario: the no-op transport (noop-transport.js), which also tells the application
// when its first line came out of the stream loop, as a 'firstLine' event on the transport (thread-stream emits a
// worker's { code: 'EVENT' } messages on the stream). The time is read here, in the worker, on the clock every
// thread of the machine shares (performance.timeOrigin + performance.now()), so the message's own trip is not
// counted.
const { parentPort } = require('node:worker_threads')
const build = require('pino-abstract-transport')

module.exports = async function noopFirstLineTransport () {
  return build(async function (source) {
    let first = true
    // eslint-disable-next-line no-unused-vars
    for await (const _line of source) {
      if (first) {
        first = false
        parentPort.postMessage({ code: 'EVENT', name: 'firstLine', args: [performance.timeOrigin + performance.now()] })
      }
    }
  }, { parseLine: (line) => line, metadata: false })
}
