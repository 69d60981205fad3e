/**
 * pino's levels for the browser (the viewer may not import the reader's line-filter.ts: it runs as is in a page),
 * and the order of history ids.
 */

/** pino's level names, lowest first, with their numbers. */
export const LEVELS = Object.freeze({ trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 })

/** A pino level name. */
export type LevelName = keyof typeof LEVELS

/** The level names, lowest first. */
export const LEVEL_NAMES = Object.keys(LEVELS) as LevelName[]

/** The number of a level name, `undefined` for anything else. */
export function levelNumber (name: unknown): number | undefined {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(LEVELS, name) ? LEVELS[name as LevelName] : undefined
}

/** The name shown for a level number: pino's name, the nearest lower one for a custom level, else the number. */
export function levelName (level: number | undefined): string {
  if (level === undefined) return ''
  let name: string | undefined
  for (const candidate of LEVEL_NAMES) if (LEVELS[candidate] <= level) name = candidate
  return name ?? String(level)
}

/** The level of a parsed line's `level` field: a number, or a name (pino's `formatters.level`). */
export function levelOfValue (value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : levelNumber(value)
}

/** A history entry id as Redis makes them: milliseconds, a dash, a sequence number. */
export const HISTORY_ID = /^\d{1,20}-\d{1,20}$/

/** Orders two Redis stream ids (`ms-seq`): negative when `a` is older. Ids that do not parse compare as equal. */
export function compareIds (a: string, b: string): number {
  const [am, as] = a.split('-')
  const [bm, bs] = b.split('-')
  const ms = Number(am) - Number(bm)
  if (ms !== 0) return Number.isNaN(ms) ? 0 : ms
  const seq = Number(as ?? 0) - Number(bs ?? 0)
  return Number.isNaN(seq) ? 0 : seq
}
