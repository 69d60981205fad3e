/**
 * Drives test/fixtures/log-app.js: a child application that logs through the real worker on command, reports
 * the transport's events on stdout, and whose stderr (where the worker warns) the test can read.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process'
import { join } from 'node:path'
import type { Readable, Writable } from 'node:stream'
import type { RedisLogTransportOptions } from '../../src/worker/options'
import type { DroppedEvent, TransportStats } from '../../src/shared/stats'
import { FIXTURES, ROOT } from './paths'
import { waitFor } from './wait'

export interface AppEvent {
  event: string
  n?: number
  stats?: TransportStats
  dropped?: DroppedEvent
  message?: string
}

export interface Exit { code: number | null, signal: NodeJS.Signals | null, elapsedMs: number }

export class App {
  readonly events: AppEvent[] = []
  stderr = ''
  stdout = ''
  readonly #child: ChildProcessByStdio<Writable, Readable, Readable>
  readonly #started = Date.now()
  readonly #exited: Promise<Exit>

  private constructor (options: RedisLogTransportOptions, env: NodeJS.ProcessEnv) {
    this.#child = spawn(process.execPath, [join(FIXTURES, 'log-app.js'), JSON.stringify(options)], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe']
    })
    let partial = ''
    this.#child.stdout.on('data', (chunk) => {
      this.stdout += String(chunk)
      partial += String(chunk)
      const lines = partial.split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) this.events.push(JSON.parse(line) as AppEvent)
    })
    this.#child.stderr.on('data', (chunk) => { this.stderr += String(chunk) })
    this.#child.stdin.on('error', () => {}) // the app may be gone already
    this.#exited = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => { resolve({ code, signal, elapsedMs: Date.now() - this.#started }) })
    })
  }

  /** Starts the app (with extra environment variables, if given) and waits until its transport is ready. */
  static async start (options: RedisLogTransportOptions, env: NodeJS.ProcessEnv = {}): Promise<App> {
    const app = new App(options, env)
    await app.waitForEvent((e) => e.event === 'ready', 'the app to start')
    return app
  }

  get pid (): number {
    return this.#child.pid as number
  }

  /** Sends one command (see the fixture) and waits for its acknowledgement. */
  async send (command: Record<string, unknown>): Promise<void> {
    const acks = this.events.filter((e) => e.event === 'ack').length
    this.#child.stdin.write(JSON.stringify(command) + '\n')
    await this.waitForEvent(() => this.events.filter((e) => e.event === 'ack').length > acks, `ack of ${JSON.stringify(command).slice(0, 80)}`)
  }

  /** Sends a command without waiting (for one that ends the process). */
  tell (command: Record<string, unknown>): void {
    this.#child.stdin.write(JSON.stringify(command) + '\n')
  }

  /** Closes the transport and returns its closing figures. */
  async close (): Promise<TransportStats> {
    await this.send({ close: true })
    const closed = this.events.find((e) => e.event === 'closed')
    if (closed?.stats === undefined) throw new Error(`no closing stats; stderr: ${this.stderr}`)
    return closed.stats
  }

  /** The latest 'stats' event. */
  get stats (): TransportStats | undefined {
    return this.events.filter((e) => e.event === 'stats').at(-1)?.stats
  }

  async waitForEvent (match: (event: AppEvent) => boolean, what: string, timeoutMs = 15_000): Promise<AppEvent> {
    await waitFor(() => this.events.some(match), `${what}; stderr: ${this.stderr}`, timeoutMs)
    return this.events.find(match) as AppEvent
  }

  /** Waits for a 'stats' event that satisfies `match` (needs a short `statsInterval`). */
  async waitForStats (match: (stats: TransportStats) => boolean, what: string, timeoutMs = 15_000): Promise<TransportStats> {
    const event = await this.waitForEvent((e) => e.event === 'stats' && e.stats !== undefined && match(e.stats), what, timeoutMs)
    return event.stats as TransportStats
  }

  kill (signal: NodeJS.Signals): void {
    this.#child.kill(signal)
  }

  /** Closes stdin (so that nothing but the transport holds the app) and waits for the exit. */
  async exit (timeoutMs = 15_000): Promise<Exit> {
    this.#child.stdin.end()
    return await this.exited(timeoutMs)
  }

  async exited (timeoutMs = 15_000): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        this.#child.kill('SIGKILL')
        reject(new Error(`app did not exit within ${timeoutMs} ms; stderr: ${this.stderr}`))
      }, timeoutMs)
    })
    try {
      return await Promise.race([this.#exited, deadline])
    } finally {
      clearTimeout(timer)
    }
  }
}

/** Asserts the accounting identity and returns the stats for more assertions. */
export function accounted (stats: TransportStats): TransportStats {
  const byCause = Object.values(stats.droppedByCause).reduce((a, b) => a + b, 0)
  if (stats.published + stats.dropped !== stats.received || byCause !== stats.dropped || stats.buffered !== 0) {
    throw new Error(`accounting broken: ${JSON.stringify(stats)}`)
  }
  return stats
}
