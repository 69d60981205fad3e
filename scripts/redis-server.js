'use strict'
// Starts a private redis-server on a free loopback port (no persistence), for the demo and the tests.
// It never touches any other server: it only stops the process it started.
const { spawn, execFileSync } = require('node:child_process')
const net = require('node:net')
const tls = require('node:tls')

/** A free TCP port on 127.0.0.1, as the OS hands it out. */
function freePort () {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** True when a `redis-server` binary is on the PATH. */
function hasRedisServer () {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/**
 * Resolves once something accepts connections on the port and answers PING (a server that wants a password
 * answers NOAUTH, which counts), or rejects after `timeoutMs`. With `useTls`, it speaks TLS without checking the
 * certificate (this only asks whether the server is up).
 */
async function waitForPing (port, timeoutMs, useTls = false) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const ok = await new Promise((resolve) => {
      const socket = useTls
        ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false })
        : net.connect(port, '127.0.0.1')
      socket.setTimeout(500)
      socket.once(useTls ? 'secureConnect' : 'connect', () => socket.write('PING\r\n'))
      socket.once('data', (data) => { socket.destroy(); resolve(/^(\+PONG|-NOAUTH)/.test(String(data))) })
      socket.once('error', () => resolve(false))
      socket.once('timeout', () => { socket.destroy(); resolve(false) })
    })
    if (ok) return
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/**
 * Starts `redis-server` on a free (or the given) loopback port. Extra arguments are passed on (for example
 * `['--requirepass', 'secret']`). With `tls: { cert, key, ca }` (file paths) it listens for TLS only and its url
 * is `rediss://`. With `detached`, it runs in a process group of its own, so that the Ctrl-C that interrupts the
 * process that started it (an example, in a terminal) does not reach it too. Returns `{ port, url, stop(), restart() }`.
 */
async function startRedisServer ({ port, args = [], tls: certificates, detached = false } = {}) {
  if (!hasRedisServer()) {
    throw new Error('redis-server was not found on the PATH: install it (Debian: apt-get install -y redis-server) or set REDIS_URL')
  }
  const server = {
    port: port ?? await freePort(),
    get url () { return `${certificates === undefined ? 'redis' : 'rediss'}://127.0.0.1:${this.port}` },
    process: undefined,
    async start () {
      const listen = certificates === undefined
        ? ['--port', String(this.port)]
        : ['--port', '0', '--tls-port', String(this.port), '--tls-cert-file', certificates.cert,
            '--tls-key-file', certificates.key, '--tls-ca-cert-file', certificates.ca, '--tls-auth-clients', 'no']
      const child = spawn('redis-server', [
        ...listen, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
        '--daemonize', 'no', '--loglevel', 'warning', ...args
      ], { stdio: ['ignore', 'ignore', 'pipe'], detached })
      let stderr = ''
      child.stderr.on('data', (chunk) => { stderr += chunk })
      const exited = new Promise((resolve) => child.once('exit', resolve))
      this.process = child
      this.exited = exited
      await Promise.race([
        waitForPing(this.port, 10_000, certificates !== undefined),
        exited.then((code) => { throw new Error(`redis-server exited with code ${code}: ${stderr.trim()}`) })
      ])
      return this
    },
    /** Stops the server (SIGKILL by default, so a test sees an abrupt outage) and waits for it to exit. */
    async stop (signal = 'SIGKILL') {
      const child = this.process
      if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
      child.kill(signal)
      await this.exited
      this.process = undefined
    },
    /** Stops and starts it again on the same port. */
    async restart () {
      await this.stop()
      await this.start()
      return this
    }
  }
  return server.start()
}

module.exports = { startRedisServer, freePort, hasRedisServer, waitForPing }
