/**
 * The checks every framework recipe must pass, run by each framework's suite against its example (see
 * example-app.ts): a job's lines, and only them, on its channel and its SSE stream, live and in order; the
 * framework's own request lines never carry the job's id; SIGTERM loses no line and ends the process by the signal.
 */
import Redis from 'ioredis'
import { compareIds } from '../../src/shared/history'
import { startRedisServer, type RedisServer } from '../../scripts/redis-server'
import { ExampleApp } from './example-app'
import { postInTwoParts } from './http'
import { SseClient } from './sse-client'
import { Subscriber } from './subscriber'
import { waitFor } from './wait'

export interface Line { msg: string, time: number, userId?: string, jobId?: string, [key: string]: unknown }

export const parse = (text: string): Line => JSON.parse(text) as Line

/** What the examples' job logs, in order. */
export function jobMessages (steps: number): string[] {
  return ['job started', ...Array.from({ length: steps }, (_, i) => `step ${i + 1} of ${steps}`), 'job done']
}

export interface Recipe {
  readonly redis: RedisServer
  readonly app: ExampleApp
  readonly sub: Subscriber
  /** Opens an SSE stream on the example, closed after the test. */
  view: (query: string) => Promise<SseClient>
}

export interface RecipeOptions {
  /** The field a line logged through the request's logger carries (Fastify: `reqId`; pino-http: `req`). */
  requestBinding: string
}

/** Sets the suite up in the calling `describe` and defines the shared tests; returns the suite's state for more. */
export function frameworkRecipe (example: string, options: RecipeOptions): Recipe {
  const viewers: SseClient[] = []
  const recipe = {
    view: async (query: string) => {
      const viewer = await SseClient.open(`${recipe.app.base}/logs${query}`)
      viewers.push(viewer)
      return viewer
    }
  } as { -readonly [K in keyof Recipe]: Recipe[K] }
  beforeAll(async () => { recipe.redis = await startRedisServer() })
  afterAll(async () => { await recipe.redis.stop() })
  beforeEach(async () => {
    recipe.sub = await Subscriber.start(recipe.redis.url)
    recipe.app = await ExampleApp.start(example, recipe.redis.url)
  })
  afterEach(async () => {
    for (const viewer of viewers.splice(0)) viewer.close()
    recipe.app.kill('SIGKILL')
    await recipe.app.exited
    await recipe.sub.close()
  })

  it('a job logs to its own channel; its SSE viewer gets its lines live, in order, and nothing of another job', async () => {
    const { app, sub } = recipe
    const steps = 5
    const expected = jobMessages(steps)
    // Two jobs at once, so that each viewer could see the other's lines if the context leaked.
    const jobs = await Promise.all([app.startJob({ steps, interval: 100 }), app.startJob({ steps, interval: 100 })])
    const viewers = await Promise.all(jobs.map(async (job) => await recipe.view(`?job=${job}`)))
    const firstSeen = await Promise.all(viewers.map(async (viewer) => {
      await viewer.waitFor(1, 'a first line')
      return Date.now()
    }))
    for (const [i, job] of jobs.entries()) {
      const viewer = viewers[i] as SseClient
      expect(viewer.status).toBe(200)
      expect(viewer.headers['content-type']).toMatch(/^text\/event-stream/)
      const events = await viewer.waitFor(expected.length, `the ${expected.length} lines of ${job}`)
      const lines = events.map((event) => parse(event.data))
      expect(lines.map((line) => line.msg)).toEqual(expected)
      expect(lines.every((line) => line.userId === job)).toBe(true)
      // Live, not only replayed: the viewer had a line before the job's last one was logged.
      expect(firstSeen[i]).toBeLessThan((lines.at(-1) as Line).time)
      // Lines logged through the request's logger carry the job id too (the mixin is the root logger's).
      expect(lines[0]).toHaveProperty(options.requestBinding)
      expect(lines.at(-1)).toHaveProperty(options.requestBinding)
      // With history, every event has an id, increasing: what EventSource resumes from.
      const ids = events.map((event) => event.id ?? '')
      expect(ids.every((id) => /^\d+-\d+$/.test(id))).toBe(true)
      expect([...ids].sort(compareIds)).toEqual(ids)
    }
    for (const job of jobs) {
      expect((await sub.waitFor(`logs:${job}`, expected.length)).map((text) => parse(text).msg)).toEqual(expected)
    }
    expect(new Set(sub.messages.map((m) => m.channel))).toEqual(new Set(['logs:global', ...jobs.map((job) => `logs:${job}`)]))
    // Outside the job, lines carry no job id: the route's own line, and the framework's line for each request.
    await waitFor(() => sub.on('logs:global').map(parse).filter((line) => line.msg === 'request completed').length >= 2,
      'the framework to log both requests as completed')
    const global = sub.on('logs:global').map(parse)
    for (const job of jobs) {
      expect(global.filter((line) => line.userId === job).map((line) => line.msg)).toEqual(expected)
      const queued = global.filter((line) => line.msg === 'job queued' && line.jobId === job)
      expect(queued).toHaveLength(1)
      expect(queued[0]).not.toHaveProperty('userId')
    }
    const outside = global.filter((line) => !expected.includes(line.msg))
    expect(outside.filter((line) => line.msg === 'request completed').length).toBeGreaterThanOrEqual(2)
    expect(outside.filter((line) => line.userId !== undefined)).toEqual([])
    expect(app.stderr).toBe('')
  })

  it('SIGTERM right after a job logged 3000 lines: flushOnSignals() publishes every one, then the process ends by the signal', async () => {
    const { app, sub, redis } = recipe
    const everything = await recipe.view('') // a browser on the global view, open while the process goes
    const job = await app.startJob({ steps: 3000, interval: 0, wait: 1 })
    app.kill('SIGTERM')
    expect(await app.exit()).toEqual({ code: null, signal: 'SIGTERM' })
    const expected = jobMessages(3000)
    expect((await sub.waitFor(`logs:${job}`, expected.length)).map((text) => parse(text).msg)).toEqual(expected)
    // In the history stream too, through to the job's last line.
    const admin = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 })
    try {
      await admin.connect()
      const [last] = await admin.xrevrange(`stream:logs:${job}`, '+', '-', 'COUNT', 1)
      expect(parse(last?.[1][1] ?? '{}').msg).toBe('job done')
    } finally {
      admin.disconnect()
    }
    await waitFor(() => everything.ended, 'the SSE response to end with the process')
    expect(app.stderr).toBe('')
  })

  return recipe
}

/**
 * POSTs a body in two parts to the example's `/imports`, a route that makes the whole request a job (a Fastify hook,
 * an Express middleware), and returns the job id it answered with and the job's first `count` lines.
 */
export async function importAsJob (recipe: Recipe, count: number): Promise<{ jobId: string, lines: Line[] }> {
  const response = await postInTwoParts(`${recipe.app.base}/imports`, JSON.stringify({ rows: [1, 2, 3] }))
  expect(response.status).toBe(200)
  const { jobId } = JSON.parse(response.text) as { jobId: string }
  expect(jobId).toMatch(/^import_[0-9a-f-]{36}$/)
  return { jobId, lines: (await recipe.sub.waitFor(`logs:${jobId}`, count)).map(parse) }
}
