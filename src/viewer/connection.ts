/**
 * The viewer's connection to the SSE endpoint: an EventSource, its status, and what it tells about lost lines.
 *
 * The browser reconnects by itself after a network error, sending `Last-Event-ID`, and the server resumes exactly
 * after it (or sends `event: gap`). When the browser gives up (an HTTP error, e.g. a proxy's 502 while the server
 * restarts) this opens a new EventSource after a growing delay, with the last id in the query. A stream without
 * ids cannot resume: a reconnect of one is reported as a possible loss, unless the new stream starts with lines
 * already shown. That happens when the job's history stream did not exist yet when the view opened (the handler's
 * `history: 'auto'` then reads the channel, without ids) and does at the reconnect: the replay from history then
 * repeats lines the view got from the channel, which are told by their text (a pino line holds its time, pid and
 * hostname) and skipped.
 */
import { compareIds } from './levels.js'

/** The connection's state, as the status element shows it. */
export type ConnectionState = 'connecting' | 'live' | 'reconnecting'

/**
 * What the server said in an `event: gap`: why (`reason`), in words (`message`), and for the transport's notice of
 * lost lines (`reason: 'overflow'`) how many (`lost`), between which times (`lostFrom`, `lostTo`) and when it was
 * said (`time`, ms).
 */
export interface GapEvent { reason?: string, message?: string, lost?: number, time?: number, [key: string]: unknown }

/** What the connection reports. */
export interface ConnectionEvents {
  line: (id: string | undefined, data: string) => void
  state: (state: ConnectionState) => void
  gap: (gap: GapEvent) => void
  /** A loss the viewer infers (no server event tells it), as a sentence. */
  lost: (message: string) => void
}

const RETRY_MS = [1000, 2000, 5000, 10000, 15000]

/** Lines without an id remembered, to recognize them in a replay from history (the SSE handler replays 1000). */
const REMEMBERED = 2000

/** How long after a reconnect without ids the first line may take to show that nothing was missed. */
const UNSURE_MS = 1000

/** The most recent lines that came without an id (between REMEMBERED and twice as many), and a set of them. */
class RecentLines {
  #order: string[] = []
  #set = new Set<string>()

  get size (): number {
    return this.#set.size
  }

  add (line: string): void {
    this.#order.push(line)
    this.#set.add(line)
    // Trimmed in halves, so that forgetting the oldest costs little per line.
    if (this.#order.length > 2 * REMEMBERED) {
      this.#order = this.#order.slice(-REMEMBERED)
      this.#set = new Set(this.#order)
    }
  }

  has (line: string): boolean {
    return this.#set.has(line)
  }

  clear (): void {
    this.#order = []
    this.#set.clear()
  }
}

/** One viewer's stream. `close()` ends it for good. */
export class LogConnection {
  #source: EventSource | undefined
  #state: ConnectionState = 'connecting'
  #lastId: string | undefined
  #received = false
  #serverStatus = false
  #dropped = false
  /** After a reconnect without ids: the first line decides whether lines may have been missed. */
  #unsure = false
  readonly #withoutId = new RecentLines()
  #sinceWithoutId = 0
  #unsureTimer: ReturnType<typeof setTimeout> | undefined
  #retries = 0
  #timer: ReturnType<typeof setTimeout> | undefined
  #closed = false

  constructor (readonly url: URL, readonly on: ConnectionEvents) {
    this.#open()
  }

  get state (): ConnectionState {
    return this.#state
  }

  close (): void {
    this.#closed = true
    clearTimeout(this.#timer)
    clearTimeout(this.#unsureTimer)
    this.#source?.close()
    this.#source = undefined
  }

  #set (state: ConnectionState): void {
    if (state === this.#state) return
    this.#state = state
    this.on.state(state)
  }

  #open (): void {
    const url = new URL(this.url)
    if (this.#lastId !== undefined) {
      // A fresh EventSource sends no Last-Event-ID: the query carries it, and `from` has done its work.
      url.searchParams.set('lastEventId', this.#lastId)
      url.searchParams.delete('from')
    }
    const source = new EventSource(url)
    this.#source = source
    const current = (): boolean => this.#source === source && !this.#closed
    source.onopen = () => {
      if (!current()) return
      this.#retries = 0
      if (this.#dropped && this.#lastId === undefined && this.#received) {
        // Said with the first line, unless it shows that history covers the break; said anyway if none comes soon.
        this.#unsure = true
        clearTimeout(this.#unsureTimer)
        this.#unsureTimer = setTimeout(() => { if (current()) this.#lost() }, UNSURE_MS)
      }
      this.#dropped = false
      // A server that speaks `event: status` says when its stream is in place; an older one is live once open.
      if (!this.#serverStatus) this.#set('live')
    }
    source.onmessage = (event) => {
      if (!current()) return
      const id = event.lastEventId === '' ? undefined : event.lastEventId
      const data = typeof event.data === 'string' ? event.data : String(event.data)
      if (id !== undefined) {
        if (this.#lastId !== undefined && compareIds(id, this.#lastId) <= 0) return // a line seen already
        if (this.#withoutId.size > 0) {
          // History replaying lines the view got from the channel: skip them; nothing was missed up to here.
          if (this.#withoutId.has(data)) {
            this.#unsure = false
            clearTimeout(this.#unsureTimer)
            return
          }
          // Past any replay (it is at most what the set holds): no line from here on can be one of them.
          if (++this.#sinceWithoutId > REMEMBERED) this.#withoutId.clear()
        }
        this.#lastId = id
      } else {
        this.#withoutId.add(data)
        this.#sinceWithoutId = 0
      }
      this.#lost()
      this.#received = true
      this.on.line(id, data)
    }
    source.addEventListener('status', (event) => {
      if (!current()) return
      this.#serverStatus = true
      const data = (event as MessageEvent).data
      if (data === 'live' || data === 'reconnecting') this.#set(data)
    })
    source.addEventListener('gap', (event) => {
      if (!current()) return
      const gap = parseGap((event as MessageEvent).data)
      // The transport's notice of lost lines is a history entry: it comes with its id, and is resumed after like a
      // line. (Other gaps have none: the event's lastEventId is then the last line's.)
      const id = (event as MessageEvent).lastEventId
      if (gap.reason === 'overflow' && id !== '') {
        if (this.#lastId !== undefined && compareIds(id, this.#lastId) <= 0) return // told already
        this.#lastId = id
      }
      this.on.gap(gap)
    })
    source.onerror = () => {
      if (!current()) return
      this.#dropped = true
      this.#set('reconnecting')
      if (source.readyState === EventSource.CLOSED) this.#retry()
    }
  }

  /** Tells of a possible loss after a reconnect without ids, once. */
  #lost (): void {
    if (!this.#unsure) return
    this.#unsure = false
    clearTimeout(this.#unsureTimer)
    this.on.lost('connection lost: lines may be missing')
  }

  /** The browser gave up on this EventSource: a new one, later. */
  #retry (): void {
    this.#source?.close()
    this.#source = undefined
    const delay = RETRY_MS[Math.min(this.#retries, RETRY_MS.length - 1)] ?? 15000
    this.#retries++
    this.#timer = setTimeout(() => { if (!this.#closed) this.#open() }, delay)
  }
}

function parseGap (data: unknown): GapEvent {
  try {
    const value: unknown = JSON.parse(String(data))
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as GapEvent
  } catch {}
  return { message: String(data) }
}
