/**
 * Pure: which lines a reader shows when it is asked for a level and above, or for lines holding some text. Used by
 * the SSE handler (`?level=`, `?q=`) and by `redis-log-tail` (`--level`, `--grep`).
 */

/** pino's levels, by name. */
export const LEVELS = Object.freeze({ trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 })

/** A pino level name. */
export type LevelName = keyof typeof LEVELS

/** The names of the levels, lowest first, for messages. */
export const LEVEL_NAMES = Object.keys(LEVELS) as LevelName[]

/** The number of a level name (`'warn'` → 40), `undefined` for anything else. */
export function levelNumber (name: unknown): number | undefined {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(LEVELS, name) ? LEVELS[name as LevelName] : undefined
}

/**
 * The level of a line: its top-level `level`, a number or (with pino's `formatters.level`) a name. `undefined` when
 * the line is not a JSON object or has no level it understands.
 */
export function levelOf (line: string): number | undefined {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return undefined
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined
  const level = (value as Record<string, unknown>).level
  return typeof level === 'number' ? level : levelNumber(level)
}

/** What a reader keeps. */
export interface LineFilterOptions {
  /** Lines of this level and above (a line without a level it understands is kept). */
  level?: number | undefined
  /**
   * Lines holding this text (a substring, matched without regard to case) or matching this expression. Matched
   * against the raw line.
   */
  text?: string | RegExp | undefined
}

/** A test of one line: true to keep it. */
export type LineFilter = (line: string) => boolean

/** The test for `options`; `undefined` when it would keep every line. */
export function createLineFilter (options: LineFilterOptions): LineFilter | undefined {
  const { level, text } = options
  const matches = text === undefined || text === ''
    ? undefined
    : typeof text === 'string'
      ? ((needle) => (line: string) => line.toLowerCase().includes(needle))(text.toLowerCase())
      : (line: string) => { text.lastIndex = 0; return text.test(line) }
  if (level === undefined && matches === undefined) return undefined
  return (line) => {
    if (matches !== undefined && !matches(line)) return false
    if (level === undefined) return true
    const of = levelOf(line)
    return of === undefined || of >= level
  }
}
