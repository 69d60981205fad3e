/**
 * The browser at the other end of one SSE request: whether it is still there, what to release when it leaves, and
 * the only ways the handler writes a short answer or ends the stream, which do nothing once it has gone. Browsers
 * hang up at any moment, often while `authorize()` runs.
 */
import type { ServerResponse } from 'node:http'

/** The browser at the other end of one request: whether it is still there, and what to release when it leaves. */
export class Browser {
  #gone: boolean
  readonly #onGone: Array<() => void> = []

  constructor (readonly res: ServerResponse) {
    // The response's 'close' before it has ended means the connection went away. Watched from the start: a browser
    // may leave while authorize() runs, before anything was opened for it.
    this.#gone = res.destroyed
    res.once('close', () => { this.leave() })
  }

  /** True once the browser has gone (or the handler ended the stream): nothing may be written any more. */
  get gone (): boolean {
    return this.#gone || this.res.destroyed
  }

  /** Runs `release` when the browser leaves, at once if it has left already. */
  onGone (release: () => void): void {
    if (this.gone) release()
    else this.#onGone.push(release)
  }

  leave (): void {
    this.#gone = true
    for (const release of this.#onGone.splice(0)) release()
  }
}

/** A short plain-text answer, if the browser is still there to read it. */
export function reply (browser: Browser, status: number, message: string): void {
  if (browser.gone) return
  browser.res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' })
  browser.res.end(`${message}\n`)
}

/** Ends the stream (if the browser is still there) and releases what it held. */
export function end (browser: Browser): void {
  if (!browser.gone) browser.res.end()
  browser.leave()
}
