/**
 * The figures the transport reports about itself, shared by the worker (which counts) and the application (which
 * receives them as events on the stream `pino.transport()` returns). Types only: no code, no dependencies.
 */

/**
 * Lines that went to the global channel only because they were not what pino writes: not a JSON object, or a
 * job id that cannot name a channel. The router adds to these; they do not change the accounting.
 */
export interface InvalidCounts {
  /** Lines that are not a JSON object (published unchanged to the global channel). */
  notJsonObject: number
  /** Lines whose job id is not a non-empty string, is too long, holds whitespace or control characters, or names the global channel. */
  userId: number
}

/** Why a line was not published. */
export type DropCause =
  /** The buffer was full (Redis away or too slow) and the line was evicted by `dropPolicy`. */
  | 'overflow'
  /** Redis refused the PUBLISH (for example `NOPERM` for an ACL user). */
  | 'rejected'
  /** The transport closed before Redis took the line (Redis away at exit, or the close deadline passed). */
  | 'shutdown'
  /** No channel to publish to: no job id and `globalChannel: false`. */
  | 'unrouted'
  /** The line was longer than `maxLineBytes`. */
  | 'oversize'
  /** The transport could not start (invalid options): it publishes nothing, and counts every line so. */
  | 'misconfigured'

/**
 * What became of the lines so far. Once the transport has closed, `published + dropped === received`, exactly.
 * The warning line the transport itself publishes after lines were lost is not counted.
 */
export interface TransportStats {
  /** Lines the worker read from pino. */
  received: number
  /** Lines Redis accepted on every channel they were routed to. */
  published: number
  /** Lines given up, in all; `droppedByCause` splits them. */
  dropped: number
  droppedByCause: Partial<Record<DropCause, number>>
  /** Lines waiting in the worker for Redis. */
  buffered: number
  /** Errors met: failed connection attempts, lost connections, refused commands. */
  errors: number
  /** Times the connection to Redis was ready again after being lost. */
  reconnects: number
  /**
   * With `history` on: published lines that Redis did not append to their history stream (for example `NOPERM` on
   * the stream key, or `OOM`). Live viewers got them; a later replay will miss them.
   */
  historyFailed: number
  /** Lines routed to the global channel only because they were malformed (published all the same). */
  invalid: InvalidCounts
}

/** Payload of the `'dropped'` event. */
export interface DroppedEvent {
  total: number
  droppedByCause: Partial<Record<DropCause, number>>
}

/** The events the transport stream emits, by name. */
export interface TransportEvents {
  stats: TransportStats
  dropped: DroppedEvent
}

/** Sends one event to whoever listens (the application thread, or the stream itself in process). */
export type EmitEvent = <K extends keyof TransportEvents>(name: K, payload: TransportEvents[K]) => void
