/**
 * What the worker runs when the transport cannot start, because its options are invalid (or ioredis
 * refuses them). Throwing there would kill the worker, and thread-stream would turn that into an `'error'` event
 * that crashes the application, often one already serving (a framework creates the transport itself, so no
 * try/catch of the application can reach it), and every later log call would report "the worker has exited".
 * Instead the problem is said once on stderr, and every line is read and counted as dropped, cause
 * `'misconfigured'`, with the usual events; the application keeps running.
 */
import build from 'pino-abstract-transport'
import { warn } from '../shared/report'
import type { EmitEvent } from '../shared/stats'
import { Accounting } from './accounting'
import { DEFAULT_TRANSPORT_OPTIONS } from './options'
import type { RedisLogTransportStream } from './transport'

/** What the router would return: the line is not looked at. */
const IGNORED = Object.freeze({})

/**
 * The transport that publishes nothing: `problem` says why, in words that name the option; `hint`, what to do about it
 * next time.
 */
export function misconfiguredTransport (problem: string, hint: string, emit: EmitEvent, secrets: readonly string[]): RedisLogTransportStream {
  warn(`${problem}; the transport publishes nothing, and every line is dropped (cause 'misconfigured') until the ` +
    `application restarts with valid options${hint}.`, secrets)
  const accounting = new Accounting(emit, () => 0, DEFAULT_TRANSPORT_OPTIONS.statsInterval)
  const stream = build(async function (source: AsyncIterable<unknown>) {
    for await (const _line of source) {
      accounting.counters.received++
      accounting.drop('misconfigured', 1)
    }
  }, {
    parseLine: () => IGNORED,
    metadata: false,
    async close () {
      accounting.close(secrets)
    }
  }) as unknown as RedisLogTransportStream
  stream.flush = async () => {}
  return stream
}
