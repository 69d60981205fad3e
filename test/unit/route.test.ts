import { createRouter, readJobId, readRawJobId, readsInPlace, NO_ID, OVERSIZE, type RouteOptions, type Router, type Entry } from '../../src/worker/route'
import type { InvalidCounts } from '../../src/shared/stats'

const defaults: RouteOptions = { channelPrefix: 'logs', globalChannel: 'logs:global', userIdKey: 'userId', maxLineBytes: 1024 }
let invalid: InvalidCounts
let router: Router
beforeEach(() => {
  invalid = { notJsonObject: 0, userId: 0 }
  router = createRouter(defaults, invalid)
})

/** Routes a line that is expected to be published. */
function route (line: string, using = router): Entry {
  const routed = using(line)
  if (routed === OVERSIZE) throw new Error('refused as oversize')
  return routed
}

describe('route', () => {
  it('sends a line with a top-level userId to its job channel and the global channel, job first', () => {
    const line = '{"level":30,"userId":"job_1","msg":"hi"}'
    expect(route(line)).toEqual({ line, channels: ['logs:job_1', 'logs:global'] })
  })

  it('sends a line without userId to the global channel only, and does not count it as invalid', () => {
    expect(route('{"level":30,"msg":"hi"}').channels).toEqual(['logs:global'])
    expect(readJobId('{"level":30}', 'userId')).toBe(NO_ID)
    expect(invalid).toEqual({ notJsonObject: 0, userId: 0 })
  })

  it('keeps the line exactly as given', () => {
    const line = '{"userId":"j","msg":"caf\\u00e9 ☕ \\"quoted\\" 𝄞"}'
    expect(route(line).line).toBe(line)
  })

  it('follows JSON.parse when userId appears several times (call site > mixin > binding)', () => {
    const line = '{"userId":"binding","userId":"mixin","msg":"x","userId":"callsite"}'
    expect(JSON.parse(line).userId).toBe('callsite')
    expect(route(line).channels).toEqual(['logs:callsite', 'logs:global'])
  })

  it('ignores a userId nested inside another object or in a string', () => {
    expect(route('{"req":{"userId":"nested"},"msg":"\\"userId\\":\\"fake\\""}').channels).toEqual(['logs:global'])
    expect(route('{"userId2":{"userId":"deep"}}').channels).toEqual(['logs:global'])
  })

  it('accepts unicode ids', () => {
    expect(route('{"userId":"tâche_ü_日本"}').channels).toEqual(['logs:tâche_ü_日本', 'logs:global'])
  })

  it.each([
    ['not JSON', 'plain text line'],
    ['an array', '["userId","x"]'],
    ['a string', '"hello"'],
    ['null', 'null'],
    ['a truncated object', '{"userId":"x"']
  ])('publishes %s unchanged to the global channel only and counts it', (_what, line) => {
    expect(route(line)).toEqual({ line, channels: ['logs:global'] })
    expect(invalid).toEqual({ notJsonObject: 1, userId: 0 })
  })

  it.each([
    ['a number id', '{"userId":42}'],
    ['an object id', '{"userId":{"userId":"deep"}}'],
    ['an empty id', '{"userId":""}'],
    ['an id with a space', '{"userId":"a b"}'],
    ['an id with a control character', '{"userId":"a\\u0000b"}'],
    ['an id with a newline', '{"userId":"a\\nb"}'],
    ['an id too long', `{"userId":"${'x'.repeat(257)}"}`],
    ['an id naming the global channel', '{"userId":"global"}'],
    ['an id with a right-to-left override', '{"userId":"a\\u202eb"}'],
    ['an id with a zero-width space', '{"userId":"job\\u200b42"}'],
    ['an id with a lone surrogate', '{"userId":"a\\ud800"}']
  ])('sends a line with %s to the global channel only, once, and counts it', (_what, line) => {
    expect(route(line)).toEqual({ line, channels: ['logs:global'] })
    expect(invalid).toEqual({ notJsonObject: 0, userId: 1 })
  })

  it('does not take an inherited key for an id', () => {
    expect(route('{"__proto__":{"userId":"x"}}').channels).toEqual(['logs:global'])
  })

  it('accepts an id of exactly the maximum length', () => {
    expect(readJobId(`{"userId":"${'x'.repeat(256)}"}`, 'userId')).toHaveLength(256)
  })

  it('refuses a line over maxLineBytes, measured in UTF-8 bytes, and takes one at the limit', () => {
    const at = `{"msg":"${'x'.repeat(1024 - 10)}"}`
    expect(Buffer.byteLength(at)).toBe(1024)
    expect(route(at).channels).toEqual(['logs:global'])
    expect(router(`{"msg":"${'x'.repeat(1024)}"}`)).toBe(OVERSIZE)
    // 400 characters of 3 bytes each: short in UTF-16, too long in UTF-8.
    expect(router(`{"msg":"${'€'.repeat(400)}"}`)).toBe(OVERSIZE)
  })

  it('uses the configured prefix and key', () => {
    const custom = createRouter({ ...defaults, channelPrefix: 'app', globalChannel: 'all', userIdKey: 'jobId' })
    expect(route('{"jobId":"7","userId":"ignored"}', custom).channels).toEqual(['app:7', 'all'])
  })

  it('with globalChannel false, publishes job lines to their channel and other lines nowhere', () => {
    const jobsOnly = createRouter({ ...defaults, globalChannel: false })
    expect(route('{"userId":"j"}', jobsOnly).channels).toEqual(['logs:j'])
    expect(route('{"userId":"j"}', jobsOnly).channels).toEqual(['logs:j'])
    expect(route('{"msg":"x"}', jobsOnly).channels).toEqual([])
  })

  it('gives the lines of one job one shared channel list, so a buffered line holds only its entry', () => {
    expect(route('{"userId":"a","n":1}').channels).toBe(route('{"userId":"a","n":2}').channels)
    expect(route('{"userId":"b"}').channels).toEqual(['logs:b', 'logs:global'])
  })

  it('counts every line whose id names the global channel, not only the first', () => {
    expect(route('{"userId":"global"}').channels).toEqual(['logs:global'])
    expect(route('{"userId":"global"}').channels).toEqual(['logs:global'])
    expect(invalid.userId).toBe(2)
  })

  it('routes correctly past the number of jobs whose channels it keeps (10 000)', () => {
    for (let i = 0; i < 10_050; i++) expect(route(`{"userId":"job${i}"}`).channels).toEqual([`logs:job${i}`, 'logs:global'])
    expect(route('{"userId":"job0"}').channels).toEqual(['logs:job0', 'logs:global'])
  })
})

/** A small deterministic generator (mulberry32), so that a failure can be replayed. */
function randomFrom (seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * JSON text of an object as pino might write it, and as it might not: keys that repeat, the key nested in objects
 * and arrays, strings holding quotes, backslashes, braces, the key's own text and non-ASCII characters, and now
 * and then spaces around the colon or a unicode escape inside the key.
 */
function randomObjectText (random: () => number, depth = 0): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
  const text = (): string => {
    const parts = ['job_1', 'a b', '', 'userId', '\\"userId\\":\\"x\\"', '{', '}', '[', 'é☕', '\\n', '"userId":"y"'.replace(/"/g, '\\"'), 'x'.repeat(300)]
    let s = ''
    for (let n = Math.floor(random() * 3); n >= 0; n--) s += pick(parts)
    return `"${s}"`
  }
  const value = (): string => {
    const kind = Math.floor(random() * (depth < 3 ? 8 : 5))
    if (kind === 0) return String(Math.floor(random() * 1000))
    if (kind === 1) return pick(['null', 'true', 'false'])
    if (kind <= 4) return text()
    if (kind === 5) return `[${value()},${randomObjectText(random, depth + 1)}]`
    return randomObjectText(random, depth + 1)
  }
  const keys = ['"userId"', '"userId"', '"level"', '"msg"', '"userId2"', '"req"', '"user\\u0049d"', '"u"']
  const members: string[] = []
  for (let n = Math.floor(random() * 6); n >= 0; n--) {
    const colon = random() < 0.05 ? ' : ' : ':'
    members.push(`${pick(keys)}${colon}${value()}`)
  }
  return `{${members.join(',')}}`
}

describe('readRawJobId', () => {
  it('reads what JSON.parse reads, for 20 000 random objects with the key repeated, nested, escaped or absent', () => {
    const random = randomFrom(16)
    const inPlace = readsInPlace('userId')
    let readInPlace = 0
    for (let i = 0; i < 20_000; i++) {
      const line = randomObjectText(random)
      // Without reading in place, every line is given to JSON.parse.
      const expected = readRawJobId(line, 'userId', false)
      expect([line, readRawJobId(line, 'userId', inPlace)]).toEqual([line, expected])
      // Given the id of the line before, the same answer (that very string when it is the same).
      expect([line, readRawJobId(line, 'userId', inPlace, 'job_1')]).toEqual([line, expected])
      if (!line.includes('\\')) readInPlace++
    }
    // The sample exercises the fast path, not only JSON.parse.
    expect(readInPlace).toBeGreaterThan(2000)
  })

  it('reads pino\'s own lines in place and agrees with JSON.parse on them', () => {
    const line = '{"level":30,"time":1764770000000,"pid":7,"hostname":"h","userId":"job_7","i":1,"msg":"done"}'
    expect(readRawJobId(line, 'userId', true)).toBe('job_7')
    expect(readRawJobId(line, 'userId', false)).toBe('job_7')
  })

  it('parses every line when the key needs escaping in JSON', () => {
    expect(readsInPlace('a"b')).toBe(false)
    expect(readRawJobId('{"a\\"b":"x"}', 'a"b', readsInPlace('a"b'))).toBe('x')
  })
})
