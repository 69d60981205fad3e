/**
 * Pure: what one pino line shows. `summarize` runs for every line that arrives (it must be cheap: it keeps only
 * what the filter needs); `describe` runs again for the few rows on screen, and keeps everything a row draws.
 */
import { levelName, levelOfValue } from './levels.js'

/** Fields a row shows in columns of their own: the expanded view leaves them out. */
export const ROW_FIELDS: ReadonlySet<string> = new Set(['level', 'time', 'msg', 'userId'])

/** Fields the compact form leaves out: the row's own, and pino's noise (the expanded view has them). */
const COLUMNS = new Set([...ROW_FIELDS, 'pid', 'hostname', 'v'])

/** The compact form of the other fields is cut here: the expanded JSON has the rest. */
const MAX_COMPACT = 400

/** What the viewer keeps of every line (and of its own markers): enough to filter it and to draw it again. */
export interface Item {
  /** Order of arrival, unique within a viewer. */
  seq: number
  /** A line from the stream, or a marker the viewer adds (a gap, a lost connection). */
  kind: 'line' | 'marker'
  /** The history id, when the stream has ids. */
  id?: string
  /** The raw line (for a marker: its message). */
  line: string
  /** pino's level number, when the line has one. */
  level?: number
  /** What the Filter box searches: level name, job, message and the compact fields. */
  text: string
  /** When the viewer added a marker (ms). */
  at?: number
}

/** One field of the compact form. */
export interface Field { key: string, value: string }

/** Everything a row draws for a line. */
export interface Described {
  time?: number
  level?: number
  levelName: string
  job: string
  msg: string
  fields: Field[]
  /** The parsed line, for the expanded view; `undefined` when the line is not a JSON object. */
  object?: Record<string, unknown>
}

/** The line as an object, or `undefined` when it is not a JSON object. */
export function parseObject (line: string): Record<string, unknown> | undefined {
  if (line.charCodeAt(0) !== 123) return undefined // '{': skip the throw of JSON.parse for plain text
  try {
    const value: unknown = JSON.parse(line)
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : undefined
  } catch {
    return undefined
  }
}

/** The fields of `object` a row shows compactly, `key=value`. */
function compactFields (object: Record<string, unknown>): Field[] {
  const fields: Field[] = []
  let size = 0
  for (const key in object) {
    if (COLUMNS.has(key)) continue
    let value = compactValue(object[key])
    if (size + value.length > MAX_COMPACT) value = `${value.slice(0, Math.max(16, MAX_COMPACT - size))}…`
    fields.push({ key, value })
    size += key.length + value.length + 2
    if (size > MAX_COMPACT) break
  }
  return fields
}

/** A value as it reads after `key=`: an error as `Type: message`, a string bare unless quotes make it clearer. */
function compactValue (value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]*$/.test(value) && value !== '' ? value : JSON.stringify(value)
  if (value !== null && typeof value === 'object' && typeof (value as { stack?: unknown }).stack === 'string') {
    const error = value as { type?: unknown, name?: unknown, message?: unknown }
    const type = typeof error.type === 'string' ? error.type : typeof error.name === 'string' ? error.name : 'Error'
    return JSON.stringify(`${type}: ${typeof error.message === 'string' ? error.message : ''}`)
  }
  const json = JSON.stringify(value)
  return json === undefined ? String(value) : json
}

/** The time of a line's `time` field (ms since the epoch, or an ISO string). */
function timeOf (value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value
  if (typeof value === 'string') {
    const parsed = Date.parse(value)
    return Number.isNaN(parsed) ? undefined : parsed
  }
  return undefined
}

function textOf (value: unknown): string {
  if (value === undefined || value === null) return ''
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** Everything a row draws for `line`. */
export function describe (line: string): Described {
  const object = parseObject(line)
  if (object === undefined) return { levelName: '', job: '', msg: line, fields: [] }
  const level = levelOfValue(object.level)
  const described: Described = {
    levelName: levelName(level),
    job: textOf(object.userId),
    msg: textOf(object.msg),
    fields: compactFields(object),
    object
  }
  const time = timeOf(object.time)
  if (time !== undefined) described.time = time
  if (level !== undefined) described.level = level
  return described
}

/** The compact fields as one string, `key=value key=value`. */
export function fieldsText (fields: readonly Field[]): string {
  let text = ''
  for (const { key, value } of fields) text += (text === '' ? '' : ' ') + key + '=' + value
  return text
}

/** What the viewer keeps of a line from the stream. */
export function summarize (seq: number, line: string, id: string | undefined): Item {
  const d = describe(line)
  const item: Item = { seq, kind: 'line', line, text: `${d.levelName} ${d.job} ${d.msg} ${fieldsText(d.fields)}` }
  if (id !== undefined) item.id = id
  if (d.level !== undefined) item.level = d.level
  return item
}

/**
 * What the marker of a server's `event: gap` says. Markers come only from such events (or from the viewer itself):
 * a line, whatever it holds, is drawn as a line.
 */
export function gapMessage (reason: unknown, message: unknown): string {
  const why = typeof message === 'string' && message !== '' ? message : 'the stream could not resume exactly'
  return `Lines missing${typeof reason === 'string' ? ` (${reason})` : ''}: ${why}`
}

/** A marker the viewer adds to the list (a gap, a lost connection), saying `message`. */
export function marker (seq: number, message: string, at: number): Item {
  return { seq, kind: 'marker', line: message, text: message, at }
}

function pad (n: number, width = 2): string {
  return String(n).padStart(width, '0')
}

/** Local `HH:MM:SS.mmm`. */
export function clock (ms: number): string {
  const d = new Date(ms)
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
}

let browserZone: string | undefined

/** The browser's time zone name (asked once: `resolvedOptions()` is slow, and rows ask for every time shown). */
function localZoneName (): string {
  if (browserZone === undefined) {
    try {
      browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone ?? ''
    } catch {
      browserZone = ''
    }
  }
  return browserZone
}

/** The local zone's offset from UTC at `ms`: `UTC+01:00`. */
export function zoneOffset (ms = Date.now()): string {
  const offset = -new Date(ms).getTimezoneOffset()
  const sign = offset < 0 ? '-' : '+'
  const abs = Math.abs(offset)
  return `UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
}

/** The local zone's name when the browser knows one other than UTC (`Europe/Paris`), else ''. */
export function zoneName (): string {
  const name = localZoneName()
  return name === 'UTC' ? '' : name
}

/** The local zone at `ms`: `UTC+01:00 Europe/Paris` (the name when the browser knows it). */
export function zoneLabel (ms = Date.now()): string {
  const name = zoneName()
  return `${zoneOffset(ms)}${name === '' ? '' : ` ${name}`}`
}

/** The full local date and time with its offset, for a tooltip. */
export function fullTime (ms: number): string {
  const d = new Date(ms)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock(ms)} ${zoneLabel(ms)}`
}
