'use strict'
// A second ceiling for the watched scenario: the fastest a client can ask Redis for what the transport asks, two
// PUBLISH per line (job channel and global channel), as pre-encoded RESP written straight to a socket, with no
// per-line work at all. Prints { replies } once every reply is in. Usage: node raw-publisher.js URL LINES
const net = require('node:net')
const [url, linesText] = process.argv.slice(2)
const lines = Number(linesText)
const { hostname, port } = new URL(url)
const line = JSON.stringify({ level: 30, time: Date.now(), pid: 1, hostname: 'bench', userId: 'job_bench_0001', i: 0, msg: 'request handled by the image resizer with the usual parameters' })
const command = (channel) => `*3\r\n$7\r\nPUBLISH\r\n$${Buffer.byteLength(channel)}\r\n${channel}\r\n$${Buffer.byteLength(line)}\r\n${line}\r\n`
const CHUNK_LINES = 1000
const chunk = Buffer.from((command('logs:job_bench_0001') + command('logs:global')).repeat(CHUNK_LINES))

const socket = net.connect(Number(port), hostname)
let replies = 0
socket.on('data', (data) => {
  for (const byte of data) if (byte === 0x0a) replies++ // one integer reply per PUBLISH, one line each
  if (replies === 2 * lines) {
    process.stdout.write(JSON.stringify({ replies }) + '\n')
    socket.end()
  }
})
socket.once('connect', () => {
  let sent = 0
  const writeMore = () => {
    while (sent < lines) {
      sent += CHUNK_LINES
      if (!socket.write(chunk)) return socket.once('drain', writeMore)
    }
  }
  writeMore()
})
