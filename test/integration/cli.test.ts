/**
 * `redis-log-tail`, run as a process on the built output against a private redis-server, with lines logged
 * through the real worker: its flags, its output, its exit codes and its messages.
 */
import { spawn } from 'node:child_process'
import { once as onceEvent } from 'node:events'
import pino from 'pino'
import { freePort, startRedisServer, type RedisServer } from '../../scripts/redis-server'
import { BUILT_ENTRY, CLI } from '../helpers/paths'
import { msg, Tail } from '../helpers/tail'
import { waitFor } from '../helpers/wait'

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
    [['--job', 'job\u200B42'], /expected `job` to be a non-empty string of at most 256 characters/],
    // Every --job is checked before anything connects (this URL would refuse: exit 1).
    [['--url', 'redis://127.0.0.1:1', '--job', 'fine', '--job', 'bad id'], /expected `job` to be a non-empty string .*, got a string of 6 characters/],
    [['--level', 'loud'], /--level expects one of trace, debug, info, warn, error, fatal$/m],
    [['--grep', '/(unclosed/'], /--grep: not a valid regular expression \(Unterminated group\)/],
    [['--since', '5 minutes'], /--since expects a duration such as 90s, 15m, 2h, 1d/],
    [['--since', '0'], /--since expects a duration/],
    [['--history', '5', '--since', '1m'], /give either --history N .* or --since DURATION .*, not both/],
    [['--channel-prefix', 'a b'], /expected `channelPrefix` to be a non-empty string without whitespace/],
    [['--history-prefix', ''], /expected `historyKeyPrefix` to be a non-empty string/],
    // The console checks the names too, before anything connects.
    [['--serve', '0', '--url', 'redis://127.0.0.1:1', '--channel-prefix', 'a b'], /expected `channelPrefix` to be a non-empty string/],
    [['--serve', '0', '--url', 'redis://127.0.0.1:1', '--history-prefix', 'a b'], /expected `history.keyPrefix` to be a non-empty string/],
    [['--serve', 'http'], /--serve expects a port number from 0 to 65535/],
    [['--serve', '65536'], /--serve expects a port number from 0 to 65535/],
    [['--host', '0.0.0.0'], /--host goes with --serve PORT/],
    ...['--job=a', '--global', '--level=warn', '--grep=x', '--since=1m', '--history=5', '--pretty'].map((flag) => [
      ['--serve', '0', flag], new RegExp(`--serve cannot be combined with ${flag.split('=')[0] ?? ''}: the console's page`)
    ] as [string[], RegExp])
  ])('exits 2 with one line on a usage error (%j)', async (args, message) => {
    const tail = Tail.start(args)
    expect(await tail.exit()).toBe(2)
    expect(tail.stderr).toMatch(message)
    expect(tail.stderr.trim().split('\n')).toHaveLength(1)
    expect(tail.stderr).not.toContain('secret-pw')
  })

  it.each([[['--help'], 0], [['--level', 'loud'], 2], [['--serve', '0', '--job', 'a'], 2]])(
    'loads no Redis client for %j', async (args, code) => {
      // Fails the require of ioredis, then runs the bin as node would.
      const script = `const Module = require('node:module'); const load = Module._load
        Module._load = function (request, ...rest) { if (request === 'ioredis') throw new Error('ioredis was loaded'); return load.call(this, request, ...rest) }
        process.argv = [process.argv[0], ${JSON.stringify(CLI)}, ...${JSON.stringify(args)}]; require(${JSON.stringify(CLI)})`
      const child = new Tail(spawn(process.execPath, ['-e', script]))
      expect(await child.exit()).toBe(code)
      expect(child.stderr).not.toContain('ioredis was loaded')
    })

  it('prints its usage with --help', async () => {
    const tail = Tail.start(['--help'])
    expect(await tail.exit()).toBe(0)
    for (const flag of ['--url', '--job', '--global', '--history', '--since', '--level', '--grep', '--pretty', '--serve',
      '--host', '--channel-prefix', '--global-channel', '--history-prefix', '--help']) expect(tail.stdout).toContain(flag)
  })
})
