#!/usr/bin/env node
/**
 * `redis-log-tail`: prints the lines of a job (or every line) as they arrive in Redis, one per line, raw or through
 * pino-pretty. Exits 0 on SIGINT/SIGTERM; exits 1 with one line on stderr when Redis cannot be reached or refuses
 * the credentials (never printing a password), 2 on a usage error.
 */
import { parseArgs } from 'node:util'

const USAGE = `Usage: redis-log-tail [--job ID | --global] [--history N] [--pretty] [--url URL | --cluster NODES [--sharded]]

Prints the log lines published by redis-log-transport, one per line, as they arrive.

  --job ID      follow the lines of job ID (channel logs:ID)
  --global      follow every line (channel logs:global); the default
  --history N   first print the last N lines kept by the transport's \`history\` option
  --pretty      format lines with pino-pretty (it must be installed)
  --url URL     Redis URL (default: $REDIS_URL, else redis://127.0.0.1:6379)
  --cluster NODES  read from a Redis Cluster: startup nodes as host:port,host:port
  --sharded     read with SSUBSCRIBE, for a transport publishing with \`sharded: true\`
  --help        show this help

Exits 0 on Ctrl-C; 1 when Redis cannot be reached or refuses the credentials; 2 on a usage error.`

type Format = (line: string) => string

class UsageError extends Error {}

interface Args {
  job: string | undefined
  history: number
  pretty: boolean
  url: string | undefined
  cluster: string[] | undefined
  sharded: boolean
}

function parse (argv: string[]): Args | 'help' {
  let values
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        job: { type: 'string' },
        global: { type: 'boolean' },
        history: { type: 'string' },
        pretty: { type: 'boolean' },
        url: { type: 'string' },
        cluster: { type: 'string' },
        sharded: { type: 'boolean' },
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
  if (values.job !== undefined && values.global === true) throw new UsageError('give either --job ID or --global, not both')
  let history = 0
  if (values.history !== undefined) {
    if (!/^\d{1,7}$/.test(values.history)) throw new UsageError('--history expects a whole number of lines, such as 100')
    history = Number(values.history)
  }
  const cluster = values.cluster?.split(',').map((node) => node.trim()).filter((node) => node !== '')
  return { job: values.job, history, pretty: values.pretty === true, url: values.url, cluster, sharded: values.sharded === true }
}

function prettyFormat (): Format {
  let pinoPretty: { prettyFactory: (options: object) => (line: string) => string }
  try {
    pinoPretty = require('pino-pretty') as typeof pinoPretty
  } catch {
    throw new UsageError('--pretty needs pino-pretty: npm install pino-pretty')
  }
  const format = pinoPretty.prettyFactory({ colorize: process.stdout.isTTY === true })
  return (line) => {
    try {
      return format(line)
    } catch {
      return `${line}\n`
    }
  }
}

async function write (text: string): Promise<void> {
  if (!process.stdout.write(text)) {
    await new Promise<void>((resolve) => {
      process.stdout.once('drain', resolve)
      process.stdout.once('close', resolve)
    })
  }
}

/** Set by SIGINT/SIGTERM: what follows is the end asked for, not an error. */
let stopping = false

async function main (argv: string[]): Promise<number> {
  const args = parse(argv)
  if (args === 'help') {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  const format: Format = args.pretty ? prettyFormat() : (line) => `${line}\n`
  // Loaded after the arguments are checked: --help and usage errors need no Redis client.
  const { subscribe } = require('./subscribe') as typeof import('./subscribe')
  const subscription = subscribe({
    url: args.url,
    job: args.job,
    history: args.history,
    ...(args.cluster === undefined ? {} : { cluster: args.cluster }),
    sharded: args.sharded
  })
  const stop = (): void => {
    stopping = true
    void subscription.close()
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  // `head` and friends close the pipe early: that is the end, not an error.
  process.stdout.on('error', stop)
  await subscription.ready
  if (args.history > 0 && subscription.source === 'pubsub') {
    process.stderr.write(`redis-log-tail: no history kept for ${subscription.channel} (is the transport's \`history\` option on?); showing new lines only\n`)
  }
  for await (const { line } of subscription) await write(format(line))
  return 0
}

/**
 * One line on stderr, and the exit code. The messages come from option checks (which never echo a value) and from
 * the subscription (which masks credentials).
 */
function fail (error: unknown): number {
  const message = error instanceof Error ? error.message : String(error)
  process.stderr.write(`redis-log-tail: ${message.replace(/^redis-log-transport: /, '').split('\n')[0] ?? ''}\n`)
  return error instanceof UsageError || error instanceof TypeError ? 2 : 1
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code },
  (error: unknown) => { process.exitCode = stopping ? 0 : fail(error) }
)
