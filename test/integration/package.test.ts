/**
 * The packed tarball, installed into fresh CommonJS and ESM applications, works there by name. Slow (npm install),
 * so both apps share one install.
 */
import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startRedisServer, type RedisServer } from '../../scripts/redis-server'
import { ROOT } from '../helpers/paths'
import { Subscriber } from '../helpers/subscriber'

jest.setTimeout(180_000)

const APP = `
  const transport = pino.transport({ target: 'redis-log-transport', options: { url: process.env.REDIS_URL } })
  const logger = pino({ mixin: userIdMixin }, transport)
  withUserId(process.env.JOB, () => logger.info('from the job'))
  logger.child({ userId: process.env.JOB + '_child' }).info('from the child')
  // Nothing else to do: the process exits on its own, and pino's exit hook lets the worker publish first.
`

async function node (cwd: string, file: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null, out: string }> {
  const child = spawn(process.execPath, [file], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (c) => { out += String(c) })
  child.stderr.on('data', (c) => { out += String(c) })
  return await new Promise((resolve) => child.once('exit', (code) => { resolve({ code, out }) }))
}

describe('the published package', () => {
  let server: RedisServer
  let dir: string
  let files: string[]
  beforeAll(async () => {
    server = await startRedisServer()
    dir = mkdtempSync(join(tmpdir(), 'rlt-pack-'))
    // --ignore-scripts: `prepare` would rebuild dist/ under the suites running beside this one (npm test built it).
    const packed = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as Array<{ filename: string, files: Array<{ path: string }> }>
    files = packed[0]?.files.map((f) => f.path) ?? []
    const tarball = join(dir, packed[0]?.filename ?? '')
    const app = join(dir, 'app')
    mkdirSync(join(app, 'esm'), { recursive: true })
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'fresh-app', version: '1.0.0', private: true }))
    writeFileSync(join(app, 'esm', 'package.json'), JSON.stringify({ type: 'module' }))
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball, 'pino@10.4.0'], { cwd: app, stdio: 'ignore' })
    writeFileSync(join(app, 'app.js'), `const pino = require('pino')\nconst { userIdMixin, withUserId } = require('redis-log-transport')\n${APP}`)
    writeFileSync(join(app, 'esm', 'app.js'), `import pino from 'pino'\nimport { userIdMixin, withUserId } from 'redis-log-transport'\n${APP}`)
  })
  afterAll(async () => {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('ships the build, the README and the license, and nothing else', () => {
    expect(files.every((f) => f.startsWith('dist/') || ['package.json', 'README.md', 'LICENSE'].includes(f))).toBe(true)
    expect(files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.mjs', 'dist/index.d.ts', 'dist/index.d.mts', 'LICENSE', 'README.md']))
    expect(files.some((f) => f.startsWith('src/') || f.startsWith('test/'))).toBe(false)
  })

  it('installs the redis-log-tail command, which asks for pino-pretty only when --pretty needs it', () => {
    const bin = join(dir, 'app', 'node_modules', '.bin', 'redis-log-tail')
    expect(execFileSync(bin, ['--help'], { encoding: 'utf8' })).toMatch(/^Usage: redis-log-tail/)
    let stderr = ''
    try {
      execFileSync(bin, ['--pretty'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    } catch (error) {
      stderr = String((error as { stderr: string }).stderr)
      expect((error as { status: number }).status).toBe(2)
    }
    expect(stderr).toBe('redis-log-tail: --pretty needs pino-pretty: npm install pino-pretty\n')
  })

  it.each([['CommonJS', 'app.js'], ['ESM', join('esm', 'app.js')]])('works by name in a fresh %s app', async (_kind, file) => {
    const sub = await Subscriber.start(server.url)
    try {
      const job = `fresh_${_kind.toLowerCase()}`
      const result = await node(join(dir, 'app'), file, { REDIS_URL: server.url, JOB: job })
      expect(result).toEqual({ code: 0, out: '' })
      expect((await sub.waitFor(`logs:${job}`, 1)).map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['from the job'])
      await sub.waitFor(`logs:${job}_child`, 1)
      await sub.waitFor('logs:global', 2)
    } finally {
      await sub.close()
    }
  })
})
