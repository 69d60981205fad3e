/**
 * Every example runs and does what it says: against REDIS_URL (here the suite's server, where a subscriber of the
 * test's own checks what reached Redis), and without it against a private redis-server it starts and stops; the
 * shutdown example also on SIGINT and SIGTERM, as when Ctrl-C interrupts it.
 */
import { join } from 'node:path'
import { startRedisServer, waitForPing, type RedisServer } from '../../scripts/redis-server'
import { NodeChild, type Exit } from '../helpers/child'
import { ROOT } from '../helpers/paths'
import { Subscriber } from '../helpers/subscriber'
import { waitFor } from '../helpers/wait'

/** An example running as a child process, its output collected. */
class Example extends NodeChild {
  constructor (file: string, env: NodeJS.ProcessEnv) {
    super(join(ROOT, 'examples', file), [], env)
  }
}

/** Runs an example to its end. */
async function run (file: string, env: NodeJS.ProcessEnv): Promise<Exit & { stdout: string, stderr: string }> {
  const example = new Example(file, env)
  const exit = await example.exit()
  return { ...exit, stdout: example.stdout, stderr: example.stderr }
}

/** The environment without REDIS_URL, so that an example starts a private redis-server. */
function withoutRedisUrl (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra }
  delete env.REDIS_URL
  return env
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/g

/** What reached Redis, channel by channel, every job uuid written `<uuid>`; and the distinct uuids seen. */
function published (sub: Subscriber): { channels: Record<string, string[]>, uuids: string[] } {
  const channels: Record<string, string[]> = {}
  const uuids = new Set<string>()
  for (const { channel, message } of sub.messages) {
    const msg = (JSON.parse(message) as { msg: string }).msg
    for (const uuid of `${channel} ${msg}`.match(UUID) ?? []) uuids.add(uuid)
    ;(channels[channel.replace(UUID, '<uuid>')] ??= []).push(msg.replace(UUID, '<uuid>'))
  }
  return { channels, uuids: [...uuids] }
}

/** Each example, what it prints, and what it publishes (a job's uuid written `<uuid>`). */
const EXAMPLES: Array<[string, NodeJS.ProcessEnv, RegExp[], Record<string, string[]>]> = [
  ['job-context.js', {}, [/^logs:task_[0-9a-f-]{36} +resizing images$/m, /^logs:global +outside the job/m], {
    'logs:task_<uuid>': ['resizing images', 'done, still in task_<uuid>'],
    'logs:global': ['resizing images', 'done, still in task_<uuid>', 'outside the job: logs:global only']
  }],
  ['child-binding.js', {}, [/^logs:job_42 +bound to job_42$/m, /^logs:job_43 +the call site overrides/m], {
    'logs:job_42': ['bound to job_42'],
    'logs:job_43': ['the call site overrides the binding: job_43'],
    'logs:global': ['bound to job_42', 'the call site overrides the binding: job_43']
  }],
  ['multiple-targets.js', {}, [/INFO .*printed by pino-pretty/, /^logs:job_multi +printed by pino-pretty/m], {
    'logs:job_multi': ['printed by pino-pretty and published to logs:job_multi'],
    'logs:global': ['printed by pino-pretty and published to logs:job_multi']
  }],
  ['shutdown-and-stats.js', { STEPS: '3' }, [/^logs:job_shutdown +step 3 of 3$/m, /^closing figures: received 3, published 3, dropped 0, buffered 0$/m], {
    'logs:job_shutdown': ['step 1 of 3', 'step 2 of 3', 'step 3 of 3'],
    'logs:global': ['step 1 of 3', 'step 2 of 3', 'step 3 of 3']
  }],
  ['esm.mjs', {}, [/factory: function, global channel: logs:global/, /^logs:esm_[0-9a-f-]{36} +logged from an ES module$/m], {
    'logs:esm_<uuid>': ['logged from an ES module'],
    'logs:global': ['logged from an ES module']
  }]
]

describe('examples', () => {
  let server: RedisServer
  let sub: Subscriber
  beforeAll(async () => { server = await startRedisServer() })
  afterAll(async () => { await server.stop() })
  beforeEach(async () => { sub = await Subscriber.start(server.url, 'logs:*') })
  afterEach(async () => { await sub.close() })

  it.each(EXAMPLES)('%s, given REDIS_URL, publishes there what it says and shows it arriving', async (file, extra, patterns, expected) => {
    const result = await run(file, { ...process.env, ...extra, REDIS_URL: server.url })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`using REDIS_URL ${server.url}`)
    expect(result.stdout).not.toContain('private redis-server')
    for (const pattern of patterns) expect(result.stdout).toMatch(pattern)
    const total = Object.values(expected).flat().length
    await waitFor(() => sub.messages.length >= total, `${total} messages on the suite's server`)
    const { channels, uuids } = published(sub)
    expect(channels).toEqual(expected)
    expect(uuids.length).toBeLessThanOrEqual(1) // one job, its id the same on its channel and in its lines
  })

  it('bullmq.js, given REDIS_URL, logs each job to its own channel, live and for a late viewer', async () => {
    const result = await run('bullmq.js', { ...process.env, REDIS_URL: server.url })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^added render-example:1 and render-example:2$/m)
    expect(result.stdout).toMatch(/^live +logs:render-example:1 +cover rendered$/m)
    expect(result.stdout).toMatch(/^late +logs:render-example:1 +rendering cover\nlate +logs:render-example:1 +cover rendered$/m)
    await waitFor(() => sub.messages.length >= 8, '8 messages on the suite\'s server')
    const { channels } = published(sub)
    expect(channels['logs:render-example:1']).toEqual(['rendering cover', 'cover rendered'])
    expect(channels['logs:render-example:2']).toEqual(['rendering index', 'index rendered'])
    // The two jobs run at once: on the global channel their lines interleave.
    expect([...channels['logs:global'] ?? []].sort()).toEqual(['cover rendered', 'index rendered', 'rendering cover', 'rendering index'])
    expect(Object.keys(channels).sort()).toEqual(['logs:global', 'logs:render-example:1', 'logs:render-example:2'])
  })

  it.each([...EXAMPLES.map(([file, extra, patterns]) => [file, extra, patterns] as const), ['bullmq.js', {}, [
    /^live +logs:render-example:2 +index rendered$/m, /^late +logs:render-example:1 +cover rendered$/m
  ]] as const, ['demo.js', {}, [
    /^logs:demo_[0-9a-f-]{36} +info +working +step=2$/m, /^logs:job_42 +info +a child logger/m, /received 13 of 13 expected messages from Redis/
  ]] as const])('%s, without REDIS_URL, starts a private redis-server, shows every line, and stops it', async (file, extra, patterns) => {
    const result = await run(file, withoutRedisUrl(extra))
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    for (const pattern of patterns) expect(result.stdout).toMatch(pattern)
    const port = Number(/^started a private redis-server at redis:\/\/127\.0\.0\.1:(\d+)$/m.exec(result.stdout)?.[1])
    expect(port).toBeGreaterThan(0)
    expect(result.stdout).toMatch(/\nstopped the private redis-server\n$/)
    await expect(waitForPing(port, 200)).rejects.toThrow(/did not answer PING/)
    expect(sub.messages).toEqual([]) // nothing went to the suite's server
  })

  it.each(['SIGINT', 'SIGTERM'] as const)('shutdown-and-stats.js, on %s while it logs, publishes every line logged before it, reports the closing figures, and ends as the signal would', async (signal) => {
    const example = new Example('shutdown-and-stats.js', { ...process.env, REDIS_URL: server.url })
    await waitFor(() => /^logs:job_shutdown +step 3 of 50$/m.test(example.stdout), 'the example\'s viewer to show step 3')
    example.kill(signal)
    const exit = await example.exit()
    expect(exit).toEqual({ code: null, signal })
    expect(example.stderr).toBe('')
    // The last 'stats' event is the closing one: every line logged was published before the process ended.
    const last = [...example.stdout.matchAll(/^stats: received (\d+), published (\d+), dropped (\d+), buffered (\d+)$/gm)].at(-1)
    const logged = Number(last?.[1])
    expect(logged).toBeGreaterThanOrEqual(3)
    expect(logged).toBeLessThan(50)
    expect(last?.slice(2)).toEqual([String(logged), '0', '0'])
    expect(example.stdout).not.toContain('closing figures') // the signal ended it before it closed on purpose
    const steps = Array.from({ length: logged }, (_, i) => `step ${i + 1} of 50`)
    await waitFor(() => sub.messages.length >= 2 * logged, `${2 * logged} messages on the suite's server`)
    expect(published(sub).channels).toEqual({ 'logs:job_shutdown': steps, 'logs:global': steps })
  })

  it('shutdown-and-stats.js, interrupted without REDIS_URL, stops its private redis-server too', async () => {
    const example = new Example('shutdown-and-stats.js', withoutRedisUrl())
    await waitFor(() => /^logs:job_shutdown +step 2 of 50$/m.test(example.stdout), 'the example\'s viewer to show step 2')
    example.kill('SIGINT')
    expect(await example.exit()).toEqual({ code: null, signal: 'SIGINT' })
    expect(example.stderr).toBe('')
    const last = [...example.stdout.matchAll(/^stats: received (\d+), published (\d+), dropped (\d+), buffered (\d+)$/gm)].at(-1)
    expect(last?.[2]).toBe(last?.[1])
    expect(example.stdout).toMatch(/\nstopped the private redis-server\n$/)
    const port = Number(/^started a private redis-server at redis:\/\/127\.0\.0\.1:(\d+)$/m.exec(example.stdout)?.[1])
    await expect(waitForPing(port, 200)).rejects.toThrow(/did not answer PING/)
  })
})
