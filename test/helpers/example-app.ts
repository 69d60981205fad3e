/**
 * Drives a framework example (examples/fastify.js, examples/express.js, examples/nestjs/main.js, or a fixture built
 * on one) as a child process over real HTTP: it listens on a free port (PORT=0), prints `listening on <url>` on
 * stdout, and logs into the suite's Redis (REDIS_URL).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { ROOT } from './paths'
import { waitFor } from './wait'

export interface Exit { code: number | null, signal: NodeJS.Signals | null }

export class ExampleApp {
  stdout = ''
  stderr = ''
  readonly exited: Promise<Exit>
  readonly #child: ChildProcessByStdio<null, Readable, Readable>

  /** `file` is relative to the repository's root. */
  private constructor (file: string, redisUrl: string) {
    this.#child = spawn(process.execPath, [join(ROOT, file)], {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL: redisUrl, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    this.#child.stdout.on('data', (chunk) => { this.stdout += String(chunk) })
    this.#child.stderr.on('data', (chunk) => { this.stderr += String(chunk) })
    this.exited = new Promise((resolve) => { this.#child.once('exit', (code, signal) => { resolve({ code, signal }) }) })
  }

  /** Starts the example and resolves once it listens. */
  static async start (file: string, redisUrl: string): Promise<ExampleApp> {
    const app = new ExampleApp(file, redisUrl)
    await waitFor(() => app.stdout.includes('listening on http'), `${file} to listen; stderr: ${app.stderr}`, 15_000)
    return app
  }

  get base (): string {
    const match = /listening on (http:\/\/\S+)/.exec(this.stdout)
    if (match?.[1] === undefined) throw new Error(`no address on stdout: ${this.stdout}`)
    return match[1]
  }

  /** POST /jobs with the given query; resolves with the job id the application made. */
  async startJob (query: Record<string, string | number>): Promise<string> {
    const search = new URLSearchParams(Object.entries(query).map(([key, value]): [string, string] => [key, String(value)]))
    const response = await fetch(`${this.base}/jobs?${search.toString()}`, { method: 'POST' })
    const body = await response.text()
    if (response.status !== 202) throw new Error(`POST /jobs answered ${response.status}: ${body}`)
    return (JSON.parse(body) as { jobId: string }).jobId
  }

  kill (signal: NodeJS.Signals): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill(signal)
  }

  /** Waits for the exit; past the deadline, kills the process and fails. */
  async exit (timeoutMs = 15_000): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        this.#child.kill('SIGKILL')
        reject(new Error(`the example did not exit within ${timeoutMs} ms; stderr: ${this.stderr}`))
      }, timeoutMs)
    })
    try {
      return await Promise.race([this.exited, deadline])
    } finally {
      clearTimeout(timer)
    }
  }
}
