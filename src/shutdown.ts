/**
 * Application side: ending the transport on purpose, and on SIGTERM / SIGINT. No Redis here: these helpers talk to
 * the stream `pino.transport()` returned, whose worker does the publishing.
 */
import type { EventEmitter } from 'node:events'
import type { TransportStats } from './stats'

/** The part of the stream returned by `pino.transport()` (a ThreadStream) that these helpers use. */
export interface TransportStream extends EventEmitter {
  end: () => void
  readonly closed?: boolean
}

export interface CloseTransportOptions {
  /**
   * Milliseconds to wait for the worker to close before giving up. The worker's own close deadline
   * (`closeTimeout`, at most 9 s) comes first in practice.
   * @default 10000
   */
  timeout?: number
}

export interface FlushOnSignalsOptions extends CloseTransportOptions {
  /**
   * The signals to handle.
   * @default ['SIGTERM', 'SIGINT']
   */
  signals?: NodeJS.Signals[]
}

const closing = new WeakMap<TransportStream, Promise<TransportStats | undefined>>()

/** thread-stream's errors for a line written after `end()`: the line is lost, the application must not crash. */
const LATE_WRITE = /the worker (is ending|has exited)/

/**
 * Ends the transport and resolves once its worker has closed: every line logged before the call is published, or
 * counted as dropped when Redis could not take it within the close deadline. Resolves with the closing figures
 * (the final `'stats'` event), or `undefined` if none arrived (the stream was closed already, or the worker did
 * not answer within `timeout`). Never rejects. Calling it again, from anywhere, returns the same promise.
 *
 * Lines logged after this call are lost (pino cannot write to an ended transport); the first one is reported on
 * stderr, and none crashes the application.
 */
export async function closeTransport (stream: TransportStream, options: CloseTransportOptions = {}): Promise<TransportStats | undefined> {
  const pending = closing.get(stream)
  if (pending !== undefined) return await pending
  const done = close(stream, options.timeout ?? 10_000)
  closing.set(stream, done)
  return await done
}

async function close (stream: TransportStream, timeout: number): Promise<TransportStats | undefined> {
  let last: TransportStats | undefined
  const onStats = (stats: TransportStats): void => { last = stats }
  let lateReported = false
  const onError = (error: unknown): void => {
    if (lateReported || !(error instanceof Error) || !LATE_WRITE.test(error.message)) return
    lateReported = true
    process.stderr.write('redis-log-transport: a line was logged after the transport was closed; it is lost, ' +
      'and so are any later ones.\n')
  }
  stream.on('stats', onStats)
  stream.on('error', onError) // stays: pino keeps writing to the stream after it closed
  try {
    if (stream.closed === true) return undefined
    let timer: NodeJS.Timeout | undefined
    await new Promise<void>((resolve) => {
      stream.once('close', resolve)
      // A referenced timer keeps the process alive until the worker has closed (the worker itself is unref'd).
      timer = setTimeout(resolve, timeout)
      stream.end()
    })
    clearTimeout(timer)
    return last
  } finally {
    stream.off('stats', onStats)
  }
}

/**
 * On SIGTERM or SIGINT (by default), closes the transport (see `closeTransport`) and then lets the process end as
 * the signal would have, by raising it again, unless the application has its own handler for that signal, which
 * then decides when to exit (and can `await closeTransport(stream)` for the same close). Returns a function that
 * removes the handlers.
 *
 * A second signal while closing is not caught: it ends the process at once.
 */
export function flushOnSignals (stream: TransportStream, options: FlushOnSignalsOptions = {}): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT']
  const remove = (): void => {
    for (const signal of signals) process.off(signal, onSignal)
  }
  function onSignal (signal: NodeJS.Signals): void {
    remove()
    void closeTransport(stream, options).then(() => {
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
    })
  }
  for (const signal of signals) process.on(signal, onSignal)
  return remove
}
