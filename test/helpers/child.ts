/** A node script run as a child process, with its output collected: what several suites drive their apps through. */
import { spawn, type ChildProcessByStdio } from 'node:child_process'
import type { Readable } from 'node:stream'
import { ROOT } from './paths'

export interface Exit { code: number | null, signal: NodeJS.Signals | null }

export class NodeChild {
  stdout = ''
  stderr = ''
  /** Resolves when the process has exited, with how. */
  readonly exited: Promise<Exit>
  readonly #child: ChildProcessByStdio<null, Readable, Readable>
  readonly #name: string

  /** Runs `script` with `args`, from the repository's root; `env` replaces the environment when given. */
  constructor (script: string, args: readonly string[] = [], env?: NodeJS.ProcessEnv) {
    this.#name = script
    this.#child = spawn(process.execPath, [script, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    this.#child.stdout.on('data', (chunk) => { this.stdout += String(chunk) })
    this.#child.stderr.on('data', (chunk) => { this.stderr += String(chunk) })
    this.exited = new Promise((resolve) => { this.#child.once('exit', (code, signal) => { resolve({ code, signal }) }) })
  }

  /** Sends `signal`, unless the process has exited already. */
  kill (signal: NodeJS.Signals): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill(signal)
  }

  /** Waits for the exit; past `timeoutMs`, kills the process and fails, with what it wrote. */
  async exit (timeoutMs = 20_000): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        this.#child.kill('SIGKILL')
        reject(new Error(`${this.#name} did not exit within ${timeoutMs} ms; stdout: ${this.stdout}; stderr: ${this.stderr}`))
      }, timeoutMs)
    })
    try {
      return await Promise.race([this.exited, deadline])
    } finally {
      clearTimeout(timer)
    }
  }
}
