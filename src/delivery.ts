/**
 * Worker side: moves routed lines from the bounded buffer to Redis and owns time: when a batch goes out, how long
 * the reader may wait for room, how long a flush may wait, the close deadline. It holds no Redis details (those are
 * the publisher's); it tells accounting.ts what became of every line: published, or dropped with a cause.
 *
 * Batching needs no timer: a line arriving while nothing is in flight is sent on the next turn of the event loop
 * (a lone line goes out at once); lines arriving while batches are in flight wait and leave together in the next
 * one. At most two batches are in flight, on one connection, so order is kept on every channel.
 */
import { Accounting, type Counters } from './accounting'
import { LineQueue } from './buffer'
import { explain } from './errors'
import { gapNotice, type Gap } from './notice'
import type { ResolvedOptions } from './options'
import { Publisher, type PublishResult } from './publisher'
import { OVERSIZE, type Entry } from './route'
import type { DropCause, EmitEvent, TransportStats } from './stats'
import { debug, secretsOf, warn } from './warn'

/** Batches sent before the first is answered. */
const MAX_IN_FLIGHT = 2
/** Pause before re-sending lines whose connection went away, so a flapping link is not hammered. */
const RETRY_DELAY_MS = 50
/** Longest wait for Redis to acknowledge QUIT at close. */
const QUIT_TIMEOUT_MS = 500
/** Distinct refusal messages reported before the transport stops repeating itself. */
const MAX_DISTINCT_WARNINGS = 20
/** While lines keep being lost, one notice of the loss a second at most. */
const NOTICE_INTERVAL_MS = 1000

type DeliveryOptions = Pick<ResolvedOptions, 'fromUrl' | 'redis' | 'maxBatchLines' | 'maxBufferedLines' |
'maxBufferedBytes' | 'dropPolicy' | 'closeTimeout' | 'statsInterval' | 'maxReconnectDelay' | 'globalChannel' |
'maxLineBytes' | 'batchScript' | 'history' | 'cluster' | 'sharded'>

export class Delivery {
  readonly #options: DeliveryOptions
  readonly #accounting: Accounting
  readonly #queue: LineQueue
  readonly #publisher: Publisher
  readonly #secrets: string[]
  #scheduled = false
  #running: Promise<void> | undefined
  #stopped = false
  #stop!: () => void
  readonly #stopSignal = new Promise<void>((resolve) => { this.#stop = resolve })
  readonly #waiters = new Set<{ target: number, resolve: () => void }>()
  readonly #roomWaiters = new Set<() => void>()
  /**
   * The current shortfall: since when the reader has had to wait for room, how long it has waited in all, and when
   * it last stopped waiting.
   */
  #shortfall: { since: number, heldMs: number, heldUntil: number } | undefined
  #outage = false
  #overflowReported = false
  #oversizeReported = false
  #everReady = false
  #gap: Gap | undefined
  #lastNotice = 0
  readonly #refusalsReported = new Set<string>()

  /** `emit` receives the `'stats'` and `'dropped'` events. */
  constructor (options: DeliveryOptions, emit: EmitEvent = () => {}) {
    this.#options = options
    this.#secrets = secretsOf(options.fromUrl, options.redis)
    this.#queue = new LineQueue({
      maxLines: options.maxBufferedLines,
      maxBytes: options.maxBufferedBytes,
      dropPolicy: options.dropPolicy
    })
    // First, as it may throw (ioredis refusing an option): then no stats timer is left running.
    this.#publisher = new Publisher(options, {
      onReady: () => { this.#onReady() },
      onError: (error) => { this.#onError(error) }
    })
    this.#accounting = new Accounting(emit, () => this.#queue.length, options.statsInterval)
  }

  /** The running figures (the router adds to `invalid`). */
  get counters (): Counters {
    return this.#accounting.counters
  }

  /** A copy of the figures so far. */
  stats (): TransportStats {
    return this.#accounting.stats()
  }

  /** Lines waiting in the buffer. */
  get buffered (): number {
    return this.#queue.length
  }

  /**
   * True when the reader should wait (`room()`) before adding: the buffer is full, Redis is expected to take lines
   * soon (no error since it was last ready, or since start), and the current shortfall has not yet had its time.
   *
   * Waiting for room delays a burst rather than drop it. But while the reader waits, pino keeps what it does not
   * read in the application's memory, so a Redis that takes lines more slowly than they come (a slow link, a busy
   * server, a stalled one) would move the backlog there. So the reader waits at most `closeTimeout` in one
   * shortfall (the same bound the application accepts at exit); past that it reads on and the buffer drops by
   * policy, until it has drained to half: then the shortfall is over.
   */
  get full (): boolean {
    return !this.#stopped && !this.#outage && !this.#queue.hasRoom() && this.#holdLeft() > 0
  }

  /** Milliseconds the reader may still wait for room in the current shortfall. */
  #holdLeft (): number {
    const { closeTimeout } = this.#options
    return this.#shortfall === undefined ? closeTimeout : this.#shortfall.since + closeTimeout - Date.now()
  }

  /**
   * Resolves when the buffer has room again, when Redis stops taking lines, or when the shortfall's time to wait
   * has run out, whichever comes first.
   */
  async room (): Promise<void> {
    const started = Date.now()
    this.#shortfall ??= { since: started, heldMs: 0, heldUntil: started }
    const shortfall = this.#shortfall
    let timer: NodeJS.Timeout | undefined
    await new Promise<void>((resolve) => {
      this.#roomWaiters.add(resolve)
      timer = setTimeout(() => {
        this.#roomWaiters.delete(resolve)
        resolve()
      }, this.#holdLeft())
    })
    clearTimeout(timer)
    shortfall.heldUntil = Date.now()
    shortfall.heldMs += shortfall.heldUntil - started
  }

  /**
   * Takes one routed line; `OVERSIZE` counts as received and as dropped.
   * Never blocks and never throws: the reader of pino's lines must keep reading.
   */
  add (entry: Entry): void {
    this.counters.received++
    if (entry === OVERSIZE) {
      this.#dropOversize()
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
    const dropped = this.#queue.push(entry)
    if (dropped > 0) this.#drop('overflow', dropped)
    this.#schedule()
  }

  #dropOversize (): void {
    this.#drop('oversize', 1)
    if (!this.#oversizeReported) {
      this.#oversizeReported = true
      warn(`a line longer than maxLineBytes (${this.#options.maxLineBytes} bytes) was dropped; ` +
        'such lines are counted as \'oversize\' and not reported again.', this.#secrets)
    }
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
        if (this.#queue.length > 0) this.#schedule()
      })
    })
  }

  /**
   * Resolves once `count` lines have been received and each of them is published or dropped, or after `timeoutMs`
   * (Redis unreachable; the lines stay buffered). Never rejects.
   */
  async settled (count: number, timeoutMs = this.#options.closeTimeout): Promise<void> {
    if (this.#accounting.settled(count)) return
    let timer: NodeJS.Timeout | undefined
    await new Promise<void>((resolve) => {
      const waiter = { target: count, resolve }
      this.#waiters.add(waiter)
      timer = setTimeout(() => {
        this.#waiters.delete(waiter)
        resolve()
      }, timeoutMs)
    })
    clearTimeout(timer)
  }

  /**
   * Publishes what is buffered within `closeTimeout`, counts what is left as dropped ('shutdown'), and closes the
   * connection. Never rejects.
   */
  async close (): Promise<void> {
    try {
      await this.settled(this.counters.received, this.#closeWindow())
      this.#stopped = true
      this.#stop()
      this.#wake()
      this.#drop('shutdown', this.#queue.clear().length)
      // Closing the connection also settles a pipeline still in flight; its lines are counted by #run.
      await this.#publisher.close(QUIT_TIMEOUT_MS)
      await this.#running
      this.#accounting.close(this.#secrets)
    } catch (error) {
      debug(this.#secrets, 'close failed: %s', error instanceof Error ? error.message : String(error))
    }
  }

  /**
   * How long the close may wait for Redis: `closeTimeout`, less the time the reader waited for room within the last
   * `closeTimeout` ms. The application may have been closing meanwhile (the worker learns of it only once it has
   * read every line), and the whole close must fit in `closeTimeout` from there.
   */
  #closeWindow (): number {
    const { closeTimeout } = this.#options
    const shortfall = this.#shortfall
    if (shortfall === undefined) return closeTimeout
    const recent = Math.min(shortfall.heldMs, Math.max(0, shortfall.heldUntil - (Date.now() - closeTimeout)))
    return closeTimeout - recent
  }

  async #run (): Promise<void> {
    // Batches sent and not yet answered, oldest first. Up to MAX_IN_FLIGHT at once on the one connection: Redis
    // answers in order, so order holds, and the worker prepares the next batch while Redis runs the last one.
    const inFlight: Array<Promise<PublishResult>> = []
    for (;;) {
      while (inFlight.length < MAX_IN_FLIGHT && this.#queue.length > 0 && !this.#stopped && this.#publisher.ready &&
        !this.#noticeDue()) {
        inFlight.push(this.#publisher.publish(this.#queue.take(this.#options.maxBatchLines)))
      }
      const oldest = inFlight.shift()
      if (oldest === undefined) {
        if (this.#queue.length === 0 || this.#stopped) break
        if (!this.#publisher.ready) await Promise.race([this.#publisher.whenReady(), this.#stopSignal])
        else if (this.#gap !== undefined && this.#noticeDue()) await this.#publishGapNotice(this.#gap)
        continue
      }
      const result = this.#count(await oldest)
      if (result.retry.length > 0) {
        // The connection went away: the batches behind this one fail too. Their lines go back in order.
        const retry = [...result.retry]
        for (const later of inFlight.splice(0)) retry.push(...this.#count(await later).retry)
        if (this.#stopped) {
          this.#drop('shutdown', retry.length)
        } else {
          const dropped = this.#queue.requeue(retry)
          if (dropped > 0) this.#drop('overflow', dropped)
          await Promise.race([delay(RETRY_DELAY_MS), this.#stopSignal])
        }
      }
      this.#wake()
    }
    this.#wake()
  }

  /** Counts what a batch became (but for its lines to send again, which the caller handles). */
  #count (result: PublishResult): PublishResult {
    this.counters.published += result.published
    this.counters.historyFailed += result.historyFailed
    if (result.rejected > 0) this.#drop('rejected', result.rejected)
    if (result.error !== undefined) this.#onPublishError(result.error)
    if (result.historyError !== undefined) this.#onHistoryError(result.historyError)
    return result
  }

  /** True when lines were lost and the last notice of it is old enough for another. */
  #noticeDue (): boolean {
    return this.#gap !== undefined && Date.now() - this.#lastNotice >= NOTICE_INTERVAL_MS
  }

  /**
   * Publishes one warn-level line on the global channel saying how many lines were lost and when, so that a live
   * viewer sees the gap. It is not counted: it is the transport's line, not the application's.
   */
  async #publishGapNotice (gap: Gap): Promise<void> {
    this.#gap = undefined
    this.#lastNotice = Date.now()
    const channel = this.#options.globalChannel
    if (channel === false) return
    const result = await this.#publisher.publish([{ line: gapNotice(gap, Date.now()), channels: [channel] }])
    if (result.published > 0) return
    if (result.rejected > 0) {
      debug(this.#secrets, 'Redis refused the notice of %d lost lines', gap.lost)
      return
    }
    // Not sent (connection lost): keep the gap, joined with any lost since, for the next try.
    debug(this.#secrets, 'could not publish the notice of %d lost lines', gap.lost)
    const since = this.#gap as Gap | undefined // set again by drops during the await
    this.#gap = since === undefined ? gap : { lost: gap.lost + since.lost, from: gap.from, to: since.to }
  }

  #drop (cause: DropCause, count: number): void {
    if (count === 0) return
    this.#accounting.drop(cause, count)
    if (cause === 'overflow') this.#noteOverflow(count)
    this.#wake()
  }

  /** Remembers the loss for the notice to viewers, and warns on stderr once per outage. */
  #noteOverflow (count: number): void {
    const now = Date.now()
    if (this.#gap === undefined) this.#gap = { lost: count, from: now, to: now }
    else {
      this.#gap.lost += count
      this.#gap.to = now
    }
    if (!this.#overflowReported) {
      this.#overflowReported = true
      warn(`buffer full (${this.#options.maxBufferedLines} lines or ${this.#options.maxBufferedBytes} bytes): ` +
        `dropping the ${this.#options.dropPolicy} lines until Redis catches up.`, this.#secrets)
    }
  }

  #wake (): void {
    // Drained to half: the shortfall, if any, is over; the next one may wait for room again.
    if (this.#shortfall !== undefined && this.#queue.length * 2 <= this.#options.maxBufferedLines &&
      this.#queue.bytes * 2 <= this.#options.maxBufferedBytes) this.#shortfall = undefined
    if (this.#roomWaiters.size > 0 && !this.full) {
      for (const resolve of this.#roomWaiters) resolve()
      this.#roomWaiters.clear()
    }
    for (const waiter of this.#waiters) {
      if (this.#accounting.settled(waiter.target)) {
        this.#waiters.delete(waiter)
        waiter.resolve()
      }
    }
  }

  #onError (error: Error): void {
    this.counters.errors++
    debug(this.#secrets, 'redis error: %s', error.message)
    // Once closing, the connection is being torn down on purpose; the closing summary says what was lost.
    if (this.#outage || this.#stopped) return
    this.#outage = true
    this.#wake() // a reader waiting for room reads on: Redis is not taking lines now
    warn(`cannot publish to Redis at ${this.#publisher.target}: ${explain(error, this.#publisher.tls)}. ` +
      `Buffering up to ${this.#options.maxBufferedLines} lines until it is back.`, this.#secrets)
  }

  #onReady (): void {
    if (this.#everReady) this.counters.reconnects++
    this.#everReady = true
    this.#overflowReported = false
    if (!this.#outage) return
    this.#outage = false
    warn(`connected to Redis at ${this.#publisher.target} again; publishing resumes.`, this.#secrets)
  }

  #onPublishError (error: Error): void {
    this.counters.errors++
    if (error.name !== 'ReplyError') return // a lost connection: reported through onError, lines are re-sent
    if (this.#refusalsReported.has(error.message) || this.#refusalsReported.size >= MAX_DISTINCT_WARNINGS) return
    this.#refusalsReported.add(error.message)
    warn(`Redis at ${this.#publisher.target} refused to publish: ${error.message}. Such lines are dropped.`, this.#secrets)
  }

  #onHistoryError (error: Error): void {
    this.counters.errors++
    const key = `history: ${error.message}`
    if (this.#refusalsReported.has(key) || this.#refusalsReported.size >= MAX_DISTINCT_WARNINGS) return
    this.#refusalsReported.add(key)
    warn(`Redis at ${this.#publisher.target} refused to keep history: ${error.message}. Such lines are published ` +
      'but missing from the history (counted in historyFailed).', this.#secrets)
  }
}

async function delay (ms: number): Promise<void> {
  await new Promise<void>((resolve) => { setTimeout(resolve, ms) })
}
