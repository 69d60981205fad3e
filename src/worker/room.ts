/**
 * How long the reader of pino's lines may wait for room when the buffer is full. No I/O; one timer per wait.
 *
 * Waiting for room delays a burst rather than drop it. But while the reader waits, pino keeps what it does not read
 * in the application's memory, so a Redis that takes lines more slowly than they come (a slow link, a busy server,
 * a stalled one) would move the backlog there. So the reader waits at most `closeTimeout` in one shortfall (the same
 * bound the application accepts at exit); past that it reads on and the buffer drops by policy, until it has drained
 * to half: then the shortfall is over, and the next one may wait again.
 */

/** Since when the reader has had to wait for room, how long it has waited in all, and when it last stopped. */
interface Shortfall {
  since: number
  heldMs: number
  heldUntil: number
}

export class RoomWait {
  readonly #closeTimeout: number
  #shortfall: Shortfall | undefined
  readonly #waiting = new Set<() => void>()

  constructor (closeTimeout: number) {
    this.#closeTimeout = closeTimeout
  }

  /** Milliseconds the reader may still wait in the current shortfall. */
  left (): number {
    return this.#shortfall === undefined ? this.#closeTimeout : this.#shortfall.since + this.#closeTimeout - Date.now()
  }

  /** True while the reader waits. */
  get waiting (): boolean {
    return this.#waiting.size > 0
  }

  /** Waits until `release()`, or until the shortfall's time has run out, whichever comes first. */
  async wait (): Promise<void> {
    const started = Date.now()
    this.#shortfall ??= { since: started, heldMs: 0, heldUntil: started }
    const shortfall = this.#shortfall
    let timer: NodeJS.Timeout | undefined
    await new Promise<void>((resolve) => {
      this.#waiting.add(resolve)
      timer = setTimeout(() => {
        this.#waiting.delete(resolve)
        resolve()
      }, this.left())
    })
    clearTimeout(timer)
    shortfall.heldUntil = Date.now()
    shortfall.heldMs += shortfall.heldUntil - started
  }

  /** Lets the reader go on. */
  release (): void {
    for (const resolve of this.#waiting) resolve()
    this.#waiting.clear()
  }

  /** The buffer drained to half: the shortfall, if any, is over. */
  end (): void {
    this.#shortfall = undefined
  }

  /**
   * How long the close may wait for Redis: `closeTimeout`, less the time the reader waited for room within the last
   * `closeTimeout` ms. The application may have been closing meanwhile (the worker learns of it only once it has
   * read every line), and the whole close must fit in `closeTimeout` from there.
   */
  closeWindow (): number {
    const shortfall = this.#shortfall
    if (shortfall === undefined) return this.#closeTimeout
    const recent = Math.min(shortfall.heldMs, Math.max(0, shortfall.heldUntil - (Date.now() - this.#closeTimeout)))
    return this.#closeTimeout - recent
  }
}
