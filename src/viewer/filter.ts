/**
 * Pure: the Filter box and the Level select as a test of an item, and where a text's matches are (for `<mark>`).
 * The box holds a substring (matched without regard to case) or `/regex/flags`; a regex that does not compile is
 * reported, and filters nothing, rather than throwing.
 */
import type { Item } from './format.js'

/** What the Filter box and the Level select ask for. */
export interface ViewFilter {
  /** Why the box's text is not a usable expression; the filter then keeps every line. */
  error?: string
  /** True to show the item. Markers are always shown: they tell what the list lacks. */
  keeps: (item: Item) => boolean
  /** The [start, end) ranges of `text` to highlight. */
  matches: (text: string) => Array<[number, number]>
  /** True when the filter keeps everything (no text, lowest level). */
  all: boolean
}

const REGEX = /^\/(.+)\/([a-z]*)$/s

/** The matcher of the box's text: `undefined` for an empty box, an error for a bad expression. */
function matcherOf (text: string): { test: (s: string) => boolean, global: RegExp } | { error: string } | undefined {
  if (text === '') return undefined
  const regex = REGEX.exec(text)
  if (regex === null) {
    const needle = text.toLowerCase()
    const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    return { test: (s) => s.toLowerCase().includes(needle), global: new RegExp(escaped, 'gi') }
  }
  const [, source = '', flags = ''] = regex
  try {
    const test = new RegExp(source, flags.replace(/[gy]/g, ''))
    return { test: (s) => test.test(s), global: new RegExp(source, flags.includes('g') ? flags : `${flags}g`) }
  } catch (error) {
    // The engine's message names the problem ("Invalid regular expression: /(a/: Unterminated group").
    return { error: error instanceof Error ? error.message : 'Invalid regular expression' }
  }
}

/** The filter for the box's `text` and lines of `minLevel` and above (a line without a level passes). */
export function createViewFilter (text: string, minLevel: number): ViewFilter {
  const matcher = matcherOf(text)
  const error = matcher !== undefined && 'error' in matcher ? matcher.error : undefined
  const usable = matcher !== undefined && !('error' in matcher) ? matcher : undefined
  const keeps = (item: Item): boolean => {
    if (item.kind === 'marker') return true
    if (item.level !== undefined && item.level < minLevel) return false
    return usable === undefined || usable.test(item.text)
  }
  const matches = (s: string): Array<[number, number]> => {
    if (usable === undefined || s === '') return []
    const ranges: Array<[number, number]> = []
    const global = usable.global
    global.lastIndex = 0
    for (let m = global.exec(s); m !== null && ranges.length < 100; m = global.exec(s)) {
      if (m[0] === '') {
        global.lastIndex++ // an empty match highlights nothing, and must not loop
        continue
      }
      ranges.push([m.index, m.index + m[0].length])
    }
    return ranges
  }
  const filter: ViewFilter = { keeps, matches, all: usable === undefined && minLevel <= 10 }
  if (error !== undefined) filter.error = error
  return filter
}
