import { createRouter, readUserId } from '../../src/route'

const route = createRouter({ channelPrefix: 'logs', globalChannel: 'logs:global', userIdKey: 'userId' })

describe('route', () => {
  it('sends a line with a top-level userId to its job channel and the global channel, job first', () => {
    const line = '{"level":30,"userId":"job_1","msg":"hi"}'
    expect(route(line)).toEqual({ line, channels: ['logs:job_1', 'logs:global'] })
  })

  it('sends a line without userId to the global channel only', () => {
    expect(route('{"level":30,"msg":"hi"}').channels).toEqual(['logs:global'])
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
    expect(route('{"userId":{"userId":"deep"}}').channels).toEqual(['logs:global'])
  })

  it('accepts unicode ids', () => {
    expect(route('{"userId":"tâche_ü_日本"}').channels).toEqual(['logs:tâche_ü_日本', 'logs:global'])
  })

  it.each([
    ['not JSON', 'plain text line'],
    ['an array', '["userId","x"]'],
    ['a string', '"hello"'],
    ['null', 'null'],
    ['a number id', '{"userId":42}'],
    ['an empty id', '{"userId":""}'],
    ['an id with a space', '{"userId":"a b"}'],
    ['an id with a control character', '{"userId":"a\\u0000b"}'],
    ['an id with a newline', '{"userId":"a\\nb"}'],
    ['an id too long', `{"userId":"${'x'.repeat(257)}"}`],
    ['an inherited key only', '{"__proto__":{"userId":"x"}}']
  ])('sends %s to the global channel only', (_what, line) => {
    expect(route(line)).toEqual({ line, channels: ['logs:global'] })
  })

  it('accepts an id of exactly the maximum length', () => {
    expect(readUserId(`{"userId":"${'x'.repeat(256)}"}`, 'userId')).toHaveLength(256)
  })

  it('never sends a line twice to one channel when the job channel equals the global one', () => {
    expect(route('{"userId":"global"}').channels).toEqual(['logs:global'])
  })

  it('uses the configured prefix and key', () => {
    const custom = createRouter({ channelPrefix: 'app', globalChannel: 'all', userIdKey: 'jobId' })
    expect(custom('{"jobId":"7","userId":"ignored"}').channels).toEqual(['app:7', 'all'])
  })

  it('with globalChannel false, publishes job lines to their channel and other lines nowhere', () => {
    const jobsOnly = createRouter({ channelPrefix: 'logs', globalChannel: false, userIdKey: 'userId' })
    expect(jobsOnly('{"userId":"j"}').channels).toEqual(['logs:j'])
    expect(jobsOnly('{"msg":"x"}').channels).toEqual([])
  })
})
