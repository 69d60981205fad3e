/**
 * Pure, no dependencies: the one way every option check of the package words its `TypeError`, naming the option,
 * what was expected and what was given, without ever echoing a string (it might be a password or a URL holding one).
 */

/** Shows a rejected value without ever echoing a string that might be a secret. */
export function describe (value: unknown): string {
  if (value === null) return '`null`'
  if (typeof value === 'string') return `a string of ${value.length} characters`
  if (typeof value === 'number' || typeof value === 'boolean') return `\`${String(value)}\` (${typeof value})`
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}

/** Throws "expected `name` to be `expected`, got <what value is>" (and `why`, when given). */
export function fail (name: string, expected: string, value: unknown, why = ''): never {
  throw new TypeError(`redis-log-transport: expected \`${name}\` to be ${expected}, got ${describe(value)}${why}`)
}
