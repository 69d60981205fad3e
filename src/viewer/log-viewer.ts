/**
 * `<log-viewer src="/logs/events" job="job_1">`: a live view of a job's pino lines (or of every job's), fed by the
 * package's SSE handler. An ES module with no dependencies: import it and the element is defined.
 *
 * Lines arrive faster than a page can draw them one by one (thousands a second): they are parsed in batches once a
 * frame (feed.ts), and only the rows in view are drawn (virtual-list.ts).
 */
import { LogConnection, type ConnectionState, type GapEvent } from './connection.js'
import { Feed } from './feed.js'
import { createViewFilter, type ViewFilter } from './filter.js'
import { gapMessage, type Item } from './format.js'
import { showCounts, showFilterError, showGaps, showPending, showStatus } from './indicators.js'
import { HISTORY_ID, levelNumber } from './levels.js'
import { OpenAt } from './open-at.js'
import { renderRow } from './row.js'
import { CopiedNote, onListClick } from './row-actions.js'
import { DEFAULT_MAX_LINES, entryOf, LineStore, maxLines, type Entry } from './store.js'
import { ROW_HEIGHT } from './styles.js'
import { buildShadow, type Parts } from './template.js'
import { lineLink, streamUrl, syncPageUrl } from './url-state.js'
import { VirtualList } from './virtual-list.js'

export type { ConnectionState, GapEvent } from './connection.js'
export { DEFAULT_MAX_LINES, type Entry } from './store.js'

/** The custom element. Attributes: src, job, from, max-lines, sync-url, filter, level. */
export class LogViewerElement extends HTMLElement {
  static readonly observedAttributes = ['src', 'job', 'from', 'max-lines', 'filter', 'level']

  readonly #parts: Parts
  readonly #list: VirtualList
  readonly #store = new LineStore(DEFAULT_MAX_LINES)
  readonly #feed = new Feed((items) => { this.#onBatch(items) })
  #filter: ViewFilter = createViewFilter('', 10)
  #connection: LogConnection | undefined
  #pending: Item[] = []
  #arrived = 0
  #paused = false
  #started = false
  #restartQueued = false
  #openAt: OpenAt | undefined
  readonly #copied: CopiedNote
  #gaps: Item[] = []
  #jobWidth = 8
  #filterTimer: ReturnType<typeof setTimeout> | undefined

  constructor () {
    super()
    this.#parts = buildShadow(this.attachShadow({ mode: 'open' }))
    this.#list = new VirtualList(this.#parts.scroller, ROW_HEIGHT, (item) => renderRow(item, {
      filter: this.#filter,
      expanded: (i) => this.#list.isExpanded(i),
      target: (i) => this.#openAt?.seq === i.seq,
      copied: (i, what) => this.#copied.textFor(i, what),
      job: (id) => { this.#fitJob(id) },
      link: (id) => lineLink(this.job, id)
    }))
    this.#copied = new CopiedNote(this.#list)
    this.#list.onFollow((following) => { this.#parts.latest.hidden = following })
    const { filter, level, pause, gaps, latest, scroller } = this.#parts
    filter.addEventListener('input', () => {
      clearTimeout(this.#filterTimer)
      this.#filterTimer = setTimeout(() => { this.#applyFilter() }, 120)
    })
    level.addEventListener('change', () => { this.#applyFilter() })
    pause.addEventListener('click', () => { this.paused = !this.paused })
    latest.addEventListener('click', () => { this.#list.jumpToLatest() })
    gaps.addEventListener('click', () => {
      const last = this.#gaps[this.#gaps.length - 1]
      if (last !== undefined) this.#list.reveal(last)
    })
    scroller.addEventListener('click', (event) => { onListClick(event, this.#list, this.#copied) })
  }

  /** The job shown (the `job` attribute); `undefined` for the global view. */
  get job (): string | undefined {
    return this.getAttribute('job') ?? undefined
  }

  /** The lines held, oldest first (not those held back while paused). */
  get entries (): readonly Entry[] {
    return this.#store.entries()
  }

  /** The lines held that pass the Filter box and the Level select, oldest first. */
  get shown (): readonly Entry[] {
    return this.#list.items.filter((item) => item.kind === 'line').map(entryOf)
  }

  /** The connection's state: `connecting`, `live` or `reconnecting`. */
  get status (): ConnectionState {
    return this.#connection?.state ?? 'connecting'
  }

  /** True while new lines are held back (and counted) instead of shown. */
  get paused (): boolean {
    return this.#paused
  }

  set paused (paused: boolean) {
    if (paused === this.#paused) return
    this.#paused = paused
    const { pause, pending } = this.#parts
    pause.textContent = paused ? 'Resume' : 'Pause'
    pause.toggleAttribute('data-paused', paused)
    pending.hidden = !paused
    this.#arrived = 0
    showPending(this.#parts, 0)
    if (paused) {
      // What the view shows when Pause is pressed stays: rows committed but not yet drawn are drawn now.
      this.#list.flush()
      return
    }
    const held = this.#pending
    this.#pending = []
    this.#commit(held)
    this.#list.jumpToLatest()
  }

  connectedCallback (): void {
    this.#started = true
    this.#restart()
  }

  disconnectedCallback (): void {
    this.#started = false
    this.#connection?.close()
    this.#connection = undefined
    this.#openAt?.cancel()
    this.#feed.clear()
  }

  attributeChangedCallback (name: string, before: string | null, after: string | null): void {
    if (before === after) return
    if (name === 'filter') this.#parts.filter.value = after ?? ''
    else if (name === 'level') this.#parts.level.value = levelNumber(after) === undefined ? 'trace' : after as string
    if (name === 'filter' || name === 'level') this.#applyFilter()
    else if (name === 'max-lines') {
      this.#store.max = maxLines(after)
      this.#commit([])
    } else if (this.#started && !this.#restartQueued) {
      // The console changes job and from together: one reconnection for both.
      this.#restartQueued = true
      queueMicrotask(() => { this.#restartQueued = false; if (this.#started) this.#restart() })
    }
  }

  /** A new stream for the current attributes, on an empty list. */
  #restart (): void {
    this.#connection?.close()
    this.#connection = undefined
    this.#openAt?.cancel()
    this.#openAt = undefined
    this.#feed.clear()
    this.#store.clear()
    this.#pending = []
    this.#arrived = 0
    showPending(this.#parts, 0)
    this.#gaps = []
    this.#list.clear()
    this.#parts.note.hidden = true
    this.#setStatus('connecting')
    showGaps(this.#parts, 0)
    this.#applyFilter()
    const src = this.getAttribute('src')
    if (src === null) return
    // A link's `from` is shown back only when it is a history id: a link cannot put words of its own in the note.
    const asked = this.getAttribute('from') ?? ''
    const from = HISTORY_ID.test(asked) ? asked : ''
    if (asked !== from) this.#showNote("The link's line is not a line id: showing the latest lines.")
    if (from !== '') {
      this.#openAt = new OpenAt(from, () => { this.#fromMissing(from) })
      this.#list.following = false
      this.#parts.latest.hidden = false // the view stays at that line: the newest are a click away
    }
    this.#connection = new LogConnection(streamUrl(src, this.job, from), {
      line: (id, data) => { this.#feed.push({ id, data }) },
      state: (state) => { this.#setStatus(state) },
      gap: (gap) => {
        this.#feed.push(typeof gap.time === 'number' ? { marker: gapMessage(gap.reason, gap.message), at: gap.time } : { marker: gapMessage(gap.reason, gap.message) })
        this.dispatchEvent(new CustomEvent<GapEvent>('gap', { detail: gap, bubbles: true, composed: true }))
      },
      lost: (message) => { this.#feed.push({ marker: message }) }
    })
  }

  #onBatch (items: Item[]): void {
    if (!this.#paused) {
      this.#commit(items)
      return
    }
    for (const item of items) if (item.kind === 'line') this.#arrived++
    this.#pending.push(...items)
    // Held lines beyond the cap would be dropped on Resume anyway.
    const excess = this.#pending.length - this.#store.max
    if (excess > 0) this.#pending.splice(0, excess)
    showPending(this.#parts, this.#arrived)
  }

  /** Holds and shows `items`, drops the oldest beyond the cap. */
  #commit (items: Item[]): void {
    this.#store.add(items)
    let found: Item | undefined
    for (const item of items) {
      if (item.kind === 'marker') this.#gaps.push(item)
      if (this.#openAt?.check(item) === true) found = item
    }
    this.#list.append(this.#filter.all ? items : items.filter(this.#filter.keeps))
    const oldest = this.#store.trim()
    if (oldest !== undefined) {
      this.#list.dropBefore(oldest)
      this.#gaps = this.#gaps.filter((gap) => gap.seq >= oldest)
    }
    if (found !== undefined) {
      // Found (even after the viewer gave up waiting for it): the note goes, the view goes to it.
      this.#parts.note.hidden = true
      this.#list.reveal(found)
    } else this.#list.drawArrivals()
    this.#showCounts()
    showGaps(this.#parts, this.#gaps.length)
  }

  #fromMissing (id: string): void {
    this.#showNote(`Line ${id} is not in this view's history any more (it may have expired): showing the lines after it.`)
    this.#list.jumpToLatest()
  }

  #showNote (text: string): void {
    this.#parts.note.textContent = text
    this.#parts.note.hidden = false
  }

  #applyFilter (): void {
    const { filter, level } = this.#parts
    this.#filter = createViewFilter(filter.value, levelNumber(level.value) ?? 10)
    showFilterError(this.#parts, this.#filter.error)
    this.#list.replace(this.#filter.all ? this.#store.all.slice() : this.#store.all.filter(this.#filter.keeps))
    this.#showCounts()
    if (this.hasAttribute('sync-url')) {
      const line = this.getAttribute('from') ?? undefined
      syncPageUrl({ job: this.job, q: filter.value, level: level.value === 'trace' ? undefined : level.value, line })
    }
  }

  #fitJob (id: string): void {
    const width = Math.min(24, Math.max(8, id.length + 1))
    if (width <= this.#jobWidth) return
    this.#jobWidth = width
    this.style.setProperty('--job-w', `${width}ch`)
  }

  #setStatus (state: ConnectionState): void {
    if (!showStatus(this.#parts, state)) return
    this.dispatchEvent(new CustomEvent<ConnectionState>('status', { detail: state, bubbles: true, composed: true }))
  }

  #showCounts (): void {
    const rows = this.#list.items.length
    showCounts(this.#parts, this.#store.lines, rows - this.#store.markers, rows)
  }
}

if (customElements.get('log-viewer') === undefined) customElements.define('log-viewer', LogViewerElement)

declare global {
  interface HTMLElementTagNameMap { 'log-viewer': LogViewerElement }
}
