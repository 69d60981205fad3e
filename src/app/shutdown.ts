/**
 * Ending the transport on purpose, and on SIGTERM / SIGINT, from the logging application's thread. No Redis here:
 * these helpers talk to the stream `pino.transport()` returned, whose worker does the publishing, or leave it to
 * pino's exit hook.
 */
import type { EventEmitter } from 'node:events'
import { constants } from 'node:os'
import type { TransportStats } from '../shared/stats'

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

/** The defaults of `closeTransport()` and `flushOnSignals()`. */
export const DEFAULT_SHUTDOWN_OPTIONS = Object.freeze({
  timeout: 10_000,
  signals: Object.freeze(['SIGTERM', 'SIGINT']) as readonly NodeJS.Signals[]
})

const closing = new WeakMap<TransportStream, Promise<TransportStats | undefined>>()

/** thread-stream's errors for a line written after `end()`: the line is lost, the application must not crash. */
const LATE_WRITE = /the worker (is ending|has exited)/

/**
 * Ends the transport and resolves once its worker has closed: every line logged before the call is then published,
 * or counted as dropped when Redis could not take it within the close deadline (`closeTimeout`). Resolves with the
 * closing figures (the final `'stats'` event), or `undefined` when there are none to give: the stream had closed
 * already when called, or the worker sent no figures before it closed or before `timeout` passed (it then resolves
 * without waiting longer). With the default `timeout` the last two mean a worker that died or hung, since its own
 * `closeTimeout` (at most 9 s) ends a close sooner; should it have sent periodic `'stats'` since the call, the
 * promise resolves with the last of those instead. Never rejects. Calling it again, from anywhere, returns the same
 * promise.
 *
 * Lines logged after this call are lost (pino cannot write to an ended transport); the first one is reported on
 * stderr, and none crashes the application.
 */
export async function closeTransport (stream: TransportStream, options: CloseTransportOptions = {}): Promise<TransportStats | undefined> {
  const pending = closing.get(stream)
  if (pending !== undefined) return await pending
  const done = close(stream, options.timeout ?? DEFAULT_SHUTDOWN_OPTIONS.timeout)
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
 * On SIGTERM or SIGINT (by default), makes sure the lines logged before the signal are published, then ends the
 * process as the signal would have. Orchestrators send SIGTERM at every deploy, and without a handler the process
 * ends before pino can flush anything.
 *
 * - `flushOnSignals()`: for every pino transport of the process, including those the application never holds
 *   (Fastify's `logger: { transport }`, pino-http, nestjs-pino): the process exits through `process.exit()`, whose
 *   exit hook in pino ends and flushes each transport and waits for its worker (within the transport's
 *   `closeTimeout`).
 * - `flushOnSignals(stream)`: the same, after `closeTransport(stream)`, so that the application gets that
 *   transport's closing figures (its `'stats'` event) before the process goes.
 *
 * The process then ends killed by the same signal (a shell reports 143 for SIGTERM, 130 for SIGINT); should the
 * signal not be delivered, it exits with that status. An application with a handler of its own for the signal keeps
 * control: nothing exits for it (its `process.exit()` or natural end flushes every transport the same way; with a
 * `stream`, the close still starts, and `await closeTransport(stream)` returns that close). A second signal while
 * closing is not caught: it ends the process at once. Returns a function that removes the handlers.
 */
export function flushOnSignals (options?: FlushOnSignalsOptions): () => void
export function flushOnSignals (stream: TransportStream | undefined, options?: FlushOnSignalsOptions): () => void
export function flushOnSignals (streamOrOptions?: TransportStream | FlushOnSignalsOptions, maybeOptions?: FlushOnSignalsOptions): () => void {
  const stream = isTransportStream(streamOrOptions) ? streamOrOptions : undefined
  const options = (stream === undefined ? streamOrOptions as FlushOnSignalsOptions | undefined : maybeOptions) ?? {}
  const signals = options.signals ?? DEFAULT_SHUTDOWN_OPTIONS.signals
  const remove = (): void => {
    for (const signal of signals) process.off(signal, onSignal)
  }
  function onSignal (signal: NodeJS.Signals): void {
    remove()
    const own = process.listenerCount(signal) > 0
    const closed = stream === undefined ? Promise.resolve(undefined) : closeTransport(stream, options)
    if (!own) void closed.then(() => { exitAsSignalled(signal) })
  }
  for (const signal of signals) process.on(signal, onSignal)
  return remove
}

/** True for the stream `pino.transport()` returns (an emitter that can be ended), rather than an options object. */
function isTransportStream (value: unknown): value is TransportStream {
  return typeof value === 'object' && value !== null && typeof (value as TransportStream).end === 'function' &&
    typeof (value as TransportStream).on === 'function'
}

/**
 * Exits with `process.exit()`, so that everything the `'exit'` event runs runs (pino's exit hook first: it ends and
 * flushes every transport, blocking while their workers publish), and then raises `signal` again: with no handler
 * left for it, its default action ends the process, and the parent sees it killed by that signal.
 */
function exitAsSignalled (signal: NodeJS.Signals): void {
  process.once('exit', () => { process.kill(process.pid, signal) })
  process.exit(128 + (constants.signals[signal] ?? 0))
}
