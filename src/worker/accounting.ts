/**
 * The transport's figures and the events that report them. Every line the worker reads ends as published or as
 * dropped with a cause; this is where that is counted, where a flush waits for it, where the `'dropped'` events
 * fire (each time the total crosses a multiple of 100), where the periodic `'stats'` come from, and where the
 * closing figures are said. No I/O but the events and one stderr line at close.
 */
import type { DropCause, EmitEvent, TransportStats } from '../shared/stats'
import { warn } from '../shared/report'

/** The running figures; `buffered` is read from the buffer when a snapshot is taken. */
export type Counters = Omit<TransportStats, 'buffered'>

/** A `'dropped'` event is sent each time the dropped total crosses a multiple of this. */
const DROPPED_EVENT_STEP = 100

export class Accounting {
  /** The figures so far. The router adds to `invalid`; everything else changes through the methods below. */
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
  /** Flushes waiting for a number of lines to be accounted for. */
  readonly #waiters = new Set<{ count: number, resolve: () => void }>()

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
  accountedFor (count: number): boolean {
    return this.counters.published + this.counters.dropped >= count
  }

  /**
   * Resolves once `count` lines are accounted for, or after `timeoutMs` (Redis unreachable: the lines stay
   * buffered). Never rejects.
   */
  async untilAccountedFor (count: number, timeoutMs: number): Promise<void> {
    if (this.accountedFor(count)) return
    let timer: NodeJS.Timeout | undefined
    await new Promise<void>((resolve) => {
      const waiter = { count, resolve }
      this.#waiters.add(waiter)
      timer = setTimeout(() => {
        this.#waiters.delete(waiter)
        resolve()
      }, timeoutMs)
    })
    clearTimeout(timer)
  }

  /** Counts `count` lines as published, `historyFailed` of them missing from their history stream. */
  published (count: number, historyFailed: number): void {
    this.counters.published += count
    this.counters.historyFailed += historyFailed
    if (count > 0) this.#wakeWaiters()
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
    this.#wakeWaiters()
  }

  #wakeWaiters (): void {
    for (const waiter of this.#waiters) {
      if (this.accountedFor(waiter.count)) {
        this.#waiters.delete(waiter)
        waiter.resolve()
      }
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
