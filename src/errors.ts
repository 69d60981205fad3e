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
