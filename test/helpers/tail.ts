/** `redis-log-tail` (the built bin) run as a child process, with its output collected: what the CLI suites drive. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { CLI } from './paths'
import { waitFor } from './wait'

export class Tail {
  stdout = ''
  stderr = ''
  readonly exited: Promise<number | null>

  constructor (readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (chunk) => { this.stdout += String(chunk) })
    child.stderr.on('data', (chunk) => { this.stderr += String(chunk) })
    this.exited = new Promise((resolve) => { child.once('exit', (code) => { resolve(code) }) })
  }

  /** Runs the CLI with `args`, in this environment without REDIS_URL, plus `env`. */
  static start (args: string[], env: NodeJS.ProcessEnv = {}): Tail {
    const { REDIS_URL: _ignored, ...rest } = process.env
    return new Tail(spawn(process.execPath, [CLI, ...args], { env: { ...rest, ...env } }))
  }

  get lines (): string[] {
    return this.stdout.split('\n').filter((l) => l !== '')
  }

  /** The `msg` of each line printed (raw pino lines). */
  get msgs (): string[] {
    return this.lines.map(msg)
  }

  async waitForLines (count: number): Promise<string[]> {
    await waitFor(() => this.lines.length >= count, `${count} lines from redis-log-tail (got: ${this.stdout}${this.stderr})`)
    return this.lines
  }

  /** Waits until a printed line has the `msg` `text`; resolves with every `msg` printed so far. */
  async waitForMsg (text: string): Promise<string[]> {
    await waitFor(() => this.msgs.includes(text), `the line '${text}' from redis-log-tail (got: ${this.stdout}${this.stderr})`)
    return this.msgs
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

/** Stops `tail` with `signal`, as a user would, and checks that it ended well: exit 0, nothing on stderr. */
export async function stopCleanly (tail: Tail, signal: NodeJS.Signals): Promise<void> {
  tail.child.kill(signal)
  expect(await tail.exit()).toBe(0)
  expect(tail.stderr).toBe('')
}

/** The `msg` of a pino line. */
export function msg (line: string): string {
  return (JSON.parse(line) as { msg: string }).msg
}
