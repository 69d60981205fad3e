/**
 * `createLogConsole()`: the live console as one `(req, res)` handler, for `node:http` or Express, mounted at any path.
 * It routes by the request path's last segment: `events` is the SSE handler (and `events/jobs` its jobs list), a
 * `*.js` or `*.js.map` file of the built viewer (dist/viewer/) is that file, anything else is the console page, which
 * finds the rest relative to its own address (so it works at `/` and under a prefix, stripped or not), on its own
 * origin whatever the path (see console-page.ts).
 *
 * Files are served only by name from the viewer directory's listing, never from a path built out of the request.
 * Every response carries the headers of console-policy.ts; the page, its Content-Security-Policy.
 */
import { readdir, readFile } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { join } from 'node:path'
import { warn } from '../shared/report'
import { commonHeaders, pagePolicy } from './console-policy'
import { resolveLogConsoleOptions, type LogConsoleOptions } from './options'
import { createLogStreamHandler } from './sse'

/** The console handler: call it with a request and its response. */
export interface LogConsole {
  (req: IncomingMessage, res: ServerResponse, next?: unknown): void
  /** Viewers connected now (to the events stream). */
  readonly connections: number
  /** Ends every open stream and releases the handler's Redis connections. */
  close: () => Promise<void>
}

/** Where the built viewer is: dist/viewer beside dist/reader. */
const VIEWER_DIR = join(__dirname, '..', 'viewer')
const PAGE = 'console.html'
/** The names a viewer file may have; any other name is not looked up at all. */
const FILE_NAME = /^[\w.-]+\.js(\.map)?$/
const SCRIPT_LIKE = /\.js(\.map)?$/

/** Creates the console handler. Throws a `TypeError` naming the option when an option is invalid. */
export function createLogConsole (options: LogConsoleOptions = {}): LogConsole {
  const { title, frameAncestors, stream } = resolveLogConsoleOptions(options)
  const events = createLogStreamHandler(stream)
  const files = new ViewerFiles(VIEWER_DIR, title, frameAncestors)
  const headers = Object.entries(commonHeaders(frameAncestors))
  const handler = function logConsole (req: IncomingMessage, res: ServerResponse): void {
    for (const [name, value] of headers) res.setHeader(name, value as string)
    const segments = (req.url ?? '/').split(/[?#]/, 1)[0]?.split('/') ?? []
    const last = segments.at(-1) ?? ''
    if (last === 'events' || (last === 'jobs' && segments.at(-2) === 'events')) {
      events(req, res)
      return
    }
    files.serve(req, res, last).catch(() => {
      if (!res.headersSent && !res.destroyed) plain(res, 500, 'internal error')
    })
  } as LogConsole
  Object.defineProperty(handler, 'connections', { get: () => events.connections })
  handler.close = async () => { await events.close() }
  return handler
}

/** The console page and the viewer's modules, read once from the viewer directory. */
class ViewerFiles {
  #names: Promise<ReadonlySet<string>> | undefined
  readonly #contents = new Map<string, Promise<Buffer>>()
  #missingSaid = false
  /** The page's Content-Security-Policy, made from the page once it is read (it holds the hashes of its blocks). */
  #policy = ''

  constructor (readonly dir: string, readonly title: string, readonly frameAncestors: readonly string[]) {}

  /** Answers a request for `name` (the path's last segment): a viewer file, or the page. */
  async serve (req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD')
      plain(res, 405, 'method not allowed')
      return
    }
    const script = SCRIPT_LIKE.test(name)
    if (script && !(FILE_NAME.test(name) && (await this.#listing()).has(name))) {
      plain(res, 404, 'not found')
      return
    }
    let body: Buffer
    try {
      body = await this.#read(script ? name : PAGE)
    } catch (error) {
      if (!this.#missingSaid) {
        this.#missingSaid = true
        warn(`the log console cannot read its files in ${this.dir} (${(error as Error).message}); answering 500`, [])
      }
      plain(res, 500, 'the console is not available')
      return
    }
    if (res.destroyed) return // the browser left while the file was read
    res.writeHead(200, {
      'Content-Type': !script ? 'text/html; charset=utf-8' : name.endsWith('.map') ? 'application/json; charset=utf-8' : 'text/javascript; charset=utf-8',
      'Content-Length': body.length,
      'Cache-Control': 'no-cache',
      ...(script ? {} : { 'Content-Security-Policy': this.#policy })
    })
    res.end(req.method === 'HEAD' ? undefined : body)
  }

  /** The names in the viewer directory, read on first use. */
  async #listing (): Promise<ReadonlySet<string>> {
    this.#names ??= readdir(this.dir).then((names) => new Set(names), () => new Set())
    return await this.#names
  }

  /** A file's content (the page with its title), read on first use; a failed read is tried again next time. */
  async #read (name: string): Promise<Buffer> {
    let content = this.#contents.get(name)
    if (content === undefined) {
      content = readFile(join(this.dir, name)).then((bytes) => {
        if (name !== PAGE) return bytes
        const page = bytes.toString('utf8').replaceAll('{{title}}', escapeHtml(this.title))
        this.#policy = pagePolicy(page, this.frameAncestors)
        return Buffer.from(page)
      })
      content.catch(() => { this.#contents.delete(name) })
      this.#contents.set(name, content)
    }
    return await content
  }
}

/** A short plain-text answer, if the browser is still there. */
function plain (res: ServerResponse, status: number, message: string): void {
  if (res.destroyed) return
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' })
  res.end(`${message}\n`)
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Text safe in HTML content and attribute values. */
function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character] ?? character)
}
