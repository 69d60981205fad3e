/**
 * Pure, no dependencies: what the package makes of the errors it meets, the same on the writer's and the readers'
 * side.
 */

/** True when Redis answered with an error (ACL, wrong type, ...) rather than the connection failing. */
export function isRefusal (error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError'
}

/** `value` if it is an Error, else an Error saying what it is. */
export function asError (value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value))
}

/** Errors that mean the TLS handshake did not complete: a silent server (ETIMEDOUT), or one that answered in clear. */
const TLS_NOT_COMPLETED = /ETIMEDOUT|ECONNRESET|socket hang up|before secure TLS connection|wrong version number|WRONG_VERSION_NUMBER|packet length too long/i

/**
 * A connection error's message with its likely cause, for the one line the package writes about it: credentials
 * refused, or (with TLS on) a handshake that did not complete, which is what `rediss://` against a port without TLS
 * gives, after `connectTimeout` (10 s by default) of silence.
 */
export function explain (error: Error, tls: boolean): string {
  if (/WRONGPASS|NOAUTH|NOPERM/.test(error.message)) return `${error.message} (check the username, password and ACL)`
  if (tls && TLS_NOT_COMPLETED.test(error.message)) {
    return `${error.message} (the TLS handshake did not complete: is that port speaking TLS? Without TLS, use redis://)`
  }
  return error.message
}

/** The first line of an error's message (without the package's prefix), for one line on stderr, which masks it. */
export function firstLine (error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  return (message.replace(/^Error: redis-log-transport: /, '').split('\n')[0] ?? '').slice(0, 300)
}
