/**
 * `createLogStreamHandler()`: a `(req, res)` handler that streams a job's lines (or every line) to a browser as
 * Server-Sent Events, for `node:http`, Express or Fastify (`reply.hijack()`, then the raw request and response).
 *
 * From the history stream (by default, when the job's stream exists), each event's `id:` is the line's history entry
 * id: a new viewer gets the recent lines first (or, with `?from=ID`, that line with the ones before it), and a
 * browser that reconnects sends `Last-Event-ID` and gets exactly the lines after it, then live ones. `?level=` and
 * `?q=` filter on the server (sse-query.ts). `event: status` says live / reconnecting, `event: gap` where the stream
 * cannot be exact (sse-viewer.ts, sse-events.ts). Viewers share the handler's Redis connections (see sse-hub.ts);
 * a viewer's share is released as soon as it leaves.
 *
 * A browser may hang up at any moment, and `authorize` is usually asynchronous: the handler watches for it from the
 * first line (see Browser), checks after every wait that it is still there, and never writes to a response whose
 * client has gone. No failure escapes the handler: it becomes a 5xx for that request, reported once on stderr.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { firstLine } from '../shared/errors'
import { jobChannel } from '../shared/job-id'
import { secretsOf, warn } from '../shared/report'
import { isJobsRequest, JobsEndpoint } from './jobs'
import {
  DEFAULT_SUBSCRIBE_OPTIONS, resolveLogStreamHandlerOptions, subscriptionOptions,
  type LogStreamHandlerOptions, type ResolvedLogStreamHandlerOptions
} from './options'
import { Browser, end, reply } from './sse-browser'
import { pump } from './sse-events'
import { ViewerHub } from './sse-hub'
import { readStreamQuery, type StreamQuery } from './sse-query'
import type { ViewerOptions } from './sse-viewer'

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

/** Says each kind of trouble once on stderr (masked), and again only after the handler has served a viewer since. */
class Troubles {
  readonly #said = new Set<string>()
  constructor (readonly secrets: readonly string[]) {}

  say (kind: 'redis' | 'authorize' | 'internal', message: string): void {
    if (this.#said.has(kind)) return
    this.#said.add(kind)
    warn(`the log stream handler ${message}`, this.secrets)
  }

  served (): void {
    this.#said.clear()
  }
}

/** Creates the SSE handler. Throws a `TypeError` naming the option when an option is invalid. */
export function createLogStreamHandler (options: LogStreamHandlerOptions = {}): LogStreamHandler {
  const resolved = resolveLogStreamHandlerOptions(options)
  const open = new Set<Browser>()
  const hub = new ViewerHub(resolved)
  const troubles = new Troubles(secretsOf(resolved.fromUrl, resolved.redis))
  // Its Redis connection is opened by the first request for the list.
  const jobs = new JobsEndpoint(resolved)
  const handler = function logStreamHandler (req: IncomingMessage, res: ServerResponse): void {
    const browser = new Browser(res)
    const answer = isJobsRequest(req.url) ? jobs.serve(req, browser, troubles) : serve(resolved, hub, troubles, req, browser, open)
    answer.catch((error: unknown) => {
      troubles.say('internal', `failed (${firstLine(error)}); answering 500`)
      if (!res.headersSent) reply(browser, 500, 'internal error')
      else end(browser)
    })
  } as LogStreamHandler
  Object.defineProperty(handler, 'connections', { get: () => open.size })
  Object.defineProperty(handler, 'redisConnections', { get: () => hub.connections })
  handler.close = async () => {
    for (const browser of [...open]) end(browser)
    jobs.close()
  }
  return handler
}

async function serve (options: ResolvedLogStreamHandlerOptions, hub: ViewerHub, troubles: Troubles, req: IncomingMessage,
  browser: Browser, open: Set<Browser>): Promise<void> {
  const { res } = browser
  if (browser.gone) return
  if (req.method !== 'GET') {
    res.setHeader('Allow', 'GET')
    reply(browser, 405, 'method not allowed')
    return
  }
  let query: URLSearchParams
  try {
    query = new URL(req.url ?? '/', 'http://localhost').searchParams
  } catch {
    reply(browser, 400, 'bad request')
    return
  }
  const asked = readStreamQuery(req, query)
  if ('status' in asked) {
    reply(browser, asked.status, asked.message)
    return
  }
  let view: View
  try {
    view = await choose(options, req, query)
  } catch (error) {
    troubles.say('authorize', `answers 500: authorize() threw (${firstLine(error)})`)
    reply(browser, 500, 'internal error')
    return
  }
  if (browser.gone) return
  if ('status' in view) {
    reply(browser, view.status, view.message)
    return
  }
  const subscription = hub.open(viewerOptions(options, view.job, asked))
  open.add(browser)
  browser.onGone(() => {
    open.delete(browser)
    void subscription.close()
  })
  try {
    await subscription.ready
  } catch (error) {
    if (browser.gone) return // closed because the browser left: nothing to report
    troubles.say('redis', `answers 503: ${firstLine(error)}`)
    reply(browser, 503, 'the log stream is not available now')
    browser.leave()
    return
  }
  if (browser.gone) return
  troubles.served()
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    // Proxies (nginx) must pass events on at once rather than buffer them.
    'X-Accel-Buffering': 'no',
    ...(req.httpVersionMajor === 1 ? { Connection: 'keep-alive' } : {})
  })
  res.write(`retry: ${options.retry}\n\n`)
  const keepAlive = setInterval(() => { if (!browser.gone) res.write(': keepalive\n\n') }, options.keepAlive)
  browser.onGone(() => { clearInterval(keepAlive) })
  try {
    await pump(subscription, browser, asked.filter)
  } catch (error) {
    // The subscription failed for good (the server refused to read): end the stream; the browser will retry.
    troubles.say('redis', `ended a stream: ${firstLine(error)}`)
  }
  end(browser)
}

/**
 * What the viewer of `job` reads: the channel, or the history stream (with `history: 'auto'`, when it exists) from
 * `lastEventId`, from `from` with its context, or from the recent lines.
 */
function viewerOptions (options: ResolvedLogStreamHandlerOptions, job: string | undefined, asked: StreamQuery): ViewerOptions {
  const { history } = options
  const reading = subscriptionOptions(options, {
    job,
    // `replay` is used when there is no Last-Event-ID, or one the stream never issued (see stream-position.ts).
    ...(history === false
      ? { source: 'pubsub', history: 0, after: undefined, historyKeyPrefix: DEFAULT_SUBSCRIBE_OPTIONS.historyKeyPrefix }
      : { source: options.historyAuto ? 'auto' : 'stream', history: options.replay, after: asked.lastEventId, historyKeyPrefix: history.keyPrefix }),
    maxQueued: DEFAULT_SUBSCRIBE_OPTIONS.maxQueued
  })
  return { ...reading, from: asked.from }
}

/**
 * The view a request asks for, if it may see it. A job id must pass the package's one rule (shared/job-id.ts), whoever
 * names it: the request (400) or `authorize` (403; an id such as `'global'` would otherwise show every job's lines).
 */
async function choose (options: ResolvedLogStreamHandlerOptions, req: IncomingMessage, query: URLSearchParams): Promise<View> {
  const asked = query.get('job') ?? undefined
  if (asked !== undefined && jobChannel(asked, options) === undefined) return { status: 400, message: 'invalid job id' }
  const allowed = options.authorize === undefined ? true : await options.authorize(req)
  if (allowed === true) return { job: asked }
  if (typeof allowed === 'string' && jobChannel(allowed, options) !== undefined && (asked === undefined || asked === allowed)) {
    return { job: allowed }
  }
  return { status: 403, message: 'forbidden' }
}
