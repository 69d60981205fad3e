import { resolveSubscribeOptions } from '../../src/reader/options'
import { resolveOptions } from '../../src/worker/options'
import { redisOptionsFromUrl } from '../../src/shared/redis-url'

const SECRET = 's3cr#t/p?ss%w0rd'

/** Every string an error holds: message, stack and the values of its own properties, however deep. */
function everythingIn (error: unknown): string {
  const seen = new Set<unknown>()
  const walk = (value: unknown): string => {
    if (typeof value === 'string') return value
    if (value === null || typeof value !== 'object' || seen.has(value)) return String(value)
    seen.add(value)
    return Object.getOwnPropertyNames(value).map((key) => `${key}=${walk((value as Record<string, unknown>)[key])}`).join('\n')
  }
  return walk(error)
}

/** The error `fn` throws. */
function thrown (fn: () => unknown): Error {
  try {
    fn()
  } catch (error) {
    return error as Error
  }
  throw new Error('did not throw')
}

describe('redisOptionsFromUrl', () => {
  it.each([
    ['host and port', 'redis://10.0.0.1:6380', { host: '10.0.0.1', port: 6380 }],
    ['no port (ioredis takes 6379)', 'redis://cache.internal', { host: 'cache.internal' }],
    ['a password alone', 'redis://:hunter2@h:1', { host: 'h', port: 1, username: '', password: 'hunter2' }],
    ['user, password and db', 'redis://alice:pw@h:1/3', { host: 'h', port: 1, username: 'alice', password: 'pw', db: 3 }],
    ['a percent-encoded password', `redis://:${encodeURIComponent(SECRET)}@h`, { host: 'h', username: '', password: SECRET }],
    ['TLS', 'rediss://h:6380', { host: 'h', port: 6380, tls: true }],
    ['TLS, whatever the case of the scheme', 'REDISS://h:6380', { host: 'h', port: 6380, tls: true }],
    ['an IPv6 address', 'redis://[::1]:6379/0', { host: '::1', port: 6379, db: 0 }],
    ['a trailing slash', 'redis://h/', { host: 'h' }],
    ['query options, numbers where ioredis takes numbers', 'redis://h?family=6&connectTimeout=250&name=primary',
      { host: 'h', family: 6, connectTimeout: 250, name: 'primary' }],
    ['what the URL says outright over its query', 'redis://:url-pw@h?password=query-pw', { host: 'h', username: '', password: 'url-pw' }]
  ])('reads %s', (_what, url, expected) => {
    expect(redisOptionsFromUrl(url)).toEqual(expected)
  })

  it.each([
    ['a port out of range', 'redis://127.0.0.1:99999', /that does not parse/],
    ['port 0', 'redis://127.0.0.1:0', /with port 0/],
    ['no host', 'redis://:only-a-secret@', /without a host|that does not parse/],
    ['an unencoded # in the password', `redis://:${SECRET}@127.0.0.1:6379`, /that does not parse/],
    ['an unencoded / in the password', 'redis://:pa/ss-word@127.0.0.1:6379', /that does not parse/],
    ['an unencoded ? in the password', 'redis://:pa?ss-word@127.0.0.1:6379', /that does not parse/],
    ['a # that makes the user a host', 'redis://alfred:12#secret-tail@127.0.0.1:6379', /with a `#`/],
    ['a ? that makes the user a host', 'redis://alfred:12?secret-tail@127.0.0.1:6379', /a query parameter that is not an option name/],
    ['a / that makes the rest a path', 'redis://alfred:12/secret-tail@127.0.0.1:6379', /with a path other than a database number/],
    ['a bad % escape', 'redis://:pass%zzword@127.0.0.1:6379', /holds a bad `%` escape/],
    ['a numeric option that is not a number', 'redis://h?connectTimeout=soon', /`connectTimeout` parameter is not a whole number/]
  ])('refuses %s with a TypeError that names `url` and holds no part of it', (_what, url, reason) => {
    const error = thrown(() => redisOptionsFromUrl(url))
    expect(error).toBeInstanceOf(TypeError)
    expect(error.message).toMatch(/^redis-log-transport: expected `url` to be a Redis URL such as `redis:\/\/user:password@host:6379\/0`, got a string of \d+ characters/)
    expect(error.message).toMatch(reason)
    const everything = everythingIn(error)
    for (const part of [url, ...url.split(/[:@/?#]/).filter((p) => p.length >= 4 && !/^(redis|127\.0\.0\.1|6379)$/.test(p))]) {
      expect(everything).not.toContain(part)
    }
    expect(error).not.toHaveProperty('input')
    expect(error).not.toHaveProperty('cause')
  })

  it('keeps the message it had for a value that is no Redis URL at all', () => {
    expect(() => redisOptionsFromUrl(42)).toThrow('expected `url` to be a string starting with `redis://` or `rediss://`, got `42` (number)')
    expect(() => redisOptionsFromUrl('http://user:pw@h')).toThrow(/got a string of 16 characters$/)
    expect(() => redisOptionsFromUrl('redis://')).toThrow(/got a string of 8 characters without a host$/)
  })
})

describe('the URL, where options are resolved', () => {
  it('is parsed once into ioredis options, for the transport and the readers', () => {
    expect(resolveOptions({ url: 'redis://:pw@h:7/2' }, {}).fromUrl).toEqual({ host: 'h', port: 7, db: 2, username: '', password: 'pw' })
    expect(resolveOptions({}, {}).fromUrl).toEqual({ host: '127.0.0.1', port: 6379 })
    expect(resolveOptions({ cluster: ['h:1'] }, {}).fromUrl).toEqual({})
    expect(resolveSubscribeOptions({ url: 'rediss://h:8' }, {}).fromUrl).toEqual({ host: 'h', port: 8, tls: true })
  })

  it('names REDIS_URL when that is where a bad URL came from', () => {
    const error = thrown(() => resolveOptions({}, { REDIS_URL: `redis://:${SECRET}@h:6379` }))
    expect(error).toBeInstanceOf(TypeError)
    expect(error.message).toMatch(/^redis-log-transport: expected `REDIS_URL` to be a Redis URL/)
    expect(everythingIn(error)).not.toContain('s3cr')
  })

  it('refuses the same URLs in subscribe()', () => {
    const error = thrown(() => resolveSubscribeOptions({ url: 'redis://:pass%zzword@127.0.0.1:6379' }, {}))
    expect(error.message).toMatch(/expected `url` to be a Redis URL .* bad `%` escape/)
    expect(everythingIn(error)).not.toContain('zzword')
  })
})
