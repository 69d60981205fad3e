/**
 * The console page's script (console.html loads it): the jobs list (polled), and one `<log-viewer>` for the job in
 * the URL, or for every job.
 *
 * Every URL it uses is resolved against this module's own URL, and this module is loaded from the page's own
 * directory (see console.html): whatever path the page was opened at (`//evil.example/`, `/\evil.example/`), what it
 * loads and asks for stays on its own origin. The page works at `/` and under any prefix.
 */

/** The page's directory, on the page's origin: where the handler serves this module, the viewer and the events. */
const base = new URL('.', import.meta.url)

/** `name` resolved in the page's directory (a path segment: it can never leave the origin). */
function here (name: string): URL {
  return new URL(name, base)
}

function byId<T extends HTMLElement> (id: string): T {
  const element = document.getElementById(id)
  if (element === null) throw new Error(`the console page has no #${id}`)
  return element as T
}

const viewer = byId('viewer')
const list = byId<HTMLUListElement>('jobs')
const info = byId('jobs-info')
const global = byId<HTMLAnchorElement>('global')
const view = byId('view')
const nav = document.querySelector('nav') as HTMLElement
const title = document.title
const POLL_MS = 2000

global.href = base.href
viewer.setAttribute('src', here('events').href)

/** The job in the page's URL, `null` for the global view. */
function currentJob (): string | null {
  return new URLSearchParams(location.search).get('job') || null
}

/** The viewer's attributes from the URL: the job, the line to open at, the filter and the level. */
function apply (): void {
  const params = new URLSearchParams(location.search)
  const job = currentJob()
  const set = (name: string, value: string | null): void => {
    if (value === null) viewer.removeAttribute(name)
    else viewer.setAttribute(name, value)
  }
  // The Filter box and the Level select may have changed since the attributes were set: set them afresh.
  for (const [name, key] of [['filter', 'q'], ['level', 'level']] as const) {
    if (viewer.getAttribute(name) === params.get(key)) viewer.removeAttribute(name)
    set(name, params.get(key))
  }
  set('job', job)
  set('from', params.get('line') || null)
  document.title = job === null ? title : `${job} · ${title}`
  if (job === null) view.replaceChildren('All jobs')
  else view.replaceChildren('Job ', Object.assign(document.createElement('strong'), { textContent: job }))
  markCurrent()
}

function markCurrent (): void {
  const job = currentJob()
  for (const link of list.querySelectorAll('a')) {
    const current = link === global ? job === null : link.dataset.job === job
    if (current) link.setAttribute('aria-current', 'page')
    else link.removeAttribute('aria-current')
  }
}

/** Goes to a job (or the global view) without reloading: the filter and the level stay. */
function go (job: string | null): void {
  const params = new URLSearchParams(location.search)
  const next = new URLSearchParams()
  if (job !== null) next.set('job', job)
  for (const key of ['q', 'level']) {
    const value = params.get(key)
    if (value !== null) next.set(key, value)
  }
  const target = new URL(base)
  target.search = next.toString()
  history.pushState(null, '', target)
  apply()
}

/** Marks the jobs row when chips are hidden off its right edge (a phone's row of chips scrolls sideways). */
function hintMore (): void {
  nav.toggleAttribute('data-more', nav.scrollLeft + nav.clientWidth < nav.scrollWidth - 2)
}
nav.addEventListener('scroll', hintMore, { passive: true })
addEventListener('resize', hintMore)

list.addEventListener('click', (event) => {
  const link = (event.target as Element | null)?.closest('a')
  if (link === null || link === undefined || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return
  event.preventDefault()
  go(link === global ? null : link.dataset.job ?? null)
})
addEventListener('popstate', apply)

function clock (ms: number): string {
  const d = new Date(ms)
  const today = d.toDateString() === new Date().toDateString()
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false })
  return today ? time : `${d.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${time}`
}

/** A job as the jobs list gives it. */
interface Job { id: string, lastTime: number, lines: number }

function jobItem (job: Job): HTMLLIElement {
  const item = document.createElement('li')
  const link = document.createElement('a')
  link.dataset.job = job.id
  link.href = `?job=${encodeURIComponent(job.id)}`
  link.textContent = job.id
  link.title = job.id
  const meta = document.createElement('span')
  meta.className = 'meta'
  item.append(link, meta)
  item.dataset.job = job.id
  return item
}

function showMeta (item: HTMLElement, job: Job): void {
  const meta = item.querySelector('.meta') as HTMLElement
  const time = document.createElement('time')
  time.dateTime = new Date(job.lastTime).toISOString()
  time.textContent = clock(job.lastTime)
  const lines = `${Number(job.lines).toLocaleString('en-US')} line${job.lines === 1 ? '' : 's'}`
  meta.replaceChildren(time, ` · ${lines}`)
}

/** The jobs of a jobs list answer that can be shown; anything else in it is left out. */
function jobsOf (body: unknown): Job[] {
  const jobs = (body as { jobs?: unknown } | null)?.jobs
  if (!Array.isArray(jobs)) return []
  return jobs.filter((job): job is Job => typeof job?.id === 'string' && Number.isFinite(job.lastTime) && Number.isFinite(job.lines))
}

/** Shows `jobs` newest first, reusing the items already there (a rebuilt link would lose the keyboard focus). */
function showJobs (jobs: Job[]): void {
  jobs = [...jobs].sort((a, b) => b.lastTime - a.lastTime)
  const items = new Map([...list.querySelectorAll<HTMLLIElement>('li[data-job]')].map((li) => [li.dataset.job, li]))
  const wanted = jobs.map((job) => {
    const item = items.get(job.id) ?? jobItem(job)
    items.delete(job.id)
    showMeta(item, job)
    return item
  })
  for (const gone of items.values()) gone.remove()
  let at = (list.querySelector('.sep') as Element).nextElementSibling
  for (const item of wanted) {
    if (item === at) at = at.nextElementSibling
    else list.insertBefore(item, at)
  }
  info.hidden = jobs.length > 0
  info.textContent = 'No recent jobs yet.'
  markCurrent()
  hintMore()
}

async function poll (): Promise<void> {
  try {
    const response = await fetch(here('events/jobs'), { cache: 'no-store', headers: { accept: 'application/json' } })
    if (response.status === 403) throw new Error('You may not list the jobs.')
    if (!response.ok) throw new Error(`The jobs list failed (HTTP ${response.status}).`)
    showJobs(jobsOf(await response.json()))
  } catch (error) {
    info.hidden = false
    info.textContent = error instanceof TypeError ? 'The jobs list is unreachable; retrying…' : (error as Error).message
  }
  setTimeout(() => { void poll() }, POLL_MS)
}

apply()
void poll()
import('./log-viewer.js').catch((error: unknown) => {
  const failed = document.createElement('p')
  failed.className = 'failed'
  failed.textContent = `The log viewer could not load: ${error instanceof Error ? error.message : String(error)}`
  viewer.replaceWith(failed)
})
