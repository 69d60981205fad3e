/**
 * What an SSE request asks of its stream besides the job, read from its query and headers and checked: the
 * server-side filters (`level`, `q`), where to start (`from`), and where to resume (`Last-Event-ID`). A bad value
 * gets a short 400 naming the parameter, never an echo of it.
 */
import type { IncomingMessage } from 'node:http'
import { HISTORY_ID } from '../shared/history'
import { createLineFilter, LEVEL_NAMES, levelNumber, type LineFilter } from './line-filter'

/** The longest `q` accepted, in characters. */
export const MAX_QUERY_TEXT = 200

/** What the request asks for. */
export interface StreamQuery {
  /** The lines to send (`?level=`, `?q=`); `undefined`: all. */
  filter: LineFilter | undefined
  /** `?from=`: start at this history entry, with the entries before it as context. */
  from: string | undefined
  /** The id of the last event the browser saw. */
  lastEventId: string | undefined
}

/** The request's stream query, or the 400 it gets. */
export function readStreamQuery (req: IncomingMessage, query: URLSearchParams): StreamQuery | { status: 400, message: string } {
  // An empty value (a form's untouched field) asks for nothing.
  const levelName = query.get('level') ?? ''
  const level = levelName === '' ? undefined : levelNumber(levelName.toLowerCase())
  if (levelName !== '' && level === undefined) {
    return { status: 400, message: `invalid level: expected ${LEVEL_NAMES.join(', ')}` }
  }
  // A substring, never an expression: it comes from whoever holds the URL.
  const text = query.get('q') ?? ''
  if ([...text].length > MAX_QUERY_TEXT) return { status: 400, message: `invalid q: at most ${MAX_QUERY_TEXT} characters` }
  const from = query.get('from') ?? ''
  if (from !== '' && !HISTORY_ID.test(from)) return { status: 400, message: 'invalid from: expected a history entry id' }
  return { filter: createLineFilter({ level, text }), from: from === '' ? undefined : from, lastEventId: resumeFrom(req, query) }
}

/**
 * The id of the last event the browser saw (`Last-Event-ID`, or `lastEventId` in the query for polyfills); one that
 * is not a history id is ignored, as a browser without one.
 */
function resumeFrom (req: IncomingMessage, query: URLSearchParams): string | undefined {
  const header = req.headers['last-event-id']
  const id = typeof header === 'string' ? header.trim() : query.get('lastEventId')
  return id !== null && HISTORY_ID.test(id) ? id : undefined
}
