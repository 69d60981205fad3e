/**
 * What the transport says on stderr about its own trouble, and the rule that keeps it from repeating itself: an
 * outage is said when it starts and when it ends, a full buffer once per outage, an oversize line once, and each
 * distinct refusal of the server once (at most 20 of them). Lines go through `warn`, masked.
 */
import { explain } from '../shared/errors'
import { warn } from '../shared/report'
import type { ResolvedOptions } from './options'

/** Distinct refusal messages reported before the transport stops repeating itself. */
const MAX_DISTINCT_REFUSALS = 20

/** Where the lines go, for the messages: the publisher knows. */
export interface Destination {
  /** Host and port, Sentinel group or cluster nodes; never credentials. */
  readonly target: string
  /** True when the connection is made with TLS, which is then a likely cause of a failure. */
  readonly tls: boolean
}

export type WarningOptions = Pick<ResolvedOptions, 'maxBufferedLines' | 'maxBufferedBytes' | 'dropPolicy' | 'maxLineBytes'>

export class Warnings {
  readonly #options: WarningOptions
  readonly #to: Destination
  readonly #secrets: readonly string[]
  #overflowSaid = false
  #oversizeSaid = false
  readonly #refusalsSaid = new Set<string>()

  constructor (options: WarningOptions, to: Destination, secrets: readonly string[]) {
    this.#options = options
    this.#to = to
    this.#secrets = secrets
  }

  /** A line over `maxLineBytes` was dropped: said the first time only. */
  oversize (): void {
    if (this.#oversizeSaid) return
    this.#oversizeSaid = true
    this.#say(`a line longer than maxLineBytes (${this.#options.maxLineBytes} bytes) was dropped; ` +
      'such lines are counted as \'oversize\' and not reported again.')
  }

  /** The buffer is full and drops lines: said once until the connection is ready again. */
  overflow (): void {
    if (this.#overflowSaid) return
    this.#overflowSaid = true
    const { maxBufferedLines, maxBufferedBytes, dropPolicy } = this.#options
    this.#say(`buffer full (${maxBufferedLines} lines or ${maxBufferedBytes} bytes): ` +
      `dropping the ${dropPolicy} lines until Redis catches up.`)
  }

  /** An outage starts: Redis cannot be reached or refused the connection. */
  outage (error: Error): void {
    this.#say(`cannot publish to Redis at ${this.#to.target}: ${explain(error, this.#to.tls)}. ` +
      `Buffering up to ${this.#options.maxBufferedLines} lines until it is back.`)
  }

  /** The connection is ready (again): a later full buffer is said again. `outage` tells whether one ends now. */
  ready (outage: boolean): void {
    this.#overflowSaid = false
    if (outage) this.#say(`connected to Redis at ${this.#to.target} again; publishing resumes.`)
  }

  /** The server refused to publish (ACL, ...): each distinct message once. */
  refused (error: Error): void {
    if (!this.#first(error.message)) return
    this.#say(`Redis at ${this.#to.target} refused to publish: ${error.message}. Such lines are dropped.`)
  }

  /** The server refused to append to a history stream: each distinct message once. */
  historyRefused (error: Error): void {
    if (!this.#first(`history: ${error.message}`)) return
    this.#say(`Redis at ${this.#to.target} refused to keep history: ${error.message}. Lines it refused to append ` +
      'are published but missing from the history (counted in historyFailed); a refused EXPIRE or jobs index ' +
      'write loses no line.')
  }

  /** True the first time a refusal is met, while fewer than the most are remembered. */
  #first (key: string): boolean {
    if (this.#refusalsSaid.has(key) || this.#refusalsSaid.size >= MAX_DISTINCT_REFUSALS) return false
    this.#refusalsSaid.add(key)
    return true
  }

  #say (message: string): void {
    warn(message, this.#secrets)
  }
}
