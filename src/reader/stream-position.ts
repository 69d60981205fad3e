/**
 * Where an SSE viewer starts reading a history stream, and whether it can be exact from there: right after the
 * browser's `Last-Event-ID`, at a `from` id (inclusive) with the entries before it as context, or as a new viewer
 * with the recent lines. When entries it should get were trimmed away, or its id belongs to a stream recreated
 * since, it says which gap to tell the browser.
 */
import type { Client } from '../shared/connection'
import { isRefusal } from '../shared/errors'
import { compareIds, nextId } from '../shared/history'
import { lastId, type StreamEntry } from './stream-reads'

/** Entries before a `from` id replayed as its context ("view in context"). */
export const CONTEXT = 50

/** Why a stream cannot be exact (see the gap event of the SSE handler). */
export type GapReason = 'trimmed' | 'reset' | 'behind' | 'dropped'

/** Where a viewer starts. */
export interface Start {
  /** The id after which the viewer reads on. */
  last: string
  /** Entries to send first, oldest first. */
  replay: StreamEntry[]
  /** The gap to tell before them, if any. */
  gap: GapReason | undefined
}

/** What the request asked for: `after` (the browser's last id) wins over `from`; `replay` is for a new viewer. */
export interface StartAt {
  after: string | undefined
  from: string | undefined
  replay: number
}

/**
 * Where a viewer of `key` starts. An id beyond the stream's last entry (from a stream recreated since, after a Redis
 * restart without persistence) starts it as a new viewer, with a `reset` gap.
 */
export async function startViewing (client: Client, key: string, { after, from, replay }: StartAt): Promise<Start> {
  const end = await lastId(client, key)
  if (after !== undefined) {
    if (end === '0-0') return { last: end, replay: [], gap: undefined }
    if (compareIds(after, end) > 0) return { ...await recent(client, key, end, replay), gap: 'reset' }
    return { last: after, replay: [], gap: await lostSince(client, key, nextId(after)) ? 'trimmed' : undefined }
  }
  if (from !== undefined) {
    if (end === '0-0') return { last: end, replay: [], gap: 'trimmed' } // nothing of it is kept any more
    if (compareIds(from, end) > 0) return { ...await recent(client, key, end, replay), gap: 'reset' }
    const before = previousId(from)
    const context = (await client.xrevrange(key, before, '-', 'COUNT', CONTEXT) as StreamEntry[]).reverse()
    // The reader reads on from the last entry of the context: `from` itself comes next.
    return { last: context.at(-1)?.[0] ?? before, replay: context, gap: await lostSince(client, key, from) ? 'trimmed' : undefined }
  }
  return { ...await recent(client, key, end, replay), gap: undefined }
}

/** A new viewer: from the stream's end (`end`), with its newest `count` entries first. */
async function recent (client: Client, key: string, end: string, count: number): Promise<{ last: string, replay: StreamEntry[] }> {
  if (count === 0 || end === '0-0') return { last: end, replay: [] }
  const entries = await client.xrevrange(key, end, '-', 'COUNT', count) as StreamEntry[]
  return { last: end, replay: entries.reverse() }
}

/**
 * True when entries from `start` on were trimmed away: `start` lies before the stream's first entry, and the stream
 * has lost entries (`entries-added` beyond `length`, Redis >= 7), or the server cannot say (older servers: then a
 * gap is assumed). Trimming does not move `max-deleted-entry-id` (only XDEL does), so which ids went is not known: an
 * id that was the very last one trimmed counts as a gap too. False when the stream is gone or the server cannot be
 * asked now (the read that follows waits for it).
 */
export async function lostSince (client: Client, key: string, start: string): Promise<boolean> {
  let info: StreamInfo
  try {
    info = await streamInfo(client, key)
  } catch {
    return false
  }
  if (info.first === undefined || compareIds(start, info.first) >= 0) return false
  return info.added === undefined || info.length === undefined || info.added > info.length
}

/** What XINFO STREAM tells of a stream: its first entry id, entries now, entries ever added (Redis >= 7). */
interface StreamInfo { first: string | undefined, length: number | undefined, added: number | undefined }

async function streamInfo (client: Client, key: string): Promise<StreamInfo> {
  let reply: unknown
  try {
    reply = await client.xinfo('STREAM', key)
  } catch (error) {
    if (!isRefusal(error)) throw error
    // No such key, or XINFO not allowed (ACL): the first entry is enough to go on.
    const first = await client.xrange(key, '-', '+', 'COUNT', 1) as StreamEntry[]
    return { first: first[0]?.[0], length: undefined, added: undefined }
  }
  const fields = Array.isArray(reply) ? reply as unknown[] : []
  const value = (name: string): unknown => {
    const at = fields.indexOf(name)
    return at >= 0 && at % 2 === 0 ? fields[at + 1] : undefined
  }
  const first = value('first-entry')
  const count = (name: string): number | undefined => { const n = value(name); return typeof n === 'number' ? n : undefined }
  return {
    first: Array.isArray(first) && typeof first[0] === 'string' ? first[0] : undefined,
    length: count('length'),
    added: count('entries-added')
  }
}

/** The largest id before `id` (`'0-0'` has none: itself). */
export function previousId (id: string): string {
  const dash = id.indexOf('-')
  const ms = BigInt(id.slice(0, dash))
  const seq = BigInt(id.slice(dash + 1))
  if (seq > 0n) return `${ms}-${seq - 1n}`
  return ms > 0n ? `${ms - 1n}-18446744073709551615` : '0-0'
}
