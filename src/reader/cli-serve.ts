/**
 * `redis-log-tail --serve PORT [--host HOST]`: the live console (`createLogConsole`, console.ts) served at
 * `http://HOST:PORT/` on a `node:http` server of its own, until SIGINT or SIGTERM. Prints the URL on stdout once
 * listening, so that a script (or a person) knows where to go, with the real port when PORT is 0.
 */
import { createServer, type Server } from 'node:http'
import type { ServeArgs } from './cli-args'
import type { LogConsoleOptions, SubscribeOptions } from './options'

/** The address as a URL: an IPv6 address goes in brackets. */
function urlOf (host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/`
}

/** Listens; a taken or unusable address becomes one clear error (exit 1) naming it. */
async function listen (server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      const why = error.code === 'EADDRINUSE'
        ? 'the address is already in use (another redis-log-tail --serve, or another server?); choose another --serve PORT'
        : `${error.code ?? error.message}; check --host and --serve`
      reject(new Error(`cannot serve the console on ${urlOf(host, port)}: ${why}`))
    }
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve()
    })
  })
  const address = server.address()
  return typeof address === 'object' && address !== null ? address.port : port
}

/**
 * Serves the console until a signal; resolves with the exit code. `reader` holds the connection flags;
 * `onStopping` is called when a signal arrives (what fails after it is the end asked for).
 */
export async function serve (args: ServeArgs, reader: SubscribeOptions, onStopping: () => void): Promise<number> {
  const { historyKeyPrefix, ...connection } = reader
  const options: LogConsoleOptions = {
    ...connection,
    // A history prefix says the transport keeps history there; without one, each job's stream is used if it exists.
    history: historyKeyPrefix === undefined ? 'auto' : { keyPrefix: historyKeyPrefix }
  }
  const { createLogConsole } = require('./console') as typeof import('./console')
  // Throws a TypeError naming the option (exit 2) before anything connects.
  const handler = createLogConsole(options)
  let signalled = false
  const stopped = new Promise<void>((resolve) => {
    const stop = (): void => {
      signalled = true
      onStopping()
      resolve()
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  const { subscribe } = require('./subscribe') as typeof import('./subscribe')
  // Redis is asked once up front: a console that cannot reach it would only show "Reconnecting…" to the browser,
  // while here the message (masked) and exit code 1 say what is wrong.
  const probe = subscribe({ ...connection, source: 'pubsub' })
  try {
    await probe.ready
  } finally {
    await probe.close()
  }
  if (signalled) {
    await handler.close()
    return 0
  }
  const server = createServer((req, res) => { handler(req, res) })
  const port = await listen(server, args.host, args.port)
  process.stdout.write(`${urlOf(args.host, port)}\n`)
  await stopped
  await handler.close()
  const closed = new Promise<void>((resolve) => { server.close(() => { resolve() }) })
  // Keep-alive sockets and streams that have not ended yet: the server closes only once they are gone.
  server.closeAllConnections()
  await closed
  return 0
}
