/**
 * Application side: a `(req, res)` handler that streams a job's lines (or every line) to a browser as Server-Sent
 * Events, for `node:http`, Express or Fastify (`reply.hijack()`, then the raw request and response).
 *
 * With history on, each event's `id:` is the line's history entry id: a new viewer gets the recent lines first, and a
 * browser that reconnects sends `Last-Event-ID` and gets exactly the lines after it, then live ones. Viewers share
 * the handler's Redis connections (see hub.ts); a viewer's share is released as soon as it leaves.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { ViewerHub } from './hub'
import { jobChannel } from './job-id'
import { onceAny } from './once-any'
import type { LogMessage } from './line-queue'
import {
  HISTORY_ID, resolveLogStreamHandlerOptions, resolveSubscribeOptions, type LogStreamHandlerOptions,
  type ResolvedLogStreamHandlerOptions
} from './options'
import type { LogSubscription } from './subscribe'

/** The handler: call it with a request and its response. */
export interface LogStreamHandler {
  (req: IncomingMessage, res: ServerResponse, next?: unknown): void
  /** Viewers connected now. */
  readonly connections: number
  /** Redis connections the handler holds now, shared by its viewers. */
  readonly redisConnections: number
  /** Ends every open stream and releases its Redis connection. */
  close: () => Promise<void>
}

/** What a request asked for and may see. */
type View = { job: string | undefined } | { status: number, message: string }

/** Creates the SSE handler. Throws a `TypeError` naming the option when an option is invalid. */
export function createLogStreamHandler (options: LogStreamHandlerOptions = {}): LogStreamHandler {
  const resolved = resolveLogStreamHandlerOptions(options)
  const open = new Set<() => void>()
  const hub = new ViewerHub(resolved)
  const handler = function logStreamHandler (req: IncomingMessage, res: ServerResponse): void {
    serve(resolved, hub, req, res, open).catch(() => {
      if (!res.headersSent) reply(res, 500, 'internal error')
      else res.end()
    })
  } as LogStreamHandler
  Object.defineProperty(handler, 'connections', { get: () => open.size })
  Object.defineProperty(handler, 'redisConnections', { get: () => hub.connections })
  handler.close = async () => {
    for (const end of [...open]) end()
  }
  return handler
}

async function serve (options: ResolvedLogStreamHandlerOptions, hub: ViewerHub, req: IncomingMessage, res: ServerResponse, open: Set<() => void>): Promise<void> {
  if (req.method !== 'GET') {
    res.setHeader('Allow', 'GET')
    reply(res, 405, 'method not allowed')
    return
  }
  const view = await choose(options, req)
  if ('status' in view) {
    reply(res, view.status, view.message)
    return
  }
  const lastEventId = resumeFrom(req)
  const { history } = options
  const subscription = hub.open(resolveSubscribeOptions({
    ...(options.cluster === false ? { url: options.url } : { cluster: options.cluster }),
    redis: options.redis,
    channelPrefix: options.channelPrefix,
    globalChannel: options.globalChannel,
    maxReconnectDelay: options.maxReconnectDelay,
    sharded: options.sharded,
    job: view.job,
    ...(history === false
      ? { source: 'pubsub' as const }
      : { source: 'stream' as const, historyKeyPrefix: history.keyPrefix, history: lastEventId === undefined ? options.replay : 0, after: lastEventId })
  }))
  let gone = false
  let keepAlive: NodeJS.Timeout | undefined
  const leave = (): void => {
    if (gone) return
    gone = true
    open.delete(end)
    clearInterval(keepAlive)
    void subscription.close()
  }
  const end = (): void => {
    leave()
    res.end()
  }
  open.add(end)
  req.on('close', leave)
  res.on('close', leave)
  try {
    await subscription.ready
  } catch {
    leave()
    if (!res.headersSent) reply(res, 503, 'the log stream is not available now')
    return
  }
  if (gone) return
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    // Proxies (nginx) must pass events on at once rather than buffer them.
    'X-Accel-Buffering': 'no',
    ...(req.httpVersionMajor === 1 ? { Connection: 'keep-alive' } : {})
  })
  res.write(`retry: ${options.retry}\n\n`)
  keepAlive = setInterval(() => { res.write(': keepalive\n\n') }, options.keepAlive)
  await pump(subscription, res)
  end()
}

/** Writes each line as an event, pausing while the connection to the browser is full. */
async function pump (subscription: LogSubscription, res: ServerResponse): Promise<void> {
  let corked = false
  try {
    for await (const message of subscription) {
      // Lines that arrive together leave in one chunk.
      if (!corked) {
        corked = true
        res.cork()
        setImmediate(() => {
          corked = false
          res.uncork()
        })
      }
      // Until the browser's connection takes more, or is gone.
      if (!res.write(event(message)) && !res.destroyed) await onceAny(res, ['drain', 'close'])
    }
  } catch {
    // The subscription failed for good (the server refused to read): end the stream; the browser will retry.
  }
}

/** One SSE event. pino lines hold no newline, but a carriage return would end an SSE line early. */
function event (message: LogMessage): string {
  const data = message.line.split(/\r\n|\r|\n/).map((part) => `data: ${part}\n`).join('')
  return message.id === undefined ? `${data}\n` : `id: ${message.id}\n${data}\n`
}

/**
 * The view a request asks for, if it may see it. A job id must pass the package's one rule (job-id.ts), whoever
 * names it: the request (400) or `authorize` (403; an id such as `'global'` would otherwise show every job's lines).
 */
async function choose (options: ResolvedLogStreamHandlerOptions, req: IncomingMessage): Promise<View> {
  const asked = new URL(req.url ?? '/', 'http://localhost').searchParams.get('job') ?? undefined
  if (asked !== undefined && jobChannel(asked, options) === undefined) return { status: 400, message: 'invalid job id' }
  const allowed = options.authorize === undefined ? true : await options.authorize(req)
  if (allowed === true) return { job: asked }
  if (typeof allowed === 'string' && jobChannel(allowed, options) !== undefined && (asked === undefined || asked === allowed)) {
    return { job: allowed }
  }
  return { status: 403, message: 'forbidden' }
}

/** The id of the last event the browser saw (`Last-Event-ID`, or `lastEventId` in the query for polyfills). */
function resumeFrom (req: IncomingMessage): string | undefined {
  const header = req.headers['last-event-id']
  const id = typeof header === 'string' ? header.trim() : new URL(req.url ?? '/', 'http://localhost').searchParams.get('lastEventId')
  return id !== null && id !== undefined && HISTORY_ID.test(id) ? id : undefined
}

function reply (res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' })
  res.end(`${message}\n`)
}
