/**
 * `redis-log-tail`, run as a process on the built output against a private redis-server, with lines logged
 * through the real worker: its flags, its output, its exit codes and its messages.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { once as onceEvent } from 'node:events'
import pino from 'pino'
import { freePort, startRedisServer, type RedisServer } from '../../scripts/redis-server'
import { BUILT_ENTRY, CLI } from '../helpers/paths'
import { waitFor } from '../helpers/wait'


class Tail {
  stdout = ''
  stderr = ''
  readonly exited: Promise<number | null>

  constructor (readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (chunk) => { this.stdout += String(chunk) })
    child.stderr.on('data', (chunk) => { this.stderr += String(chunk) })
    this.exited = new Promise((resolve) => { child.once('exit', (code) => { resolve(code) }) })
  }

  static start (args: string[], env: NodeJS.ProcessEnv = {}): Tail {
    const { REDIS_URL: _ignored, ...rest } = process.env
    return new Tail(spawn(process.execPath, [CLI, ...args], { env: { ...rest, ...env } }))
  }

  get lines (): string[] {
    return this.stdout.split('\n').filter((l) => l !== '')
  }

  async waitForLines (count: number): Promise<string[]> {
    await waitFor(() => this.lines.length >= count, `${count} lines from redis-log-tail (got: ${this.stdout}${this.stderr})`)
    return this.lines
  }

  async exit (timeoutMs = 10_000): Promise<number | null> {
    const timer = setTimeout(() => { this.child.kill('SIGKILL') }, timeoutMs)
    try {
      return await this.exited
    } finally {
      clearTimeout(timer)
    }
  }
}

const msg = (line: string): string => (JSON.parse(line) as { msg: string }).msg

describe('redis-log-tail', () => {
  let server: RedisServer
  let transport: ReturnType<typeof pino.transport>
  let logger: pino.Logger
  beforeAll(async () => {
    server = await startRedisServer()
    transport = pino.transport({ target: BUILT_ENTRY, options: { url: server.url, history: true } })
    logger = pino(transport)
  })
  afterAll(async () => {
    const closed = onceEvent(transport, 'close')
    transport.end()
    await closed
    await server.stop()
  })

  async function subscribers (channel: string): Promise<number> {
    const { default: Redis } = await import('ioredis')
    const admin = new Redis(server.url)
    try {
      return (await admin.pubsub('NUMSUB', channel) as [string, number])[1]
    } finally {
      admin.disconnect()
    }
  }

  it('prints the last N lines of a job, then new ones, one per line, and exits 0 on SIGINT', async () => {
    const job = logger.child({ userId: 'tail-1' })
    for (let i = 0; i < 5; i++) job.info(`old ${i}`)
    await new Promise<void>((resolve) => { logger.flush(() => { resolve() }) })
    const tail = Tail.start(['--url', server.url, '--job', 'tail-1', '--history', '2'])
    await tail.waitForLines(2)
    job.info('new 0')
    logger.info('not this job')
    job.info('new 1')
    expect((await tail.waitForLines(4)).map(msg)).toEqual(['old 3', 'old 4', 'new 0', 'new 1'])
    tail.child.kill('SIGINT')
    expect(await tail.exit()).toBe(0)
    expect(tail.stderr).toBe('')
  })

  it('follows every line with --global, takes the URL from REDIS_URL, and pretty-prints with --pretty', async () => {
    const tail = Tail.start(['--global', '--pretty'], { REDIS_URL: server.url })
    await waitFor(async () => await subscribers('logs:global') > 0, 'the CLI subscribed')
    logger.child({ userId: 'p' }).warn({ step: 7 }, 'pretty line')
    const [line] = await tail.waitForLines(1)
    expect(line).toMatch(/WARN.*pretty line/)
    expect(tail.stdout).toMatch(/step: 7/)
    tail.child.kill('SIGTERM')
    expect(await tail.exit()).toBe(0)
  })

  it('says so when no history is kept for the channel, and shows new lines', async () => {
    const tail = Tail.start(['--url', server.url, '--job', 'never-logged', '--history', '10'])
    await waitFor(() => tail.stderr.includes('no history kept for logs:never-logged'), 'the notice')
    tail.child.kill('SIGINT')
    expect(await tail.exit()).toBe(0)
  })

  it('exits 1 with one line when the connection is refused', async () => {
    const port = await freePort()
    const tail = Tail.start(['--url', `redis://127.0.0.1:${port}`, '--job', 'x'])
    expect(await tail.exit()).toBe(1)
    expect(tail.stderr).toMatch(new RegExp(`^redis-log-tail: cannot follow logs:x at 127.0.0.1:${port}: connect ECONNREFUSED[^\\n]*\\n$`))
  })

  it('exits 1 with one line on bad credentials, without printing the password', async () => {
    const locked = await startRedisServer({ args: ['--requirepass', 'the-right-one'] })
    try {
      const tail = Tail.start(['--global'], { REDIS_URL: `redis://:not-the-password@127.0.0.1:${locked.port}` })
      expect(await tail.exit()).toBe(1)
      expect(tail.stderr).toMatch(/^redis-log-tail: cannot follow logs:global .*(WRONGPASS|invalid).*check the username, password and ACL\)\n$/)
      expect(tail.stderr).not.toContain('not-the-password')
    } finally {
      await locked.stop()
    }
  })

  it.each([
    [['--job', 'a', '--global'], /give either --job ID or --global, not both/],
    [['--history', 'ten'], /--history expects a whole number/],
    [['--jobs', 'a'], /Unknown option '--jobs'/],
    [['--url', 'http://user:secret-pw@host'], /expected `url` to be a string starting with `redis:\/\/`/],
    // The job id rule of the transport: the id whose channel is the global one, a bidi override, a zero-width space.
    [['--job', 'global'], /expected `job` to be a non-empty string .* whose channel is not the global channel, got a string of 6 characters/],
    [['--job', 'invoice\u202Efdp.exe'], /expected `job` to be a non-empty string of at most 256 characters/],
    [['--job', 'job\u200B42'], /expected `job` to be a non-empty string of at most 256 characters/]
  ])('exits 2 with one line on a usage error (%j)', async (args, message) => {
    const tail = Tail.start(args)
    expect(await tail.exit()).toBe(2)
    expect(tail.stderr).toMatch(message)
    expect(tail.stderr.trim().split('\n')).toHaveLength(1)
    expect(tail.stderr).not.toContain('secret-pw')
  })

  it('prints its usage with --help', async () => {
    const tail = Tail.start(['--help'])
    expect(await tail.exit()).toBe(0)
    for (const flag of ['--url', '--job', '--global', '--history', '--pretty', '--help']) expect(tail.stdout).toContain(flag)
  })
})
