import { GLOBAL_LOG_CHANNEL } from '../../src/shared/channel-names'
import { resolveOptions, type RedisLogTransportOptions } from '../../src/worker/options'

describe('resolveOptions', () => {
  it('applies documented defaults', () => {
    expect(resolveOptions({}, {})).toEqual({
      url: 'redis://127.0.0.1:6379',
      fromUrl: { host: '127.0.0.1', port: 6379 },
      redis: {},
      channelPrefix: 'logs',
      globalChannel: GLOBAL_LOG_CHANNEL,
      userIdKey: 'userId',
      maxBatchLines: 1000,
      batchScript: true,
      maxBufferedLines: 10_000,
      maxBufferedBytes: 16 * 1024 * 1024,
      dropPolicy: 'oldest',
      closeTimeout: 3000,
      maxLineBytes: 1024 * 1024,
      statsInterval: 10_000,
      maxReconnectDelay: 2000,
      history: false,
      cluster: false,
      sharded: false
    })
    expect(GLOBAL_LOG_CHANNEL).toBe('logs:global')
  })

  it('takes the URL from REDIS_URL when none is given, and an explicit url over it', () => {
    expect(resolveOptions(undefined, { REDIS_URL: 'redis://10.0.0.1:6380' }).url).toBe('redis://10.0.0.1:6380')
    expect(resolveOptions({}, { REDIS_URL: '' }).url).toBe('redis://127.0.0.1:6379')
    expect(resolveOptions({ url: 'rediss://h:6380' }, { REDIS_URL: 'redis://x' }).url).toBe('rediss://h:6380')
  })

  it('accepts globalChannel false and custom names', () => {
    const o = resolveOptions({ globalChannel: false, channelPrefix: 'app', userIdKey: 'jobId', dropPolicy: 'newest' }, {})
    expect(o).toMatchObject({ globalChannel: false, channelPrefix: 'app', userIdKey: 'jobId', dropPolicy: 'newest' })
  })

  it('turns history on with the original handler\'s defaults, or tuned', () => {
    expect(resolveOptions({ history: true }, {}).history)
      .toEqual({ maxLen: 1000, jobTtl: 3600, globalTtl: 86_400, keyPrefix: 'stream:', maxJobs: 1000 })
    expect(resolveOptions({ history: { maxLen: 50, keyPrefix: 'h:', maxJobs: 20 } }, {}).history)
      .toEqual({ maxLen: 50, jobTtl: 3600, globalTtl: 86_400, keyPrefix: 'h:', maxJobs: 20 })
    expect(resolveOptions({ history: false }, {}).history).toBe(false)
  })

  it('takes cluster nodes as strings or objects, and refuses a url beside them', () => {
    expect(resolveOptions({ cluster: ['127.0.0.1:7000', { host: 'h', port: 7001 }], sharded: true }, { REDIS_URL: 'redis://x:1' }))
      .toMatchObject({ cluster: [{ host: '127.0.0.1', port: 7000 }, { host: 'h', port: 7001 }], sharded: true })
    expect(() => resolveOptions({ cluster: ['h:1'], url: 'redis://h:2' }, {})).toThrow(/give either `url` or `cluster`, not both/)
  })

  it('accepts statsInterval 0, which turns the periodic stats off', () => {
    expect(resolveOptions({ statsInterval: 0 }, {}).statsInterval).toBe(0)
  })

  it('ignores the keys pino and thread-stream add to a target\'s options', () => {
    expect(() => resolveOptions({ $context: { threadStreamVersion: '4' }, pinoWillSendConfig: true } as RedisLogTransportOptions, {})).not.toThrow()
  })

  const cases: Array<[string, unknown, RegExp]> = [
    ['options', 'redis://x', /expected `options` to be an object, got a string of 9 characters/],
    ['options', [], /expected `options` to be an object, got an array/],
    ['url', 42, /expected `url` to be a string starting with `redis:\/\/` or `rediss:\/\/`, got `42` \(number\)/],
    ['url', 'http://127.0.0.1', /expected `url` .* got a string of 16 characters/],
    ['redis', 'x', /expected `redis` to be an object of ioredis options, got a string/],
    ['redis', null, /expected `redis` .* got `null`/],
    ['channelPrefix', '', /expected `channelPrefix` to be a non-empty string without whitespace or control characters/],
    ['channelPrefix', 'a b', /expected `channelPrefix`/],
    ['globalChannel', true, /expected `globalChannel` to be .* or `false`, got `true` \(boolean\)/],
    ['globalChannel', 'logs\n', /expected `globalChannel`/],
    ['userIdKey', '', /expected `userIdKey` to be a non-empty string, got a string of 0 characters/],
    ['userIdKey', {}, /expected `userIdKey` .* got an object/],
    ['maxBatchLines', 0, /expected `maxBatchLines` to be an integer from 1 to 10000, got `0` \(number\)/],
    ['maxBatchLines', 1.5, /expected `maxBatchLines` to be an integer from 1 to 10000, got `1.5` \(number\)/],
    ['maxBatchLines', 10_001, /expected `maxBatchLines` to be an integer from 1 to 10000, got `10001` \(number\)/],
    ['batchScript', 'yes', /expected `batchScript` to be a boolean, got a string of 3 characters/],
    ['maxBufferedLines', '10', /expected `maxBufferedLines` to be an integer from 1 and up, got a string/],
    ['maxBufferedBytes', 100, /expected `maxBufferedBytes` to be an integer from 1024 and up, got `100`/],
    ['dropPolicy', 'random', /expected `dropPolicy` to be `'oldest'` or `'newest'`, got a string of 6 characters/],
    ['closeTimeout', 10_000, /expected `closeTimeout` to be an integer from 0 to 9000, got `10000` \(number\)/],
    ['closeTimeout', () => 1, /expected `closeTimeout` .* got a function/],
    ['maxLineBytes', 10, /expected `maxLineBytes` to be an integer from 64 and up, got `10` \(number\)/],
    ['statsInterval', -1, /expected `statsInterval` to be an integer from 0 to 2147483647, got `-1` \(number\)/],
    ['statsInterval', 2 ** 31, /expected `statsInterval` to be an integer from 0 to 2147483647, got `2147483648`/],
    ['maxReconnectDelay', 0, /expected `maxReconnectDelay` to be an integer from 1 to 2147483647, got `0` \(number\)/],
    ['cluster', [], /expected `cluster` to be a non-empty array of `'host:port'` strings or `\{ host, port \}` objects, got an array/],
    ['cluster', ['127.0.0.1'], /expected `cluster` .* got a string of 9 characters/],
    ['cluster', [{ host: 'h', port: 70000 }], /expected `cluster` .* got an object/],
    ['sharded', 'yes', /expected `sharded` to be a boolean/],
    ['history', 'on', /expected `history` to be a boolean or an object, got a string of 2 characters/],
    ['history', { maxLen: 0 }, /expected `history.maxLen` to be an integer from 1 and up, got `0`/],
    ['history', { jobTtl: 1.5 }, /expected `history.jobTtl` to be an integer from 1 and up/],
    ['history', { keyPrefix: 'a b' }, /expected `history.keyPrefix` to be a non-empty string without whitespace/],
    ['history', { maxJobs: 0 }, /expected `history.maxJobs` to be an integer from 1 to 100000, got `0`/],
    ['history', { maxJobs: '10' }, /expected `history.maxJobs` to be an integer from 1 to 100000, got a string of 2 characters/],
    ['history', { maxlen: 10 }, /unknown option `history.maxlen`; known ones are maxLen, jobTtl, globalTtl, keyPrefix, maxJobs/]
  ]

  it.each(cases)('rejects a bad `%s` with a TypeError naming it', (name, value, message) => {
    const input = (name === 'options' ? value : { [name]: value }) as RedisLogTransportOptions
    expect(() => resolveOptions(input, {})).toThrow(TypeError)
    expect(() => resolveOptions(input, {})).toThrow(message)
  })

  it('rejects an unknown option, naming it and the known ones', () => {
    expect(() => resolveOptions({ chanelPrefix: 'x' } as RedisLogTransportOptions, {}))
      .toThrow(/unknown option `chanelPrefix`; known options are url, redis, channelPrefix/)
  })

  it('never echoes a string value, which might hold a password', () => {
    expect(() => resolveOptions({ url: 'http://user:hunter2@host' }, {})).toThrow(TypeError)
    try {
      resolveOptions({ url: 'http://user:hunter2@host' }, {})
    } catch (error) {
      expect(String(error)).not.toContain('hunter2')
    }
  })
})
