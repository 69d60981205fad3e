/**
 * How the package speaks about its own trouble, in the worker (the transport) and in readers (the SSE handler, the
 * subscribe API): never through pino (a failing Redis would feed the logs it cannot deliver back into itself), never
 * as an 'error' event (that would crash an application without a listener), but one line on stderr (`warn`) or a
 * detail under `NODE_DEBUG=redis-log-transport` (`debug`), with every known secret masked (`secretsOf`, `redact`).
 */
import { writeSync } from 'node:fs'
import { debuglog, format } from 'node:util'

const debugLog = debuglog('redis-log-transport')

/**
 * With `NODE_DEBUG=redis-log-transport`, prints details (util.format style) to stderr, masked like warnings.
 * Without it, does nothing, not even the formatting.
 */
export function debug (secrets: readonly string[], message: string, ...args: unknown[]): void {
  if (!debugLog.enabled) return
  debugLog('%s', redact(format(message, ...args), secrets))
}

/** Replaces every occurrence of each secret in `text` with `***`. Empty or very short secrets are not searched. */
export function redact (text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) {
    if (secret.length >= 3) out = out.split(secret).join('***')
  }
  return out
}

/** The parts of ioredis (or ioredis cluster) options that may hold credentials. */
interface SecretOptions {
  password?: unknown
  username?: unknown
  sentinelPassword?: unknown
  sentinelUsername?: unknown
  redisOptions?: { password?: unknown, username?: unknown }
}

/**
 * Collects the secrets of a configuration: password and username of the URL (`fromUrl`, as parsed by redis-url.ts)
 * and of the ioredis options, each also as percent-encoding would write it.
 */
export function secretsOf (fromUrl: SecretOptions, redis: SecretOptions): string[] {
  const secrets: string[] = []
  const add = (value: unknown): void => {
    if (typeof value === 'string' && value !== '') secrets.push(value, encodeURIComponent(value))
  }
  for (const options of [fromUrl, redis]) {
    add(options.password)
    add(options.username)
    add(options.sentinelPassword)
    add(options.sentinelUsername)
    // A cluster's node options.
    add(options.redisOptions?.password)
    add(options.redisOptions?.username)
  }
  // Longest first, so a secret that contains another is masked whole.
  return [...new Set(secrets)].sort((a, b) => b.length - a.length)
}

/**
 * Writes one masked warning line to stderr. Synchronously to file descriptor 2: a worker's `process.stderr` is
 * relayed by the application thread, which is blocked (or gone) while the transport closes at exit.
 */
export function warn (message: string, secrets: readonly string[]): void {
  const line = `redis-log-transport: ${redact(message, secrets)}\n`
  try {
    writeSync(2, line)
  } catch {
    process.stderr.write(line) // fd 2 closed or non-blocking and full: fall back to the stream
  }
}
