/** Every example runs and shows what it says; the demo starts and stops a private server of its own. */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { startRedisServer, waitForPing, type RedisServer } from '../../scripts/redis-server'
import { ROOT } from '../helpers/paths'

interface Run { code: number | null, stdout: string, stderr: string }

async function run (file: string, env: NodeJS.ProcessEnv, deadlineMs = 20_000): Promise<Run> {
  const child = spawn(process.execPath, [join(ROOT, 'examples', file)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => { stdout += String(chunk) })
  child.stderr.on('data', (chunk) => { stderr += String(chunk) })
  return await new Promise<Run>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${file} did not finish within ${deadlineMs} ms`)) }, deadlineMs)
    child.once('exit', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }) })
  })
}

describe('examples', () => {
  let server: RedisServer
  beforeAll(async () => { server = await startRedisServer() })
  afterAll(async () => { await server.stop() })

  it.each([
    ['job-context.js', [/^logs:task_[0-9a-f-]{36} +resizing images$/m, /^logs:global +outside the job/m]],
    ['child-binding.js', [/^logs:job_42 +bound to job_42$/m, /^logs:job_43 +the call site overrides/m]],
    ['multiple-targets.js', [/INFO .*printed by pino-pretty/, /^logs:job_multi +printed by pino-pretty/m]],
    ['shutdown-and-stats.js', [/^logs:job_shutdown +step 3 of 3$/m, /^closing figures: received 3, published 3, dropped 0$/m]],
    ['esm.mjs', [/factory: function, global channel: logs:global/, /^logs:esm_[0-9a-f-]{36} +logged from an ES module$/m]]
  ])('%s runs and shows its lines arriving from Redis', async (file, patterns) => {
    const result = await run(file as string, { ...process.env, REDIS_URL: server.url })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    for (const pattern of patterns as RegExp[]) expect(result.stdout).toMatch(pattern)
  })

  it('the demo starts a private redis-server without REDIS_URL, shows every line, and stops it', async () => {
    const env = { ...process.env }
    delete env.REDIS_URL
    const result = await run('demo.js', env)
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^logs:demo_[0-9a-f-]{36} +info +working +step=2$/m)
    expect(result.stdout).toMatch(/^logs:job_42 +info +a child logger/m)
    expect(result.stdout).toContain('received 13 of 13 expected messages from Redis')
    const port = Number(/started a private redis-server at redis:\/\/127\.0\.0\.1:(\d+)/.exec(result.stdout)?.[1])
    expect(port).toBeGreaterThan(0)
    await expect(waitForPing(port, 200)).rejects.toThrow(/did not answer PING/)
  })
})
