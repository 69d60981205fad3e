/**
 * The line filter of the SSE handler (`?level=`, `?q=`) and the CLI (`--level`, `--grep`): pure, checked against
 * lines as pino writes them, with numeric and named levels, and against lines it cannot read.
 */
import { createLineFilter, LEVEL_NAMES, LEVELS, levelNumber, levelOf } from '../../src/reader/line-filter'

const line = (level: number | string, msg: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ level, time: 1_700_000_000_000, pid: 1, hostname: 'h', msg, ...extra })

describe('the line filter', () => {
  it('knows pino\'s levels by name, lowest first, and nothing else', () => {
    expect(LEVEL_NAMES).toEqual(['trace', 'debug', 'info', 'warn', 'error', 'fatal'])
    expect(LEVEL_NAMES.map(levelNumber)).toEqual([10, 20, 30, 40, 50, 60])
    for (const other of ['WARN', 'warning', '', 'toString', '__proto__', 'constructor', 40, null, undefined]) {
      expect(levelNumber(other)).toBeUndefined()
    }
    expect(Object.isFrozen(LEVELS)).toBe(true)
  })

  it('reads a line\'s level, a number or a name, and nothing from what is not a JSON object with one', () => {
    expect(levelOf(line(30, 'x'))).toBe(30)
    expect(levelOf(line('error', 'x'))).toBe(50)
    expect(levelOf(line(35, 'custom level'))).toBe(35)
    for (const unreadable of ['not json', '[1,2]', 'null', '42', '"warn"', '{"msg":"no level"}', line('loud', 'x'), '{"level":true}']) {
      expect(levelOf(unreadable)).toBeUndefined()
    }
  })

  it('keeps every line when asked for nothing', () => {
    expect(createLineFilter({})).toBeUndefined()
    expect(createLineFilter({ text: '' })).toBeUndefined()
    expect(createLineFilter({ level: undefined, text: undefined })).toBeUndefined()
  })

  it('keeps a level and above, and a line whose level it cannot tell', () => {
    const warnAndUp = createLineFilter({ level: LEVELS.warn }) as (line: string) => boolean
    const kept = [10, 20, 30, 40, 50, 60].filter((level) => warnAndUp(line(level, 'x')))
    expect(kept).toEqual([40, 50, 60])
    expect(warnAndUp(line('fatal', 'named'))).toBe(true)
    expect(warnAndUp(line('debug', 'named'))).toBe(false)
    expect(warnAndUp('a line that is not JSON')).toBe(true)
    expect(warnAndUp('{"msg":"no level"}')).toBe(true)
  })

  it('keeps the lines holding a substring, without regard to case, anywhere in the raw line', () => {
    const filter = createLineFilter({ text: 'TIMEOUT' }) as (line: string) => boolean
    expect(filter(line(30, 'connect timeout after 5 s'))).toBe(true)
    expect(filter(line(30, 'fine', { err: { message: 'Timeout' } }))).toBe(true)
    expect(filter(line(30, 'fine'))).toBe(false)
    // A substring is taken literally: characters that mean something in an expression mean nothing here.
    const literal = createLineFilter({ text: 'a.b(' }) as (line: string) => boolean
    expect(literal(line(30, 'see a.b( here'))).toBe(true)
    expect(literal(line(30, 'see axb( here'))).toBe(false)
  })

  it('keeps what matches an expression, the same on every call even with the g flag', () => {
    const filter = createLineFilter({ text: /user-\d+/g }) as (line: string) => boolean
    const lines = [line(30, 'user-1 in'), line(30, 'user-2 in'), line(30, 'nobody')]
    expect(lines.map(filter)).toEqual([true, true, false])
    expect(lines.map(filter)).toEqual([true, true, false])
  })

  it('combines a level and a text: both must hold', () => {
    const filter = createLineFilter({ level: LEVELS.error, text: 'db' }) as (line: string) => boolean
    expect(filter(line(50, 'db down'))).toBe(true)
    expect(filter(line(30, 'db slow'))).toBe(false)
    expect(filter(line(50, 'disk full'))).toBe(false)
  })
})
