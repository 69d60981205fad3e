import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { join } from 'node:path'
import { ROOT } from '../helpers/paths'
import { captureStderr } from '../helpers/stderr'
import { redisOptionsFromUrl } from '../../src/shared/redis-url'
import { redact, secretsOf, warn } from '../../src/shared/report'

describe('secrets in messages', () => {
  it('collects URL and option credentials, decoded and encoded, longest first', () => {
    const secrets = secretsOf(redisOptionsFromUrl('redis://alice:p%40ss%2Fw0rd@host:6379'), { password: 'optpass', username: 'bob' })
    expect(secrets).toEqual(expect.arrayContaining(['p@ss/w0rd', 'p%40ss%2Fw0rd', 'alice', 'optpass', 'bob']))
    expect(secrets[0]).toBe('p%40ss%2Fw0rd')
  })

  it('masks every occurrence', () => {
    expect(redact('WRONGPASS hunter2 for hunter2', ['hunter2'])).toBe('WRONGPASS *** for ***')
    expect(redact('ab', ['ab'])).toBe('ab') // too short to search for safely
  })

  it('collects Sentinel and cluster node credentials too', () => {
    expect(secretsOf({}, { sentinelPassword: 'sentinel-secret' })).toEqual(['sentinel-secret'])
    expect(secretsOf({ username: 'me' }, { redisOptions: { password: 'node-secret' }, sentinelUsername: 'watcher' })).toEqual(['node-secret', 'watcher', 'me'])
  })

  it('writes one masked line to stderr', () => {
    const stderr = captureStderr()
    try {
      warn('auth failed for s3cret', ['s3cret'])
      expect(stderr.text()).toBe('redis-log-transport: auth failed for ***\n')
    } finally {
      stderr.restore()
    }
  })

  it('falls back to process.stderr when file descriptor 2 cannot be written', () => {
    const fsWrite = jest.spyOn(fs, 'writeSync').mockImplementation(() => { throw new Error('EAGAIN') })
    const streamWrite = jest.spyOn(process.stderr, 'write').mockImplementation(() => true)
    try {
      warn('still said', [])
      expect(streamWrite).toHaveBeenCalledWith('redis-log-transport: still said\n')
    } finally {
      fsWrite.mockRestore()
      streamWrite.mockRestore()
    }
  })
})

describe('debug', () => {
  it('prints masked details with NODE_DEBUG=redis-log-transport, and nothing without it', () => {
    const script = `require(${JSON.stringify(join(ROOT, 'dist', 'shared', 'report.js'))}).debug(['hunter2-secret'], 'redis error: %s (%d)', 'auth hunter2-secret failed', 7)`
    const on = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, NODE_DEBUG: 'redis-log-transport' }, encoding: 'utf8' })
    expect(on.stderr).toMatch(/^REDIS-LOG-TRANSPORT \d+: redis error: auth \*\*\* failed \(7\)\n$/)
    const off = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, NODE_DEBUG: '' }, encoding: 'utf8' })
    expect(off.stderr).toBe('')
  })
})
