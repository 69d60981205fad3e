'use strict'
// Shared by the examples: the Redis they run against, and a viewer that prints what arrives on `logs:*`.
const Redis = require('ioredis').default
const { startRedisServer } = require('../scripts/redis-server')

/**
 * The Redis an example runs against: the one at `REDIS_URL` when it is set, else a private `redis-server` (it must be
 * installed) started now on a free loopback port, as the demo does. Says which on stdout, the password masked.
 * `stop()` stops the private server (it leaves yours alone); so does the process's exit, should the example end
 * before it calls `stop()` (an error, a signal).
 */
async function useRedis () {
  if (process.env.REDIS_URL) {
    console.log(`using REDIS_URL ${process.env.REDIS_URL.replace(/\/\/[^@/]*@/, '//***@')}`)
    return { url: process.env.REDIS_URL, async stop () {} }
  }
  // In a process group of its own: the Ctrl-C meant for the example must not stop the server it still publishes to.
  const server = await startRedisServer({ detached: true })
  const kill = () => {
    process.off('exit', kill)
    if (server.process?.kill('SIGKILL')) console.log('stopped the private redis-server')
  }
  // Exit listeners run in the order they were added, and pino's, which publishes what the transport still holds
  // (flushOnSignals() exits through it), is added when the example makes its transport, after this one: move this
  // one behind each listener added later, so the server stays until the last line is out.
  let moving = false
  const keepLast = (event) => {
    if (event !== 'exit' || moving) return
    process.nextTick(() => {
      if (!process.listeners('exit').includes(kill)) return
      moving = true
      process.off('exit', kill).on('exit', kill)
      moving = false
    })
  }
  process.on('exit', kill)
  process.on('newListener', keepLast)
  console.log(`started a private redis-server at ${server.url}`)
  return {
    url: server.url,
    async stop () {
      process.off('exit', kill)
      process.off('newListener', keepLast)
      await server.stop('SIGTERM')
      console.log('stopped the private redis-server')
    }
  }
}

/** Subscribes to `logs:*` at `redisUrl` and prints each message as `channel  msg`; resolves once subscribed. */
async function startViewer (redisUrl) {
  const viewer = new Redis(redisUrl, { lazyConnect: true })
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

module.exports = { useRedis, startViewer }
