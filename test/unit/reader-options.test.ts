import { resolveLogStreamHandlerOptions, resolveSubscribeOptions } from '../../src/reader/options'

describe('the reading side\'s options', () => {
  it('check subscribe() and createLogStreamHandler() options with the same kind of errors', () => {
    expect(() => resolveSubscribeOptions('x' as never, {})).toThrow(/expected `options` to be an object, got a string/)
    expect(() => resolveSubscribeOptions({ source: 'poll' as never }, {})).toThrow(/expected `source` to be `'auto'`, `'stream'` or `'pubsub'`/)
    expect(() => resolveSubscribeOptions({ cluster: [null as never] }, {})).toThrow(/expected `cluster` .* got `null`/)
    expect(() => resolveLogStreamHandlerOptions([] as never, {})).toThrow(/expected `options` to be an object, got an array/)
    expect(() => resolveLogStreamHandlerOptions({ keepAlive: 0 }, {})).toThrow(/expected `keepAlive` to be an integer from 1/)
  })

  it('apply their defaults when given nothing', () => {
    expect(resolveSubscribeOptions(undefined, {})).toMatchObject({ url: 'redis://127.0.0.1:6379', channel: 'logs:global', maxQueued: 10_000 })
    expect(resolveLogStreamHandlerOptions(undefined, {})).toMatchObject({
      history: { keyPrefix: 'stream:', maxLen: 1000 }, historyAuto: true, authorize: undefined, replay: 1000
    })
  })

  it('take the SSE handler\'s history as \'auto\', a boolean or the transport\'s object, and nothing else', () => {
    expect(resolveLogStreamHandlerOptions({ history: 'auto' }, {})).toMatchObject({ history: { keyPrefix: 'stream:' }, historyAuto: true })
    expect(resolveLogStreamHandlerOptions({ history: false }, {})).toMatchObject({ history: false, historyAuto: false })
    expect(resolveLogStreamHandlerOptions({ history: true }, {})).toMatchObject({ history: { maxLen: 1000 }, historyAuto: false })
    expect(resolveLogStreamHandlerOptions({ history: { keyPrefix: 'h:' } }, {})).toMatchObject({ history: { keyPrefix: 'h:' }, historyAuto: false })
    for (const bad of ['on', 'Auto', 1, null, ['auto']]) {
      expect(() => resolveLogStreamHandlerOptions({ history: bad as never }, {})).toThrow(/expected `history` to be `'auto'`, a boolean or an object, got /)
    }
    // Never echoed: a string given there might be something secret pasted in the wrong place.
    expect(() => resolveLogStreamHandlerOptions({ history: 'redis://:pw@host' as never }, {})).toThrow(/got a string of 16 characters$/)
    expect(() => resolveLogStreamHandlerOptions({ history: { maxLen: 0 } }, {})).toThrow(/expected `history.maxLen` to be an integer/)
  })

  it('resolve the channel and history key a subscription reads', () => {
    expect(resolveSubscribeOptions({ job: 'j1', historyKeyPrefix: 'h:' }, {})).toMatchObject({ channel: 'logs:j1', key: 'h:logs:j1', source: 'auto', history: 0 })
    expect(resolveSubscribeOptions({ globalChannel: 'all', cluster: ['h:1'], sharded: true }, { REDIS_URL: 'redis://x:1' }))
      .toMatchObject({ channel: 'all', key: 'stream:all', cluster: [{ host: 'h', port: 1 }], sharded: true })
    expect(resolveLogStreamHandlerOptions({ history: true }, {})).toMatchObject({ replay: 1000, keepAlive: 15_000, retry: 3000, history: { maxLen: 1000 } })
  })
})
