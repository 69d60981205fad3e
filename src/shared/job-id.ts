/**
 * Pure, no dependencies: the one rule that decides whether a job id is usable, shared by the writer (the router in
 * the worker, `withUserId` in the application) and every reader (`subscribe`, the SSE handler, `redis-log-tail`).
 * Job ids often come from users, so a reader must never accept an id the writer would refuse: it would follow
 * another channel than the job's, or the global one.
 *
 * A line carries its job id in its `userId` field (the option `userIdKey`; the name comes from the original
 * handler): in this package "user id" and "job id" are one thing, called the job id.
 */
import { DEFAULT_CHANNEL_NAMES, type ChannelNames } from './channel-names'

/** The longest usable job id, in UTF-16 code units. */
export const MAX_JOB_ID_LENGTH = 256

/**
 * Characters a job id may not hold: whitespace and control characters (they split or hide a channel name), Unicode
 * format characters (bidi overrides such as U+202E, zero-width characters: two ids that look the same would name two
 * channels), and lone surrogates (not encodable in UTF-8: two different ids would reach Redis as one channel).
 */
const UNSAFE = /[\s\p{Cc}\p{Cf}\p{Cs}]/u

/** What the rule says about a usable id, for error messages. */
export const JOB_ID_RULE = `a non-empty string of at most ${MAX_JOB_ID_LENGTH} characters without whitespace, ` +
  'control or format characters, whose channel is not the global channel'

/** True when `id` is a string that can name a channel, whatever the channel names (the first part of the rule). */
export function isWellFormedJobId (id: unknown): id is string {
  return typeof id === 'string' && id !== '' && id.length <= MAX_JOB_ID_LENGTH && !UNSAFE.test(id)
}

/** The job's channel, or `undefined` when the id is not usable: malformed, or naming the global channel. */
export function jobChannel (id: unknown, names: ChannelNames): string | undefined {
  if (!isWellFormedJobId(id)) return undefined
  const channel = `${names.channelPrefix}:${id}`
  return channel === names.globalChannel ? undefined : channel
}

/**
 * True when `id` is a usable job id: a non-empty string of at most 256 characters, without whitespace, control
 * characters, Unicode format characters (bidi overrides, zero-width characters) or lone surrogates, whose channel
 * `${channelPrefix}:${id}` is not the global channel (with the default names: `'global'` is refused).
 */
export function isUsableJobId (id: unknown, names: ChannelNames = DEFAULT_CHANNEL_NAMES): id is string {
  return jobChannel(id, names) !== undefined
}
