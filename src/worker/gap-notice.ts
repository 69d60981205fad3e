/**
 * The one line the transport publishes of its own, telling a live viewer that lines were lost, and when it is due.
 * It is shaped like a pino line (level, time, pid, hostname, msg) so that viewers and pino-pretty show it as such.
 * No I/O: delivery publishes it.
 */
import { hostname } from 'node:os'

/** Lines lost to overflow since the last notice: how many, and between which times (ms since the epoch). */
export interface Gap {
  lost: number
  from: number
  to: number
}

/** pino's number for the warn level. */
const WARN_LEVEL = 40

/** While lines keep being lost, one notice of the loss a second at most. */
const NOTICE_INTERVAL_MS = 1000

/** The serialized warn line for a gap, stamped `now`. */
export function gapNotice (gap: Gap, now: number): string {
  const from = new Date(gap.from).toISOString()
  const to = new Date(gap.to).toISOString()
  return JSON.stringify({
    level: WARN_LEVEL,
    time: now,
    pid: process.pid,
    hostname: hostname(),
    name: 'redis-log-transport',
    lost: gap.lost,
    lostFrom: from,
    lostTo: to,
    msg: `${gap.lost} log lines were lost between ${from} and ${to}: the buffer was full while Redis was unavailable or slow`
  })
}

/** The loss not yet told to viewers, and when the next notice of it may go out. */
export class LossNotices {
  #gap: Gap | undefined
  #lastSent = 0

  /** Lines were lost, at `now`. */
  note (count: number, now: number): void {
    if (this.#gap === undefined) this.#gap = { lost: count, from: now, to: now }
    else {
      this.#gap.lost += count
      this.#gap.to = now
    }
  }

  /** True when lines were lost and the last notice is old enough for another. */
  due (now: number): boolean {
    return this.#gap !== undefined && now - this.#lastSent >= NOTICE_INTERVAL_MS
  }

  /** The gap to tell of now, forgotten until `putBack`; the notice counts as sent at `now`. */
  take (now: number): Gap | undefined {
    const gap = this.#gap
    this.#gap = undefined
    this.#lastSent = now
    return gap
  }

  /** The notice of `gap` could not be sent: keep it, joined with what was lost since, for the next try. */
  putBack (gap: Gap): void {
    const since = this.#gap
    this.#gap = since === undefined ? gap : { lost: gap.lost + since.lost, from: gap.from, to: since.to }
  }
}
