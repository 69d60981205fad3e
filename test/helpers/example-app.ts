/**
 * Drives a framework example (examples/fastify.js, examples/express.js, examples/nestjs/main.js, or a fixture built
 * on one) as a child process over real HTTP: it listens on a free port (PORT=0), prints `listening on <url>` on
 * stdout, and logs into the suite's Redis (REDIS_URL).
 */
import { join } from 'node:path'
import { NodeChild } from './child'
import { ROOT } from './paths'
import { waitFor } from './wait'

export type { Exit } from './child'

export class ExampleApp extends NodeChild {
  /** `file` is relative to the repository's root. */
  private constructor (file: string, redisUrl: string) {
    super(join(ROOT, file), [], { ...process.env, REDIS_URL: redisUrl, PORT: '0' })
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
}
