/**
 * Pure, no dependencies: the history streams the transport writes (with its `history` option) and readers replay and
 * resume from: their options and defaults, their names (and the index of recent jobs), the field of an entry that holds the line, and entry ids
 * (`<ms>-<seq>`, as Redis makes them), their syntax and their order.
 */
import { channelPart } from './channel-names'
import { fail, integer, optionNames, rejectUnknownKeys } from './option-checks'

/**
 * Recent lines kept in a Redis stream per channel (`XADD <keyPrefix><channel> MAXLEN ~ maxLen`), so a viewer who
 * arrives later sees them, and a viewer who reconnects resumes exactly where it stopped.
 */
export interface HistoryOptions {
  /**
   * Lines kept per channel. Redis trims in whole blocks (`MAXLEN ~`), so a stream may briefly hold somewhat more.
   * @default 1000
   */
  maxLen?: number
  /**
   * Seconds a job channel's stream lives after its last line.
   * @default 3600 (1 hour)
   */
  jobTtl?: number
  /**
   * Seconds the global channel's stream lives after its last line.
   * @default 86400 (24 hours)
   */
  globalTtl?: number
  /**
   * A channel's stream is the key `${keyPrefix}${channel}`, e.g. `stream:logs:job_42`.
   * @default 'stream:'
   */
  keyPrefix?: string
  /**
   * Jobs kept in the index of recent jobs (a sorted set, see `jobsIndexKey`) that the SSE handler's jobs list reads:
   * the newest by their last line. A job whose last line is older than `jobTtl` leaves it. At most 100000.
   * @default 1000
   */
  maxJobs?: number
}

/** History settings with every default applied. */
export type ResolvedHistory = Required<HistoryOptions>

/** The history defaults, the original handler's: 1000 lines, 1 hour for a job, 24 hours for the global channel. */
export const DEFAULT_HISTORY: Readonly<ResolvedHistory> = Object.freeze({
  maxLen: 1000,
  jobTtl: 3600,
  globalTtl: 86_400,
  keyPrefix: 'stream:',
  maxJobs: 1000
})

const HISTORY_KEYS = optionNames<HistoryOptions>({ maxLen: true, jobTtl: true, globalTtl: true, keyPrefix: true, maxJobs: true })

/** The largest `maxJobs`: the index is trimmed in the batch call, which holds the server while it runs. */
const MAX_JOBS = 100_000

/** The field of a history stream entry that holds the line. */
export const HISTORY_FIELD = 'line'

/**
 * The field that marks an entry as the transport's own notice, not an application's line: its value says which
 * (`'lost'`: lines were dropped; the entry's line tells how many, and when). Only the worker writes stream entries,
 * and an application's line cannot add a field to its entry, so no logged line can pose as a notice.
 */
export const NOTICE_FIELD = 'notice'

/** The kind of notice that tells of lost lines. */
export const LOST_NOTICE = 'lost'

/** Validates a `history` option (`name` is how errors call it): `false` when off, `true` for the defaults. */
export function resolveHistory (value: unknown, name = 'history'): ResolvedHistory | false {
  if (value === undefined || value === false) return false
  if (value === true) return { ...DEFAULT_HISTORY }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(name, 'a boolean or an object', value)
  rejectUnknownKeys(value, HISTORY_KEYS, 'option', `${name}.`)
  const input = value as HistoryOptions
  return {
    maxLen: integer(`${name}.maxLen`, input.maxLen, DEFAULT_HISTORY.maxLen, 1),
    jobTtl: integer(`${name}.jobTtl`, input.jobTtl, DEFAULT_HISTORY.jobTtl, 1),
    globalTtl: integer(`${name}.globalTtl`, input.globalTtl, DEFAULT_HISTORY.globalTtl, 1),
    keyPrefix: channelPart(`${name}.keyPrefix`, input.keyPrefix, DEFAULT_HISTORY.keyPrefix),
    maxJobs: integer(`${name}.maxJobs`, input.maxJobs, DEFAULT_HISTORY.maxJobs, 1, MAX_JOBS)
  }
}

/** The stream that keeps a channel's recent lines. */
export function historyKey (history: Pick<ResolvedHistory, 'keyPrefix'>, channel: string): string {
  return history.keyPrefix + channel
}

/**
 * The sorted set of recent jobs the transport keeps with history on: member the job id, score the milliseconds of
 * the job's newest history entry (default `stream:jobs:logs`).
 */
export function jobsIndexKey (history: Pick<ResolvedHistory, 'keyPrefix'>, channelPrefix: string): string {
  return `${history.keyPrefix}jobs:${channelPrefix}`
}

/** A history entry id as Redis makes them: milliseconds, a dash, a sequence number. */
export const HISTORY_ID = /^\d{1,20}-\d{1,20}$/

/** The two numbers of an id that HISTORY_ID accepts. */
function parts (id: string): [bigint, bigint] {
  const dash = id.indexOf('-')
  return [BigInt(id.slice(0, dash)), BigInt(id.slice(dash + 1))]
}

/** Orders two stream entry ids. */
export function compareIds (a: string, b: string): number {
  const [aMs, aSeq] = parts(a)
  const [bMs, bSeq] = parts(b)
  const difference = aMs !== bMs ? aMs - bMs : aSeq - bSeq
  return difference < 0n ? -1 : difference > 0n ? 1 : 0
}

/** The smallest id after `id`: an exclusive start for XRANGE that servers before Redis 6.2 understand too. */
export function nextId (id: string): string {
  const [ms, seq] = parts(id)
  return seq === 0xffffffffffffffffn ? `${ms + 1n}-0` : `${ms}-${seq + 1n}`
}
