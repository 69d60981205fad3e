/**
 * For the SSE handler's suites: a private redis-server, a transport logging into it through the real worker, and
 * handlers served over node:http, all closed after each test (handlers) or the suite (the rest).
 */
import { once as onceEvent } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import Redis from 'ioredis'
import pino from 'pino'
import { startRedisServer, type RedisServer } from '../../scripts/redis-server'
import { createLogStreamHandler, type LogStreamHandler, type LogStreamHandlerOptions } from '../../src/index'
import { BUILT_ENTRY } from './paths'

export interface SseFixture {
  redis: RedisServer
  /** A plain connection to the suite's server, for CLIENT LIST and the like. */
  admin: Redis
  logger: pino.Logger
  /** A handler (`history: true` unless told otherwise) on a new server; resolves with its base URL. */
  serve: (options?: LogStreamHandlerOptions) => Promise<{ base: string, handler: LogStreamHandler }>
  /** Closes `server` and `handler` after the test. */
  track: (server: http.Server, handler: LogStreamHandler) => void
}

/** Sets the fixture up in the calling `describe`: `transportOptions` are the transport's, but for `url`. */
export function sseFixture (transportOptions: Record<string, unknown>): SseFixture {
  let transport: ReturnType<typeof pino.transport>
  const servers: Array<{ server: http.Server, handler: LogStreamHandler }> = []
  const fixture = {
    track: (server: http.Server, handler: LogStreamHandler) => { servers.push({ server, handler }) },
    serve: async (options: LogStreamHandlerOptions = {}) => {
      const handler = createLogStreamHandler({ url: fixture.redis.url, history: true, ...options })
      const server = http.createServer(handler)
      fixture.track(server, handler)
      return { base: await listen(server), handler }
    }
  } as SseFixture
  beforeAll(async () => {
    fixture.redis = await startRedisServer()
    fixture.admin = new Redis(fixture.redis.url)
    transport = pino.transport({ target: BUILT_ENTRY, options: { ...transportOptions, url: fixture.redis.url } })
    fixture.logger = pino(transport)
    // Published once the transport is connected: its connection is not counted as a handler's.
    fixture.logger.info('the transport is connected')
    await flush(fixture.logger)
  })
  afterAll(async () => {
    const closed = onceEvent(transport, 'close')
    transport.end()
    await closed
    fixture.admin.disconnect()
    await fixture.redis.stop()
  })
  afterEach(async () => {
    for (const { server, handler } of servers.splice(0)) {
      await handler.close()
      server.closeAllConnections()
      server.close()
    }
  })
  return fixture
}

/** Resolves once pino's worker has published every line logged so far. */
export async function flush (logger: pino.Logger): Promise<void> {
  await new Promise<void>((resolve, reject) => { logger.flush((err) => { if (err != null) reject(err); else resolve() }) })
}

/** Starts `server` on a free loopback port; resolves with its base URL. */
export async function listen (server: http.Server): Promise<string> {
  server.listen(0, '127.0.0.1')
  await onceEvent(server, 'listening')
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** Connections the server has now, of any kind. */
export async function clientCount (admin: Redis): Promise<number> {
  return (String(await admin.client('LIST')).match(/^id=/gm) ?? []).length
}
