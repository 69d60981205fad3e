/**
 * The pino target, run by pino's worker thread: reads pino's lines, routes each one once, hands it to delivery,
 * and closes with a deadline. Everything Redis lives behind `Delivery`; nothing here can emit an 'error' for Redis
 * trouble. This file also assembles the worker's parts (`assemble`).
 */
import build from 'pino-abstract-transport'
import type { Transform } from 'node:stream'
import { parentPort, workerData } from 'node:worker_threads'
import { asError } from '../shared/errors'
import { secretsOf } from '../shared/report'
import type { EmitEvent } from '../shared/stats'
import { Accounting } from './accounting'
import { Delivery } from './delivery'
import { LineBuffer } from './line-buffer'
import { misconfiguredTransport } from './misconfigured'
import { resolveOptions, type RedisLogTransportOptions, type ResolvedOptions } from './options'
import { Publisher } from './publisher'
import { createRouter, type Entry, type Router } from './route'
import { Warnings } from './warnings'

/** The stream the worker hands to thread-stream; `flush()` backs `logger.flush(cb)`. */
export type RedisLogTransportStream = Transform & {
  /** Resolves once every line received so far is published or dropped (at most `closeTimeout` ms). */
  flush: () => Promise<void>
}

/** True inside a thread-stream worker, whose parent turns `{ code: 'EVENT' }` messages into events. */
function inThreadStreamWorker (): boolean {
  const data = workerData as { dataBuf?: unknown, stateBuf?: unknown } | null | undefined
  return parentPort !== null && data?.dataBuf !== undefined && data.stateBuf !== undefined
}

/**
 * Builds the transport. Resolves at once, even when Redis is unreachable (the connection is made in the
 * background), and even when the options are invalid: the worker must not die of it (see misconfigured.ts).
 */
export async function createTransport (input?: RedisLogTransportOptions): Promise<RedisLogTransportStream> {
  const toApplication = inThreadStreamWorker() ? parentPort : null
  // The events go on the stream the application holds: pino.transport()'s ThreadStream in the application
  // thread, or this stream when the transport runs in process.
  let stream: RedisLogTransportStream | undefined
  const emit: EmitEvent = (name, payload) => {
    toApplication?.postMessage({ code: 'EVENT', name, args: [payload] })
    stream?.emit(name, payload)
  }
  stream = start(input, emit)
  return stream
}

/** The worker's parts, wired together: the router, delivery, and the accounting of both. */
export interface WorkerParts {
  route: Router
  delivery: Delivery
  accounting: Accounting
}

/** Makes and wires the worker's parts for `options`. Throws when ioredis refuses an option (nothing left running). */
export function assemble (options: ResolvedOptions, emit: EmitEvent = () => {}): WorkerParts {
  const secrets = secretsOf(options.fromUrl, options.redis)
  // First, as it may throw: then no stats timer is left running.
  const publisher = new Publisher(options, secrets)
  const buffer = new LineBuffer({ maxLines: options.maxBufferedLines, maxBytes: options.maxBufferedBytes, dropPolicy: options.dropPolicy })
  const accounting = new Accounting(emit, () => buffer.length, options.statsInterval)
  const warnings = new Warnings(options, publisher, secrets)
  const delivery = new Delivery(options, { buffer, publisher, accounting, warnings, secrets })
  return { route: createRouter(options, accounting.counters.invalid), delivery, accounting }
}

/** The transport that publishes, or, when it cannot start, the one that counts every line as misconfigured. */
function start (input: RedisLogTransportOptions | undefined, emit: EmitEvent): RedisLogTransportStream {
  let options: ResolvedOptions
  try {
    options = resolveOptions(input)
  } catch (error) {
    // An option's TypeError names it and never echoes its value.
    const problem = asError(error).message.replace(/^redis-log-transport: /, '')
    return misconfiguredTransport(problem, ' (resolveOptions(options) checks them at start-up)', emit, [])
  }
  let parts: WorkerParts
  try {
    parts = assemble(options, emit)
  } catch (error) {
    const secrets = secretsOf(options.fromUrl, options.redis)
    return misconfiguredTransport(`cannot start: ${asError(error).message}`, '', emit, secrets)
  }
  return publishing(parts)
}

/**
 * Lines that wait for room go through the stream in groups of this many: one object, one turn of its `for await`,
 * per group rather than per line. pino-abstract-transport stops reading pino's output once 16 objects wait in the
 * stream, so at most 16 groups (and the chunk being split) wait there.
 */
const GROUP = 64

/**
 * The transport proper: reads pino's lines, routes each once, and hands it to delivery. A line is routed while
 * pino-abstract-transport splits the lines, and goes straight to delivery from there: no object crosses the
 * object-mode stream and its `for await` (about 0.15 µs a line, see bench/NOTES.md). Only when delivery is full does
 * a line take the stream, in a group of lines (`GROUP`), whose loop waits for room; every line after it then takes
 * the stream too, until the loop has caught up, so that order holds.
 */
function publishing ({ route, delivery, accounting }: WorkerParts): RedisLogTransportStream {
  // Lines handed to the stream and not yet given to delivery by its loop.
  let queued = 0
  // The group that lines waiting for room join, until it is full or the loop has started on it.
  let filling: Entry[] | undefined
  const stream = build(async function (source: AsyncIterable<Entry[]>) {
    // pino ignores backpressure: while the worker does not read, lines pile up in the application's memory. So the
    // loop waits only while Redis is taking lines and the buffer is full, and for a bounded time (see room.ts).
    for await (const group of source) {
      if (group === filling) filling = undefined
      for (const entry of group) {
        if (delivery.full) await delivery.room()
        delivery.add(entry)
        queued--
      }
    }
  }, {
    parseLine (line: string): Entry[] | null {
      const entry = route(line)
      if (queued === 0 && !delivery.full) {
        delivery.add(entry)
        // pino-abstract-transport passes null on to nobody.
        return null
      }
      queued++
      if (filling !== undefined && filling.length < GROUP) {
        filling.push(entry)
        return null
      }
      filling = [entry]
      return filling
    },
    metadata: false,
    async close () {
      // Resolve with nothing: whatever this resolves with is taken as an error.
      await delivery.close()
    }
  }) as unknown as RedisLogTransportStream
  stream.flush = async function flush () {
    // Lines already split but not yet given to delivery by the loop above count too.
    await delivery.flushed(accounting.counters.received + queued)
  }
  return stream
}
