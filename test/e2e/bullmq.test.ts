/**
 * BullMQ end to end, against a private redis-server: a real Queue and Worker, processors wrapped with withJobLogs()
 * logging through the built transport (pino's worker thread, history on). Each job's lines reach its own channel
 * and history stream only, complete and in order, while several jobs' awaits interleave; a viewer who arrives after
 * the job finished replays them; `options.jobId` chooses the id; an unusable id never fails the job; and a sandboxed
 * processor file, in a child process and in a worker thread, logs to its job's channel too.
 */
import { join } from 'node:path'
import { threadId } from 'node:worker_threads'
import { Queue, Worker, type Job, type Processor, type WorkerOptions } from 'bullmq'
import Redis from 'ioredis'
import pino from 'pino'
import { startRedisServer, type RedisServer } from '../../scripts/redis-server'
import { withJobLogs } from '../../src/bullmq'
import { HISTORY_FIELD } from '../../src/shared/history'
import { closeTransport, getUserContext, subscribe, userIdMixin, withUserId } from '../../src/index'
import { BUILT_ENTRY, FIXTURES } from '../helpers/paths'
import { Reader } from '../helpers/reader'
import { captureStderr } from '../helpers/stderr'
import { waitFor } from '../helpers/wait'

interface Line { msg: string, userId?: string, step?: number, pid: number, thread?: number }
type Data = { name: string, steps: number, reportId?: number }

const parse = (line: string): Line => JSON.parse(line) as Line
const STEPS = 4
const stepMsgs = (name: string, steps = STEPS): string[] => Array.from({ length: steps }, (_, i) => `${name} step ${i + 1}`)

let redis: RedisServer
let admin: Redis
let transport: ReturnType<typeof pino.transport>
let logger: pino.Logger
let stderr: ReturnType<typeof captureStderr>
/** Workers, queues and readers, closed after the suite, last made first. */
const closers: Array<() => Promise<unknown>> = []

beforeAll(async () => {
  redis = await startRedisServer()
  admin = new Redis(redis.url)
  transport = pino.transport({ target: BUILT_ENTRY, options: { url: redis.url, history: true } })
  logger = pino({ mixin: userIdMixin }, transport)
})
afterAll(async () => {
  for (const close of closers.reverse()) await close()
  await closeTransport(transport)
  admin.disconnect()
  await redis.stop()
})
beforeEach(() => { stderr = captureStderr() })
afterEach(() => { stderr.restore() })

const connection = (): { host: string, port: number } => ({ host: '127.0.0.1', port: redis.port })

/** A queue and a worker on it; the worker records each job's end, and both are closed after the suite. */
function queueAndWorker (name: string, processor: string | Processor, options: Partial<WorkerOptions> = {}):
{ queue: Queue, worker: Worker, ended: Map<string, unknown> } {
  const queue = new Queue(name, { connection: connection() })
  const worker = new Worker(name, processor, { connection: { ...connection(), maxRetriesPerRequest: null }, concurrency: 3, ...options })
  const ended = new Map<string, unknown>()
  worker.on('completed', (job, result) => { ended.set(job.id as string, result) })
  worker.on('failed', (job, error) => { ended.set(job?.id as string, error) })
  closers.push(async () => await queue.close(), async () => await worker.close())
  return { queue, worker, ended }
}

async function flush (): Promise<void> {
  await new Promise<void>((resolve, reject) => { logger.flush((err) => { if (err != null) reject(err); else resolve() }) })
}

/** Every line a history stream holds, read from Redis directly. */
async function stream (job: string): Promise<Line[]> {
  const entries = await admin.xrange(`stream:logs:${job}`, '-', '+')
  return entries.map(([, fields]) => parse(fields[fields.indexOf(HISTORY_FIELD) + 1] as string))
}

/** A follower of `job`, closed after the suite. */
function follow (job: string, options: Parameters<typeof subscribe>[0] = {}): Reader {
  const reader = new Reader(subscribe({ url: redis.url, job, ...options }))
  closers.push(async () => { await reader.close() })
  return reader
}

/** A meeting point: a job's step k starts once every job has reached it, so the jobs' lines interleave. */
function rendezvous (parties: number): (step: number) => Promise<void> {
  const arrived = new Map<number, number>()
  return async (step) => {
    arrived.set(step, (arrived.get(step) ?? 0) + 1)
    await waitFor(() => (arrived.get(step) ?? 0) >= parties, `${parties} jobs at step ${step}`, 5_000)
  }
}

describe('withJobLogs() with a real BullMQ Worker', () => {
  it('sends each job\'s lines to logs:{queueName}:{jobId} only, in order, with three jobs interleaved', async () => {
    const names = ['alpha', 'beta', 'gamma']
    let open = false
    const meet = rendezvous(names.length)
    const { queue, worker, ended } = queueAndWorker('render', withJobLogs(async (job: Job<Data, string>) => {
      await waitFor(() => open, 'the live viewers')
      for (let step = 1; step <= job.data.steps; step++) {
        await meet(step)
        logger.info({ step }, `${job.data.name} step ${step}`)
        await new Promise((resolve) => setImmediate(resolve))
      }
      return `${job.data.name} done`
    }))
    // BullMQ's own code runs outside any job's context: this line must reach the global channel only.
    worker.on('completed', (job) => { logger.info(`completed ${job.data.name}`) })
    const jobs = await Promise.all(names.map(async (name) => await queue.add('page', { name, steps: STEPS })))
    const ids = jobs.map((job) => `${job.queueName}:${job.id as string}`)
    expect(ids).toEqual(jobs.map((job) => `render:${job.id as string}`))
    const live = ids.map((id) => follow(id, { source: 'pubsub' }))
    await Promise.all(live.map(async (reader) => { await reader.subscription.ready }))
    open = true
    await waitFor(() => ended.size === names.length, 'the three jobs to end')
    expect([...ended.values()].sort()).toEqual(['alpha done', 'beta done', 'gamma done'])
    await flush()

    for (const [i, id] of ids.entries()) {
      const name = names[i] as string
      await live[i]?.waitFor(STEPS, `${STEPS} live lines of ${id}`)
      expect(live[i]?.msgs).toEqual(stepMsgs(name))
      // A viewer who arrives after the job ended replays its lines from the history stream, each with its id.
      const late = follow(id, { history: 100 })
      const replayed = await late.waitFor(STEPS, `${STEPS} replayed lines of ${id}`)
      expect(late.msgs).toEqual(stepMsgs(name))
      expect(replayed.every((message) => message.id !== undefined)).toBe(true)
      const kept = await stream(id)
      expect(kept.map((line) => line.msg)).toEqual(stepMsgs(name))
      expect(kept.every((line) => line.userId === id)).toBe(true)
    }
    const streams = (await admin.keys('stream:logs:*')).filter((key) => !key.startsWith('stream:logs:report'))
    expect(streams.sort()).toEqual([...ids.map((id) => `stream:logs:${id}`), 'stream:logs:global'].sort())
    const global = (await stream('global')).filter((line) => !line.msg.startsWith('completed'))
    // Interleaved: every job logged step k before any job logged step k + 1.
    expect(global.map((line) => line.step)).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4])
    expect((await stream('global')).filter((line) => line.msg.startsWith('completed')).map((line) => line.userId))
      .toEqual([undefined, undefined, undefined])
    expect(stderr.text()).toBe('')
  })

  it('options.jobId chooses the id, and a Worker inside another job context still logs to each job\'s id', async () => {
    const processor = withJobLogs(async (job: Job<Data, number>) => {
      logger.info(`report ${job.data.reportId ?? 0}`)
      await new Promise((resolve) => setTimeout(resolve, 5))
      logger.info(`report ${job.data.reportId ?? 0} written`)
      return job.data.reportId ?? 0
    }, { jobId: (job) => `report_${job.data.reportId ?? 0}` })
    const { queue, ended } = withUserId('outer_context', () => queueAndWorker('reports', processor))
    await Promise.all([7, 8].map(async (reportId) => await queue.add('report', { name: 'report', steps: 0, reportId })))
    await waitFor(() => ended.size === 2, 'the two reports')
    await flush()
    expect((await stream('report_7')).map((line) => line.msg)).toEqual(['report 7', 'report 7 written'])
    expect((await stream('report_8')).map((line) => line.msg)).toEqual(['report 8', 'report 8 written'])
    expect(await admin.exists('stream:logs:outer_context')).toBe(0)
    expect(stderr.text()).toBe('')
  })

  it('runs a job whose id is not usable without a job context, and says each cause once, without the id', async () => {
    const outcomes = ['has space', 'throws', 'has space', 'throws']
    const processor = withJobLogs(async (job: Job<Data, string>) => {
      logger.info(`unrouted ${job.data.name}`)
      return job.data.name
    }, {
      jobId: (job) => {
        if (job.data.name === 'throws') throw new Error('secret-in-data')
        return 'secret has space'
      }
    })
    const { queue, ended } = withUserId('outer_unusable', () => queueAndWorker('unusable', processor, { concurrency: 1 }))
    for (const name of outcomes) await queue.add('job', { name, steps: 0 })
    await waitFor(() => ended.size === outcomes.length, 'the four jobs')
    expect([...ended.values()]).toEqual(outcomes)
    await flush()
    const lines = (await stream('global')).filter((line) => line.msg.startsWith('unrouted'))
    expect(lines.map((line) => [line.msg, line.userId])).toEqual(outcomes.map((name) => [`unrouted ${name}`, undefined]))
    expect(await admin.exists('stream:logs:outer_unusable')).toBe(0)
    const said = stderr.text().trim().split('\n')
    expect(said).toHaveLength(2)
    expect(said[0]).toMatch(/^redis-log-transport: withJobLogs\(\) runs a job without a job context, so its lines go to the global channel only: the id that options\.jobId\(job\) returned holds whitespace, control or format characters, or a lone surrogate; a job id must be a non-empty string/)
    expect(said[1]).toMatch(/: options\.jobId\(job\) threw an object; a job id must be/)
    expect(stderr.text()).not.toMatch(/secret/)
  })

  it('keeps the processor\'s arity, which BullMQ reads to decide whether to pass an AbortSignal', async () => {
    const signals: boolean[] = []
    const { queue, ended } = queueAndWorker('signals', withJobLogs(async (_job: Job, _token?: string, signal?: AbortSignal) => {
      signals.push(signal instanceof AbortSignal)
    }))
    expect(withJobLogs(async (job: Job) => job.id).length).toBe(1)
    await queue.add('job', {})
    await waitFor(() => ended.size === 1, 'the job')
    expect(signals).toEqual([true])
  })

  it('names the part of the rule an id breaks, for each way it can break, and still runs the processor', async () => {
    const inContext = async (): Promise<string | undefined> => getUserContext()
    const chosen = (id: unknown) => withJobLogs(inContext, { jobId: () => id as string })
    const cases: Array<[() => unknown, string]> = [
      [() => withJobLogs(inContext)({ queueName: 'q' } as never), 'the job has no id'],
      [() => withJobLogs(inContext)(null as never), 'the job is `null`, not a BullMQ job'],
      [() => chosen('')({} as never), 'returned is empty'],
      [() => chosen('x'.repeat(300))({} as never), 'returned is longer than 256 characters'],
      [() => chosen('global')({} as never), 'returned names the global channel'],
      [() => chosen(42)({} as never), 'returned is not a string (it is a number)'],
      [() => chosen(null)({} as never), 'returned is not a string (it is null)']
    ]
    for (const [run, cause] of cases) {
      await expect(withUserId('outer_direct', run)).resolves.toBeUndefined()
      expect(stderr.text().trim().split('\n').at(-1)).toContain(`only: ${cause.startsWith('returned') ? 'the id that options.jobId(job) ' : ''}${cause};`)
    }
    await expect(withJobLogs(inContext)({ queueName: 'q', id: '1' } as never)).resolves.toBe('q:1')
  })

  it('refuses a processor that is not a function and invalid options with a TypeError naming them', () => {
    const processor = async (): Promise<void> => {}
    expect(() => withJobLogs('./processor.js' as never)).toThrow(/^redis-log-transport: expected `processor` to be a function, got a string of 14 characters; for a sandboxed processor, wrap the function its file exports$/)
    expect(() => withJobLogs(processor, null as never)).toThrow(/expected `options` to be an object, got `null`/)
    expect(() => withJobLogs(processor, { jobID: () => 'x' } as never)).toThrow(/unknown withJobLogs option `jobID`; known ones are jobId$/)
    expect(() => withJobLogs(processor, { jobId: 'report' } as never)).toThrow(/expected `jobId` to be a function, got a string of 6 characters$/)
    expect(typeof withJobLogs(processor, {})).toBe('function')
  })
})

describe.each([['a child process', false], ['a worker thread', true]])('a sandboxed processor file in %s', (_where, useWorkerThreads) => {
  it('logs each job\'s lines to logs:{queueName}:{jobId}, through a transport of its own', async () => {
    const queueName = useWorkerThreads ? 'sandbox-threads' : 'sandbox-processes'
    const env = { ...process.env, BULLMQ_LOGS_URL: redis.url }
    const { queue, worker, ended } = queueAndWorker(queueName, join(FIXTURES, 'bullmq-sandboxed.js'), {
      concurrency: 2, useWorkerThreads, workerForkOptions: { env }, workerThreadsOptions: { env }
    })
    const jobs = await Promise.all(['one', 'two'].map(async (name) => await queue.add('step', { name, steps: 3, burst: 100 })))
    await waitFor(() => ended.size === 2, 'the two sandboxed jobs', 15_000)
    expect([...ended.values()].sort()).toEqual(['one done', 'two done'])
    // Closing the Worker ends its children, whose exit publishes what their transport still holds: once it has
    // resolved, every line is in Redis, with no waiting.
    await worker.close()
    for (const job of jobs) {
      const id = `${queueName}:${job.id as string}`
      const lines = await stream(id)
      const burst = Array.from({ length: 100 }, (_, i) => `${job.data.name as string} burst ${i + 1}`)
      expect(lines.map((line) => line.msg)).toEqual([...stepMsgs(job.data.name as string, 3), ...burst])
      expect(lines.every((line) => line.userId === id)).toBe(true)
      // Logged where BullMQ ran the file, not here.
      expect(lines.every((line) => useWorkerThreads ? line.thread !== threadId : line.pid !== process.pid)).toBe(true)
    }
  })
})
