/**
 * Worker side, pure: decides which channels one serialized pino line goes to. No I/O, no timers.
 */
import { MAX_USER_ID_LENGTH, type ResolvedOptions } from './options'

/** One line waiting to be published, with the channels it still has to reach (job channel first). */
export interface Entry {
  readonly line: string
  readonly channels: readonly string[]
}

/** What `route` is configured with: a subset of the resolved options. */
export type RouteOptions = Pick<ResolvedOptions, 'channelPrefix' | 'globalChannel' | 'userIdKey'>

/** Routes lines: `(line) => Entry`. Never throws, whatever the line holds. */
export type Router = (line: string) => Entry

// Whitespace or control characters would make a channel name that a viewer cannot type or that hides content.
const UNSAFE_ID = /[\s\p{Cc}]/u

/**
 * Reads the top-level job id of a line the way `JSON.parse` would: the last occurrence of the key wins (pino's own
 * precedence: call site > mixin > child binding), and a key nested inside another object does not count.
 * Returns `undefined` for a line that is not a JSON object or has no usable id.
 */
export function readUserId (line: string, key: string): string | undefined {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return undefined
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined
  const id: unknown = Object.prototype.hasOwnProperty.call(value, key) ? (value as Record<string, unknown>)[key] : undefined
  if (typeof id !== 'string' || id === '' || id.length > MAX_USER_ID_LENGTH || UNSAFE_ID.test(id)) return undefined
  return id
}

/**
 * Builds the router for a configuration. A line with a valid top-level id goes to `${channelPrefix}:${id}` and to
 * the global channel; any other line (not JSON, not an object, no id, an unusable id) goes to the global channel
 * only. A job channel that would equal the global channel is not used, so no line reaches one channel twice.
 * With `globalChannel: false`, a line without a job channel gets no channel at all.
 */
export function createRouter (options: RouteOptions): Router {
  const { channelPrefix, globalChannel, userIdKey } = options
  const globalOnly: readonly string[] = globalChannel === false ? [] : [globalChannel]
  return function route (line) {
    const id = readUserId(line, userIdKey)
    if (id === undefined) return { line, channels: globalOnly }
    const job = `${channelPrefix}:${id}`
    if (globalChannel === false) return { line, channels: [job] }
    if (job === globalChannel) return { line, channels: globalOnly }
    return { line, channels: [job, globalChannel] }
  }
}
