/**
 * The `<log-viewer>`'s shadow DOM: the toolbar (Filter, Level, Pause, the count of new lines, the status), the
 * notes under it, the column heads with the time zone, the scrolling list, and under it "Jump to latest" (in the
 * flow, not over the list: it never hides a row's Copy link).
 */
import { zoneLabel, zoneName, zoneOffset } from './format.js'
import { LEVEL_NAMES } from './levels.js'
import { STYLES } from './styles.js'

/** The parts of the shadow DOM the element drives. */
export interface Parts {
  filter: HTMLInputElement
  filterError: HTMLElement
  level: HTMLSelectElement
  pause: HTMLButtonElement
  pending: HTMLElement
  counts: HTMLElement
  gaps: HTMLButtonElement
  status: HTMLElement
  note: HTMLElement
  zone: HTMLElement
  scroller: HTMLElement
  empty: HTMLElement
  latest: HTMLButtonElement
}

let sheet: CSSStyleSheet | undefined

function node<K extends keyof HTMLElementTagNameMap> (tag: K, className: string, attributes: Record<string, string> = {}, text = ''): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  element.className = className
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value)
  if (text !== '') element.textContent = text
  return element
}

/** Fills `root` and returns its parts. */
export function buildShadow (root: ShadowRoot): Parts {
  if ('adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
    sheet ??= new CSSStyleSheet()
    if (sheet.cssRules.length === 0) sheet.replaceSync(STYLES)
    root.adoptedStyleSheets = [sheet]
  } else root.append(node('style', '', {}, STYLES))
  const parts: Parts = {
    filter: node('input', 'filter', {
      type: 'text', enterkeyhint: 'search', 'aria-label': 'Filter', placeholder: 'Filter: text or /regex/', spellcheck: 'false',
      autocomplete: 'off', 'aria-describedby': 'filter-error', 'aria-invalid': 'false'
    }),
    filterError: node('p', 'filter-error', { id: 'filter-error', hidden: '' }),
    level: node('select', 'level-select', { id: 'level', 'aria-label': 'Level', title: 'Show this level and above' }),
    pause: node('button', 'pause', { type: 'button' }, 'Pause'),
    pending: node('span', 'pending', { hidden: '', 'aria-live': 'polite' }),
    counts: node('span', 'counts'),
    gaps: node('button', 'gaps', { type: 'button', hidden: '', title: 'Go to the latest gap' }),
    status: node('span', 'status', { role: 'status', 'data-state': 'connecting' }, 'Connecting…'),
    note: node('p', 'note', { hidden: '' }),
    zone: node('span', 'zone', { title: `Times are local: ${zoneLabel()}` }, `times: ${zoneOffset()}`),
    scroller: node('div', 'scroller', { role: 'list', 'aria-label': 'Log lines', tabindex: '0' }),
    empty: node('div', 'empty', {}, 'Waiting for lines…'),
    latest: node('button', 'latest', { type: 'button', hidden: '' }, 'Jump to latest ↓')
  }
  // A narrow view shows the offset only (the title has the name too).
  if (zoneName() !== '') parts.zone.append(node('span', 'zone-name', {}, ` ${zoneName()}`))
  // The values stay the level names (the URL's `level=`); the text says what each one shows.
  for (const name of LEVEL_NAMES) parts.level.append(new Option(name === 'fatal' ? 'fatal only' : `${name} and above`, name))
  const toolbar = node('div', 'toolbar', { part: 'toolbar' })
  // The accessible name stays the select's own `Level` (aria-label); the label is for the eye, and a click on it.
  const label = node('label', 'level-label', { for: 'level' }, 'Level')
  // In groups, so that a narrow view can lay them out in two rows: the filter and the status, then the controls.
  const controls = node('div', 'controls')
  controls.append(label, parts.level, parts.pause, parts.pending)
  const state = node('div', 'state')
  state.append(parts.counts, parts.gaps, parts.status)
  toolbar.append(parts.filter, controls, node('span', 'grow'), state)
  const columns = node('div', 'columns', { part: 'columns' })
  // Each head sits in a cell as wide as its column (the cells use the rows' font: the widths are in `ch`).
  const head = (className: string, label: string): HTMLElement => {
    const cell = node('span', className)
    cell.append(node('span', 'label', {}, label))
    return cell
  }
  columns.append(node('span', 'toggle-space'), head('time', 'Time'), head('level', 'Level'), head('job', 'Job'),
    head('text', 'Message'), parts.zone)
  root.append(toolbar, parts.filterError, parts.note, columns, parts.scroller, parts.empty, parts.latest)
  return parts
}
