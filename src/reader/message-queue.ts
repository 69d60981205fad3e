/**
 * No I/O: the lines a subscription's reader has not taken yet, and the async iteration over them. Bounded: beyond
 * `maxQueued` lines the oldest are dropped and counted. Shared by `subscribe()` and the SSE handler's viewers.
 */

/** One log line as read back from Redis. */
export interface LogMessage {
  /** The line as the application's pino wrote it (JSON, without the newline). */
  line: string
  /** The channel it was published to. */
  channel: string
  /** Its history entry id, when read from the history stream: give it as `after` to resume right after it. */
  id?: string
  /**
   * True on the first line after lines this reader never got: history trimmed them (`maxLen`) or let them expire
   * before they were read (a reader slower than the lines, or one resuming from an id since trimmed).
   */
  gap?: true
  /**
   * Set on the transport's own notice that lines were lost before this point (`'lost'`): `line` is then that notice,
   * a warn line with `lost` (how many), `lostFrom`, `lostTo` and `msg`. Only read from history, where only the
   * transport can mark an entry so: an application's line never has it, whatever it holds.
   */
  notice?: 'lost'
}

export class MessageQueue {
  /** Lines dropped because the reader fell more than `maxQueued` lines behind. */
  dropped = 0
  #queue: LogMessage[] = []
  #head = 0
  #reader: (() => void) | undefined
  #ended = false
  #error: Error | undefined
  readonly #maxQueued: number
  readonly #onEmptied: () => void

  /** `onEmptied` runs each time the reader has taken every queued line. */
  constructor (maxQueued: number, onEmptied: () => void) {
    this.#maxQueued = maxQueued
    this.#onEmptied = onEmptied
  }

  /** Lines queued and not yet taken. */
  get length (): number {
    return this.#queue.length - this.#head
  }

  /** Queues a line (ignored once ended); drops the oldest beyond the bound. */
  push (message: LogMessage): void {
    if (this.#ended) return
    this.#queue.push(message)
    if (this.length > this.#maxQueued) {
      this.#head++
      this.dropped++
      if (this.#head >= 1000 && this.#head * 2 >= this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head) // let the dropped lines be collected
        this.#head = 0
      }
    }
    this.#wake()
  }

  /** Ends the iteration once the queued lines are taken: normally, or with `error`. */
  end (error?: Error): void {
    if (this.#ended) return
    this.#ended = true
    this.#error = error
    this.#wake()
  }

  /** The next line, waiting for one; done once ended and empty; throws the error `end` was given. */
  async next (): Promise<IteratorResult<LogMessage>> {
    for (;;) {
      if (this.#head < this.#queue.length) {
        const value = this.#queue[this.#head] as LogMessage
        this.#head++
        if (this.#head === this.#queue.length) {
          this.#queue = []
          this.#head = 0
          this.#onEmptied()
        }
        return { value, done: false }
      }
      if (this.#error !== undefined) throw this.#error
      if (this.#ended) return { value: undefined, done: true }
      await new Promise<void>((resolve) => { this.#reader = resolve })
    }
  }

  #wake (): void {
    const reader = this.#reader
    this.#reader = undefined
    reader?.()
  }
}

/** A subscription's `ready`: settled once; a rejection that nobody awaits is no unhandled rejection. */
export class Readiness {
  readonly promise: Promise<void>
  settled = false
  #resolve!: () => void
  #reject!: (error: Error) => void

  constructor () {
    this.promise = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve
      this.#reject = reject
    })
    this.promise.catch(() => {}) // the error also ends the iteration
  }

  resolve (): void {
    this.settled = true
    this.#resolve()
  }

  reject (error: Error): void {
    this.settled = true
    this.#reject(error)
  }
}

/** The iterator of a subscription over `queue`: leaving a `for await` early closes the subscription. */
export function iterate (queue: MessageQueue, close: () => Promise<void>): AsyncIterator<LogMessage> {
  return {
    next: async () => await queue.next(),
    return: async () => {
      await close()
      return { value: undefined, done: true }
    }
  }
}
