import type { LogMessage, LogSubscription } from '../../src/reader/subscribe'
import { waitFor } from './wait'

/** Reads a subscription in the background, keeping every message, so a test can wait for them with a deadline. */
export class Reader {
  readonly messages: LogMessage[] = []
  error: Error | undefined
  ended = false
  readonly done: Promise<void>

  constructor (readonly subscription: LogSubscription) {
    this.done = (async () => {
      try {
        for await (const message of subscription) this.messages.push(message)
      } catch (error) {
        this.error = error as Error
      } finally {
        this.ended = true
      }
    })()
  }

  get lines (): string[] {
    return this.messages.map((m) => m.line)
  }

  /** The `msg` of each line (lines written by pino). */
  get msgs (): string[] {
    return this.lines.map((l) => (JSON.parse(l) as { msg: string }).msg)
  }

  async waitFor (count: number, what = `${count} lines`, timeoutMs?: number): Promise<LogMessage[]> {
    await waitFor(() => this.messages.length >= count || this.ended, what, timeoutMs)
    if (this.messages.length < count) throw new Error(`the subscription ended after ${this.messages.length} lines: ${String(this.error)}`)
    return this.messages.slice(0, count)
  }

  async close (): Promise<void> {
    await this.subscription.close()
    await this.done
  }
}
