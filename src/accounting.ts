/**
 * Worker side: the transport's figures and the events that report them. Every line the worker reads ends as
 * published or as dropped with a cause; this is where that is counted, where the `'dropped'` events fire (each time
 * the total crosses a multiple of 100), where the periodic `'stats'` come from, and where the closing figures are
 * said. No I/O but the events and one stderr line at close.
 */
import type { DropCause, EmitEvent, TransportStats } from './stats'
import { warn } from './warn'

/** The running figures; `buffered` is read from the buffer when a snapshot is taken. */
export type Counters = Omit<TransportStats, 'buffered'>

/** A `'dropped'` event is sent each time the dropped total crosses a multiple of this. */
const DROPPED_EVENT_STEP = 100

export class Accounting {
  readonly counters: Counters = {
    received: 0,
    published: 0,
    dropped: 0,
    droppedByCause: {},
    errors: 0,
    reconnects: 0,
    historyFailed: 0,
    invalid: { notJsonObject: 0, userId: 0 }
  }

  readonly #emit: EmitEvent
  readonly #buffered: () => number
  readonly #timer: NodeJS.Timeout | undefined

  /** `buffered` says how many lines wait now; with `statsInterval` > 0, a `'stats'` event goes out that often. */
  constructor (emit: EmitEvent, buffered: () => number, statsInterval: number) {
    this.#emit = emit
    this.#buffered = buffered
    if (statsInterval > 0) {
      this.#timer = setInterval(() => { this.#emit('stats', this.stats()) }, statsInterval)
      this.#timer.unref() // never what keeps a process alive
    }
  }

  /** A copy of the figures so far. */
  stats (): TransportStats {
    const { counters } = this
    return {
      ...counters,
      droppedByCause: { ...counters.droppedByCause },
      invalid: { ...counters.invalid },
      buffered: this.#buffered()
    }
  }

  /** True once `count` lines have been received and each of them is published or dropped. */
  settled (count: number): boolean {
    return this.counters.published + this.counters.dropped >= count
  }

  /** Counts `count` lines as dropped for `cause`. */
  drop (cause: DropCause, count: number): void {
    if (count === 0) return
    const { counters } = this
    const before = counters.dropped
    counters.dropped += count
    counters.droppedByCause[cause] = (counters.droppedByCause[cause] ?? 0) + count
    if (Math.floor(before / DROPPED_EVENT_STEP) !== Math.floor(counters.dropped / DROPPED_EVENT_STEP)) {
      this.#emit('dropped', { total: counters.dropped, droppedByCause: { ...counters.droppedByCause } })
    }
  }

  /**
   * The transport has closed: stops the timer and sends the closing figures, as a `'dropped'` event when anything was
   * dropped and a `'stats'` event; also as one stderr line when anything was dropped, since an application that
   * exits with `process.exit()` is blocked while the worker closes and never sees the events.
   */
  close (secrets: readonly string[]): void {
    clearInterval(this.#timer)
    const stats = this.stats()
    const { received, published, dropped, droppedByCause } = stats
    if (dropped > 0) this.#emit('dropped', { total: dropped, droppedByCause })
    this.#emit('stats', stats)
    if (dropped > 0) {
      const causes = Object.entries(droppedByCause).map(([cause, n]) => `${cause}: ${n}`).join(', ')
      warn(`closed; ${published} of ${received} lines published, ${dropped} dropped (${causes}).`, secrets)
    }
  }
}
