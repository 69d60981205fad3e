/**
 * Worker side, pure: the one line the transport publishes of its own, telling a live viewer that lines were lost.
 * It is shaped like a pino line (level, time, pid, hostname, msg) so that viewers and pino-pretty show it as such.
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
