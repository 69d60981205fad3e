/**
 * The SSE handler's jobs list (`GET <mount>/jobs`) against a private redis-server, with jobs logged through the real
 * worker: newest first with time and line count, what `authorize` lets a request see, `?limit=`, the answers to bad
 * requests, history off, Redis down, a browser that hangs up while authorize runs, and one connection per handler.
 */
import http from 'node:http'
import type Redis from 'ioredis'
import type pino from 'pino'
import { freePort, startRedisServer, type RedisServer } from '../../scripts/redis-server'
import { createLogStreamHandler, type Authorize } from '../../src/index'
import { captureStderr } from '../helpers/stderr'
import { clientCount, flush, listen, sseFixture } from '../helpers/sse-fixture'
import { waitFor } from '../helpers/wait'

interface Answer { status: number, type: string | undefined, cache: string | undefined, allow: string | undefined, body: unknown }

async function get (url: string, method = 'GET'): Promise<Answer> {
  const response = await fetch(url, { method })
  const text = await response.text()
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? undefined,
    cache: response.headers.get('cache-control') ?? undefined,
    allow: response.headers.get('allow') ?? undefined,
    body: text === '' ? undefined : JSON.parse(text)
  }
}

/** Waits until the clock has moved on a millisecond, so that the next batch's entries are newer. */
async function nextMillisecond (): Promise<void> {
  const now = Date.now()
  await waitFor(() => Date.now() > now, 'the clock to move on')
}

describe('the jobs list of the SSE handler', () => {
  const fixture = sseFixture({ history: true })
  const { serve } = fixture
  let admin: Redis
  let logger: pino.Logger
  beforeAll(async () => {
    ({ admin, logger } = fixture)
    for (const [job, lines] of [['job_old', 1], ['job_mid', 2], ['job_new', 3]] as const) {
      for (let i = 0; i < lines; i++) logger.child({ userId: job }).info(`line ${i}`)
      await flush(logger)
      await nextMillisecond()
    }
  })

  it('lists the recent jobs newest first, with the time of their last line and their line count', async () => {
    const { base } = await serve()
    const answer = await get(`${base}/logs/jobs`)
    expect(answer).toMatchObject({ status: 200, type: 'application/json; charset=utf-8', cache: 'no-store' })
    const { jobs } = answer.body as { jobs: Array<{ id: string, lastTime: number, lines: number }> }
    expect(jobs.map(({ id, lines }) => [id, lines])).toEqual([['job_new', 3], ['job_mid', 2], ['job_old', 1]])
    for (const job of jobs) {
      const [last] = await admin.xrevrange(`stream:logs:${job.id}`, '+', '-', 'COUNT', 1)
      expect(job.lastTime).toBe(Number(last?.[0].split('-')[0]))
    }
    expect((await get(`${base}/jobs?limit=2`)).body).toMatchObject({ jobs: [{ id: 'job_new' }, { id: 'job_mid' }] })
  })

  it('lists every job for authorize true, only the job it names for an id, and answers 403 otherwise', async () => {
    const answers: Record<string, ReturnType<Authorize>> = { all: true, one: 'job_mid', unknown: 'job_nobody', none: false, bad: 'a b' }
    const { base } = await serve({ authorize: (req) => answers[req.headers['x-who'] as string] })
    const as = async (who: string): Promise<Answer> => {
      const response = await fetch(`${base}/jobs`, { headers: { 'x-who': who } })
      return { status: response.status, body: await response.json(), type: undefined, cache: undefined, allow: undefined }
    }
    expect(((await as('all')).body as { jobs: unknown[] }).jobs).toHaveLength(3)
    expect(await as('one')).toMatchObject({ status: 200, body: { jobs: [{ id: 'job_mid', lines: 2 }] } })
    expect(await as('unknown')).toMatchObject({ status: 200, body: { jobs: [] } })
    expect(await as('none')).toMatchObject({ status: 403, body: { error: 'forbidden' } })
    expect(await as('bad')).toMatchObject({ status: 403 })
    expect(await as('nobody')).toMatchObject({ status: 403 })
  })

  it('refuses a bad limit (400) and a method other than GET (405), and needs history (404)', async () => {
    const { base } = await serve()
    for (const limit of ['0', '1001', 'ten', '-1', '1.5', '', '99999999999']) {
      expect(await get(`${base}/jobs?limit=${limit}`)).toMatchObject({ status: 400, body: { error: 'limit must be an integer from 1 to 1000' } })
    }
    expect((await get(`${base}/jobs?limit=1000`)).status).toBe(200)
    expect(await get(`${base}/jobs`, 'POST')).toMatchObject({ status: 405, allow: 'GET' })
    const off = await serve({ history: false })
    expect(await get(`${off.base}/jobs`)).toMatchObject({ status: 404, body: { error: 'the jobs list needs history' } })
  })

  it('leaves out a job whose stream has expired', async () => {
    logger.child({ userId: 'job_gone' }).info('soon gone')
    await flush(logger)
    await admin.del('stream:logs:job_gone')
    const { base } = await serve()
    const { jobs } = (await get(`${base}/jobs`)).body as { jobs: Array<{ id: string }> }
    expect(jobs.map((job) => job.id)).not.toContain('job_gone')
    expect(jobs).toHaveLength(3)
  })

  it('reads on one connection of its own, opened with the first request and closed with the handler', async () => {
    // The admin's and the transport's, once the previous tests' handlers have closed theirs.
    const before = 2
    await waitFor(async () => await clientCount(admin) === before, 'the earlier handlers\' connections to close')
    const { base, handler } = await serve()
    expect(await clientCount(admin)).toBe(before)
    await Promise.all(Array.from({ length: 10 }, async () => await get(`${base}/jobs`)))
    await get(`${base}/jobs`)
    expect(await clientCount(admin)).toBe(before + 1)
    await handler.close()
    await waitFor(async () => await clientCount(admin) === before, 'the jobs connection to close')
  })

  it('answers nothing to a browser that hung up while authorize ran', async () => {
    let release!: () => void
    const authorized = new Promise<boolean>((resolve) => { release = () => { resolve(true) } })
    let asked = 0
    const { base } = await serve({ authorize: async () => { asked++; return await authorized } })
    const stderr = captureStderr()
    try {
      const request = http.get(`${base}/jobs`)
      request.on('error', () => {}) // destroyed below
      await waitFor(() => asked === 1, 'authorize to be called')
      request.destroy()
      await new Promise((resolve) => setImmediate(resolve))
      release()
      // The handler keeps serving, and said nothing.
      expect((await get(`${base}/jobs`)).status).toBe(200)
      expect(stderr.text()).toBe('')
    } finally {
      stderr.restore()
    }
  })
})

describe('the jobs list with Redis down', () => {
  it('answers 503, says so once on stderr without the password, and serves again once Redis is back', async () => {
    const port = await freePort()
    const handler = createLogStreamHandler({ url: `redis://:s3cret-pass@127.0.0.1:${port}`, history: true, maxReconnectDelay: 50 })
    const server = http.createServer(handler)
    const base = await listen(server)
    const stderr = captureStderr()
    let redis: RedisServer | undefined
    try {
      expect(await get(`${base}/jobs`)).toMatchObject({ status: 503, body: { error: 'the jobs list is not available now' } })
      expect((await get(`${base}/jobs`)).status).toBe(503)
      expect(stderr.lines()).toEqual([expect.stringMatching(/^redis-log-transport: the log stream handler answers 503 to a jobs list: /)])
      expect(stderr.text()).not.toContain('s3cret-pass')
      redis = await startRedisServer({ port, args: ['--requirepass', 's3cret-pass'] })
      expect(await get(`${base}/jobs`)).toMatchObject({ status: 200, body: { jobs: [] } })
    } finally {
      stderr.restore()
      await handler.close()
      server.closeAllConnections()
      server.close()
      await redis?.stop()
    }
  })
})
