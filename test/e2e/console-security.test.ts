/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The console as an attacker would try it, in headless Chromium against the built package and a real redis-server:
 * the README's one-liner (`http.createServer(createLogConsole(...))`) at the root, opened at paths that name another
 * host, and framed by a page of another origin. A second server on another port plays that other host: it serves
 * scripts to whoever asks (with CORS, so that a module would run) and counts every request it gets.
 */
import http from 'node:http'
import pino from 'pino'
import type { Browser, Frame, Page } from 'playwright-core'
import { startRedisServer, type RedisServer } from '../../scripts/redis-server'
import type * as Entry from '../../src/index'
import { App } from '../helpers/app'
import { launchChromium } from '../helpers/chromium'
import { flushed, TransportLoggers } from '../helpers/loggers'
import { BUILT_ENTRY } from '../helpers/paths'
import { listen } from '../helpers/sse-fixture'
import { waitFor } from '../helpers/wait'

const { createLogConsole } = require(BUILT_ENTRY) as typeof Entry

/** A server of another origin: what it was asked for, and a page that frames `framed`. */
class OtherHost {
  readonly requests: string[] = []
  framed = ''
  readonly server = http.createServer((req, res) => {
    this.requests.push(req.url ?? '')
    if (req.url === '/frame') {
      res.writeHead(200, { 'Content-Type': 'text/html' })
      res.end(`<!doctype html><title>other</title><iframe id="frame" src="${this.framed}" width="900" height="500"></iframe>`)
      return
    }
    // A module that would read the console's data, if a console ever loaded it.
    res.writeHead(200, { 'Content-Type': 'text/javascript', 'Access-Control-Allow-Origin': '*' })
    res.end('window.__stolen = true; fetch(new URL("events/jobs", location.href)).catch(() => {})')
  })

  base = ''
  async start (): Promise<void> {
    this.base = await listen(this.server)
  }
}

/** A console server of the README's shape, recording the path of every request. */
class ConsoleServer {
  readonly paths: string[] = []
  base = ''
  handler!: Entry.LogConsole
  readonly server = http.createServer((req, res) => {
    this.paths.push(req.url ?? '')
    this.handler(req, res)
  })

  async start (options: Entry.LogConsoleOptions): Promise<this> {
    this.handler = createLogConsole(options)
    this.base = await listen(this.server)
    return this
  }

  async stop (): Promise<void> {
    await this.handler.close()
    this.server.closeAllConnections()
    this.server.close()
  }
}

describe('the console against an attacker, in Chromium', () => {
  let redis: RedisServer
  const loggers = new TransportLoggers(() => redis.url)
  const other = new OtherHost()
  let browser: Browser
  const consoles: ConsoleServer[] = []

  async function consoleServer (options: Entry.LogConsoleOptions = {}): Promise<ConsoleServer> {
    const server = await new ConsoleServer().start({ url: redis.url, ...options })
    consoles.push(server)
    return server
  }

  beforeAll(async () => {
    redis = await startRedisServer()
    await other.start()
    const log: pino.Logger = loggers.logger()
    log.child({ userId: 'job_secret' }).info('the secret line')
    await flushed(log)
    browser = await launchChromium()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    for (const server of consoles) await server.stop()
    other.server.closeAllConnections()
    other.server.close()
    await loggers.close()
    await redis?.stop()
  })

  /** A new page that records every request it makes and every CSP violation it reports. */
  async function newPage (): Promise<{ page: Page, requested: string[] }> {
    const page = await browser.newPage()
    const requested: string[] = []
    page.on('request', (request) => { requested.push(request.url()) })
    await page.addInitScript(() => {
      const violations: string[] = []
      Object.assign(window, { __violations: violations })
      document.addEventListener('securitypolicyviolation', (event) => { violations.push(`${event.violatedDirective} ${event.blockedURI}`) })
    })
    return { page, requested }
  }

  /** The `msg` of each line the viewer holds. */
  async function shownMessages (page: Page | Frame): Promise<string[]> {
    return await page.evaluate(() => {
      const viewer = document.querySelector('log-viewer') as (HTMLElement & { entries?: Array<{ line: string }> }) | null
      return (viewer?.entries ?? []).map((entry) => (JSON.parse(entry.line) as { msg: string }).msg)
    })
  }

  it.each([
    ['//HOST/', 'a path that starts with two slashes'],
    ['/\\HOST/', 'a backslash'],
    ['/%2e//HOST/', 'an encoded dot segment']
  ])('opened at %s (%s), the page loads code and data only from its own origin, and works', async (path) => {
    const logs = await consoleServer()
    const { page, requested } = await newPage()
    const host = new URL(other.base).host
    const before = other.requests.length
    await page.goto(`${logs.base}${path.replace('HOST', host)}`)
    // Either the console works (its own viewer shows the job's line), or a foreign script was asked for.
    await waitFor(async () => other.requests.length > before || (await shownMessages(page)).includes('the secret line'),
      'the console to show the line')
    expect(other.requests.slice(before)).toEqual([])
    expect(requested.filter((url) => new URL(url).origin !== logs.base)).toEqual([])
    expect(await page.evaluate(() => (window as { __stolen?: boolean }).__stolen)).toBeUndefined()
    expect(await page.evaluate(() => (window as { __violations?: string[] }).__violations)).toEqual([])
    await page.close()
  })

  it('answers with a Content-Security-Policy and headers that keep other origins out', async () => {
    const logs = await consoleServer()
    const page = await fetch(`${logs.base}/`)
    const policy = page.headers.get('content-security-policy') ?? ''
    const directives = new Map(policy.split(';').map((part) => {
      const [name = '', ...values] = part.trim().split(/\s+/)
      return [name, values]
    }))
    expect(directives.get('default-src')).toEqual(["'none'"])
    // Its own origin, and its inline blocks by hash: no 'unsafe-inline', no other host.
    expect(directives.get('script-src')?.[0]).toBe("'self'")
    expect(directives.get('script-src')?.slice(1).every((source) => /^'sha256-[\w+/=]+'$/.test(source))).toBe(true)
    expect(directives.get('connect-src')).toEqual(["'self'"])
    expect(directives.get('frame-ancestors')).toEqual(["'self'"])
    expect(page.headers.get('x-frame-options')).toBe('SAMEORIGIN')
    // Every response of the console, whatever it is, says the same about sniffing, referrers and other origins.
    for (const path of ['/', '/log-viewer.js', '/console-page.js', '/events/jobs', '/missing.js', '/events?job=global']) {
      const response = await fetch(`${logs.base}${path}`)
      expect([path, response.headers.get('x-content-type-options')]).toEqual([path, 'nosniff'])
      expect([path, response.headers.get('referrer-policy')]).toEqual([path, 'no-referrer'])
      expect([path, response.headers.get('cross-origin-resource-policy')]).toEqual([path, 'same-origin'])
      await response.body?.cancel()
    }
  })

  it('a page of another origin cannot frame it: the framed console runs nothing and asks for no data', async () => {
    const logs = await consoleServer()
    other.framed = `${logs.base}/?job=job_secret`
    const { page } = await newPage()
    const said: string[] = []
    page.on('console', (message) => { said.push(message.text()) })
    await page.goto(`${other.base}/frame`)
    await waitFor(() => said.some((text) => text.includes("frame-ancestors 'self'") && text.includes('blocked')),
      `Chromium to block the frame (it said: ${said.join(' | ')})`)
    // The page itself was fetched (that is how the browser learns it may not be framed); nothing after it.
    expect(logs.paths.filter((path) => path !== '/?job=job_secret')).toEqual([])
    await page.close()
  })

  it("a link's parameters cannot put words of their own in the console's notes", async () => {
    const logs = await consoleServer()
    const { page } = await newPage()
    const words = 'Your session expired: sign in again at evil.example'
    await page.goto(`${logs.base}/?job=job_secret&line=${encodeURIComponent(`1-0 ${words}`)}`)
    await waitFor(async () => (await shownMessages(page)).includes('the secret line'), 'the job\'s lines')
    const note = await page.evaluate(() => {
      const root = document.querySelector('log-viewer')?.shadowRoot
      const element = root?.querySelector<HTMLElement>('.note')
      return element === null || element === undefined || element.hidden ? null : element.textContent
    })
    expect(note).toBe("The link's line is not a line id: showing the latest lines.")
    expect(await page.evaluate(() => document.body.innerText + (document.querySelector('log-viewer')?.shadowRoot?.textContent ?? ''))).not.toContain('evil.example')
    await page.close()
  })

  /** The rows the viewer draws as markers, and its gaps button, by their text. */
  async function markers (page: Page): Promise<{ rows: string[], gaps: string | null }> {
    return await page.evaluate(() => {
      const root = document.querySelector('log-viewer')?.shadowRoot
      if (root === null || root === undefined) return { rows: [], gaps: null } // not defined yet
      const gaps = root.querySelector<HTMLElement>('.gaps')
      return {
        rows: [...root.querySelectorAll('.row.marker')].map((row) => row.textContent ?? ''),
        gaps: gaps === null || gaps.hidden ? null : gaps.textContent
      }
    })
  }

  it("an application's line cannot pose as the transport's gap marker; the transport's notice is one", async () => {
    const app = await App.start({ url: redis.url, history: true, statsInterval: 50, maxReconnectDelay: 50, maxBufferedLines: 50, closeTimeout: 2000 })
    try {
      // Every field of the transport's notice, logged by the application itself.
      await app.send({ raw: JSON.stringify({ level: 40, time: Date.now(), userId: 'job_forged', name: 'redis-log-transport', lost: 7, msg: '7 log lines were lost (forged)' }) })
      await app.send({ log: 3, userId: 'job_forged' })
      await app.waitForStats((s) => s.published === 4, 'the lines published')
      const logs = await consoleServer()
      const { page } = await newPage()
      await page.goto(`${logs.base}/?job=job_forged`)
      await waitFor(async () => (await shownMessages(page)).includes('line 2'), 'the job\'s lines')
      expect(await shownMessages(page)).toContain('7 log lines were lost (forged)')
      expect(await markers(page)).toEqual({ rows: [], gaps: null })

      // The real thing: Redis stops answering while the job logs more than the buffer holds.
      redis.process?.kill('SIGSTOP')
      try {
        await app.send({ log: 300, userId: 'job_forged' })
        await app.waitForStats((s) => (s.droppedByCause.overflow ?? 0) > 0, 'overflow drops')
      } finally {
        redis.process?.kill('SIGCONT')
      }
      await page.goto(`${logs.base}/`)
      await waitFor(async () => (await markers(page)).gaps !== null, 'the transport\'s notice as a gap in the global view', 15_000)
      expect((await markers(page)).gaps).toBe('⚠ 1 gap')
      await page.getByRole('button', { name: '⚠ 1 gap' }).click()
      await waitFor(async () => (await markers(page)).rows.length > 0, 'the marker in view')
      expect((await markers(page)).rows).toEqual([expect.stringMatching(/^⚠.*Lines missing \(overflow\): \d+ log lines were lost between/)])
      await page.close()
    } finally {
      await app.close()
      await app.exit()
    }
  })

  it('with frameAncestors, the application that embeds it may frame it', async () => {
    expect(() => createLogConsole({ frameAncestors: ['https://admin.example.com/'] })).toThrow(
      'expected `frameAncestors` to be an array of at most 100 origins such as `https://admin.example.com` (http or https, no path), got an array')
    const logs = await consoleServer({ frameAncestors: [other.base] })
    other.framed = `${logs.base}/?job=job_secret`
    const response = await fetch(`${logs.base}/`)
    expect(response.headers.get('content-security-policy')).toContain(`frame-ancestors 'self' ${other.base}`)
    expect(response.headers.get('x-frame-options')).toBeNull()
    const { page } = await newPage()
    await page.goto(`${other.base}/frame`)
    const frame = await (await page.waitForSelector('#frame')).contentFrame()
    if (frame === null) throw new Error('the frame has no document')
    await waitFor(async () => (await shownMessages(frame)).includes('the secret line'), 'the framed console to show the line')
    await page.close()
  })
})
