/**
 * Worker side, pure: finds the value of one top-level key in a line of JSON without building the object, and
 * agrees with `JSON.parse` on every input: the same verdict on whether the line is a JSON object at all, the last
 * occurrence of the key wins, a key nested in another value does not count, and escaped keys and values are
 * decoded. It validates the whole line as it goes (strings, escapes, numbers, literals, nesting), so a line
 * `JSON.parse` rejects is rejected here too. Only escaped text is handed to `JSON.parse` to decode.
 *
 * Why: `JSON.parse` of every line allocates the whole object and was the largest cost of routing (see
 * BENCHMARKS.md); pino's lines rarely escape anything in the part that matters.
 */

/** The line is not a JSON object (or not JSON). */
export const NOT_AN_OBJECT = -1
/** The line is a JSON object without the key at its top level. */
export const ABSENT = -2

/** What `scanTopLevel` found: the key's last value as a string, `ABSENT`, `NOT_AN_OBJECT`, or `null` for a value that is not a string. */
export type ScanResult = string | null | typeof NOT_AN_OBJECT | typeof ABSENT

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COLON = 0x3a
const COMMA = 0x2c
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const MINUS = 0x2d
const PLUS = 0x2b
const DOT = 0x2e
const ZERO = 0x30
const NINE = 0x39

/** Thrown (and caught below) when the input is not JSON; cheaper than threading failure through every return. */
const INVALID = new Error('not JSON')

function isSpace (c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
}

function isDigit (c: number): boolean {
  return c >= ZERO && c <= NINE
}

function isHex (c: number): boolean {
  return (c >= ZERO && c <= NINE) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
}

/** Scanning state over one line. */
class Scanner {
  pos = 0
  /** Whether the last string scanned held an escape (then its text must be decoded). */
  escaped = false

  constructor (readonly text: string) {}

  skipSpace (): void {
    const { text } = this
    while (this.pos < text.length && isSpace(text.charCodeAt(this.pos))) this.pos++
  }

  expect (c: number): void {
    if (this.text.charCodeAt(this.pos) !== c) throw INVALID
    this.pos++
  }

  /** Scans a string starting at its opening quote; returns the index just past the opening quote. */
  string (): number {
    const { text } = this
    this.expect(QUOTE)
    const start = this.pos
    this.escaped = false
    for (;;) {
      if (this.pos >= text.length) throw INVALID
      const c = text.charCodeAt(this.pos++)
      if (c === QUOTE) return start
      if (c < 0x20) throw INVALID
      if (c === BACKSLASH) {
        this.escaped = true
        const e = text.charCodeAt(this.pos++)
        if (e === 0x75) { // \uXXXX
          for (let i = 0; i < 4; i++) if (!isHex(text.charCodeAt(this.pos++))) throw INVALID
        } else if (!(e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e ||
          e === 0x72 || e === 0x74)) {
          throw INVALID
        }
      }
    }
  }

  digits (): void {
    if (!isDigit(this.text.charCodeAt(this.pos))) throw INVALID
    while (isDigit(this.text.charCodeAt(this.pos))) this.pos++
  }

  number (): void {
    const { text } = this
    if (text.charCodeAt(this.pos) === MINUS) this.pos++
    if (text.charCodeAt(this.pos) === ZERO) this.pos++
    else this.digits()
    if (text.charCodeAt(this.pos) === DOT) {
      this.pos++
      this.digits()
    }
    const e = text.charCodeAt(this.pos)
    if (e === 0x65 || e === 0x45) {
      this.pos++
      const sign = text.charCodeAt(this.pos)
      if (sign === PLUS || sign === MINUS) this.pos++
      this.digits()
    }
  }

  literal (word: string): void {
    if (!this.text.startsWith(word, this.pos)) throw INVALID
    this.pos += word.length
  }

  /** Scans any one value (objects and arrays without recursion, so deep nesting cannot overflow the stack). */
  value (): void {
    const closers: number[] = []
    for (;;) {
      this.skipSpace()
      const c = this.text.charCodeAt(this.pos)
      let opened = false
      if (c === QUOTE) this.string()
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        this.pos++
        this.skipSpace()
        const close = c === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET
        if (this.text.charCodeAt(this.pos) === close) this.pos++ // empty
        else {
          closers.push(close)
          opened = true
          if (c === OPEN_BRACE) this.memberKey()
        }
      } else if (c === MINUS || isDigit(c)) this.number()
      else if (c === 0x74) this.literal('true')
      else if (c === 0x66) this.literal('false')
      else if (c === 0x6e) this.literal('null')
      else throw INVALID
      if (opened) continue // scan the first element or member value
      // After a value: close containers or move to the next element.
      for (;;) {
        if (closers.length === 0) return
        this.skipSpace()
        const next = this.text.charCodeAt(this.pos++)
        const close = closers[closers.length - 1]
        if (next === COMMA) {
          if (close === CLOSE_BRACE) this.memberKey()
          break
        }
        if (next !== close) throw INVALID
        closers.pop()
      }
    }
  }

  /** Scans `"key" :` inside a nested object. */
  memberKey (): void {
    this.skipSpace()
    this.string()
    this.skipSpace()
    this.expect(COLON)
  }
}

/**
 * Returns the value of the top-level `key` of `line` as `JSON.parse(line)[key]` would give it, when that is a
 * string; `null` when it is there but not a string; `ABSENT` when the object has no such own key; `NOT_AN_OBJECT`
 * when `JSON.parse(line)` would throw or give something other than a plain object.
 */
export function scanTopLevel (line: string, key: string): ScanResult {
  const s = new Scanner(line)
  let found: ScanResult = ABSENT
  try {
    s.skipSpace()
    s.expect(OPEN_BRACE)
    s.skipSpace()
    if (line.charCodeAt(s.pos) === CLOSE_BRACE) s.pos++
    else {
      for (;;) {
        s.skipSpace()
        const keyStart = s.string()
        const keyEnd = s.pos - 1
        const matches = s.escaped
          ? JSON.parse(line.slice(keyStart - 1, keyEnd + 1)) === key
          : keyEnd - keyStart === key.length && line.startsWith(key, keyStart)
        s.skipSpace()
        s.expect(COLON)
        s.skipSpace()
        if (matches && line.charCodeAt(s.pos) === QUOTE) {
          const valueStart = s.string()
          const valueEnd = s.pos - 1
          found = s.escaped ? JSON.parse(line.slice(valueStart - 1, valueEnd + 1)) as string : line.slice(valueStart, valueEnd)
        } else {
          s.value()
          if (matches) found = null
        }
        s.skipSpace()
        const next = line.charCodeAt(s.pos++)
        if (next === CLOSE_BRACE) break
        if (next !== COMMA) throw INVALID
      }
    }
    s.skipSpace()
    if (s.pos !== line.length) throw INVALID
  } catch (error) {
    if (error === INVALID) return NOT_AN_OBJECT
    throw error
  }
  return found
}
