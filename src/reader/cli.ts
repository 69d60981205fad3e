#!/usr/bin/env node
/**
 * `redis-log-tail`: prints the lines of one or more jobs (or every line) as they arrive in Redis, one per line, raw
 * or through pino-pretty, optionally narrowed to a level and above (`--level`) or to lines holding some text
 * (`--grep`), optionally starting with recent lines from history (`--history N`, `--since DURATION`). With
 * `--serve PORT` it serves the live console instead (cli-serve.ts). The flags are read in cli-args.ts.
 *
 * Exits 0 on SIGINT/SIGTERM; exits 1 with one line on stderr when Redis cannot be reached or refuses the
 * credentials (never printing a password), or when the --serve address is taken; 2 on a usage error.
 */
import { parse, USAGE, UsageError, type CliConnection, type TailArgs } from './cli-args'
import { createLineFilter } from './line-filter'
import { resolveSubscribeOptions, type SubscribeOptions } from './options'
import type { LogSubscription } from './subscription'

type Format = (line: string) => string

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

/** Set by SIGINT/SIGTERM (or a closed stdout): what follows is the end asked for, not an error. */
let stopping = false

/** The connection flags as the readers' options. */
function readerOptions (connection: CliConnection): SubscribeOptions {
  const { url, cluster, sharded, channelPrefix, globalChannel, historyKeyPrefix } = connection
  return {
    url,
    ...(cluster === undefined ? {} : { cluster }),
    sharded,
    ...(channelPrefix === undefined ? {} : { channelPrefix }),
    ...(globalChannel === undefined ? {} : { globalChannel }),
    ...(historyKeyPrefix === undefined ? {} : { historyKeyPrefix })
  }
}

function noHistory (channel: string): void {
  process.stderr.write(`redis-log-tail: no history kept for ${channel} (is the transport's \`history\` option on?); showing new lines only\n`)
}

/** What the transport's notice of lost lines says (its `msg`), on one line. */
function lostMessage (line: string): string {
  try {
    const msg: unknown = (JSON.parse(line) as { msg?: unknown } | null)?.msg
    if (typeof msg === 'string') return msg.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
  } catch {}
  return "the transport's buffer was full and log lines were lost"
}

async function tail (args: TailArgs, connection: CliConnection): Promise<number> {
  const format: Format = args.pretty ? prettyFormat() : (line) => `${line}\n`
  const keep = createLineFilter({ level: args.level, text: args.grep })
  // Every subscription's options are checked before any connects: a bad second job id leaves nothing half open.
  const each = (args.jobs.length === 0 ? [undefined] : args.jobs).map((job): SubscribeOptions => ({
    ...readerOptions(connection), ...(job === undefined ? {} : { job }), history: args.history
  }))
  for (const options of each) resolveSubscribeOptions(options)
  // One boundary for every job, taken before connecting.
  const after = args.since === undefined ? undefined : `${Date.now() - args.since}-0`
  // Loaded after the arguments are checked: --help and usage errors need no Redis client.
  const { subscribe } = require('./subscribe') as typeof import('./subscribe')
  const open = new Set<LogSubscription>()
  const track = (subscription: LogSubscription): LogSubscription => {
    open.add(subscription)
    if (stopping) void subscription.close()
    return subscription
  }
  const stop = (): void => {
    stopping = true
    for (const subscription of open) void subscription.close()
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  // `head` and friends close the pipe early: that is the end, not an error.
  process.stdout.on('error', stop)

  /**
   * A subscription reading from `after` reads the history stream whether it exists or not, so it would wait forever
   * for a transport that keeps no history: a first subscription asks (`history: 1` reads the stream only when it
   * exists) and, when there is none, goes on as the channel's.
   */
  async function start (options: SubscribeOptions): Promise<LogSubscription> {
    if (after === undefined) {
      const subscription = track(subscribe(options))
      await subscription.ready
      if (args.history > 0 && subscription.source === 'pubsub') noHistory(subscription.channel)
      return subscription
    }
    const probe = track(subscribe({ ...options, history: 1 }))
    await probe.ready
    if (probe.source === 'pubsub') {
      noHistory(probe.channel)
      return probe
    }
    open.delete(probe)
    await probe.close()
    const subscription = track(subscribe({ ...options, history: 0, after }))
    await subscription.ready
    return subscription
  }

  try {
    const subscriptions = await Promise.all(each.map(start))
    // Each job's lines in their order; the jobs' lines interleaved as they come.
    await Promise.all(subscriptions.map(async (subscription) => {
      for await (const { line, gap, notice } of subscription) {
        // Said where it happened, whatever the filters keep: lines are missing just before this one.
        if (gap === true) process.stderr.write(`redis-log-tail: lines of ${subscription.channel} are missing here: history trimmed them before they were read\n`)
        if (notice !== undefined) process.stderr.write(`redis-log-tail: lines of ${subscription.channel} are missing here: ${lostMessage(line)}\n`)
        else if (keep === undefined || keep(line)) await write(format(line))
      }
    }))
  } finally {
    // One failed: the others end too, so that the process can exit.
    for (const subscription of open) void subscription.close()
  }
  return 0
}

async function main (argv: string[]): Promise<number> {
  const args = parse(argv)
  if (args === 'help') {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  if (args.mode === 'tail') return await tail(args, args.connection)
  const { serve } = require('./cli-serve') as typeof import('./cli-serve')
  return await serve(args, readerOptions(args.connection), () => { stopping = true })
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
