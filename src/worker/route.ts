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

/** What `readRawJobId` found: the id as written (not yet checked by the job id rule), or why there is none. */
export type RawJobId = string | typeof NO_ID | typeof NOT_JSON_OBJECT | typeof INVALID_ID

/**
 * Reads the top-level job id of a line the way `JSON.parse` would: the last occurrence of the key wins (pino's own
 * precedence: call site > mixin > child binding), and a key nested inside another object does not count.
 * Returns the id, or a number saying why there is none.
 */
export function readJobId (line: string, key: string): string | typeof NO_ID | typeof NOT_JSON_OBJECT | typeof INVALID_ID {
  const id = readRawJobId(line, key, readsInPlace(key))
  if (typeof id !== 'string') return id
  return isWellFormedJobId(id) ? id : INVALID_ID
}

/** True when `key` is written in JSON as is, between quotes, so that it can be found without parsing the line. */
export function readsInPlace (key: string): boolean {
  return key !== '' && JSON.stringify(key) === `"${key}"`
}

const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const QUOTE = 0x22
const COMMA = 0x2c
const COLON = 0x3a

/**
 * `readJobId` without the job id rule: the value of the top-level key when it is a string, as `JSON.parse` reads it.
 *
 * Most lines are read without parsing them. A line shaped as pino writes it (it begins with `{`, ends with `}`, holds
 * no backslash, so no escape, and has its key once, at the top level, written `"key":` without spaces) has its id
 * read in place: the text between the quotes after the key. Such a line is taken to be JSON, as pino's lines always
 * are; it is not checked. Every other line (an escape anywhere, the key twice or nested, spaces around it, not an
 * object) is given to `JSON.parse`, which allocates an object, its keys and its values for 150 bytes, and was the
 * worker's largest cost per line (see bench/NOTES.md). `inPlace`: `readsInPlace(key)`. `last`: the id of the line
 * before, returned as is when this line has the same (the usual case), so that no string is made for it.
 *
 * Only native searches run over the line: a loop over its characters in JavaScript costs more than `JSON.parse`.
 */
export function readRawJobId (line: string, key: string, inPlace: boolean, last = ''): RawJobId {
  if (inPlace && line.charCodeAt(0) === OPEN_BRACE && line.charCodeAt(line.length - 1) === CLOSE_BRACE &&
    !line.includes('\\')) {
    const at = findKey(line, key, 1)
    // Without an escape, a key is written as is.
    if (at === -1) return NO_ID
    const id = readInPlace(line, key, at, last)
    if (id !== undefined) return id
  }
  return parseJobId(line, key)
}

/** Where the first `"key"` at or after `from` begins (its opening quote), or -1. */
function findKey (line: string, key: string, from: number): number {
  // Searching for the key alone and checking its quotes is several times faster than searching for `"key"`.
  for (let i = line.indexOf(key, from + 1); i !== -1; i = line.indexOf(key, i + 1)) {
    if (line.charCodeAt(i - 1) === QUOTE && line.charCodeAt(i + key.length) === QUOTE) return i - 1
  }
  return -1
}

/**
 * The id whose key's quote is at `at`, read in place, or `undefined` when the line must be parsed to know: the key
 * is not at the top level (an object or array opens before it), is followed by anything but `:`, appears again
 * later (as a key or a value), or its value is not a plain string followed by `,` or `}`. Needs a line without
 * backslashes: then no string holds a `"`, so a `"key":` after `{` or `,` is a key, and with no `{` or `[` before it
 * but the first, one at the top level. Returns `last` itself when the id equals it, without making a string.
 */
function readInPlace (line: string, key: string, at: number, last: string): RawJobId | undefined {
  const before = line.charCodeAt(at - 1)
  const start = at + key.length + 3 // past `"key":`
  if ((before !== OPEN_BRACE && before !== COMMA) || line.charCodeAt(start - 1) !== COLON) return undefined
  if (opensBefore(line, '{', at) || opensBefore(line, '[', at)) return undefined
  if (line.charCodeAt(start) !== QUOTE) {
    // A number, null, an object...: not an id, unless a later occurrence of the key (which JSON.parse would take)
    // says otherwise.
    return findKey(line, key, start) === -1 ? INVALID_ID : undefined
  }
  const end = line.indexOf('"', start + 1)
  const after = line.charCodeAt(end + 1)
  if (after !== COMMA && after !== CLOSE_BRACE) return undefined
  if (findKey(line, key, end + 1) !== -1) return undefined
  if (end - start - 1 === last.length && line.startsWith(last, start + 1)) return last
  return line.slice(start + 1, end)
}

/** True when `open` occurs between the line's first character and `at`. */
function opensBefore (line: string, open: string, at: number): boolean {
  const i = line.indexOf(open, 1)
  return i !== -1 && i < at
}

/** `readRawJobId` by `JSON.parse`. */
function parseJobId (line: string, key: string): RawJobId {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return NOT_JSON_OBJECT
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return NOT_JSON_OBJECT
  if (!Object.prototype.hasOwnProperty.call(value, key)) return NO_ID
  const id = (value as Record<string, unknown>)[key]
  return typeof id === 'string' ? id : INVALID_ID
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
  const inPlace = readsInPlace(userIdKey)
  // The job of the line before: most lines have the same, and then need neither a string nor a lookup.
  let lastId = ''
  let lastChannels: readonly string[] = NAMES_GLOBAL
  return function route (line) {
    if (isOversize(line, maxLineBytes)) return OVERSIZE
    const id = readRawJobId(line, userIdKey, inPlace, lastId)
    if (typeof id !== 'string') {
      if (id === NOT_JSON_OBJECT) invalid.notJsonObject++
      else if (id === INVALID_ID) invalid.userId++
      return { line, channels: globalOnly }
    }
    let channels = id === lastId ? lastChannels : channelsOf.get(id)
    if (channels === undefined) {
      // The job id rule, once per job: jobChannel applies it.
      const job = jobChannel(id, options)
      channels = job === undefined ? NAMES_GLOBAL : globalChannel === false ? [job] : [job, globalChannel]
      if (channelsOf.size >= MAX_CACHED_JOBS) channelsOf.clear()
      channelsOf.set(id, channels)
    }
    lastId = id
    lastChannels = channels
    if (channels === NAMES_GLOBAL) {
      invalid.userId++
      return { line, channels: globalOnly }
    }
    return { line, channels }
  }
}
