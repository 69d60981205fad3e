import { execFileSync } from 'node:child_process'
import pino from 'pino'
import { Writable } from 'node:stream'
// Through the public entry, as users import them.
import {
  createUserIdMixin, getUserContext, jobIdFactory, userIdContext, userIdMixin, withUserId, GLOBAL_LOG_CHANNEL, resolveOptions
} from '../../src/index'
import { ROOT } from '../helpers/paths'

function capture (): { stream: Writable, lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = []
  const stream = new Writable({ write (chunk, _enc, cb) { chunks.push(String(chunk)); cb() } })
  return { stream, lines: () => chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) }
}

describe('job context', () => {
  it('withUserId runs the function in the context and returns its result', async () => {
    expect(getUserContext()).toBeUndefined()
    expect(withUserId('job_1', () => getUserContext())).toBe('job_1')
    const result = await withUserId('job_2', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1))
      return getUserContext()
    })
    expect(result).toBe('job_2')
    expect(userIdContext.getStore()).toBeUndefined()
  })

  it('withUserId rejects an id that is not a non-empty string', () => {
    expect(() => withUserId('', () => 1)).toThrow(/non-empty string, got an empty string/)
    expect(() => withUserId(42 as unknown as string, () => 1)).toThrow(/got number/)
  })

  it('jobIdFactory makes `${prefix}_${uuid v4}`', () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
    const id = jobIdFactory()
    expect(id.startsWith('job_')).toBe(true)
    expect(id.slice(4)).toMatch(uuid)
    expect(jobIdFactory('task').slice(5)).toMatch(uuid)
    expect(jobIdFactory('task')).not.toBe(jobIdFactory('task'))
    expect(() => jobIdFactory(1 as unknown as string)).toThrow(TypeError)
  })

  it('userIdMixin adds userId in a context, nothing outside, and pino precedence holds', () => {
    const { stream, lines } = capture()
    const logger = pino({ mixin: userIdMixin }, stream)
    logger.info('outside')
    withUserId('job_ctx', () => {
      logger.info('inside')
      logger.child({ userId: 'binding' }).info('mixin beats binding')
      logger.info({ userId: 'callsite' }, 'call site beats mixin')
    })
    const [outside, inside, child, callsite] = lines()
    expect(outside).not.toHaveProperty('userId')
    expect(inside?.userId).toBe('job_ctx')
    expect(child?.userId).toBe('job_ctx')
    expect(callsite?.userId).toBe('callsite')
  })

  it('the mixin returns a fresh object each call (pino merges into it)', () => {
    expect(userIdMixin()).not.toBe(userIdMixin())
    withUserId('j', () => { expect(userIdMixin()).toEqual({ userId: 'j' }) })
  })

  it('createUserIdMixin writes the configured key', () => {
    const mixin = createUserIdMixin('jobId')
    expect(withUserId('j', () => mixin())).toEqual({ jobId: 'j' })
    expect(mixin()).toEqual({})
    expect(() => createUserIdMixin('')).toThrow(/non-empty string/)
  })

  it('the entry also offers the global channel name and early option validation', () => {
    expect(GLOBAL_LOG_CHANNEL).toBe('logs:global')
    expect(() => resolveOptions({ dropPolicy: 'nope' as 'oldest' })).toThrow(/dropPolicy/)
  })

  it('loading the package entry in the application thread loads no ioredis and opens no connection', () => {
    const script = `
      const api = require(${JSON.stringify(ROOT)})
      const loaded = Object.keys(require.cache).filter((f) => /node_modules[\\\\/]ioredis[\\\\/]/.test(f))
      const handles = process._getActiveHandles().filter((h) => h.constructor.name === 'Socket' && !h.isTTY && h.fd === undefined)
      console.log(JSON.stringify({ loaded: loaded.length, names: Object.keys(api).sort(), defaultType: typeof api.default }))
    `
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' })) as
      { loaded: number, names: string[], defaultType: string }
    expect(out.loaded).toBe(0)
    expect(out.defaultType).toBe('function')
    expect(out.names).toEqual(expect.arrayContaining([
      'GLOBAL_LOG_CHANNEL', 'createUserIdMixin', 'default', 'getUserContext', 'jobIdFactory', 'userIdContext',
      'userIdMixin', 'withUserId', 'closeTransport', 'flushOnSignals'
    ]))
  })
})
