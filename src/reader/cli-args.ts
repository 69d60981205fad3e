/**
 * `redis-log-tail`'s command line: its usage text, and the flags read and checked into `CliArgs`, before anything
 * connects. Light (no Redis client is loaded here), so that `--help` and usage errors never load ioredis.
 */
import { parseArgs } from 'node:util'
import { LEVEL_NAMES, levelNumber } from './line-filter'

export const USAGE = `Usage: redis-log-tail [--job ID]... | --global  [--history N | --since DURATION]  [--level LEVEL] [--grep TEXT] [--pretty]
       redis-log-tail --serve PORT [--host HOST]
  with the connection flags: [--url URL | --cluster NODES [--sharded]] [--channel-prefix P] [--global-channel C] [--history-prefix P]

Prints the log lines published by redis-log-transport, one per line, as they arrive; or, with --serve, serves the
live console (the job list, the viewer and the global view) to a browser.

What to follow:
  --job ID      follow the lines of job ID (channel logs:ID); give it more than once to follow several jobs,
                their lines interleaved as they arrive
  --global      follow every line (channel logs:global); the default
  --history N   first print the last N lines kept by the transport's \`history\` option
  --since DURATION  first print the lines kept in history that are newer than DURATION: 90s, 15m, 2h, 1d, or
                a number of seconds (use either --history or --since)
  --level LEVEL print only lines of LEVEL and above: trace, debug, info, warn, error or fatal
  --grep TEXT   print only lines holding TEXT (without regard to case), or matching /REGEX/FLAGS
  --pretty      format lines with pino-pretty (it must be installed)

The console:
  --serve PORT  serve the console at http://127.0.0.1:PORT/ and print that URL on stdout (PORT 0: a free port,
                whose number the printed URL gives); the page has its own job, level and filter controls
  --host HOST   the address to serve on (default 127.0.0.1; 0.0.0.0 opens it to the network: no login guards it)

Connection (must match the transport's options):
  --url URL     Redis URL (default: $REDIS_URL, else redis://127.0.0.1:6379)
  --cluster NODES  read from a Redis Cluster: startup nodes as host:port,host:port
  --sharded     read with SSUBSCRIBE, for a transport publishing with \`sharded: true\`
  --channel-prefix P  the transport's \`channelPrefix\` (default logs: job channels are P:ID)
  --global-channel C  the transport's \`globalChannel\` (default logs:global)
  --history-prefix P  the transport's \`history.keyPrefix\` (default stream:)
  --help        show this help

Exits 0 on Ctrl-C (SIGINT) or SIGTERM; 1 when Redis cannot be reached or refuses the credentials, or when the
--serve address is in use; 2 on a usage error.`

/** A mistake on the command line: exit code 2. */
export class UsageError extends Error {}

/** How to reach Redis and which names the transport publishes to: the flags both modes share. */
export interface CliConnection {
  url: string | undefined
  cluster: string[] | undefined
  sharded: boolean
  channelPrefix: string | undefined
  globalChannel: string | undefined
  historyKeyPrefix: string | undefined
}

/** What to print, in the tail mode. */
export interface TailArgs {
  mode: 'tail'
  /** The jobs to follow, each once, in the order given; none: the global channel. */
  jobs: string[]
  history: number
  /** Milliseconds: print the history lines newer than this first. */
  since: number | undefined
  level: number | undefined
  grep: string | RegExp | undefined
  pretty: boolean
}

/** Where to serve the console, in the serve mode. */
export interface ServeArgs {
  mode: 'serve'
  port: number
  host: string
}

/** The command line, checked. */
export type CliArgs = (TailArgs | ServeArgs) & { connection: CliConnection }

/** The default address of `--serve`: this machine only. */
export const DEFAULT_SERVE_HOST = '127.0.0.1'

/** The flags that choose what is shown: with `--serve`, the console's page has these controls itself. */
const TAIL_ONLY = ['job', 'global', 'level', 'grep', 'since', 'history', 'pretty'] as const

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** `--since`: `90s`, `15m`, `2h`, `1d` or a number of seconds, in milliseconds. */
function duration (text: string): number {
  const match = /^(\d{1,9})([smhd]?)$/.exec(text)
  const ms = match === null ? 0 : Number(match[1]) * (UNITS[match[2] || 's'] ?? 1000)
  if (ms === 0) throw new UsageError('--since expects a duration such as 90s, 15m, 2h, 1d or a number of seconds')
  return ms
}

/** `--grep`: `/REGEX/FLAGS` (flags among those JavaScript knows) is an expression; anything else a substring. */
function pattern (text: string): string | RegExp {
  const match = /^\/(.+)\/([dgimsuvy]*)$/s.exec(text)
  if (match === null) return text
  try {
    return new RegExp(match[1] ?? '', match[2])
  } catch (error) {
    // The engine's reason ("Unterminated group"), without the expression it quotes.
    const reason = (error as Error).message.split(': ').at(-1) ?? ''
    throw new UsageError(`--grep: not a valid regular expression (${reason}); give /REGEX/FLAGS or a plain substring`)
  }
}

/** `--serve`: a TCP port. */
function port (text: string): number {
  const value = /^\d{1,5}$/.test(text) ? Number(text) : -1
  if (value < 0 || value > 65_535) throw new UsageError('--serve expects a port number from 0 to 65535 (0: any free port)')
  return value
}

/** Reads the command line; throws a `UsageError` naming the flag at fault (never echoing a value). */
export function parse (argv: string[]): CliArgs | 'help' {
  let values
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        job: { type: 'string', multiple: true },
        global: { type: 'boolean' },
        history: { type: 'string' },
        since: { type: 'string' },
        level: { type: 'string' },
        grep: { type: 'string' },
        pretty: { type: 'boolean' },
        serve: { type: 'string' },
        host: { type: 'string' },
        url: { type: 'string' },
        cluster: { type: 'string' },
        sharded: { type: 'boolean' },
        'channel-prefix': { type: 'string' },
        'global-channel': { type: 'string' },
        'history-prefix': { type: 'string' },
        help: { type: 'boolean', short: 'h' }
      },
      strict: true,
      allowPositionals: false
    }))
  } catch (error) {
    // parseArgs names the unknown flag; it never holds the value of --url.
    throw new UsageError((error as Error).message)
  }
  if (values.help === true) return 'help'
  const connection: CliConnection = {
    url: values.url,
    cluster: values.cluster?.split(',').map((node) => node.trim()).filter((node) => node !== ''),
    sharded: values.sharded === true,
    channelPrefix: values['channel-prefix'],
    globalChannel: values['global-channel'],
    historyKeyPrefix: values['history-prefix']
  }
  if (values.serve !== undefined) {
    const given = TAIL_ONLY.find((flag) => values[flag] !== undefined)
    if (given !== undefined) {
      throw new UsageError(`--serve cannot be combined with --${given}: the console's page chooses the job, level and filter`)
    }
    return { mode: 'serve', port: port(values.serve), host: values.host ?? DEFAULT_SERVE_HOST, connection }
  }
  if (values.host !== undefined) throw new UsageError('--host goes with --serve PORT')
  const jobs = [...new Set(values.job ?? [])]
  if (jobs.length > 0 && values.global === true) throw new UsageError('give either --job ID or --global, not both')
  if (values.history !== undefined && values.since !== undefined) {
    throw new UsageError('give either --history N (the last N lines) or --since DURATION (the lines newer than it), not both')
  }
  let history = 0
  if (values.history !== undefined) {
    if (!/^\d{1,7}$/.test(values.history)) throw new UsageError('--history expects a whole number of lines, such as 100')
    history = Number(values.history)
  }
  let level: number | undefined
  if (values.level !== undefined) {
    level = levelNumber(values.level.toLowerCase())
    if (level === undefined) throw new UsageError(`--level expects one of ${LEVEL_NAMES.join(', ')}`)
  }
  return {
    mode: 'tail',
    jobs,
    history,
    since: values.since === undefined ? undefined : duration(values.since),
    level,
    grep: values.grep === undefined || values.grep === '' ? undefined : pattern(values.grep),
    pretty: values.pretty === true,
    connection
  }
}
