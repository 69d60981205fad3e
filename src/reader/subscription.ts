/**
 * What every subscription has, whatever feeds it: the queue of lines its reader has not taken, `ready`, and the way
 * it ends, with a masked error or closed. `subscribe()` (subscribe.ts) and the SSE handler's viewers (sse-viewer.ts)
 * build on it.
 */
import { usesTls } from '../shared/connection'
import { explain } from '../shared/errors'
import { HISTORY_FIELD, LOST_NOTICE, NOTICE_FIELD } from '../shared/history'
import { debug, redact } from '../shared/report'
import { iterate, MessageQueue, Readiness, type LogMessage } from './message-queue'
import type { ResolvedSubscribeOptions } from './options'

/** A running subscription: iterate it (`for await`) to get each line, in order. */
export interface LogSubscription extends AsyncIterable<LogMessage> {
  /** The channel followed. */
  readonly channel: string
  /**
   * Resolves once the subscription is in place (history read, channel subscribed), so that every line published
   * from then on is seen. Rejects when the first connection fails (refused, bad credentials, TLS, timeout); the
   * message never holds a password. Later losses of the connection are retried without end.
   */
  readonly ready: Promise<void>
  /** Where lines come from; known once `ready` resolved. */
  readonly source: 'stream' | 'pubsub'
  /** Lines dropped because the reader fell more than `maxQueued` lines behind (channel source only). */
  readonly dropped: number
  /** Times the connection came back after being lost. */
  readonly reconnects: number
  /**
   * Stops: ends the iteration and closes the connection (`ready`, if still pending, rejects). Safe to call more
   * than once.
   */
  close: () => Promise<void>
}

export abstract class QueuedSubscription implements LogSubscription {
  readonly channel: string
  readonly ready: Promise<void>
  abstract readonly source: 'stream' | 'pubsub'
  reconnects = 0
  protected readonly queue: MessageQueue
  protected readonly readiness = new Readiness()
  protected readonly secrets: readonly string[]
  protected closed = false

  /** True when the connection is made with TLS, which is then a likely cause of a failure. */
  protected readonly tls: boolean

  /** `onEmptied` runs each time the reader has taken every queued line. */
  constructor (options: ResolvedSubscribeOptions, secrets: readonly string[], onEmptied: () => void) {
    this.channel = options.channel
    this.secrets = secrets
    this.tls = usesTls(options)
    this.queue = new MessageQueue(options.maxQueued, onEmptied)
    this.ready = this.readiness.promise
  }

  get dropped (): number {
    return this.queue.dropped
  }

  /** Redis cannot be reached at first (`target`), or refused a command: ends with a masked error. */
  protected endWith (target: string, error: Error): void {
    if (this.closed) return
    const failure = new Error(redact(`redis-log-transport: cannot follow ${this.channel} at ${target}: ${explain(error, this.tls)}`, this.secrets))
    this.readiness.reject(failure)
    this.queue.end(failure)
    void this.close()
  }

  /** Ends the iteration (once the queued lines are taken) and `ready`, if pending. False when already closed. */
  protected markClosed (): boolean {
    if (this.closed) return false
    if (!this.readiness.settled) {
      this.readiness.reject(new Error(`redis-log-transport: the subscription to ${this.channel} was closed before it was ready`))
    }
    this.closed = true
    this.queue.end()
    return true
  }

  /**
   * Queues a history entry of `key`; one without the transport's field (written by something else), or a notice of
   * a kind this reader does not know, is skipped. `gap`: lines before it were lost to this reader (see
   * LogMessage.gap).
   */
  protected pushEntry (key: string, id: string, fields: readonly string[], gap = false): void {
    let line: string | undefined
    let notice: string | undefined
    for (let i = 0; i < fields.length; i += 2) {
      if (fields[i] === HISTORY_FIELD) line = fields[i + 1] ?? ''
      else if (fields[i] === NOTICE_FIELD) notice = fields[i + 1]
    }
    if (line === undefined || (notice !== undefined && notice !== LOST_NOTICE)) {
      debug(this.secrets, 'skipped entry %s of %s: it has no `%s` field, or is a notice of another kind', id, key, HISTORY_FIELD)
      return
    }
    const message: LogMessage = { line, channel: this.channel, id }
    if (gap) message.gap = true
    if (notice !== undefined) message.notice = LOST_NOTICE
    this.queue.push(message)
  }

  abstract close (): Promise<void>

  [Symbol.asyncIterator] (): AsyncIterator<LogMessage> {
    return iterate(this.queue, async () => { await this.close() })
  }
}
