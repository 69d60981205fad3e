/**
 * The send loop: moves routed lines from the bounded buffer to Redis through the publisher, and owns time: when a
 * batch goes out, whether the reader waits for room (room.ts), how long a flush may wait, the close deadline. It
 * holds no Redis details (those are the publisher's) and tells accounting what became of every line: published, or
 * dropped with a cause.
 *
 * Batching needs no timer: a line arriving while nothing is in flight is sent on the next turn of the event loop
 * (a lone line goes out at once); lines arriving while batches are in flight wait and leave together in the next
 * one. Several batches may be in flight, on one connection, so order is kept on every channel.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { DropCause } from '../shared/stats'
import { LOST_NOTICE } from '../shared/history'
import { debug } from '../shared/report'
import type { Accounting } from './accounting'
import type { PublishResult } from './batch'
import { gapNotice, LossNotices, type Gap } from './gap-notice'
import type { LineBuffer } from './line-buffer'
import type { ResolvedOptions } from './options'
import type { Publisher } from './publisher'
import { RoomWait } from './room'
import { OVERSIZE, type Entry } from './route'
import type { Warnings } from './warnings'

/**
 * Batches sent before the first is answered. While the worker splits and routes a chunk of pino's output (thousands
 * of lines, synchronously) it reads no reply; Redis then needs batches enough queued to stay busy: with 2 in flight,
 * a million lines took 3.96 s, with 8 3.45 s, with 16 3.25 s (see bench/NOTES.md). Lines in flight are bounded by
 * the buffer's limits too (see line-buffer.ts), so the worker holds at most twice them.
 */
const MAX_IN_FLIGHT = 16
/**
 * Another batch is sent while others are in flight only if the oldest of them left less than this long ago. A batch
 * that takes longer means a slow link or a busy server, where more in flight would only hold more lines in the
 * worker (and in the socket): the slow-link benchmark grew the application's RSS by 34 MB over the unlimited link
 * with up to 10 000 lines in flight, by 16 MB with half of that. A reply from a healthy server comes back within a
 * few ms, or within the time the worker takes to split one chunk of pino's output (about 20 ms).
 */
const SLOW_BATCH_MS = 100
/** Pause before re-sending lines whose connection went away, so a flapping link is not hammered. */
const RETRY_DELAY_MS = 50
/** Longest wait for Redis to acknowledge QUIT at close. */
const QUIT_TIMEOUT_MS = 500

/** A batch sent, when, and what it will become. */
interface InFlight {
  batch: readonly Entry[]
  sentAt: number
  result: Promise<PublishResult>
}

export type DeliveryOptions = Pick<ResolvedOptions, 'maxBatchLines' | 'closeTimeout' | 'globalChannel'>

/** What delivery works with; the transport makes them (see transport.ts). */
export interface DeliveryParts {
  buffer: LineBuffer
  publisher: Publisher
  accounting: Accounting
  warnings: Warnings
  secrets: readonly string[]
}

export class Delivery {
  readonly #options: DeliveryOptions
  readonly #buffer: LineBuffer
  readonly #publisher: Publisher
  readonly #accounting: Accounting
  readonly #warnings: Warnings
  readonly #secrets: readonly string[]
  readonly #room: RoomWait
  readonly #notices = new LossNotices()
  #scheduled = false
  #running: Promise<void> | undefined
  #stopped = false
  #stop!: () => void
  readonly #stopSignal = new Promise<void>((resolve) => { this.#stop = resolve })
  /** Redis is not taking lines: an error since it was last ready (or since start). */
  #outage = false
  #everReady = false

  constructor (options: DeliveryOptions, parts: DeliveryParts) {
    this.#options = options
    this.#buffer = parts.buffer
    this.#publisher = parts.publisher
    this.#accounting = parts.accounting
    this.#warnings = parts.warnings
    this.#secrets = parts.secrets
    this.#room = new RoomWait(options.closeTimeout)
    this.#publisher.connect({
      onReady: () => { this.#onReady() },
      onError: (error) => { this.#onError(error) }
    })
  }

  /** Lines waiting in the buffer. */
  get buffered (): number {
    return this.#buffer.length
  }

  /** True when the reader should wait (`room()`): the buffer is full, Redis is up, the shortfall has time left. */
  get full (): boolean {
    return !this.#stopped && !this.#outage && !this.#buffer.hasRoom() && this.#room.left() > 0
  }

  /** Resolves when the buffer has room, when Redis stops taking lines, or when the shortfall's time runs out. */
  async room (): Promise<void> {
    await this.#room.wait()
  }

  /** Takes one routed line (`OVERSIZE`: dropped). Never blocks, never throws: pino's lines must keep being read. */
  add (entry: Entry): void {
    this.#accounting.counters.received++
    if (entry === OVERSIZE) {
      this.#drop('oversize', 1)
      this.#warnings.oversize()
      return
    }
    if (this.#stopped) {
      this.#drop('shutdown', 1)
      return
    }
    if (entry.channels.length === 0) {
      this.#drop('unrouted', 1)
      return
    }
    const dropped = this.#buffer.push(entry)
    if (dropped > 0) this.#drop('overflow', dropped)
    this.#schedule()
  }

  /** Starts the sending loop on the next turn of the event loop, unless it runs or is about to. */
  #schedule (): void {
    if (this.#running !== undefined || this.#scheduled || this.#stopped) return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      this.#running = this.#run().finally(() => {
        this.#running = undefined
        // A line may have arrived between the loop's last look at the buffer and now.
        if (this.#buffer.length > 0) this.#schedule()
      })
    })
  }

  /**
   * Resolves once `count` lines have been received and each of them is published or dropped, or after `timeoutMs`
   * (Redis unreachable; the lines stay buffered). Never rejects.
   */
  async flushed (count: number, timeoutMs = this.#options.closeTimeout): Promise<void> {
    await this.#accounting.untilAccountedFor(count, timeoutMs)
  }

  /**
   * Publishes what is buffered within the close window (`closeTimeout`, less what the reader waited for room just
   * before), counts what is left as dropped ('shutdown'), and closes the connection. Never rejects.
   */
  async close (): Promise<void> {
    try {
      await this.flushed(this.#accounting.counters.received, this.#room.closeWindow())
      this.#stopped = true
      this.#stop()
      this.#wake()
      this.#drop('shutdown', this.#buffer.clear().length)
      // Closing the connection also settles a pipeline still in flight; its lines are counted by #run. With
      // batches still in flight when the window ends (a slow link), a QUIT would wait behind them: no QUIT then.
      await this.#publisher.close(this.#buffer.sending > 0 ? 0 : QUIT_TIMEOUT_MS)
      await this.#running
      this.#accounting.close(this.#secrets)
    } catch (error) {
      debug(this.#secrets, 'close failed: %s', error instanceof Error ? error.message : String(error))
    }
  }

  async #run (): Promise<void> {
    // Batches sent and not yet answered, oldest first. Up to MAX_IN_FLIGHT at once on the one connection: Redis
    // answers in order, so order holds, and the worker prepares the next batch while Redis runs the last one.
    const inFlight: InFlight[] = []
    for (;;) {
      let now = Date.now()
      while (inFlight.length < MAX_IN_FLIGHT && this.#buffer.length > 0 && this.#buffer.mayTake() && !this.#stopped &&
        this.#publisher.ready && !this.#notices.due(now) && now - (inFlight[0]?.sentAt ?? now) < SLOW_BATCH_MS) {
        const batch = this.#buffer.take(this.#options.maxBatchLines)
        inFlight.push({ batch, sentAt: now, result: this.#publisher.publish(batch) })
        now = Date.now()
      }
      const oldest = inFlight.shift()
      if (oldest === undefined) {
        if (this.#buffer.length === 0 || this.#stopped) break
        if (!this.#publisher.ready) await Promise.race([this.#publisher.whenReady(), this.#stopSignal])
        else if (this.#notices.due(Date.now())) await this.#publishLossNotice()
        continue
      }
      const result = this.#settle(oldest.batch, await oldest.result)
      if (result.retry.length > 0) {
        // The connection went away: the batches behind this one fail too. Their lines go back in order.
        const retry = [...result.retry]
        for (const later of inFlight.splice(0)) retry.push(...this.#settle(later.batch, await later.result).retry)
        if (this.#stopped) {
          this.#drop('shutdown', retry.length)
        } else {
          const dropped = this.#buffer.requeue(retry)
          if (dropped > 0) this.#drop('overflow', dropped)
          await Promise.race([sleep(RETRY_DELAY_MS), this.#stopSignal])
        }
      }
      this.#wake()
    }
    this.#wake()
  }

  /** The batch no longer counts as being sent; counts what it became (but for its lines to send again). */
  #settle (batch: readonly Entry[], result: PublishResult): PublishResult {
    this.#buffer.settle(batch)
    this.#accounting.published(result.published, result.historyFailed)
    if (result.rejected > 0) this.#drop('rejected', result.rejected)
    if (result.error !== undefined) {
      this.#accounting.counters.errors++
      // A lost connection is reported through onError, and its lines are sent again.
      if (result.error.name === 'ReplyError') this.#warnings.refused(result.error)
    }
    if (result.historyError !== undefined) {
      this.#accounting.counters.errors++
      this.#warnings.historyRefused(result.historyError)
    }
    return result
  }

  /**
   * Publishes one warn-level line on the global channel saying how many lines were lost and when, so that a live
   * viewer sees the gap; its history entry says it is the transport's notice, which readers show as a gap. It is
   * not counted: it is the transport's line, not the application's.
   */
  async #publishLossNotice (): Promise<void> {
    const gap = this.#notices.take(Date.now()) as Gap
    const channel = this.#options.globalChannel
    if (channel === false) return
    const result = await this.#publisher.publishNotice({ line: gapNotice(gap, Date.now()), channels: [channel] }, LOST_NOTICE)
    if (result.published > 0) return
    if (result.rejected > 0) debug(this.#secrets, 'Redis refused the notice of %d lost lines', gap.lost)
    else {
      debug(this.#secrets, 'could not publish the notice of %d lost lines', gap.lost)
      this.#notices.putBack(gap)
    }
  }

  #drop (cause: DropCause, count: number): void {
    if (count === 0) return
    this.#accounting.drop(cause, count)
    if (cause === 'overflow') {
      this.#notices.note(count, Date.now())
      this.#warnings.overflow()
    }
    this.#wake()
  }

  /** The buffer changed: end the shortfall once it drained to half, and let a waiting reader go on when it may. */
  #wake (): void {
    if (this.#buffer.atMostHalfFull()) this.#room.end()
    if (this.#room.waiting && !this.full) this.#room.release()
  }

  #onError (error: Error): void {
    this.#accounting.counters.errors++
    debug(this.#secrets, 'redis error: %s', error.message)
    // Once closing, the connection is being torn down on purpose; the closing summary says what was lost.
    if (this.#outage || this.#stopped) return
    this.#outage = true
    this.#wake() // a reader waiting for room reads on: Redis is not taking lines now
    this.#warnings.outage(error)
  }

  #onReady (): void {
    if (this.#everReady) this.#accounting.counters.reconnects++
    this.#everReady = true
    this.#warnings.ready(this.#outage)
    this.#outage = false
  }
}
