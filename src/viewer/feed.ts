/**
 * Where arrived lines wait to be parsed: the EventSource's events only queue them, and once a frame a batch is
 * summarized within a time budget (a burst of history then spreads over several frames instead of one long task).
 * A hidden page gets no frames: a timer then.
 */
import { marker, summarize, type Item } from './format.js'

/** A line from the stream, or a marker the viewer adds (`at`: the time it tells of, ms; else when it arrived). */
export type Arrival = { id: string | undefined, data: string } | { marker: string, at?: number }

/** How long a frame may spend parsing arrived lines; the rest waits for the next frame. */
const FRAME_BUDGET_MS = 8

export class Feed {
  #inbox: Arrival[] = []
  #seq = 0
  #scheduled = false
  #epoch = 0

  constructor (readonly onBatch: (items: Item[]) => void) {}

  push (arrival: Arrival): void {
    this.#inbox.push(arrival)
    this.#schedule()
  }

  /** Forgets what waits (a new stream starts). */
  clear (): void {
    this.#inbox = []
    this.#epoch++
    this.#scheduled = false
  }

  #schedule (): void {
    if (this.#scheduled) return
    this.#scheduled = true
    const epoch = this.#epoch
    const run = (): void => {
      if (epoch !== this.#epoch) return
      this.#scheduled = false
      this.#run()
    }
    if (document.visibilityState === 'hidden') setTimeout(run, 50)
    else requestAnimationFrame(run)
  }

  #run (): void {
    const started = performance.now()
    const batch: Item[] = []
    const inbox = this.#inbox
    let at = 0
    // The clock is read every 64 lines: reading it for each would cost more than the budget saves.
    while (at < inbox.length && (at % 64 !== 0 || performance.now() - started < FRAME_BUDGET_MS)) {
      const arrival = inbox[at++] as Arrival
      batch.push('marker' in arrival ? marker(++this.#seq, arrival.marker, arrival.at ?? Date.now()) : summarize(++this.#seq, arrival.data, arrival.id))
    }
    this.#inbox = at === inbox.length ? [] : inbox.slice(at)
    if (this.#inbox.length > 0) this.#schedule()
    this.onBatch(batch)
  }
}
