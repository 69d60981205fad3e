/**
 * The events of one SSE stream: each line a viewer queues, as `id:` and `data:` (the filtered-out ones left out),
 * and its notices as `event: status` / `event: gap`, written as fast as the browser takes them.
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
    if (message instanceof Notice || filter === undefined || filter(message.line)) chunk += event(message)
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
  const data = message.line.split(/\r\n|\r|\n/).map((part) => `data: ${part}\n`).join('')
  if (message instanceof Notice) return `event: ${message.event}\n${data}\n`
  return message.id === undefined ? `${data}\n` : `id: ${message.id}\n${data}\n`
}
