/**
 * Pure: decides which channels one serialized pino line goes to, from its job id (the `userIdKey` field). No I/O,
 * no timers.
 */
import { isWellFormedJobId, jobChannel } from '../shared/job-id'
import type { InvalidCounts } from '../shared/stats'
import type { ResolvedOptions } from './options'

/** One line waiting to be published, with the channels it still has to reach (job channel first). */
export interface Entry {
  readonly line: string
  readonly channels: readonly string[]
}

/**
 * What the router returns for a line longer than `maxLineBytes`: not published at all. An object, because
 * pino-abstract-transport wraps anything else, and a single one, so that telling it apart costs one comparison.
 */
export const OVERSIZE: Entry = Object.freeze({ line: '', channels: Object.freeze([]) })

/** What `createRouter` is configured with: a subset of the resolved options. */
export type RouteOptions = Pick<ResolvedOptions, 'channelPrefix' | 'globalChannel' | 'userIdKey' | 'maxLineBytes'>

/** Routes lines: `(line) => Entry` (or `OVERSIZE`). Never throws, whatever the line holds. */
export type Router = (line: string) => Entry

/** Jobs whose channel list is kept; beyond this many the cache starts over (ids may be unbounded). */
const MAX_CACHED_JOBS = 10_000
/** Marks a job whose channel would be the global channel. */
const NAMES_GLOBAL: readonly string[] = Object.freeze([])

/** `readJobId` found no job id: the line has none. */
export const NO_ID = 0
/** `readJobId` found no job id: the line is not a JSON object. */
export const NOT_JSON_OBJECT = 1
/** `readJobId` found no job id: the line has one that cannot name a channel. */
export const INVALID_ID = 2

/**
 * Reads the top-level job id of a line the way `JSON.parse` would: the last occurrence of the key wins (pino's own
 * precedence: call site > mixin > child binding), and a key nested inside another object does not count.
 * Returns the id, or a number saying why there is none.
 */
export function readJobId (line: string, key: string): string | typeof NO_ID | typeof NOT_JSON_OBJECT | typeof INVALID_ID {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return NOT_JSON_OBJECT
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return NOT_JSON_OBJECT
  if (!Object.prototype.hasOwnProperty.call(value, key)) return NO_ID
  const id = (value as Record<string, unknown>)[key]
  return isWellFormedJobId(id) ? id : INVALID_ID
}

/** True when the UTF-8 encoding of `line` is longer than `max` bytes, without encoding short lines. */
function isOversize (line: string, max: number): boolean {
  // A UTF-16 code unit takes 1 to 3 bytes in UTF-8.
  if (line.length > max) return true
  return line.length * 3 > max && Buffer.byteLength(line) > max
}

/**
 * Builds the router for a configuration. A line with a valid top-level id goes to `${channelPrefix}:${id}` and to
 * the global channel; any other line (not JSON, not an object, no id, an unusable id) goes to the global channel
 * only, unchanged. A job channel that would equal the global channel is not used, so no line reaches one channel
 * twice. With `globalChannel: false`, a line without a job channel gets no channel at all. A line over
 * `maxLineBytes` gets `OVERSIZE`. Lines routed to the global channel because they were malformed are added to `invalid`.
 */
export function createRouter (options: RouteOptions, invalid: InvalidCounts = { notJsonObject: 0, userId: 0 }): Router {
  const { globalChannel, userIdKey, maxLineBytes } = options
  const globalOnly: readonly string[] = globalChannel === false ? [] : [globalChannel]
  // One channel list per job, shared by its lines: a line waiting in the buffer then holds only its entry.
  const channelsOf = new Map<string, readonly string[]>()
  return function route (line) {
    if (isOversize(line, maxLineBytes)) return OVERSIZE
    const id = readJobId(line, userIdKey)
    if (typeof id !== 'string') {
      if (id === NOT_JSON_OBJECT) invalid.notJsonObject++
      else if (id === INVALID_ID) invalid.userId++
      return { line, channels: globalOnly }
    }
    let channels = channelsOf.get(id)
    if (channels === undefined) {
      const job = jobChannel(id, options)
      channels = job === undefined ? NAMES_GLOBAL : globalChannel === false ? [job] : [job, globalChannel]
      if (channelsOf.size >= MAX_CACHED_JOBS) channelsOf.clear()
      channelsOf.set(id, channels)
    }
    if (channels === NAMES_GLOBAL) {
      invalid.userId++
      return { line, channels: globalOnly }
    }
    return { line, channels }
  }
}
