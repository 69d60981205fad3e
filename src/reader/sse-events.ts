/**
 * The events of one SSE stream: each line a viewer queues, as `id:` and `data:` (the filtered-out ones left out),
 * its notices as `event: status` / `event: gap`, and the transport's own notice of lost lines (read from history)
 * as an `event: gap` with its id, written as fast as the browser takes them.
 */
import { onceAny } from '../shared/once-any'
import type { LineFilter } from './line-filter'
import type { LogMessage } from './message-queue'
import type { Browser } from './sse-browser'
import { Notice, type Viewer } from './sse-viewer'

/**
 * Writes each line as an event, pausing while the connection to the browser is full, until the browser leaves. A
 * line that `filter` rejects is not sent: a browser that resumes after the last id it got reads it again, and it is
 * rejected again, so the filter costs no exactness.
 */
export async function pump (viewer: Viewer, browser: Browser, filter: LineFilter | undefined): Promise<void> {
  const { res } = browser
  let corked = false
  let dropped = viewer.dropped
  for await (const message of viewer) {
    // Lines still queued when the browser left go nowhere; leaving the loop closes the subscription.
    if (browser.gone) break
    let chunk = ''
    // The queue drops its oldest lines when full: those were just before this one.
    if (viewer.dropped > dropped) {
      dropped = viewer.dropped
      chunk += event(Notice.gap('dropped', viewer.channel))
    }
    // Gaps are never filtered out: they tell what the view lacks.
    if (message instanceof Notice || message.notice !== undefined || filter === undefined || filter(message.line)) chunk += event(message)
    if (chunk === '') continue
    // Lines that arrive together leave in one chunk.
    if (!corked) {
      corked = true
      res.cork()
      setImmediate(() => {
        corked = false
        res.uncork()
      })
    }
    // Until the browser's connection takes more, or is gone.
    if (!res.write(chunk) && !browser.gone) await onceAny(res, ['drain', 'close'])
  }
}

/** One SSE event. pino lines hold no newline, but a carriage return would end an SSE line early. */
function event (message: LogMessage): string {
  if (message.notice !== undefined) return lostEvent(message)
  const data = message.line.split(/\r\n|\r|\n/).map((part) => `data: ${part}\n`).join('')
  if (message instanceof Notice) return `event: ${message.event}\n${data}\n`
  return message.id === undefined ? `${data}\n` : `id: ${message.id}\n${data}\n`
}

/**
 * The transport's notice of lost lines as a gap event (`reason: 'overflow'`): its words, how many lines, between
 * which times and when it was said, with the entry's id, so that a browser that resumes after it does not get it
 * twice.
 */
function lostEvent (message: LogMessage): string {
  let notice: { msg?: unknown, lost?: unknown, lostFrom?: unknown, lostTo?: unknown, time?: unknown } = {}
  try {
    const parsed: unknown = JSON.parse(message.line)
    if (parsed !== null && typeof parsed === 'object') notice = parsed
  } catch {}
  const gap = {
    reason: 'overflow',
    message: typeof notice.msg === 'string' ? notice.msg : 'log lines were lost: the transport\'s buffer was full',
    ...(typeof notice.lost === 'number' ? { lost: notice.lost } : {}),
    ...(typeof notice.lostFrom === 'string' ? { lostFrom: notice.lostFrom } : {}),
    ...(typeof notice.lostTo === 'string' ? { lostTo: notice.lostTo } : {}),
    ...(typeof notice.time === 'number' ? { time: notice.time } : {})
  }
  return `event: gap\n${message.id === undefined ? '' : `id: ${message.id}\n`}data: ${JSON.stringify(gap)}\n\n`
}
