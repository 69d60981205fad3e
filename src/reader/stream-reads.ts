/**
 * Reading a history stream, the same for `subscribe()` and the SSE handler's viewers: where a reader starts, a
 * blocking read of what comes next, and a read of a range it lacks. A read that fails because the connection went
 * away waits for it to come back and reads again from the same id; a refusal of the server (ACL, wrong type) is
 * final and thrown.
 */
import { untilReady, type Client } from '../shared/connection'
import { asError, isRefusal } from '../shared/errors'
import { compareIds } from '../shared/history'
import { debug } from '../shared/report'

/** Lines read per XREAD or XRANGE; also how far ahead of its reader a stream subscription reads. */
export const READ_COUNT = 1000
/** How long one XREAD waits for a new entry before asking again (it returns at once when there is one). */
const BLOCK_MS = 5000

/** A history entry: its id, and its fields and values in turn. */
export type StreamEntry = [id: string, fields: string[]]

/**
 * Where a reader of `key` starts: right after `after` when the stream has issued that id; otherwise (no `after`, or
 * an id beyond the stream's last entry: from the future, or from a stream recreated since, after a Redis restart
 * without persistence) as a new reader, where the stream ends now, with its newest `history` entries to replay first,
 * oldest first.
 */
export async function startReading (client: Client, key: string, after: string | undefined, history: number): Promise<{ last: string, replay: StreamEntry[] }> {
  const end = await lastId(client, key)
  if (after !== undefined && compareIds(after, end) <= 0) return { last: after, replay: [] }
  if (history === 0 || end === '0-0') return { last: end, replay: [] }
  const recent = await client.xrevrange(key, end, '-', 'COUNT', history) as StreamEntry[]
  return { last: end, replay: recent.reverse() }
}

/** The id of the stream's newest entry, `'0-0'` when it has none. */
export async function lastId (client: Client, key: string): Promise<string> {
  const newest = await client.xrevrange(key, '+', '-', 'COUNT', 1) as StreamEntry[]
  return newest[0]?.[0] ?? '0-0'
}

/**
 * One XREAD of `key` after `last`, waiting up to `BLOCK_MS`: the entries, none when the wait ran out, or none once
 * the connection is back after being lost. Throws when the server refused: that is final.
 */
export async function readAfter (client: Client, key: string, last: string, secrets: readonly string[]): Promise<StreamEntry[]> {
  return await readOrWaitForConnection(client, key, last, secrets, async () => {
    const reply = await client.xread('COUNT', READ_COUNT, 'BLOCK', BLOCK_MS, 'STREAMS', key, last) as Array<[string, StreamEntry[]]> | null
    return reply?.[0]?.[1] ?? []
  }) ?? []
}

/** What a read of a range found: the entries after `last`, and whether `last` itself is still in the stream. */
export interface RangeRead {
  entries: StreamEntry[]
  /** `last` is still kept, so nothing after it can have been trimmed (Redis trims the oldest entries first). */
  kept: boolean
}

/**
 * Up to `READ_COUNT` entries of `key` after `last`, at once (XRANGE from `last` itself, to learn whether it is still
 * kept), or `undefined` once the connection is back after being lost: read again. Throws when the server refused:
 * that is final.
 */
export async function readRange (client: Client, key: string, last: string, secrets: readonly string[]): Promise<RangeRead | undefined> {
  return await readOrWaitForConnection(client, key, last, secrets, async () => {
    const entries = await client.xrange(key, last, '+', 'COUNT', READ_COUNT + 1) as StreamEntry[]
    const kept = entries[0]?.[0] === last
    return { entries: kept ? entries.slice(1) : entries.slice(0, READ_COUNT), kept }
  })
}

/**
 * True unless the stream no longer holds entry `id` (trimmed, or the stream expired): then entries after it may have
 * gone too. Asked right after an XREAD from `id`: an entry still there then was there when the XREAD ran, and so
 * was everything after it, so nothing was skipped. `undefined` when the server cannot be asked now.
 */
export async function stillKept (client: Client, key: string, id: string): Promise<boolean | undefined> {
  try {
    return (await client.xrange(key, id, id) as StreamEntry[]).length === 1
  } catch {
    return undefined
  }
}

/** Runs `read`; when the connection fails under it, waits for the connection to be back and returns `undefined`. */
async function readOrWaitForConnection<T> (client: Client, key: string, last: string, secrets: readonly string[],
  read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read()
  } catch (error) {
    if (isRefusal(error)) throw error
    debug(secrets, 'reading %s failed (%s); resuming after %s', key, asError(error).message, last)
    await untilReady(client)
    return undefined
  }
}
