/**
 * Draws one row: a line (time, level, job, message, compact fields, its details when expanded, its "Copy link"), or
 * a marker (a gap, a lost connection, the transport's loss notice). Text goes in as text nodes only: a line is
 * untrusted input and never becomes HTML.
 */
import { clock, describe, fullTime, ROW_FIELDS, type Described, type Item } from './format.js'
import type { ViewFilter } from './filter.js'
import type { Copied } from './row-actions.js'

/** What a row needs to know besides its item. */
export interface RowContext {
  filter: ViewFilter
  expanded: (item: Item) => boolean
  /** True for the line the view was opened at (`from`). */
  target: (item: Item) => boolean
  /** What the row says after its link (or its JSON) was copied ("Copied"), for a moment. */
  copied: (item: Item, what: Copied) => string | undefined
  /** Tells the viewer a job id it draws (the job column grows to fit the longest). */
  job: (id: string) => void
  /** The console URL of a line with an id. */
  link: (id: string) => string
}

function el<K extends keyof HTMLElementTagNameMap> (tag: K, className: string, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  element.className = className
  element.append(...children)
  return element
}

/** `text` with the filter's matches in `<mark>`. */
function marked (text: string, filter: ViewFilter): Node {
  const ranges = filter.matches(text)
  if (ranges.length === 0) return document.createTextNode(text)
  const fragment = document.createDocumentFragment()
  let at = 0
  for (const [start, end] of ranges) {
    if (start > at) fragment.append(text.slice(at, start))
    fragment.append(el('mark', '', text.slice(start, end)))
    at = end
  }
  if (at < text.length) fragment.append(text.slice(at))
  return fragment
}

function timeElement (ms: number | undefined): HTMLElement {
  if (ms === undefined) return el('span', 'time')
  // The milliseconds in a part of their own: a narrow view hides them (the title and datetime keep the full time).
  const text = clock(ms)
  const time = el('time', 'time', text.slice(0, 8), el('span', 'ms', text.slice(8)))
  time.dateTime = new Date(ms).toISOString()
  time.title = fullTime(ms)
  return time
}

function copyLink (item: Item, context: RowContext): Node[] {
  if (item.id === undefined) return []
  const link = el('a', 'copy', '#')
  link.href = context.link(item.id)
  link.setAttribute('aria-label', 'Copy link')
  link.title = 'Copy a link to this line'
  const copied = context.copied(item, 'link')
  return copied === undefined ? [link] : [link, el('span', 'copied', copied)]
}

/** The "Copy JSON" button: the whole line as it arrived (row-actions.ts copies it). */
function copyJson (copied: string | undefined): Node[] {
  const button = el('button', 'copy-json', 'Copy JSON')
  button.type = 'button'
  button.title = 'Copy the whole line, every field, as JSON'
  return copied === undefined ? [button] : [button, el('span', 'copied', copied)]
}

/**
 * The expanded part: each error's stack first, as real lines (what one expands an error for), then as indented
 * JSON the fields the row does not show already (level, time, job and message are in the row; pid and hostname go
 * last), and "Copy JSON" for the whole line.
 */
function details (d: Described, line: string, filter: ViewFilter, copied: string | undefined): HTMLElement {
  const box = el('div', 'details')
  if (d.object === undefined) {
    box.append(el('pre', 'json', marked(line, filter)))
    return box
  }
  const stacks: Array<[string, string]> = []
  const shown: Record<string, unknown> = {}
  const last: Record<string, unknown> = {}
  // A field the row could not draw (a time it cannot read, say) stays in the JSON.
  const inRow = (key: string): boolean => ROW_FIELDS.has(key) &&
    (key === 'time' ? d.time !== undefined : key === 'level' ? d.level !== undefined : true)
  for (const key in d.object) {
    const value = d.object[key]
    if (inRow(key)) continue
    const stack = value !== null && typeof value === 'object' ? (value as { stack?: unknown }).stack : undefined
    if (typeof stack === 'string') {
      stacks.push([`${key}.stack`, stack])
      const { stack: _stack, ...rest } = value as Record<string, unknown>
      shown[key] = rest
    } else if (key === 'pid' || key === 'hostname' || key === 'v') last[key] = value
    else shown[key] = value
  }
  for (const [label, stack] of stacks) box.append(el('div', 'label', label), el('pre', 'stack', marked(stack, filter)))
  const rest = { ...shown, ...last }
  const json = Object.keys(rest).length === 0 ? [] : [el('pre', 'json', marked(JSON.stringify(rest, null, 2), filter))]
  box.append(el('div', 'label', json.length === 0 ? 'No other fields' : 'Other fields', ...copyJson(copied)), ...json)
  return box
}

function markerRow (item: Item, context: RowContext): HTMLElement {
  const head = el('div', 'head', el('span', 'marker-icon', '⚠'), timeElement(item.at),
    el('span', 'msg', marked(item.line, context.filter)))
  head.title = item.line
  return el('div', 'row marker', head)
}

/** The element of `item`'s row. */
export function renderRow (item: Item, context: RowContext): HTMLElement {
  const row = item.kind === 'marker' ? markerRow(item, context) : lineRow(item, context)
  row.dataset.seq = String(item.seq)
  row.setAttribute('role', 'listitem')
  if (item.id !== undefined) row.dataset.id = item.id
  if (context.target(item)) {
    row.classList.add('target')
    row.setAttribute('aria-current', 'true')
  }
  return row
}

function lineRow (item: Item, context: RowContext): HTMLElement {
  const d = describe(item.line)
  const { filter } = context
  const expanded = context.expanded(item)
  const row = el('div', expanded ? 'row expanded' : 'row')
  if (d.level !== undefined) row.dataset.level = d.levelName
  const toggle = el('button', 'toggle', expanded ? '▾' : '▸')
  toggle.type = 'button'
  toggle.setAttribute('aria-expanded', String(expanded))
  toggle.setAttribute('aria-label', 'Details')
  const level = el('span', `level level-${d.levelName === '' ? 'none' : d.levelName}`, d.levelName.toUpperCase())
  const job = el('span', 'job', marked(d.job, filter))
  if (d.job !== '') {
    job.title = d.job
    context.job(d.job)
  }
  const text = el('span', 'text', el('span', 'msg', marked(d.msg, filter)))
  for (const { key, value } of d.fields) {
    text.append(' ', el('span', 'field', el('span', 'key', marked(key, filter)), '=', el('span', 'value', marked(value, filter))))
  }
  const head = el('div', 'head', toggle, timeElement(d.time), level, job, text, ...copyLink(item, context))
  row.append(head)
  if (expanded) row.append(details(d, item.line, filter, context.copied(item, 'json')))
  return row
}
