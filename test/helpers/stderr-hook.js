'use strict'
// Preloaded (--require) into a pino worker thread by captureStderr().worker (test/helpers/stderr.ts): what that thread
// writes to file descriptor 2 with fs.writeSync (the transport's warnings, src/shared/report.ts) is appended to the
// capture's file instead, so that the test that expects it reads it and the console stays quiet.
const fs = require('node:fs')
const { isMainThread } = require('node:worker_threads')

const file = process.env.REDIS_LOG_TRANSPORT_TEST_STDERR
if (!isMainThread && file !== undefined) {
  const writeSync = fs.writeSync
  fs.writeSync = function (fd, data, ...rest) {
    if (fd === 2 && typeof data === 'string') {
      fs.appendFileSync(file, data)
      return Buffer.byteLength(data)
    }
    return writeSync.call(this, fd, data, ...rest)
  }
}
