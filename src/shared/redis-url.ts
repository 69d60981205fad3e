/**
 * Pure, no I/O (ioredis is referenced as a type only): the one parser of a Redis URL, run where options are
 * resolved, in whichever thread resolves them. It turns `redis[s]://[[user]:password@]host[:port][/db][?option=value]`
 * into ioredis options, which is what the connection is then made from: ioredis never parses the URL again.
 *
 * A URL that does not parse, or says something a Redis URL cannot mean, is refused with a `TypeError` that names
 * the option and carries neither the URL nor any part of it: a badly written URL is most often a password with an
 * unencoded `#`, `/`, `?` or `%`.
 */
import type { RedisOptions } from 'ioredis'
import { fail } from './option-checks'

/** Query parameters that ioredis takes as numbers; the URL gives strings. */
const NUMERIC_QUERY = new Set(['family', 'connectTimeout', 'commandTimeout', 'socketTimeout', 'keepAlive'])

/** An ioredis option name: what a query parameter may be called (a stray `@` or `:` is half a password). */
const OPTION_NAME = /^[A-Za-z][A-Za-z0-9]*$/

const HINT = ' (a password or username holding `#`, `/`, `?`, `@` or `%` must be percent-encoded, as ' +
  'encodeURIComponent does)'

/**
 * The ioredis options a Redis URL stands for: host, port, username and password (decoded), db, `tls` for
 * `rediss://`, and the query parameters. Throws a `TypeError` naming `name` when the URL is not one.
 */
export function redisOptionsFromUrl (url: unknown, name = 'url'): RedisOptions {
  const expected = 'a string starting with `redis://` or `rediss://`'
  if (typeof url !== 'string' || !/^rediss?:\/\//i.test(url)) fail(name, expected, url)
  const like = 'a Redis URL such as `redis://user:password@host:6379/0`'
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    // Node's error holds the whole URL (its `input`): never let it out.
    fail(name, like, url, ` that does not parse${HINT}`)
  }
  if (parsed.hostname === '') fail(name, like, url, ' without a host')
  if (parsed.port === '0') fail(name, like, url, ' with port 0 (a port is from 1 to 65535)')
  if (parsed.hash !== '') fail(name, like, url, ` with a \`#\`${HINT}`)
  if (parsed.pathname !== '' && parsed.pathname !== '/' && !/^\/\d{1,9}$/.test(parsed.pathname)) {
    fail(name, like, url, ` with a path other than a database number such as \`/0\`${HINT}`)
  }
  const options: Record<string, unknown> = {}
  for (const [key, value] of parsed.searchParams) {
    if (!OPTION_NAME.test(key)) fail(name, like, url, ` with a query parameter that is not an option name${HINT}`)
    if (NUMERIC_QUERY.has(key)) {
      if (!/^\d{1,9}$/.test(value)) fail(name, like, url, ` whose \`${key}\` parameter is not a whole number`)
      options[key] = Number(value)
    } else {
      options[key] = value
    }
  }
  // What the URL says outright wins over its query, as in ioredis.
  options.host = parsed.hostname.replace(/^\[(.*)\]$/, '$1') // an IPv6 address without its brackets
  if (parsed.port !== '') options.port = Number(parsed.port)
  if (parsed.pathname.length > 1) options.db = Number(parsed.pathname.slice(1))
  if (parsed.username !== '' || parsed.password !== '') {
    try {
      options.username = decodeURIComponent(parsed.username)
      options.password = decodeURIComponent(parsed.password)
    } catch {
      fail(name, like, url, ` whose username or password holds a bad \`%\` escape${HINT}`)
    }
  }
  if (parsed.protocol === 'rediss:') options.tls = true
  return options as RedisOptions
}
