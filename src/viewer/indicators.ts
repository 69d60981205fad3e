/** What the toolbar says: the connection's status, the count of lines held back, the counts, the gaps. */
import type { ConnectionState } from './connection.js'
import type { Parts } from './template.js'

const STATUS_TEXT: Record<ConnectionState, string> = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' }

function count (n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`
}

/** Shows `state`; false when it was shown already. */
export function showStatus (parts: Parts, state: ConnectionState): boolean {
  const { status } = parts
  if (status.dataset.state === state && status.textContent === STATUS_TEXT[state]) return false
  status.dataset.state = state
  status.textContent = STATUS_TEXT[state]
  return true
}

/** Shows the lines that arrived while paused: "12 new lines". */
export function showPending (parts: Parts, arrived: number): void {
  parts.pending.textContent = count(arrived, 'new line')
}

/** Shows how many lines are held and shown, or why the list is empty. */
export function showCounts (parts: Parts, held: number, shown: number, rows: number): void {
  const { counts, empty } = parts
  counts.textContent = shown === held ? count(held, 'line') : `${shown.toLocaleString('en-US')} of ${count(held, 'line')}`
  empty.hidden = rows > 0
  empty.textContent = held === 0 ? 'Waiting for lines…' : 'No line matches the filter'
}

/** Shows how many gaps the list holds (a button to the latest). */
export function showGaps (parts: Parts, gaps: number): void {
  parts.gaps.hidden = gaps === 0
  parts.gaps.textContent = `⚠ ${count(gaps, 'gap')}`
}

/** Shows why the filter's text is not used, or nothing. */
export function showFilterError (parts: Parts, error: string | undefined): void {
  parts.filter.setAttribute('aria-invalid', String(error !== undefined))
  parts.filterError.textContent = error ?? ''
  parts.filterError.hidden = error === undefined
}
