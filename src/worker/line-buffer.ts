/**
 * Pure: the bounded buffer of lines waiting in the worker for Redis. No I/O, no timers.
 *
 * It holds at most `maxLines` lines and `maxBytes` of line text (UTF-16 code units) waiting, and as many again taken
 * to be sent whose batch is not settled yet: so the worker holds no more than twice the limits, however many batches
 * are in flight. When a line does not fit, the `'oldest'` policy evicts from the front until it does, the
 * `'newest'` policy refuses the new line. Every line that leaves without being taken is reported back as dropped,
 * so the caller can count it.
 */
import type { DropPolicy } from './options'
import type { Entry } from './route'

export interface LineBufferLimits {
  maxLines: number
  maxBytes: number
  dropPolicy: DropPolicy
}

export class LineBuffer {
  readonly #limits: LineBufferLimits
  // Entries live in items[head..]; slots before head are cleared so their lines can be collected.
  #items: Array<Entry | undefined> = []
  #head = 0
  #bytes = 0
  /** Lines taken and not yet settled, and their text. */
  #sendingLines = 0
  #sendingBytes = 0

  constructor (limits: LineBufferLimits) {
    this.#limits = limits
  }

  /** Lines waiting. */
  get length (): number {
    return this.#items.length - this.#head
  }

  /** Line text waiting, in UTF-16 code units. */
  get bytes (): number {
    return this.#bytes
  }

  /** Lines taken to be sent whose batch is not settled yet. */
  get sending (): number {
    return this.#sendingLines
  }

  /** True while lines being sent are below both limits, so that more may be taken. */
  mayTake (): boolean {
    return this.#sendingLines < this.#limits.maxLines && this.#sendingBytes < this.#limits.maxBytes
  }

  /** False when the buffer is at either limit, so the next line would make it drop. */
  hasRoom (): boolean {
    return this.length < this.#limits.maxLines && this.#bytes < this.#limits.maxBytes
  }

  /**
   * True when the lines waiting and those in flight together are at most half of either limit: Redis has caught up
   * (lines merely moved from waiting to in flight do not count as taken).
   */
  atMostHalfFull (): boolean {
    return (this.length + this.#sendingLines) * 2 <= this.#limits.maxLines &&
      (this.#bytes + this.#sendingBytes) * 2 <= this.#limits.maxBytes
  }

  /** Adds a line at the back. Returns how many lines were dropped to respect the limits (the new one included). */
  push (entry: Entry): number {
    const size = entry.line.length
    if (size > this.#limits.maxBytes) return 1
    let dropped = 0
    if (!this.#fits(size)) {
      if (this.#limits.dropPolicy === 'newest') return 1
      while (!this.#fits(size)) {
        this.#shift()
        dropped++
      }
    }
    this.#items.push(entry)
    this.#bytes += size
    return dropped
  }

  /**
   * Removes and returns up to `max` lines from the front, oldest first, to be sent: they count against the limits
   * until `settle` is given them. Takes no more than keeps lines being sent within the limits, but one line at least
   * when one waits.
   */
  take (max: number): Entry[] {
    // Within the limits (see mayTake), but at least one line.
    let count = Math.min(max, this.length, this.#limits.maxLines - this.#sendingLines)
    let bytes = 0
    for (let i = 0; i < count; i++) {
      bytes += (this.#items[this.#head + i] as Entry).line.length
      if (i > 0 && this.#sendingBytes + bytes > this.#limits.maxBytes) {
        count = i
        break
      }
    }
    const out = this.#remove(Math.max(count, Math.min(1, this.length)))
    this.#sendingLines += out.length
    for (const entry of out) this.#sendingBytes += entry.line.length
    return out
  }

  /** A batch `take` returned is settled (published, dropped, or handed to `requeue`): it no longer counts. */
  settle (batch: readonly Entry[]): void {
    this.#sendingLines -= batch.length
    for (const entry of batch) this.#sendingBytes -= entry.line.length
  }

  #remove (max: number): Entry[] {
    const end = Math.min(this.#items.length, this.#head + max)
    const out = this.#items.slice(this.#head, end) as Entry[]
    for (let i = this.#head; i < end; i++) this.#items[i] = undefined
    this.#head = end
    for (const entry of out) this.#bytes -= entry.line.length
    this.#compact()
    return out
  }

  /**
   * Puts lines that could not be published back at the front, in their order, ahead of newer lines. Returns how
   * many lines were dropped to respect the limits (by the policy: the oldest of all, or the newest of all).
   */
  requeue (entries: readonly Entry[]): number {
    if (entries.length === 0) return 0
    const all = [...entries, ...(this.#items.slice(this.#head) as Entry[])]
    this.#items = []
    this.#head = 0
    this.#bytes = 0
    let dropped = 0
    if (this.#limits.dropPolicy === 'newest') {
      for (const entry of all) dropped += this.push(entry)
    } else {
      // Keep the newest lines that fit, scanning from the back, then restore their order.
      const kept: Entry[] = []
      let lines = 0
      let bytes = 0
      for (let i = all.length - 1; i >= 0; i--) {
        const entry = all[i] as Entry
        const size = entry.line.length
        if (lines + 1 > this.#limits.maxLines || bytes + size > this.#limits.maxBytes) {
          dropped += i + 1
          break
        }
        kept.push(entry)
        lines++
        bytes += size
      }
      this.#items = kept.reverse()
      this.#bytes = bytes
    }
    return dropped
  }

  /** Removes and returns every waiting line (not to be sent). */
  clear (): Entry[] {
    return this.#remove(this.length)
  }

  #fits (size: number): boolean {
    return this.length + 1 <= this.#limits.maxLines && this.#bytes + size <= this.#limits.maxBytes
  }

  #shift (): void {
    const entry = this.#items[this.#head] as Entry
    this.#items[this.#head] = undefined
    this.#head++
    this.#bytes -= entry.line.length
    this.#compact()
  }

  #compact (): void {
    if (this.#head === this.#items.length) {
      this.#items = []
      this.#head = 0
    } else if (this.#head >= 4096 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head)
      this.#head = 0
    }
  }
}
