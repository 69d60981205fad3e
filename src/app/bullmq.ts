/**
 * BullMQ jobs, in the thread that runs their processor (the application's, or a sandboxed processor file's child
 * process or worker thread): a wrapper that runs each job inside its job context, so every line the processor logs
 * through a logger with `userIdMixin` goes to `logs:{queueName}:{jobId}`. BullMQ is imported for its types only:
 * it is an optional peer dependency, and nothing here needs its code.
 */
import type { Job, SandboxedJob } from 'bullmq'
import { isUsableJobId, isWellFormedJobId, JOB_ID_RULE, MAX_JOB_ID_LENGTH } from '../shared/job-id'
import { describe, fail, optionNames, optionsObject, rejectUnknownKeys } from '../shared/option-checks'
import { warn } from '../shared/report'
import { userIdContext } from './context'

/** What the wrapper reads of a job: both BullMQ's `Job` and a processor file's `SandboxedJob` have it. */
export interface JobIdentity {
  readonly queueName: string
  readonly id?: string | undefined
}

/** The options of `withJobLogs()`. */
export interface WithJobLogsOptions<J extends JobIdentity = JobIdentity> {
  /**
   * Chooses the job id a job's lines go to (`logs:{id}`), instead of `${job.queueName}:${job.id}`. It must return a
   * usable job id (see `isUsableJobId`); when it throws or returns anything else, the job still runs, without a job
   * context, and the cause is said once on stderr.
   */
  jobId?: (job: J) => string
}

/** A processor as `new Worker(name, processor)` takes it. */
export type JobProcessor<D = any, R = any, N extends string = string> =
  (job: Job<D, R, N>, token?: string, signal?: AbortSignal) => Promise<R>

/** The function a sandboxed processor file exports. */
export type SandboxedJobProcessor<D = any, R = any> =
  (job: SandboxedJob<D, R>, token?: string, signal?: AbortSignal) => R | PromiseLike<R>

type AnyProcessor = (this: unknown, job: JobIdentity, ...rest: unknown[]) => unknown

const KNOWN = optionNames<WithJobLogsOptions>({ jobId: true })

/** The default job id: the queue's name and the job's id, which together name a job in a BullMQ deployment. */
function queueAndJobId (job: JobIdentity): string | undefined {
  return job.id === undefined ? undefined : `${job.queueName}:${job.id}`
}

/** Checks `withJobLogs()`'s arguments, with the package's one wording of an option's `TypeError`. */
function checkedJobId (processor: unknown, options: unknown): (job: JobIdentity) => unknown {
  if (typeof processor !== 'function') {
    fail('processor', 'a function', processor, '; for a sandboxed processor, wrap the function its file exports')
  }
  if (options === undefined) return queueAndJobId
  optionsObject(options, 'options')
  rejectUnknownKeys(options, KNOWN, 'withJobLogs option')
  const { jobId } = options as WithJobLogsOptions
  if (jobId === undefined) return queueAndJobId
  if (typeof jobId !== 'function') fail('jobId', 'a function', jobId)
  return jobId as (job: JobIdentity) => unknown
}

/**
 * Which part of the one rule `id` fails, or `undefined` when it is usable. Says what kind of value `id` is, never
 * what it holds, and the same words for every id that fails the same way (a cause is said once).
 */
function brokenRule (id: unknown): string | undefined {
  if (isUsableJobId(id)) return undefined
  if (typeof id !== 'string') return `is not a string (it is ${id === null ? 'null' : `a ${typeof id}`})`
  if (id === '') return 'is empty'
  if (id.length > MAX_JOB_ID_LENGTH) return `is longer than ${MAX_JOB_ID_LENGTH} characters`
  if (!isWellFormedJobId(id)) return 'holds whitespace, control or format characters, or a lone surrogate'
  return 'names the global channel'
}

/**
 * The job id for `job`, or `undefined` when there is no usable one. A failure is said once per wrapper and cause
 * (`said` holds the causes already said): a queue of bad ids must not flood stderr, and one line is enough to fix
 * them. Nothing the job holds is echoed: ids and data may come from users.
 */
function jobIdOf (job: JobIdentity, chooseId: (job: JobIdentity) => unknown, custom: boolean,
  said: Set<string>): string | undefined {
  const source = custom ? 'the id that options.jobId(job) returned' : 'its id, `{queueName}:{jobId}`,'
  let cause: string
  try {
    const id = chooseId(job)
    if (!custom && id === undefined) cause = 'the job has no id'
    else {
      const broken = brokenRule(id)
      if (broken === undefined) return id as string
      cause = `${source} ${broken}`
    }
  } catch (error) {
    // The error's text is not echoed: a throwing jobId() may well have put the job's data into it.
    cause = custom ? `options.jobId(job) threw ${describe(error)}` : `the job is ${describe(job)}, not a BullMQ job`
  }
  if (!said.has(cause)) {
    said.add(cause)
    warn(`withJobLogs() runs a job without a job context, so its lines go to the global channel only: ${cause}; ` +
      `a job id must be ${JOB_ID_RULE} (said once for this cause)`, [])
  }
  return undefined
}

/**
 * Wraps a BullMQ processor so that it runs inside its job's context: every line it logs (through a logger made with
 * `pino({ mixin: userIdMixin }, ...)`) carries the job id and goes to `logs:{id}`, after every `await`, however
 * many jobs a Worker runs at once. The id is `${job.queueName}:${job.id}`, unless `options.jobId` chooses another.
 *
 * Logging never fails a job: when the id is not usable (see `isUsableJobId`), or `options.jobId` throws or returns
 * something else, the processor runs without a job context (its lines go to the global channel only) and the
 * cause is written once on stderr, without the id. The wrapper returns (or throws) exactly what the processor does,
 * and has its `length`, which BullMQ reads to decide whether the processor takes an `AbortSignal`.
 *
 * @throws TypeError when `processor` is not a function or `options` is invalid, naming the option.
 */
export function withJobLogs<D = any, R = any, N extends string = string> (processor: JobProcessor<D, R, N>,
  options?: WithJobLogsOptions<Job<D, R, N>>): JobProcessor<D, R, N>
export function withJobLogs<D = any, R = any> (processor: SandboxedJobProcessor<D, R>,
  options?: WithJobLogsOptions<SandboxedJob<D, R>>): SandboxedJobProcessor<D, R>
export function withJobLogs (processor: unknown, options?: unknown): unknown {
  const chooseId = checkedJobId(processor, options)
  const custom = chooseId !== queueAndJobId
  const original = processor as AnyProcessor
  const said = new Set<string>()
  const wrapped = function (this: unknown, job: JobIdentity, ...rest: unknown[]): unknown {
    const id = jobIdOf(job, chooseId, custom, said)
    const run = (): unknown => original.call(this, job, ...rest)
    // Without a usable id, leave any context around the Worker too: its job is not this one.
    return id === undefined ? userIdContext.exit(run) : userIdContext.run(id, run)
  }
  Object.defineProperty(wrapped, 'length', { value: original.length })
  Object.defineProperty(wrapped, 'name', { value: `withJobLogs(${original.name})` })
  return wrapped
}
