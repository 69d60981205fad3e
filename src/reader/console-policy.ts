/**
 * What the console tells the browser about itself, on every response: where the page may load code and data from
 * (its Content-Security-Policy: its own origin only, its two inline blocks by their hashes), who may show it in a
 * frame (its own origin, plus the origins of `frameAncestors`), and that nothing is to be sniffed, referred or read
 * from another origin. Pure: console.ts sets the headers.
 */
import { createHash } from 'node:crypto'
import type { OutgoingHttpHeaders } from 'node:http'

/** The `'sha256-…'` source of an inline block's exact text. */
function hashSource (text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`
}

/** The text of each `<tag …>…</tag>` block of `page`, in order. */
function blocks (page: string, tag: 'script' | 'style'): string[] {
  const found: string[] = []
  const pattern = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'g')
  for (const match of page.matchAll(pattern)) found.push(match[1] ?? '')
  return found
}

/** The headers of every response of the console: the page's, its files', its events', its errors'. */
export function commonHeaders (frameAncestors: readonly string[]): OutgoingHttpHeaders {
  return {
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    // Another origin's page cannot include the jobs list, a viewer file or a stream as a resource of its own.
    'Cross-Origin-Resource-Policy': 'same-origin',
    // Browsers that do not know CSP's frame-ancestors (it takes precedence where it is known) keep other origins out.
    ...(frameAncestors.length === 0 ? { 'X-Frame-Options': 'SAMEORIGIN' } : {})
  }
}

/**
 * The page's Content-Security-Policy: scripts from its own origin and its inline scripts (by hash), styles likewise,
 * connections (the events, the jobs list) to its own origin, nothing else; framed only by its own origin and
 * `frameAncestors`.
 */
export function pagePolicy (page: string, frameAncestors: readonly string[]): string {
  const scripts = blocks(page, 'script').map(hashSource)
  const styles = blocks(page, 'style').map(hashSource)
  return [
    "default-src 'none'",
    `script-src 'self' ${scripts.join(' ')}`.trimEnd(),
    `style-src 'self' ${styles.join(' ')}`.trimEnd(),
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors 'self'${frameAncestors.map((origin) => ` ${origin}`).join('')}`
  ].join('; ')
}
