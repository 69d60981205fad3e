/**
 * The packed tarball installs into a fresh project without a warning of ours, and works there by name in CommonJS
 * and ESM applications. Slow (npm install), so both apps share one install.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
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

/**
 * npm's warnings in its output, one per paragraph: a warning of several lines (`npm warn EBADENGINE …`, whose
 * `package:` line names the package) is one entry, so that a test can ask which package it is about.
 */
function npmWarnings (output: string): string[] {
  const warnings: Array<{ code: string, text: string }> = []
  let last: { code: string, text: string } | undefined
  for (const line of output.split('\n')) {
    const code = /^npm warn (\S+)/.exec(line)?.[1]
    if (code === undefined) {
      last = undefined
    } else if (last?.code === code) {
      last.text += '\n' + line
    } else {
      last = { code, text: line }
      warnings.push(last)
    }
  }
  return warnings.map((w) => w.text)
}

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
  let installed: string
  let installOutput: string
  beforeAll(async () => {
    server = await startRedisServer()
    dir = mkdtempSync(join(tmpdir(), 'rlt-pack-'))
    // --ignore-scripts: `prepack` would rebuild dist/ (deleting it first) under the suites running beside this one;
    // npm test built it already.
    const packed = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as Array<{ filename: string, files: Array<{ path: string }> }>
    files = packed[0]?.files.map((f) => f.path) ?? []
    const tarball = join(dir, packed[0]?.filename ?? '')
    const app = join(dir, 'app')
    mkdirSync(join(app, 'esm'), { recursive: true })
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'fresh-app', version: '1.0.0', private: true }))
    writeFileSync(join(app, 'esm', 'package.json'), JSON.stringify({ type: 'module' }))
    // --loglevel=warn: npm's warnings are shown (and its notices not) whatever npm_config_loglevel the run inherits.
    const install = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=warn', tarball, 'pino@10.4.0'], { cwd: app, encoding: 'utf8' })
    installOutput = `${install.stdout}${install.stderr}`
    if (install.status !== 0) throw new Error(`npm install of the tarball failed (${String(install.status)}):\n${installOutput}`)
    installed = join(app, 'node_modules', 'redis-log-transport')
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

  it('installs without a warning about the package: no install script, an engine range that holds, nothing deprecated', () => {
    // A `prepare` script would make npm warn, for every install of the tarball, that the package has install scripts
    // not covered by allowScripts; the package builds in `prepack` instead, which runs only where it is packed.
    const scripts = (JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {}
    expect(Object.keys(scripts).filter((name) => ['preinstall', 'install', 'postinstall', 'prepare'].includes(name))).toEqual([])
    expect(scripts.prepack).toMatch(/\bnpm run build\b/)
    // The range the README states: "Node 20 or later".
    expect((JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { engines?: { node?: string } }).engines).toEqual({ node: '>=20' })
    // An EBADENGINE warning names the package on its `package:` line, a deprecation on its first.
    const ours = npmWarnings(installOutput).filter((warning) => /redis-log-transport|\bprepare\b/.test(warning))
    expect(ours).toEqual([])
  })

  it('ships source maps that carry their sources, since the package has no src/', () => {
    const maps = files.filter((f) => f.endsWith('.map'))
    expect(maps.length).toBeGreaterThan(0)
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(readFileSync(join(installed, map), 'utf8')) as { sources: string[], sourcesContent?: unknown[] }
      expect({ map, sources: sources.length, contents: sourcesContent?.filter((c) => typeof c === 'string' && c !== '').length })
        .toEqual({ map, sources: sources.length, contents: sources.length })
    }
  })

  it('offers redis-log-transport/bullmq by name, to require and to import, without BullMQ installed', () => {
    const app = join(dir, 'app')
    const cjs = "const { withJobLogs } = require('redis-log-transport/bullmq'); console.log(typeof withJobLogs, typeof withJobLogs(async () => {}))"
    expect(execFileSync(process.execPath, ['-e', cjs], { cwd: app, encoding: 'utf8' })).toBe('function function\n')
    const esm = "import { withJobLogs } from 'redis-log-transport/bullmq'; console.log(typeof withJobLogs)"
    expect(execFileSync(process.execPath, ['--input-type=module', '-e', esm], { cwd: app, encoding: 'utf8' })).toBe('function\n')
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
