/**
 * Pure, no dependencies: the names of the channels lines are published to, which the writer and every reader must
 * agree on: a job's channel is `${channelPrefix}:${jobId}`, and every line also goes to the global channel.
 */
import { fail } from './option-checks'

/** The channel every line is published to, unless `globalChannel` says otherwise. */
export const GLOBAL_LOG_CHANNEL = 'logs:global'

/** The channel names a job id is checked against: a job's channel is `${channelPrefix}:${id}`. */
export interface ChannelNames {
  channelPrefix: string
  /** `false` when there is no global channel. */
  globalChannel: string | false
}

/** The names the transport uses unless told otherwise. */
export const DEFAULT_CHANNEL_NAMES = Object.freeze({ channelPrefix: 'logs', globalChannel: GLOBAL_LOG_CHANNEL })

/** Whitespace and control characters: they would split or hide a channel name. */
const NOT_IN_A_NAME = /[\s\p{Cc}]/u

/**
 * A channel name or part of one (`channelPrefix`, `globalChannel`, `history.keyPrefix`): a non-empty string without
 * whitespace or control characters; `fallback` when not given. `orElse` names what else the option accepts.
 */
export function channelPart (name: string, value: unknown, fallback: string, orElse = ''): string {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || value === '' || NOT_IN_A_NAME.test(value)) {
    fail(name, `a non-empty string without whitespace or control characters${orElse}`, value)
  }
  return value
}
