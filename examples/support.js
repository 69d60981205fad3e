'use strict'
// Shared by the examples: the Redis URL, and a viewer that prints what arrives on `logs:*`.
const Redis = require('ioredis').default

const url = process.env.REDIS_URL || 'redis://127.0.0.1:6379'

/** Subscribes to `logs:*` and prints each message as `channel  msg`; resolves once subscribed. */
async function startViewer () {
  const viewer = new Redis(url, { lazyConnect: true })
  const seen = []
  await viewer.connect()
  await viewer.psubscribe('logs:*')
  viewer.on('pmessage', (_pattern, channel, message) => {
    seen.push(channel)
    console.log(`${channel.padEnd(48)} ${JSON.parse(message).msg}`)
  })
  return {
    seen,
    /** Waits until `count` messages arrived (at most 5 s), then disconnects. */
    async stop (count) {
      const deadline = Date.now() + 5000
      while (seen.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
      viewer.disconnect()
      if (seen.length < count) throw new Error(`only ${seen.length} of ${count} messages arrived`)
    }
  }
}

module.exports = { url, startViewer }
