/**
 * `redis-log-tail`'s command line read in process (src/reader/cli-args.ts): what each flag becomes, and the usage
 * errors. test/integration/cli*.test.ts run the built bin for what the flags do.
 */
import { DEFAULT_SERVE_HOST, parse, UsageError, type CliArgs } from '../../src/reader/cli-args'

function parsed (argv: string[]): CliArgs {
  const args = parse(argv)
  if (args === 'help') throw new Error('expected arguments, got help')
  return args
}

function tail (argv: string[]): Extract<CliArgs, { mode: 'tail' }> {
  const args = parsed(argv)
  if (args.mode !== 'tail') throw new Error('expected the tail mode')
  return args
}

describe('redis-log-tail arguments', () => {
  it('defaults to the global channel, no history, no filter, raw lines', () => {
    expect(tail([])).toEqual({
      mode: 'tail',
      jobs: [],
      history: 0,
      since: undefined,
      level: undefined,
      grep: undefined,
      pretty: false,
      connection: {
        url: undefined, cluster: undefined, sharded: false, channelPrefix: undefined, globalChannel: undefined, historyKeyPrefix: undefined
      }
    })
    expect(parse(['-h'])).toBe('help')
  })

  it('keeps each --job once, in the order given', () => {
    expect(tail(['--job', 'b', '--job', 'a', '--job', 'b']).jobs).toEqual(['b', 'a'])
  })

  it.each([['90s', 90_000], ['15m', 900_000], ['2h', 7_200_000], ['1d', 86_400_000], ['45', 45_000]])(
    'reads --since %s', (text, ms) => {
      expect(tail(['--since', text]).since).toBe(ms)
    })

  it('reads --level by name, in any case', () => {
    expect(tail(['--level', 'warn']).level).toBe(40)
    expect(tail(['--level', 'FATAL']).level).toBe(60)
  })

  it('reads --grep as a substring, or /REGEX/FLAGS as an expression', () => {
    expect(tail(['--grep', 'Disk full']).grep).toBe('Disk full')
    expect(tail(['--grep', '/usr/bin']).grep).toBe('/usr/bin') // "bin" is not a set of flags: a path
    expect(tail(['--grep', '/a|b/']).grep).toEqual(/a|b/)
    const regex = tail(['--grep', '/order \\d+/i']).grep as RegExp
    expect(regex).toBeInstanceOf(RegExp)
    expect(regex.source).toBe('order \\d+')
    expect(regex.flags).toBe('i')
    expect(tail(['--grep', '']).grep).toBeUndefined()
  })

  it('reads the connection flags and the channel and history names', () => {
    const { connection } = parsed(['--url', 'redis://h:1', '--cluster', 'a:1, b:2,', '--sharded', '--channel-prefix', 'app',
      '--global-channel', 'app:all', '--history-prefix', 'h:'])
    expect(connection).toEqual({
      url: 'redis://h:1', cluster: ['a:1', 'b:2'], sharded: true, channelPrefix: 'app', globalChannel: 'app:all', historyKeyPrefix: 'h:'
    })
  })

  it('reads --serve PORT and --host', () => {
    expect(parsed(['--serve', '8080'])).toMatchObject({ mode: 'serve', port: 8080, host: DEFAULT_SERVE_HOST })
    expect(parsed(['--serve', '0', '--host', '::1', '--url', 'redis://h:1'])).toMatchObject({
      mode: 'serve', port: 0, host: '::1', connection: { url: 'redis://h:1' }
    })
  })

  it.each([
    [['--job', 'a', '--global'], /give either --job ID or --global/],
    [['--history=-1'], /--history expects a whole number/],
    [['--history', '1', '--since', '1m'], /give either --history N .* or --since DURATION/],
    [['--since', '1w'], /--since expects a duration/],
    [['--since', '0s'], /--since expects a duration/],
    [['--level', 'verbose'], /--level expects one of trace, debug, info, warn, error, fatal/],
    [['--grep', '/[/'], /--grep: not a valid regular expression/],
    [['--grep', '/a/gg'], /--grep: not a valid regular expression/],
    [['--serve=-1'], /--serve expects a port number/],
    [['--serve', '99999'], /--serve expects a port number/],
    [['--serve', '80', '--level', 'warn'], /--serve cannot be combined with --level/],
    [['--host', 'h'], /--host goes with --serve PORT/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['positional'], /positional/]
  ])('refuses %j with a usage error', (argv, message) => {
    expect(() => parse(argv)).toThrow(UsageError)
    expect(() => parse(argv)).toThrow(message)
  })

  it('names --grep without quoting the expression', () => {
    expect(() => parse(['--grep', '/secret(/'])).toThrow(/^--grep: not a valid regular expression \(Unterminated group\);/)
    expect(() => parse(['--grep', '/secret(/'])).not.toThrow(/secret/)
  })
})
