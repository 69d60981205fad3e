import { once } from 'node:events'
import pino from 'pino'
import { BUILT_ENTRY } from './paths'

/** Loggers, each on a transport of its own (the built entry, history on unless said otherwise), closed together. */
export class TransportLoggers {
  readonly #transports: Array<ReturnType<typeof pino.transport>> = []

  /** `url` is read when a logger is made: the suite's server starts after this is built. */
  constructor (readonly url: () => string) {}

  logger (options: Record<string, unknown> = {}): pino.Logger {
    const transport = pino.transport({ target: BUILT_ENTRY, options: { url: this.url(), history: true, ...options } })
    this.#transports.push(transport)
    return pino(transport)
  }

  /** Ends every transport and waits for each to close (publishing what it holds). */
  async close (): Promise<void> {
    for (const transport of this.#transports.splice(0)) {
      const closed = once(transport, 'close')
      transport.end()
      await closed
    }
  }
}

/** Resolves once every line `log` wrote is published (or dropped). */
export async function flushed (log: pino.Logger): Promise<void> {
  await new Promise<void>((resolve) => { log.flush(() => { resolve() }) })
}
