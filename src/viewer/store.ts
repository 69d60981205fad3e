/**
 * The lines a viewer holds (and its markers), oldest first, at most `max` lines: the oldest beyond it are dropped,
 * with the markers among them. Markers do not count: there are few.
 */
import type { Item } from './format.js'

/** The `max-lines` of a viewer without one. */
export const DEFAULT_MAX_LINES = 100_000

/** The cap a `max-lines` attribute asks for: a positive integer, else the default. */
export function maxLines (value: string | null): number {
  const n = value === null ? NaN : Number(value)
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_MAX_LINES
}

/** A held line, as the element's `entries` and `shown` give it. */
export interface Entry { id?: string, line: string }

/** The line of an item as an entry. */
export function entryOf (item: Item): Entry {
  return item.id === undefined ? { line: item.line } : { id: item.id, line: item.line }
}

export class LineStore {
  /** The items held, oldest first. */
  all: Item[] = []
  /** How many of them are lines (the rest are markers). */
  lines = 0
  /** How many are markers (the viewer's own: gaps, lost connections). */
  markers = 0

  constructor (public max: number) {}

  add (items: readonly Item[]): void {
    for (const item of items) {
      this.all.push(item)
      if (item.kind === 'line') this.lines++
      if (item.kind === 'marker') this.markers++
    }
  }

  /** Drops the oldest beyond `max`; returns the seq of the oldest item kept, `undefined` when none was dropped. */
  trim (): number | undefined {
    if (this.lines <= this.max) return undefined
    let count = 0
    while (this.lines > this.max && count < this.all.length) {
      const item = this.all[count++] as Item
      if (item.kind === 'line') this.lines--
      else this.markers--
    }
    this.all.splice(0, count)
    return this.all[0]?.seq ?? Number.MAX_SAFE_INTEGER
  }

  clear (): void {
    this.all = []
    this.lines = 0
    this.markers = 0
  }

  /** The lines held, oldest first. */
  entries (): Entry[] {
    const entries: Entry[] = []
    for (const item of this.all) if (item.kind === 'line') entries.push(entryOf(item))
    return entries
  }
}
