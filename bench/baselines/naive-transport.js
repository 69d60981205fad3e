'use strict'
// Baseline: what a first attempt looks like. Parses each line, then awaits one PUBLISH per channel per line, one
// after the other, on a plain ioredis client. No batching, no bounds.
const build = require('pino-abstract-transport')
const Redis = require('ioredis').default

module.exports = async function naiveTransport ({ url }) {
  const redis = new Redis(url)
  let finished
  const done = new Promise((resolve) => { finished = resolve })
  return build(async function (source) {
    for await (const obj of source) {
      const line = JSON.stringify(obj)
      if (typeof obj.userId === 'string') await redis.publish(`logs:${obj.userId}`, line)
      await redis.publish('logs:global', line)
    }
    finished()
  }, {
    // Fair to it: the last line is published before the connection closes.
    async close () {
      await done
      await redis.quit()
    }
  })
}
