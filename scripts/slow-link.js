'use strict'
// A TCP forwarder on a free loopback port that carries what its clients send to a server at a fixed rate (bytes per
// second), like a slow link: the server's replies come back at full speed. For the slow-Redis test and benchmark,
// which a real server cannot produce. Returns { port, url, close() }.
const net = require('node:net')

const TICK_MS = 10

async function startSlowLink ({ targetPort, bytesPerSecond }) {
  const sockets = new Set()
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1')
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.once('close', () => { sockets.delete(socket); client.destroy(); upstream.destroy() })
      socket.on('error', () => { client.destroy(); upstream.destroy() })
    }
    upstream.pipe(client)
    // Client to server: at most bytesPerSecond, sent every TICK_MS; the client is paused while a second's worth waits.
    const waiting = []
    let waitingBytes = 0
    let credit = 0
    client.on('data', (chunk) => {
      waiting.push(chunk)
      waitingBytes += chunk.length
      if (waitingBytes > bytesPerSecond) client.pause()
    })
    const timer = setInterval(() => {
      credit = Math.min(credit + bytesPerSecond * TICK_MS / 1000, bytesPerSecond)
      while (credit >= 1 && waiting.length > 0) {
        const chunk = waiting[0]
        const n = Math.min(chunk.length, Math.floor(credit))
        upstream.write(n === chunk.length ? chunk : chunk.subarray(0, n))
        if (n === chunk.length) waiting.shift()
        else waiting[0] = chunk.subarray(n)
        waitingBytes -= n
        credit -= n
      }
      if (waiting.length === 0) credit = Math.min(credit, bytesPerSecond * TICK_MS / 1000)
      if (waitingBytes <= bytesPerSecond / 2 && client.isPaused()) client.resume()
    }, TICK_MS)
    client.once('close', () => { clearInterval(timer) })
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const { port } = server.address()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async close () {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => { server.close(() => { resolve() }) })
    }
  }
}

module.exports = { startSlowLink }
