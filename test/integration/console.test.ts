/**
 * `createLogConsole()` from the built package (it serves dist/viewer/) over real HTTP servers, against a private
 * redis-server with lines logged through the real worker: the page, the viewer module, the events stream and the
 * jobs list, at `/` and under a prefix (node:http keeping the prefix, Express stripping it); unknown files, paths
 * that try to leave the viewer directory, methods; and the Redis connections released on close.
 */
import { readFileSync } from 'node:fs'
import http from 'node:http'
import { join } from 'node:path'
import express from 'express'
import type Redis from 'ioredis'
import type pino from 'pino'
import type * as Entry from '../../src/index'
import { BUILT_ENTRY, ROOT } from '../helpers/paths'
import { SseClient } from '../helpers/sse-client'
import { clientCount, flush, listen, sseFixture } from '../helpers/sse-fixture'
import { waitFor } from '../helpers/wait'

// The built entry: the console serves the built viewer beside it (dist/viewer/).
const { createLogConsole } = require(BUILT_ENTRY) as typeof Entry
const VIEWER = join(ROOT, 'dist', 'viewer')

interface Answer { status: number, type: string | undefined, allow: string | undefined, body: string }

/** One request with the path sent as is (fetch would resolve `..` before sending it). */
async function request (base: string, path: string, method = 'GET'): Promise<Answer> {
  return await new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, path: new URL(base).pathname.replace(/\/$/, '') + path }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], allow: res.headers.allow as string | undefined, body })
      })
    })
    req.on('error', reject)
    req.end()
  })
}

describe('createLogConsole', () => {
  const fixture = sseFixture({ history: true })
  let admin: Redis
  let logger: pino.Logger
  const cleanups: Array<() => Promise<void>> = []
  beforeAll(async () => {
    ({ admin, logger } = fixture)
    logger.child({ userId: 'job_console' }).info('hello from a job')
    await flush(logger)
  })
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  /** A console on node:http; with `prefix`, mounted there (the prefix kept in req.url), other paths 404. */
  async function onHttp (options: Entry.LogConsoleOptions = {}, prefix = ''): Promise<{ base: string, handler: Entry.LogConsole }> {
    const handler = createLogConsole({ url: fixture.redis.url, history: true, ...options })
    const server = http.createServer((req, res) => {
      if (prefix === '' || req.url === prefix || req.url?.startsWith(`${prefix}/`) === true) handler(req, res)
      else res.writeHead(404).end()
    })
    const base = await listen(server)
    cleanups.push(async () => {
      await handler.close()
      server.closeAllConnections()
      server.close()
    })
    return { base: `${base}${prefix}`, handler }
  }

  /** What a mount must answer wherever it is: `base` is the console's address without the trailing slash. */
  async function expectConsoleAt (base: string): Promise<void> {
    const page = await request(base, '/')
    expect(page).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' })
    expect(page.body).toContain('<title>Logs</title>')
    const module = await request(base, '/log-viewer.js')
    expect(module).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' })
    expect(module.body).toBe(readFileSync(join(VIEWER, 'log-viewer.js'), 'utf8'))
    const jobs = await request(base, '/events/jobs')
    expect(jobs).toMatchObject({ status: 200, type: 'application/json; charset=utf-8' })
    expect(JSON.parse(jobs.body)).toMatchObject({ jobs: [{ id: 'job_console', lines: 1 }] })
    const events = await SseClient.open(`${base}/events?job=job_console`)
    await events.waitFor(1, 'the job\'s line')
    expect(events.msgs).toEqual(['hello from a job'])
    events.close()
  }

  it('serves the page, the viewer module, the events and the jobs list at /', async () => {
    const { base } = await onHttp()
    await expectConsoleAt(base)
    // Any other path is the page, which finds the rest from its own address.
    expect((await request(base, '/some/deep/link?job=job_console')).body).toContain('<title>Logs</title>')
    const map = await request(base, '/log-viewer.js.map')
    expect(map).toMatchObject({ status: 200, type: 'application/json; charset=utf-8' })
    expect(JSON.parse(map.body)).toMatchObject({ version: 3 })
    expect((await request(base, '/', 'HEAD'))).toMatchObject({ status: 200, body: '' })
  })

  it('serves the same under a prefix on node:http, and in Express with app.use', async () => {
    const { base } = await onHttp({}, '/tools/logs')
    await expectConsoleAt(base)

    const handler = createLogConsole({ url: fixture.redis.url, history: true })
    const app = express()
    app.use('/console', handler)
    const server = http.createServer(app)
    const root = await listen(server)
    cleanups.push(async () => {
      await handler.close()
      server.closeAllConnections()
      server.close()
    })
    await expectConsoleAt(`${root}/console`)
    expect((await request(root, '/console')).body).toContain('<title>Logs</title>')
  })

  it('puts its title, HTML-escaped, in the page', async () => {
    const { base } = await onHttp({ title: 'Jobs <b>&</b> "more"' })
    const { body } = await request(base, '/')
    expect(body).toContain('<title>Jobs &lt;b&gt;&amp;&lt;/b&gt; &quot;more&quot;</title>')
    expect(body).not.toContain('{{title}}')
    expect(() => createLogConsole({ title: 42 as unknown as string })).toThrow(/expected `title` to be a string of at most 200 characters, got `42`/)
    expect(() => createLogConsole({ titel: 'x' } as Entry.LogConsoleOptions)).toThrow(/unknown createLogConsole option `titel`/)
  })

  it('answers 404 for a script that is not the viewer\'s, and never a file outside the viewer directory', async () => {
    const { base } = await onHttp()
    expect(await request(base, '/nope.js')).toMatchObject({ status: 404, type: 'text/plain; charset=utf-8' })
    expect((await request(base, '/events.js')).status).toBe(404)
    const outside = readFileSync(BUILT_ENTRY, 'utf8')
    for (const path of ['/../index.js', '/../../dist/index.js', '/%2e%2e%2findex.js', '/..%2Findex.js', '/..\\index.js', '/.js']) {
      const answer = await request(base, path)
      expect([path, answer.status]).toEqual([path, 404])
    }
    // Not a script: the page, not the file named.
    for (const path of ['/..%2F..%2Fpackage.json', '/../../package.json', '/log-viewer.d.ts', '/console.html']) {
      const answer = await request(base, path)
      expect(answer).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' })
      expect(answer.body).not.toContain('"name": "redis-log-transport"')
      expect(answer.body).not.toBe(outside)
    }
  })

  it('answers 405 to methods other than GET (and HEAD for its files)', async () => {
    const { base } = await onHttp()
    expect(await request(base, '/', 'POST')).toMatchObject({ status: 405, allow: 'GET, HEAD' })
    expect(await request(base, '/log-viewer.js', 'DELETE')).toMatchObject({ status: 405, allow: 'GET, HEAD' })
    expect(await request(base, '/events', 'POST')).toMatchObject({ status: 405, allow: 'GET' })
    expect(await request(base, '/events/jobs', 'PUT')).toMatchObject({ status: 405, allow: 'GET' })
  })

  it('counts its viewers, and releases every Redis connection when closed', async () => {
    const before = 2 // the admin's and the transport's
    await waitFor(async () => await clientCount(admin) === before, 'the earlier consoles\' connections to close')
    const { base, handler } = await onHttp()
    const events = await SseClient.open(`${base}/events?job=job_console`)
    await events.waitFor(1)
    await request(base, '/events/jobs')
    expect(handler.connections).toBe(1)
    expect(await clientCount(admin)).toBeGreaterThan(before)
    await handler.close()
    await waitFor(() => events.ended, 'the stream to end')
    expect(handler.connections).toBe(0)
    await waitFor(async () => await clientCount(admin) === before, 'the console\'s connections to close')
  })
})
