/**
 * `from`: the line a viewer opens at ("Copy link", "view in context"). The server starts its stream a little before
 * that line; the view waits for it, and says so when it does not come: when a newer line comes first (the line was
 * trimmed from history, or expired), or after a while.
 */
import type { Item } from './format.js'
import { compareIds } from './levels.js'

/** How long after connecting the line may take to arrive before the viewer says it is not there. */
const WAIT_MS = 5000

export class OpenAt {
  /** The seq of the line once it arrived. */
  seq: number | undefined
  /** True once the viewer gave up waiting (the line may still come: then it is shown all the same). */
  missing = false
  readonly #timer: ReturnType<typeof setTimeout>

  constructor (readonly id: string, readonly onMissing: () => void) {
    this.#timer = setTimeout(() => { this.#giveUp() }, WAIT_MS)
  }

  /** Looks at a line as it is held; true when it is the one. */
  check (item: Item): boolean {
    if (this.seq !== undefined || item.id === undefined) return false
    if (item.id === this.id) {
      this.seq = item.seq
      clearTimeout(this.#timer)
      return true
    }
    if (compareIds(item.id, this.id) > 0) this.#giveUp()
    return false
  }

  cancel (): void {
    clearTimeout(this.#timer)
  }

  #giveUp (): void {
    if (this.missing || this.seq !== undefined) return
    this.missing = true
    clearTimeout(this.#timer)
    this.onMissing()
  }
}
