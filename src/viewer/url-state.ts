/**
 * The console URL: `?job=ID&q=...&level=...&line=<history id>`. The viewer keeps it in the page's address (with
 * `history.replaceState`, so that the back button does not step through every key typed in the Filter box), and
 * its "Copy link" points to it.
 */

/** What the console URL holds. */
export interface UrlState {
  job?: string | undefined
  q?: string | undefined
  level?: string | undefined
  line?: string | undefined
}

/** Writes `state` into the page's address, leaving its other parameters alone. Absent values are removed. */
export function syncPageUrl (state: UrlState): void {
  const url = new URL(location.href)
  for (const key of ['job', 'q', 'level', 'line'] as const) {
    const value = state[key]
    if (value === undefined || value === '') url.searchParams.delete(key)
    else url.searchParams.set(key, value)
  }
  if (url.href !== location.href) history.replaceState(history.state, '', url)
}

/** The SSE endpoint's URL for a viewer of `job` (every job without it), opening at history id `from` if given. */
export function streamUrl (src: string, job: string | undefined, from: string): URL {
  const url = new URL(src, document.baseURI)
  if (job !== undefined) url.searchParams.set('job', job)
  if (from !== '') url.searchParams.set('from', from)
  return url
}

/** The console URL of line `id` of `job` (the global view without it), relative to the page. */
export function lineLink (job: string | undefined, id: string): string {
  const params = new URLSearchParams()
  if (job !== undefined) params.set('job', job)
  params.set('line', id)
  return `?${params.toString()}`
}

/** Copies `text` to the clipboard: `navigator.clipboard`, else the older `execCommand` way; true when it worked. */
export async function copyText (text: string): Promise<boolean> {
  try {
    if (navigator.clipboard !== undefined) {
      await navigator.clipboard.writeText(text)
      return true
    }
  } catch {}
  const area = document.createElement('textarea')
  area.value = text
  area.setAttribute('readonly', '')
  area.style.cssText = 'position:fixed;top:0;left:0;opacity:0'
  document.body.append(area)
  area.select()
  let done = false
  try {
    done = document.execCommand('copy')
  } catch {}
  area.remove()
  return done
}
