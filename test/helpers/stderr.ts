import fs from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Where test/helpers/stderr-hook.js, in a worker thread, appends what that thread writes to file descriptor 2. */
const CAPTURE_FILE_VARIABLE = 'REDIS_LOG_TRANSPORT_TEST_STDERR'
const HOOK = join(__dirname, 'stderr-hook.js')

export interface CapturedStderr {
  /** Everything captured so far: this thread's writes, then those of the workers started with `worker`. */
  text: () => string
  /** The captured text, one line per element, without empty ones. */
  lines: () => string[]
  /**
   * Worker options for `pino.transport({ ..., worker: stderr.worker })`: that transport's worker thread then writes
   * to fd 2 into this capture instead of the console (the worker warns with fs.writeSync(2, …), which a spy in this
   * thread cannot see).
   */
  worker: { execArgv: string[], env: NodeJS.ProcessEnv }
  restore: () => void
}

/**
 * Captures what the package writes to file descriptor 2 with fs.writeSync (src/shared/report.ts): in this thread, and
 * in the worker threads of the transports started with `worker`. Every other write passes through.
 */
export function captureStderr (): CapturedStderr {
  const original = fs.writeSync
  const written: string[] = []
  const spy = jest.spyOn(fs, 'writeSync').mockImplementation(((fd: number, data: unknown, ...rest: unknown[]) => {
    if (fd === 2 && typeof data === 'string') {
      written.push(data)
      return Buffer.byteLength(data)
    }
    return (original as (...args: unknown[]) => number)(fd, data, ...rest)
  }) as typeof fs.writeSync)
  const dir = fs.mkdtempSync(join(tmpdir(), 'rlt-stderr-'))
  const file = join(dir, 'workers.txt')
  const fromWorkers = (): string => {
    try {
      return fs.readFileSync(file, 'utf8')
    } catch {
      return '' // no worker has written yet
    }
  }
  const text = (): string => written.join('') + fromWorkers()
  return {
    text,
    lines: () => text().split('\n').filter((line) => line !== ''),
    worker: { execArgv: [...process.execArgv, '--require', HOOK], env: { ...process.env, [CAPTURE_FILE_VARIABLE]: file } },
    restore: () => {
      spy.mockRestore()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}
