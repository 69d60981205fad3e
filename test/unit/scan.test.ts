/**
 * scanTopLevel must agree with JSON.parse on every line: thousands of random lines (pino's own output for random
 * fields, hand-built JSON with escapes, odd spacing, repeated and nested keys, and broken variants of both),
 * each compared with what JSON.parse makes of it. The generator is seeded, so a failure names a reproducible case.
 */
import { Writable } from 'node:stream'
import pino from 'pino'
import { ABSENT, NOT_AN_OBJECT, scanTopLevel, type ScanResult } from '../../src/scan'

/** The reference: what the transport computed with JSON.parse before the scanner. */
function reference (line: string, key: string): ScanResult {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return NOT_AN_OBJECT
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return NOT_AN_OBJECT
  if (!Object.prototype.hasOwnProperty.call(value, key)) return ABSENT
  const found = (value as Record<string, unknown>)[key]
  return typeof found === 'string' ? found : null
}

/** A small seeded generator (mulberry32). */
function random (seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const KEYS = ['userId', 'userId', 'userid', 'user', 'msg', 'a', 'user"Id', '__proto__', 'userId ', 'ü', '']
const TEXTS = ['', 'job_1', 'a b', 'quote " inside', 'back\\slash', 'tab\there', 'new\nline', 'ünïcødé ☕', '𝄞 astral',
  '\u0000 nul', 'lone \ud800 surrogate', '"userId":"fake"', '{"userId":"x"}', 'x'.repeat(300), '\u2028 line sep']

function jsonString (text: string, rnd: () => number): string {
  // JSON.stringify, then sometimes escape more than it must: \u for some characters, \/ for slashes.
  let out = JSON.stringify(text)
  if (rnd() < 0.3) {
    out = '"' + [...text].map((ch) => {
      const code = ch.codePointAt(0) as number
      if (code > 0xffff || rnd() > 0.3) return JSON.stringify(ch).slice(1, -1)
      return '\\u' + code.toString(16).padStart(4, '0')
    }).join('') + '"'
  }
  if (rnd() < 0.1) out = out.replace(/\//g, '\\/')
  return out
}

function space (rnd: () => number): string {
  return rnd() < 0.8 ? '' : [' ', '\n', '\t', '\r', '  '][Math.floor(rnd() * 5)] as string
}

function jsonValue (rnd: () => number, depth: number): string {
  const pick = rnd()
  if (depth > 3 || pick < 0.35) return jsonString(TEXTS[Math.floor(rnd() * TEXTS.length)] as string, rnd)
  if (pick < 0.5) return ['0', '-1', '3.25', '1e3', '-2.5E-7', '123456789012345678901234567890', '0.0'][Math.floor(rnd() * 7)] as string
  if (pick < 0.6) return ['true', 'false', 'null'][Math.floor(rnd() * 3)] as string
  if (pick < 0.75) return '[' + Array.from({ length: Math.floor(rnd() * 4) }, () => space(rnd) + jsonValue(rnd, depth + 1) + space(rnd)).join(',') + ']'
  return jsonObject(rnd, depth + 1)
}

function jsonObject (rnd: () => number, depth: number): string {
  const members = Array.from({ length: Math.floor(rnd() * 6) }, () =>
    space(rnd) + jsonString(KEYS[Math.floor(rnd() * KEYS.length)] as string, rnd) + space(rnd) + ':' + space(rnd) + jsonValue(rnd, depth) + space(rnd))
  return '{' + members.join(',') + space(rnd) + '}'
}

/** Breaks a line a little: delete, insert or replace one character, or cut it short. */
function mutate (line: string, rnd: () => number): string {
  const at = Math.floor(rnd() * (line.length + 1))
  const ch = ['"', '\\', '{', '}', '[', ']', ',', ':', '0', '-', 'e', '.', 'a', ' ', '\u0001', '\u001f', 'u', 'n'][Math.floor(rnd() * 18)] as string
  switch (Math.floor(rnd() * 4)) {
    case 0: return line.slice(0, at) + line.slice(at + 1)
    case 1: return line.slice(0, at) + ch + line.slice(at)
    case 2: return line.slice(0, at) + ch + line.slice(at + 1)
    default: return line.slice(0, at)
  }
}

/** Lines exactly as pino writes them, for random bindings, mixin fields and call-site fields. */
function pinoLines (rnd: () => number, count: number): string[] {
  const lines: string[] = []
  const sink = new Writable({ write (chunk, _enc, cb) { lines.push(...String(chunk).split('\n').filter((l) => l !== '')); cb() } })
  const anyValue = (): unknown => {
    const p = rnd()
    if (p < 0.5) return TEXTS[Math.floor(rnd() * TEXTS.length)]
    if (p < 0.6) return Math.floor(rnd() * 1000) - 500
    if (p < 0.7) return null
    if (p < 0.8) return { userId: 'nested', deeper: { userId: anyValue() } }
    return [TEXTS[Math.floor(rnd() * TEXTS.length)], { userId: 'in array' }]
  }
  let mixinValue: unknown
  const logger = pino({ mixin: () => (mixinValue === undefined ? {} : { userId: mixinValue }) }, sink)
  for (let i = 0; i < count; i++) {
    mixinValue = rnd() < 0.5 ? anyValue() : undefined
    const bound = rnd() < 0.5 ? logger.child({ userId: anyValue(), extra: anyValue() }) : logger
    const fields: Record<string, unknown> = { other: anyValue() }
    if (rnd() < 0.5) fields.userId = anyValue()
    bound.info(fields, String(TEXTS[Math.floor(rnd() * TEXTS.length)]))
  }
  return lines
}

describe('scanTopLevel agrees with JSON.parse', () => {
  const rnd = random(20261124)

  it('on 3 000 lines written by pino with random userId bindings, mixins and call-site fields', () => {
    const lines = pinoLines(rnd, 3000)
    expect(lines.length).toBe(3000)
    for (const line of lines) expect([line, scanTopLevel(line, 'userId')]).toEqual([line, reference(line, 'userId')])
  })

  it('on 20 000 hand-built JSON lines (escapes, spacing, repeated and nested keys) and broken variants of them', () => {
    let invalid = 0
    for (let i = 0; i < 20_000; i++) {
      let line = space(rnd) + jsonObject(rnd, 0) + space(rnd)
      if (rnd() < 0.4) line = mutate(line, rnd)
      if (rnd() < 0.05) line = jsonValue(rnd, 0) // not an object at all
      const expected = reference(line, 'userId')
      if (expected === NOT_AN_OBJECT) invalid++
      expect([line, scanTopLevel(line, 'userId')]).toEqual([line, expected])
    }
    expect(invalid).toBeGreaterThan(2000) // the broken variants were exercised
  })

  it.each([
    ['an escaped key', '{"user\\u0049d":"x"}', 'x'],
    ['an escaped value', '{"userId":"a\\"b\\u00e9"}', 'a"bé'],
    ['the last of repeated keys', '{"userId":"a","userId":"b"}', 'b'],
    ['a later non-string value', '{"userId":"a","userId":1}', null],
    ['a nested key only', '{"x":{"userId":"a"},"y":[{"userId":"b"}]}', ABSENT],
    ['deep nesting', '{"x":' + '['.repeat(100_000) + ']'.repeat(100_000) + ',"userId":"deep"}', 'deep'],
    ['unbalanced nesting', '{"x":' + '['.repeat(10) + ']'.repeat(9) + '}', NOT_AN_OBJECT],
    ['a leading byte-order mark', '\ufeff{"userId":"a"}', NOT_AN_OBJECT],
    ['a trailing comma', '{"userId":"a",}', NOT_AN_OBJECT],
    ['text after the object', '{"userId":"a"} x', NOT_AN_OBJECT],
    ['a raw control character in a string', '{"userId":"a\u0001"}', NOT_AN_OBJECT],
    ['a bad escape', '{"userId":"a\\x"}', NOT_AN_OBJECT],
    ['a number with a leading zero', '{"n":01,"userId":"a"}', NOT_AN_OBJECT],
    ['an empty object', ' { } ', ABSENT]
  ])('on %s', (_what, line, expected) => {
    expect(reference(line, 'userId')).toEqual(expected)
    expect(scanTopLevel(line, 'userId')).toEqual(expected)
  })
})
