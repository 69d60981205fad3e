/**
 * Worker side: how the transport speaks about its own trouble. Never through pino (a failing Redis would feed the
 * logs it cannot deliver back into itself), never as an 'error' event (that would crash an application without a
 * listener): one line on stderr per change of state, with every known secret masked.
 */
import { debuglog } from 'node:util'

/** `NODE_DEBUG=redis-log-transport` prints the details (masked the same way). */
export const debug = debuglog('redis-log-transport')

/** Replaces every occurrence of each secret in `text` with `***`. Empty or very short secrets are not searched. */
export function redact (text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) {
    if (secret.length >= 3) out = out.split(secret).join('***')
  }
  return out
}

/** Collects the secrets of a configuration: password and username of the URL and of the ioredis options. */
export function secretsOf (url: string, redis: { password?: unknown, username?: unknown, sentinelPassword?: unknown }): string[] {
  const secrets: string[] = []
  const add = (value: unknown): void => {
    if (typeof value === 'string' && value !== '') secrets.push(value, encodeURIComponent(value))
  }
  try {
    const parsed = new URL(url)
    add(decodeURIComponent(parsed.password))
    add(decodeURIComponent(parsed.username))
    add(parsed.password)
    add(parsed.username)
  } catch {
    // An unparsable URL was rejected by the options already; nothing to collect.
  }
  add(redis.password)
  add(redis.username)
  add(redis.sentinelPassword)
  // Longest first, so a secret that contains another is masked whole.
  return [...new Set(secrets)].sort((a, b) => b.length - a.length)
}

/** Writes one masked warning line to stderr. */
export function warn (message: string, secrets: readonly string[]): void {
  process.stderr.write(`redis-log-transport: ${redact(message, secrets)}\n`)
}
