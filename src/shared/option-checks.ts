/**
 * Pure, no dependencies: the checks every options resolver of the package is made of, and the one way their
 * `TypeError` is worded: naming the option, what was expected and what was given, without ever echoing a string
 * (it might be a password or a URL holding one).
 */

/** setTimeout's largest delay (about 24.8 days); a longer one fires at once. */
export const MAX_TIMER_DELAY = 2 ** 31 - 1

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

/**
 * The option names an options interface declares, as a set. Written as an object with every key of `T`, so that
 * the compiler refuses a list that misses one.
 */
export function optionNames<T> (names: Record<keyof Required<T>, true>): ReadonlySet<string> {
  return new Set(Object.keys(names))
}

/**
 * The one known-keys check: throws naming the first key of `input` that is not in `known` (keys `ignore` accepts
 * pass), and listing the known ones. `what` is how the options are called ('option', 'subscribe option', ...);
 * `path` is where they sit (`'history.'` for the keys of `history`).
 */
export function rejectUnknownKeys (input: object, known: ReadonlySet<string>, what: string, path = '',
  ignore: (key: string) => boolean = () => false): void {
  for (const key of Object.keys(input)) {
    if (known.has(key) || ignore(key)) continue
    const ones = what === 'option' && path === '' ? 'options' : 'ones'
    throw new TypeError(`redis-log-transport: unknown ${what} \`${path}${key}\`; known ${ones} are ${[...known].join(', ')}`)
  }
}

/** Throws unless `input` is a plain options object (not null, not an array). */
export function optionsObject (input: unknown, name = 'options'): asserts input is object {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) fail(name, 'an object', input)
}

/** An integer option from `min` to `max`; `fallback` when not given. */
export function integer (name: string, value: unknown, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `from ${min} and up` : `from ${min} to ${max}`
    fail(name, `an integer ${range}`, value)
  }
  return value
}

/** A boolean option; `fallback` when not given. */
export function boolean (name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') fail(name, 'a boolean', value)
  return value
}

/** One of a few string values; `fallback` when not given. */
export function oneOf<T extends string> (name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback
  if (!(allowed as readonly unknown[]).includes(value)) {
    const words = allowed.map((each) => `\`'${each}'\``)
    fail(name, `${words.slice(0, -1).join(', ')} or ${words.at(-1) ?? ''}`, value)
  }
  return value as T
}
