/**
 * A list that draws only the rows in view (plus a few around them), so that 100 000 rows cost what 60 do.
 *
 * Collapsed rows all have one fixed height, so a row's place is arithmetic; an expanded row is measured once drawn,
 * and its extra height is accounted separately (few rows are expanded at once). Items are kept oldest first and
 * ordered by `seq`, so an item's index is a binary search, and dropping the oldest shifts nothing else.
 */
import type { Item } from './format.js'

/** Rows drawn above and below the visible ones. */
const OVERSCAN = 12

/**
 * While following a fast stream, the newest rows are drawn at most this often: nobody reads 80 new rows a frame,
 * and drawing them every frame would spend the main thread on layout and paint (measured: .scratch/viewer-check).
 */
const FOLLOW_INTERVAL_MS = 100

/** Draws the element of one row. */
export type RowRenderer = (item: Item) => HTMLElement

export class VirtualList {
  /** The items the list shows, oldest first. */
  items: Item[] = []
  /** True while the view stays at the newest row as rows arrive. */
  following = true
  readonly #rows = new Map<number, HTMLElement>()
  /** Extra height (beyond a collapsed row) of each expanded item, by seq. */
  readonly #expanded = new Map<number, number>()
  readonly #spacer: HTMLElement
  readonly #window: HTMLElement
  #frame = 0
  #drawn = 0
  #later: ReturnType<typeof setTimeout> | undefined
  #onFollow: (following: boolean) => void = () => {}

  constructor (readonly scroller: HTMLElement, readonly rowHeight: number, readonly render: RowRenderer) {
    this.#spacer = document.createElement('div')
    this.#spacer.className = 'spacer'
    this.#window = document.createElement('div')
    this.#window.className = 'window'
    this.#spacer.append(this.#window)
    scroller.append(this.#spacer)
    scroller.addEventListener('scroll', () => {
      this.#setFollowing(this.#atBottom())
      this.update()
    }, { passive: true })
    // Scrolling up by wheel stops following at once, before the next frame could pull the view down again.
    scroller.addEventListener('wheel', (event) => { if (event.deltaY < 0) this.#setFollowing(false) }, { passive: true })
  }

  /** Tells `listener` when following starts or stops. */
  onFollow (listener: (following: boolean) => void): void {
    this.#onFollow = listener
  }

  #setFollowing (following: boolean): void {
    if (following === this.following) return
    this.following = following
    this.#onFollow(following)
  }

  #atBottom (): boolean {
    const s = this.scroller
    return s.scrollTop + s.clientHeight >= s.scrollHeight - this.rowHeight / 2
  }

  /** The index of the item with `seq`, or of the first newer one. */
  indexOf (seq: number): number {
    let lo = 0
    let hi = this.items.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.items[mid]?.seq ?? 0) < seq) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** The expanded items in the list, as [index, extra height], by index. */
  #extras (): Array<[number, number]> {
    const extras: Array<[number, number]> = []
    for (const [seq, extra] of this.#expanded) {
      const index = this.indexOf(seq)
      if (this.items[index]?.seq === seq) extras.push([index, extra])
    }
    return extras.sort((a, b) => a[0] - b[0])
  }

  /** The top of the row at `index`. */
  offsetOf (index: number, extras = this.#extras()): number {
    let extra = 0
    for (const [at, height] of extras) if (at < index) extra += height
    return index * this.rowHeight + extra
  }

  /** The index of the row at height `y`. */
  #indexAt (y: number, extras: Array<[number, number]>): number {
    let extra = 0
    for (const [at, height] of extras) {
      const top = at * this.rowHeight + extra
      if (y < top) break
      if (y < top + this.rowHeight + height) return at
      extra += height
    }
    return Math.max(0, Math.min(this.items.length - 1, Math.floor((y - extra) / this.rowHeight)))
  }

  /** Draws again at the next frame. */
  update (): void {
    if (this.#frame === 0) this.#frame = requestAnimationFrame(() => { this.#frame = 0; this.draw() })
  }

  /** Draws the rows that arrived: now, or (following a fast stream) at a later frame. */
  drawArrivals (): void {
    const wait = FOLLOW_INTERVAL_MS - (performance.now() - this.#drawn)
    if (!this.following || wait <= 0) this.draw()
    else if (this.#later === undefined) this.#later = setTimeout(() => { this.#later = undefined; this.update() }, wait)
  }

  /** Draws now the rows that arrived and wait for a later frame (Pause freezes what the view shows at once). */
  flush (): void {
    if (this.#later !== undefined) clearTimeout(this.#later)
    this.#later = undefined
    this.draw()
  }

  /** Forgets every drawn row (the filter changed what they highlight): they are drawn anew. */
  redrawAll (): void {
    this.#rows.clear()
    this.update()
  }

  /** Draws `item`'s row anew. */
  redraw (item: Item): void {
    this.#rows.delete(item.seq)
    this.update()
  }

  isExpanded (item: Item): boolean {
    return this.#expanded.has(item.seq)
  }

  /** Expands or collapses `item`'s row. */
  toggle (item: Item): void {
    if (this.#expanded.has(item.seq)) this.#expanded.delete(item.seq)
    else this.#expanded.set(item.seq, 0)
    this.redraw(item)
  }

  /** Appends newer items (drawn by the next `drawArrivals`, `draw` or `update`). */
  append (items: readonly Item[]): void {
    for (const item of items) this.items.push(item)
  }

  /** Replaces the items (a new filter), keeping the row at the top of the view in place when not following. */
  replace (items: Item[]): void {
    const anchor = this.items[this.#indexAt(this.scroller.scrollTop, this.#extras())]
    this.items = items
    this.#rows.clear()
    if (!this.following && anchor !== undefined) this.scroller.scrollTop = this.offsetOf(this.indexOf(anchor.seq))
    this.update()
  }

  /** Drops the items older than `seq`; the view stays on the rows it shows (drawn like `append`). */
  dropBefore (seq: number): void {
    const count = this.indexOf(seq)
    if (count === 0) return
    const extras = this.#extras()
    const removed = this.offsetOf(count, extras)
    for (const item of this.items.slice(0, count)) {
      this.#expanded.delete(item.seq)
      this.#rows.delete(item.seq)
    }
    this.items.splice(0, count)
    if (!this.following) this.scroller.scrollTop = Math.max(0, this.scroller.scrollTop - removed)
  }

  /** Shows the row of `item` in the middle of the view, and stops following. */
  reveal (item: Item): void {
    this.#setFollowing(false)
    this.draw()
    const top = this.offsetOf(this.indexOf(item.seq))
    this.scroller.scrollTop = Math.max(0, top - (this.scroller.clientHeight - this.rowHeight) / 2)
    this.update()
  }

  /** Goes to the newest row and follows. */
  jumpToLatest (): void {
    this.#setFollowing(true)
    this.update()
  }

  /** Empties the list. */
  clear (): void {
    this.items = []
    this.#rows.clear()
    this.#expanded.clear()
    this.#window.replaceChildren()
    this.#setFollowing(true)
    this.update()
  }

  /** Draws the rows in view now. */
  draw (): void {
    if (this.#frame !== 0) cancelAnimationFrame(this.#frame)
    this.#frame = 0
    this.#drawn = performance.now()
    let extras = this.#extras()
    const total = this.offsetOf(this.items.length, extras)
    this.#spacer.style.height = `${total}px`
    if (this.following) this.scroller.scrollTop = total
    const top = this.scroller.scrollTop
    const first = Math.max(0, this.#indexAt(top, extras) - OVERSCAN)
    const last = Math.min(this.items.length - 1, this.#indexAt(top + this.scroller.clientHeight, extras) + OVERSCAN)
    const rows: HTMLElement[] = []
    const kept = new Map<number, HTMLElement>()
    for (let i = first; i <= last; i++) {
      const item = this.items[i]
      if (item === undefined) continue
      const row = this.#rows.get(item.seq) ?? this.render(item)
      kept.set(item.seq, row)
      rows.push(row)
    }
    this.#rows.clear()
    for (const [seq, row] of kept) this.#rows.set(seq, row)
    this.#place(rows)
    this.#window.style.transform = `translateY(${this.offsetOf(first, extras)}px)`
    if (this.#measure(rows)) {
      extras = this.#extras()
      this.#spacer.style.height = `${this.offsetOf(this.items.length, extras)}px`
      this.#window.style.transform = `translateY(${this.offsetOf(first, extras)}px)`
      if (this.following) this.scroller.scrollTop = this.scroller.scrollHeight
    }
  }

  /** Puts `rows` in the window in order, moving only what must move (a moved element would lose the focus). */
  #place (rows: HTMLElement[]): void {
    const wanted = new Set(rows)
    for (const child of [...this.#window.children]) if (!wanted.has(child as HTMLElement)) child.remove()
    let at = this.#window.firstElementChild
    for (const row of rows) {
      if (row === at) at = at.nextElementSibling
      else this.#window.insertBefore(row, at)
    }
  }

  /** The drawn row of `item`, if it is in view. */
  rowOf (item: Item): HTMLElement | undefined {
    return this.#rows.get(item.seq)
  }

  /** Measures the expanded rows drawn; true when a height changed. */
  #measure (rows: HTMLElement[]): boolean {
    let changed = false
    for (const row of rows) {
      const seq = Number(row.dataset.seq)
      const before = this.#expanded.get(seq)
      if (before === undefined) continue
      const extra = Math.max(0, row.offsetHeight - this.rowHeight)
      if (extra !== before) {
        this.#expanded.set(seq, extra)
        changed = true
      }
    }
    return changed
  }
}
