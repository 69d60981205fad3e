/**
 * Pure: what became of a batch of lines sent to Redis, the same whether it went out as one script call
 * (batch-script.ts) or as a pipeline (batch-pipeline.ts), and which errors mean "send it again".
 */
import type { Entry } from './route'

/** What became of a batch. */
export interface PublishResult {
  /** Lines every channel of which accepted the PUBLISH. */
  published: number
  /** Lines the server refused (a command error such as NOPERM); they are not sent again. */
  rejected: number
  /** Lines whose fate is unknown (connection lost, slot moved), with only the channels still to reach. */
  retry: Entry[]
  /** Lines published whose append to the history stream failed (they are counted in `published` too). */
  historyFailed: number
  /** The first error met, for reporting. */
  error?: Error
  /** The first error met while appending to the history, for reporting. */
  historyError?: Error
}

/** The whole batch is of unknown fate (the connection went away): all of it is to be sent again. */
export function unsent (batch: readonly Entry[], error: Error): PublishResult {
  return { published: 0, rejected: 0, retry: [...batch], historyFailed: 0, error }
}

/**
 * Errors that say "not here, not now" rather than "no": a slot that moved or is moving, a cluster or a primary
 * that is failing over, a server still loading, a primary demoted to replica. The line is sent again.
 */
const REDIRECT = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN|LOADING|READONLY|MASTERDOWN)\b/

/** True when an error means the command was not run and may be sent again. */
export function isRetryable (error: Error): boolean {
  return error.name !== 'ReplyError' || REDIRECT.test(error.message)
}

