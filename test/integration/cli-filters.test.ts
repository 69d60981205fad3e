/**
 * `redis-log-tail`'s choice of lines, run as a process on the built output against a private redis-server, with
 * lines logged through the real worker: --level, --grep, several --job, --since, and the channel and history names
 * of a transport configured with its own.
 */
import Redis from 'ioredis'
import pino from 'pino'
import { startRedisServer, type RedisServer } from '../../scripts/redis-server'
import { flushed, TransportLoggers } from '../helpers/loggers'
import { stopCleanly, Tail } from '../helpers/tail'
import { waitFor } from '../helpers/wait'

describe('redis-log-tail: which lines', () => {
  let server: RedisServer
  let admin: Redis
  const loggers = new TransportLoggers(() => server.url)
  const tails: Tail[] = []

  const logger = (options: Record<string, unknown> = {}): pino.Logger => loggers.logger(options)

  function tail (args: string[]): Tail {
    const started = Tail.start(['--url', server.url, ...args])
    tails.push(started)
    return started
  }

  async function subscribed (channel: string): Promise<void> {
    await waitFor(async () => (await admin.pubsub('NUMSUB', channel) as [string, number])[1] > 0, `a subscriber on ${channel}`)
  }

  const stop = async (t: Tail): Promise<void> => { await stopCleanly(t, 'SIGINT') }

  let log: pino.Logger
  beforeAll(async () => {
    server = await startRedisServer()
    admin = new Redis(server.url)
    log = logger()
  })
  afterEach(() => {
    for (const t of tails.splice(0)) t.child.kill('SIGKILL')
  })
  afterAll(async () => {
    await loggers.close()
    admin.disconnect()
    await server.stop()
  })

  it('prints only the lines of --level and above', async () => {
    const job = log.child({ userId: 'levels' })
    job.debug('d1')
    job.info('i1')
    job.warn('w1')
    job.error('e1')
    job.fatal('f1')
    await flushed(log)
    const t = tail(['--job', 'levels', '--history', '100', '--level', 'WARN'])
    await t.waitForMsg('f1')
    job.info('i2')
    job.warn('w2')
    // w2 comes after i2: once it is printed, i2 has been seen and left out.
    expect(await t.waitForMsg('w2')).toEqual(['w1', 'e1', 'f1', 'w2'])
    await stop(t)
  })

  it('prints only the lines holding the --grep text, without regard to case, or matching a /regex/', async () => {
    const job = log.child({ userId: 'grep' })
    job.info('Disk FULL on /var')
    job.info('all good')
    job.info({ device: 'disk0' }, 'device fields count too')
    job.info('order 17 shipped')
    job.info('order seventeen shipped')
    job.info('the end')
    await flushed(log)
    const substring = tail(['--job', 'grep', '--history', '100', '--grep', 'disk'])
    const regex = tail(['--job', 'grep', '--history', '100', '--grep', '/"msg":"(order \\d+|the END)/i'])
    await substring.waitForLines(2)
    expect(substring.msgs).toEqual(['Disk FULL on /var', 'device fields count too'])
    expect(await regex.waitForMsg('the end')).toEqual(['order 17 shipped', 'the end'])
    // Live lines go through the same test.
    job.info('another disk')
    expect(await substring.waitForMsg('another disk')).toHaveLength(3)
    await stop(substring)
    await stop(regex)
  })

  it('follows several jobs given with --job, each in its order, and no other', async () => {
    const t = tail(['--job', 'alpha', '--job', 'beta', '--job', 'alpha'])
    await subscribed('logs:alpha')
    await subscribed('logs:beta')
    const alpha = log.child({ userId: 'alpha' })
    const beta = log.child({ userId: 'beta' })
    const gamma = log.child({ userId: 'gamma' })
    for (let i = 0; i < 20; i++) {
      alpha.info(`a${i}`)
      gamma.info(`g${i}`)
      beta.info(`b${i}`)
      log.info(`global ${i}`)
    }
    await waitFor(() => t.msgs.includes('a19') && t.msgs.includes('b19'), `both jobs' last lines (got: ${t.stdout})`)
    const msgs = t.msgs
    const range = Array.from({ length: 20 }, (_, i) => i)
    expect(msgs.filter((m) => m.startsWith('a'))).toEqual(range.map((i) => `a${i}`))
    expect(msgs.filter((m) => m.startsWith('b'))).toEqual(range.map((i) => `b${i}`))
    // Nothing else, and alpha (given twice) followed once.
    expect(msgs).toHaveLength(40)
    await stop(t)
  })

  it('prints the history lines newer than --since, then live ones', async () => {
    const key = 'stream:logs:since'
    const now = Date.now()
    // Entries from two hours and from two minutes ago, with ids in the past, as the transport would have written them.
    for (const [ago, text] of [[7_200_000, 'two hours ago'], [120_000, 'two minutes ago']] as const) {
      const line = JSON.stringify({ level: 30, time: now - ago, userId: 'since', msg: text })
      await admin.xadd(key, `${now - ago}-0`, 'line', line)
    }
    const job = log.child({ userId: 'since' })
    job.info('just now')
    await flushed(log)
    const lastMinute = tail(['--job', 'since', '--since', '1m'])
    const lastThreeHours = tail(['--job', 'since', '--since', '3h'])
    const inSeconds = tail(['--job', 'since', '--since', '600'])
    await lastMinute.waitForMsg('just now')
    await lastThreeHours.waitForMsg('just now')
    await inSeconds.waitForMsg('just now')
    job.info('live')
    expect(await lastMinute.waitForMsg('live')).toEqual(['just now', 'live'])
    expect(await lastThreeHours.waitForMsg('live')).toEqual(['two hours ago', 'two minutes ago', 'just now', 'live'])
    expect(await inSeconds.waitForMsg('live')).toEqual(['two minutes ago', 'just now', 'live'])
    for (const t of [lastMinute, lastThreeHours, inSeconds]) await stop(t)
  })

  it('says on stderr where lines are missing: --since reaching back past what history still keeps', async () => {
    const key = 'stream:logs:since-trimmed'
    const now = Date.now()
    // Written over the last 300 s, one a second; history then trimmed to the last 10.
    for (let i = 0; i < 300; i++) {
      const line = JSON.stringify({ level: 30, time: now - 300_000 + i * 1000, userId: 'since-trimmed', msg: `entry ${i}` })
      await admin.xadd(key, `${now - 300_000 + i * 1000}-0`, 'line', line)
    }
    await admin.xtrim(key, 'MAXLEN', 10)
    const t = tail(['--job', 'since-trimmed', '--since', '10m'])
    expect(await t.waitForMsg('entry 299')).toEqual(Array.from({ length: 10 }, (_, i) => `entry ${290 + i}`))
    expect(t.stderr).toBe('redis-log-tail: lines of logs:since-trimmed are missing here: history trimmed them before they were read\n')
    // Where history still holds everything asked for, nothing is said.
    const exact = tail(['--job', 'since-trimmed', '--since', '5s'])
    await waitFor(async () => (await admin.xlen(key)) === 10, 'the stream')
    log.child({ userId: 'since-trimmed' }).info('live')
    await exact.waitForMsg('live')
    await stop(exact) // which checks that it said nothing on stderr
    t.child.kill('SIGINT')
    expect(await t.exit()).toBe(0)
  })

  it('with --since on a transport that keeps no history, says so and shows new lines', async () => {
    const plain = logger({ history: false })
    const t = tail(['--job', 'no-history', '--since', '5m'])
    await waitFor(() => t.stderr.includes('no history kept for logs:no-history'), 'the notice')
    await subscribed('logs:no-history')
    plain.child({ userId: 'no-history' }).info('fresh')
    expect(await t.waitForMsg('fresh')).toEqual(['fresh'])
    t.child.kill('SIGTERM')
    expect(await t.exit()).toBe(0)
  })

  it('reads the channels and history of a transport with its own names', async () => {
    const names = { channelPrefix: 'app', globalChannel: 'app:all' }
    const custom = logger({ ...names, history: { keyPrefix: 'h:' } })
    const job = custom.child({ userId: 'j1' })
    job.info('kept 1')
    job.info('kept 2')
    await flushed(custom)
    expect(await admin.xlen('h:app:j1')).toBe(2)
    const flags = ['--channel-prefix', 'app', '--global-channel', 'app:all', '--history-prefix', 'h:']
    const ofJob = tail(['--job', 'j1', '--history', '10', ...flags])
    const global = tail(['--global', ...flags])
    expect(await ofJob.waitForMsg('kept 2')).toEqual(['kept 1', 'kept 2'])
    await subscribed('app:all')
    job.info('live 1')
    custom.info('no job')
    expect(await ofJob.waitForMsg('live 1')).toEqual(['kept 1', 'kept 2', 'live 1'])
    expect(await global.waitForMsg('no job')).toEqual(['live 1', 'no job'])
    await stop(ofJob)
    await stop(global)
  })
})
