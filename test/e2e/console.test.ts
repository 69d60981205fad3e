/// <reference lib="dom" />
/**
 * The shipped console, end to end, in headless Chromium (Debian's, driven by playwright-core): a real application
 * (test/fixtures/console-app.js) logs three jobs through the built transport with history on and serves
 * createLogConsole; the test drives the page by its fixed accessible names, as a user or assistive technology would.
 *
 * "None twice, none missing" is checked against Redis itself: the ids the viewer holds must be consecutive entries
 * of the job's history stream.
 */
import { mkdtempSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Redis from 'ioredis'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { startRedisServer, type RedisServer } from '../../scripts/redis-server'
import { launchChromium } from '../helpers/chromium'
import { ExampleApp } from '../helpers/example-app'
import { ROOT } from '../helpers/paths'
import { waitFor } from '../helpers/wait'

// UPDATE_SCREENSHOT=1 writes the README's pictures; otherwise they go to a temporary directory.
const SHOTS = process.env.UPDATE_SCREENSHOT === '1' ? join(ROOT, 'docs') : mkdtempSync(join(tmpdir(), 'rlt-console-'))
const ZONE = 'Asia/Kolkata'

interface Entry { id?: string, line: string }
interface ViewerState { entries: Entry[], shown: Entry[], paused: boolean, status: string }

interface Line { level?: number, msg?: string, step?: number, userId?: string, time?: number }
const parse = (line: string): Line => JSON.parse(line) as Line

describe('the console in Chromium', () => {
  let redis: RedisServer
  let admin: Redis
  let app: ExampleApp
  let browser: Browser
  let context: BrowserContext
  let page: Page

  beforeAll(async () => {
    redis = await startRedisServer()
    admin = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 })
    app = await ExampleApp.start('test/fixtures/console-app.js', redis.url)
    browser = await launchChromium()
    context = await browser.newContext({ viewport: { width: 1200, height: 760 }, timezoneId: ZONE, locale: 'en-GB' })
    page = await context.newPage()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    app?.kill('SIGTERM')
    await app?.exit()
    admin?.disconnect()
    await redis?.stop()
  })

  const state = async (on: Page = page): Promise<ViewerState> => await viewerState(on)
  const status = (on: Page = page) => on.locator('[role="status"][data-state]').first()
  const waitForState = async (wanted: string, on: Page = page): Promise<void> => {
    await waitFor(async () => (await status(on).getAttribute('data-state')) === wanted, `the status ${wanted}`, 15_000)
  }
  const waitForEntries = async (more: number, on: Page = page): Promise<ViewerState> => {
    let s = await state(on)
    const target = s.entries.length + more
    await waitFor(async () => (s = await state(on)).entries.length >= target, `${target} entries in the viewer`, 15_000)
    return s
  }

  /** The ids of a history stream, oldest first. */
  async function historyIds (channel: string): Promise<string[]> {
    return (await admin.xrange(`stream:logs:${channel}`, '-', '+')).map(([id]) => id)
  }

  /** The entries are consecutive entries of the channel's history: in order, none twice, none missing. */
  async function expectConsecutive (entries: ViewerState['entries'], channel: string): Promise<void> {
    const ids = entries.map((e) => e.id)
    const history = await historyIds(channel)
    const start = history.indexOf(ids[0] ?? '')
    expect(start).toBeGreaterThanOrEqual(0)
    expect(ids).toEqual(history.slice(start, start + ids.length))
  }

  it('shows a job\'s lines in order as they arrive, the newest in view, at local time with the zone', async () => {
    await page.goto(`${app.base}/?job=job_live`)
    await waitForState('live')
    expect(await status().textContent()).toMatch(/Live/)
    await waitForEntries(8)
    const s = await waitForEntries(5)
    await expectConsecutive(s.entries, 'job_live')
    expect(s.entries.every((e) => parse(e.line).userId === 'job_live')).toBe(true)
    // The view follows: the last row in view is the newest line shown.
    await waitFor(async () => {
      const [visible, now] = [await visibleLineIds(page), await state()]
      return visible.length > 3 && visible.at(-1) === now.shown.at(-1)?.id
    }, 'the newest line in view')
    // The time of a line in view, as a clock in Kolkata reads it, and the zone named on the page.
    const visible = await visibleLineIds(page)
    const entry = (await state()).entries.find((e) => e.id === visible.at(-2))
    const time = parse(entry?.line ?? '{}').time ?? 0
    const [h24, h12] = localTimes(time, ZONE)
    expect(await page.getByText(h24).or(page.getByText(h12)).count()).toBeGreaterThan(0)
    expect(await page.getByText(/IST|GMT\+5:30|UTC\+5:30|\+05:?30|Asia\/Kolkata/).count()).toBeGreaterThan(0)
  })

  it('narrows the lines with Filter, highlighting the matches, and keeps it in the URL', async () => {
    await waitForEntries(5)
    await page.getByRole('textbox', { name: 'Filter' }).fill('FAILED')
    await waitFor(async () => {
      const s = await state()
      return s.shown.length > 0 && s.shown.length < s.entries.length && s.shown.every((e) => /failed/i.test(e.line))
    }, 'only the lines with "failed" shown')
    const marks = await page.locator('mark').allTextContents()
    expect(marks.length).toBeGreaterThan(0)
    expect(marks.every((m) => m.toLowerCase() === 'failed')).toBe(true)
    expect(new URL(page.url()).searchParams.get('q')).toBe('FAILED')
    await page.getByRole('textbox', { name: 'Filter' }).fill('')
    await waitFor(async () => { const s = await state(); return s.shown.length === s.entries.length }, 'every line shown again')
  })

  it('narrows the lines with Level to that level and above', async () => {
    const level = page.getByRole('combobox', { name: 'Level' })
    await level.selectOption('warn')
    await waitFor(async () => {
      const s = await state()
      return s.shown.length > 0 && s.shown.every((e) => (parse(e.line).level ?? 0) >= 40) &&
        s.entries.some((e) => (parse(e.line).level ?? 0) < 40)
    }, 'only warn and above shown')
    expect(new URL(page.url()).searchParams.get('level')).toBe('warn')
    await level.selectOption('trace')
    await waitFor(async () => { const s = await state(); return s.shown.length === s.entries.length }, 'every level shown again')
  })

  it('takes a /regex/ in Filter, and marks a bad one as invalid', async () => {
    const filter = page.getByRole('textbox', { name: 'Filter' })
    await filter.fill('/step \\d*7\\b/')
    await waitFor(async () => {
      const s = await state()
      return s.shown.length > 0 && s.shown.every((e) => /step \d*7\b/.test(parse(e.line).msg ?? ''))
    }, 'only the steps ending in 7 shown')
    await filter.fill('/([/')
    await waitFor(async () => await isInvalid(filter), 'the Filter box marked invalid')
    await filter.fill('')
    await waitFor(async () => !(await isInvalid(filter)), 'the Filter box valid again')
  })

  it('holds new lines while paused, counting them, and Resume shows them at the bottom', async () => {
    await page.getByRole('button', { name: 'Pause' }).click()
    const resume = page.getByRole('button', { name: 'Resume' })
    await resume.waitFor({ timeout: 5000 })
    const held = await state()
    expect(held.paused).toBe(true)
    const inView = await visibleLineIds(page)
    const counts: number[] = []
    await waitFor(async () => {
      const count = await pausedCount(page)
      if (count !== undefined && count !== counts.at(-1)) counts.push(count)
      return counts.length >= 3 && (counts.at(-1) ?? 0) >= 5
    }, 'a count of held lines that grows', 15_000)
    expect(counts).toEqual([...counts].sort((a, b) => a - b))
    expect(await visibleLineIds(page)).toEqual(inView)
    expect((await state()).shown.length).toBe(held.shown.length)
    await resume.click()
    await page.getByRole('button', { name: 'Pause' }).waitFor({ timeout: 5000 })
    const after = await state()
    expect(after.paused).toBe(false)
    expect(after.shown.length).toBeGreaterThanOrEqual(held.shown.length + 5)
    await waitFor(async () => (await visibleLineIds(page)).at(-1) === (await state()).shown.at(-1)?.id, 'the view at the newest line')
  })

  it('opens a line\'s Copy link in the console at that line, highlighted and in view', async () => {
    // Paused, as a person copying a link would be: while the view follows new lines, the rows move under the pointer.
    await page.getByRole('button', { name: 'Pause' }).click()
    await page.getByRole('button', { name: 'Resume' }).waitFor({ timeout: 5000 })
    const links = page.getByRole('link', { name: 'Copy link' })
    const visible = await visibleLineIds(page)
    const id = visible[Math.floor(visible.length / 2)] ?? ''
    const href = await links.evaluateAll((all, wanted) => all.map((a) => (a as HTMLAnchorElement).href)
      .find((h) => new URL(h).searchParams.get('line') === wanted), id)
    expect(href).toBeDefined()
    expect(new URL(href ?? '').searchParams.get('job')).toBe('job_live')
    // A click copies the link.
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.base })
    await links.nth(await links.evaluateAll((all, h) => all.findIndex((a) => (a as HTMLAnchorElement).href === h), href)).click()
    await waitFor(async () => await page.evaluate(async () => await navigator.clipboard.readText()) === href, 'the link on the clipboard', 20_000)
    const other = await context.newPage()
    try {
      await other.goto(href ?? '')
      await waitFor(async () => (await state(other)).entries.some((e) => e.id === id), 'the linked line in the new page', 20_000)
      let inView: string[] = []
      await waitFor(async () => (inView = await visibleLineIds(other)).includes(id), 'the linked line in view', 20_000)
        .catch((error: Error) => { throw new Error(`${error.message}: ${id} is not among ${inView.join(' ')}`) })
      expect(await highlightedLineIds(other)).toEqual([id])
      // In context: up to 50 lines before it, then the rest, as one consecutive run of the history.
      const opened = await state(other)
      expect(opened.entries.findIndex((e) => e.id === id)).toBeLessThanOrEqual(50)
      await expectConsecutive(opened.entries, 'job_live')
    } finally {
      await other.close()
      await page.getByRole('button', { name: 'Resume' }).click()
    }
  })

  it('continues after a reload with no line twice and none missing', async () => {
    const before = await waitForEntries(3)
    await page.reload()
    await waitForState('live')
    const after = await waitForEntries(5)
    await expectConsecutive(after.entries, 'job_live')
    expect(after.entries.map((e) => e.id)).toContain(before.entries.at(-1)?.id)
  })

  it('continues after a dropped connection with no line twice and none missing', async () => {
    await recordStates(page)
    const before = await waitForEntries(3)
    const dropped = await (await fetch(`${app.base}/debug/drop`)).text()
    expect(dropped).toMatch(/^dropped [1-9]/)
    await waitFor(async () => (await recordedStates(page)).includes('live'), 'live again after the drop', 15_000)
    const after = await waitForEntries(10)
    // The same page, never cleared: the lines from before the drop, then those after, as one consecutive run.
    expect(after.entries.slice(0, before.entries.length)).toEqual(before.entries)
    await expectConsecutive(after.entries, 'job_live')
  })

  it('lists the jobs newest first, each a link that switches the view', async () => {
    const names = await page.getByRole('link', { name: /^job_/ }).allTextContents()
    const jobs = [...new Set(names.map((n) => n.trim()))]
    expect(jobs).toEqual(['job_live', 'job_mid', 'job_old'])
    await page.getByRole('link', { name: 'job_mid', exact: true }).first().click()
    await waitFor(async () => new URL(page.url()).searchParams.get('job') === 'job_mid', 'job=job_mid in the URL')
    await waitFor(async () => {
      const s = await state()
      return s.entries.length === 3 && s.entries.every((e) => parse(e.line).userId === 'job_mid')
    }, 'the three lines of job_mid')
    await expectConsecutive((await state()).entries, 'job_mid')
    // Its lines hold markup in a field: shown as text, collapsed and expanded, never run or parsed into elements.
    const rows = page.locator('log-viewer').locator('.row')
    await waitFor(async () => (await rows.allTextContents()).some((text) => text.includes('<img src=x onerror=')), 'the markup shown as text')
    await rows.first().getByRole('button', { name: 'Details' }).click()
    await waitFor(async () => (await rows.first().textContent())?.includes('<script>window.__injected=2</script>') === true, 'the markup in the expanded JSON')
    expect(await page.evaluate(() => (window as unknown as { __injected?: number }).__injected)).toBeUndefined()
    expect(await page.locator('log-viewer').evaluate((host) => host.shadowRoot?.querySelectorAll('.row img, .row script').length)).toBe(0)
  })

  it('works as a bare <log-viewer> in a page of the application\'s own, given an endpoint and a job', async () => {
    const own = await context.newPage()
    try {
      // A page the application serves itself, with nothing of the console's but the element's module.
      await own.route(`${app.base}/own-page`, async (route) => {
        await route.fulfill({
          contentType: 'text/html; charset=utf-8',
          body: '<!doctype html><title>Own page</title><h1>Deploys</h1>' +
            '<script type="module" src="/log-viewer.js"></script>' +
            '<log-viewer src="/events" job="job_live" style="display:block;height:400px"></log-viewer>'
        })
      })
      await own.goto(`${app.base}/own-page`)
      await waitForState('live', own)
      const { entries } = await waitForEntries(5, own)
      expect(entries.every((e) => parse(e.line).userId === 'job_live')).toBe(true)
      await expectConsecutive(entries, 'job_live')
      await own.getByRole('combobox', { name: 'Level' }).selectOption('warn')
      await waitFor(async () => {
        const { shown } = await state(own)
        return shown.length > 0 && shown.every((e) => (parse(e.line).level ?? 0) >= 40)
      }, 'only warn and above shown')
      // Without sync-url, the page's own URL is left alone.
      expect(new URL(own.url()).search).toBe('')
    } finally {
      await own.close()
    }
  })

  it('shows every job, and the lines without one, in the global view', async () => {
    await page.getByRole('link', { name: 'Global', exact: true }).click()
    await waitFor(async () => !new URL(page.url()).searchParams.has('job'), 'no job in the URL')
    await waitForState('live')
    await waitFor(async () => {
      const jobs = new Set((await state()).entries.map((e) => parse(e.line).userId ?? 'none'))
      return ['job_old', 'job_mid', 'job_live', 'none'].every((j) => jobs.has(j))
    }, 'every job and a line without one in the global view')
    await expectConsecutive((await waitForEntries(3)).entries, 'global')
    expect(app.stderr).toBe('')
  })

  it('opened before a job\'s first line, continues from history after a dropped connection, none twice', async () => {
    // No history stream yet: the handler reads the job's channel, whose lines carry no id.
    const late = await context.newPage()
    try {
      await late.goto(`${app.base}/?job=job_late`)
      await waitForState('live', late)
      expect((await (await fetch(`${app.base}/debug/late`)).text()).trim()).toBe('started')
      const before = await waitForEntries(5, late)
      expect(before.entries.every((e) => e.id === undefined)).toBe(true)
      // The reconnection finds the stream: it replays history (with ids), which repeats what the view has.
      await fetch(`${app.base}/debug/drop`)
      await waitForState('reconnecting', late)
      await waitForState('live', late)
      const after = await waitForEntries(10, late)
      expect(after.entries.some((e) => e.id !== undefined)).toBe(true)
      const steps = after.entries.map((e) => parse(e.line).step ?? 0)
      expect(steps).toEqual(steps.map((_, i) => (steps[0] ?? 0) + i))
      const markers = await late.locator('log-viewer').locator('.marker').allTextContents()
      expect(markers.filter((text) => text.includes('may be missing'))).toEqual([])
    } finally {
      await late.close()
    }
  })

  it('stays readable: every level, the time and the fields at 4.5:1 or more, at a legible size', async () => {
    for (const { what, color, background, size } of await viewStyles(page)) {
      expect({ what, ratio: contrast(color, background) >= 4.5 }).toEqual({ what, ratio: true })
      expect({ what, size: size >= 12 }).toEqual({ what, size: true })
    }
  })

  it('takes screenshots of a job view and of a phone', async () => {
    await page.goto(`${app.base}/?job=job_live`)
    await waitForState('live')
    await waitForEntries(12)
    await page.getByRole('button', { name: 'Pause' }).click()
    await expandAnErrorLine(page)
    const wide = join(SHOTS, 'console.png')
    await page.screenshot({ path: wide })
    expect(statSync(wide).size).toBeGreaterThan(20_000)
    await page.getByRole('button', { name: 'Resume' }).click()
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, timezoneId: ZONE, locale: 'en-GB' })
    try {
      const small = await phone.newPage()
      await small.goto(`${app.base}/?job=job_live`)
      await waitForState('live', small)
      await waitForEntries(6, small)
      const path = join(SHOTS, 'console-phone.png')
      await small.screenshot({ path })
      expect(statSync(path).size).toBeGreaterThan(20_000)
      // Nothing wider than the phone: no sideways scrolling of the page.
      expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    } finally {
      await phone.close()
    }
  })

  it('shows reconnecting while Redis restarts, then live, then the new lines', async () => {
    await recordStates(page)
    const before = await state()
    await redis.stop()
    await waitFor(async () => (await recordedStates(page)).includes('reconnecting'), 'the status reconnecting', 20_000)
    expect(await status().textContent()).toMatch(/Reconnecting/)
    await redis.start()
    await waitFor(async () => (await recordedStates(page)).slice((await recordedStates(page)).indexOf('reconnecting')).includes('live'),
      'the status live again', 30_000)
    await waitForState('live')
    // New lines, from the stream Redis holds now (it restarted empty: no persistence).
    await waitFor(async () => {
      const s = await state()
      const history = new Set(await historyIds('job_live'))
      return s.entries.filter((e) => history.has(e.id ?? '')).length >= 5 && s.entries.length > before.entries.length
    }, 'new lines after the restart', 30_000)
    const s = await state()
    const ids = s.entries.map((e) => e.id)
    expect(new Set(ids).size).toBe(ids.length)
  }, 90_000)
})

async function isInvalid (filter: ReturnType<Page['getByRole']>): Promise<boolean> {
  return await filter.evaluate((input) => input.getAttribute('aria-invalid') === 'true' || !(input as HTMLInputElement).validity.valid)
}

/** Keeps the viewer's `status` events in `window.__states`, from now on. */
async function recordStates (page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __states: string[] }
    w.__states = []
    document.querySelector('log-viewer')?.addEventListener('status', (event) => { w.__states.push(String((event as CustomEvent).detail)) })
  })
}

async function recordedStates (page: Page): Promise<string[]> {
  return await page.evaluate(() => (window as unknown as { __states?: string[] }).__states ?? [])
}

/** The count of held lines the paused viewer shows ("12 new lines"). */
async function pausedCount (page: Page): Promise<number | undefined> {
  const count = page.getByText(/^\d[\d,]* new lines?$/)
  if (await count.count() === 0) return undefined
  return Number((await count.first().textContent() ?? '').replace(/\D/g, ''))
}

/** The ids of the lines the page marks as the linked one. */
async function highlightedLineIds (page: Page): Promise<string[]> {
  return await page.locator('log-viewer').locator('[aria-current]:not([aria-current="false"]), .row.target').evaluateAll((all) => all.map((element) => {
    const link = element.querySelector('a[href*="line="]') as HTMLAnchorElement | null
    return link === null ? '' : new URL(link.href).searchParams.get('line') ?? ''
  }))
}

/** Opens the details of the first error line in view (the one with a stack), and brings its stack into view. */
async function expandAnErrorLine (page: Page): Promise<void> {
  const inView = await visibleLineIds(page)
  const rows = page.locator('log-viewer [data-level="error"]')
  const ids = await rows.evaluateAll((all) => all.map((row) => (row.querySelector('a[href*="line="]') as HTMLAnchorElement | null)?.href ?? ''))
  const index = ids.findIndex((href) => href !== '' && inView.includes(new URL(href).searchParams.get('line') ?? ''))
  await rows.nth(Math.max(index, 0)).getByRole('button', { name: 'Details' }).click()
  const stack = page.getByText(/at .*\.js:\d+/)
  await waitFor(async () => await stack.count() > 0, 'a stack line shown')
  // The expanded row at the top of the list: its line, then its fields and its stack.
  await stack.last().evaluate((element) => { element.closest('.row')?.scrollIntoView({ block: 'start' }) })
}

/** The colours and sizes of the view's text, and the background they are drawn on. */
async function viewStyles (page: Page): Promise<Array<{ what: string, color: string, background: string, size: number }>> {
  const probes = ['.time', '.msg', '.job', '.key', ...['trace', 'debug', 'info', 'warn', 'error', 'fatal'].map((l) => `.level-${l}`)]
  return await page.locator('log-viewer').evaluate((host, selectors) => {
    const root = host.shadowRoot ?? host
    const backgroundOf = (element: Element | null): string => {
      for (let node: Element | null = element; node !== null; node = node.parentElement ?? ((node.getRootNode() as ShadowRoot).host ?? null)) {
        const bg = getComputedStyle(node).backgroundColor
        if (bg !== 'rgba(0, 0, 0, 0)' && bg !== 'transparent') return bg
      }
      return 'rgb(255, 255, 255)'
    }
    const rows = root.querySelector('[role="list"]')
    return selectors.map((selector) => {
      let element = rows?.querySelector(selector) ?? null
      if (element === null) {
        // A level no line in view has: its colour, as the same element would get it.
        element = document.createElement('span')
        element.className = `level ${selector.slice(1)}`
        element.textContent = 'X'
        rows?.querySelector('.row .head')?.append(element)
      }
      const style = getComputedStyle(element)
      return { what: selector, color: style.color, background: backgroundOf(element), size: parseFloat(style.fontSize) }
    })
  }, probes)
}

/** What the page's `<log-viewer>` holds and shows, read at one moment. */
async function viewerState (page: Page): Promise<ViewerState> {
  return await page.evaluate(() => {
    const viewer = document.querySelector('log-viewer') as unknown as ViewerState | null
    // Before the element is defined (its module still loading), it holds nothing yet.
    if (viewer === null || !Array.isArray(viewer.entries)) return { entries: [], shown: [], paused: false, status: 'none' }
    const copy = (entries: Entry[]): Entry[] => entries.map((e) => ({ id: e.id, line: e.line }))
    return { entries: copy(viewer.entries), shown: copy(viewer.shown), paused: viewer.paused, status: viewer.status }
  })
}

/** The history ids of the lines in view (inside the window and every scrolling box around them), top to bottom. */
async function visibleLineIds (page: Page): Promise<string[]> {
  return await page.getByRole('link', { name: 'Copy link' }).evaluateAll((links) => {
    const inView = (element: Element): boolean => {
      const rect = element.getBoundingClientRect()
      if (rect.height === 0 || rect.bottom <= 0 || rect.top >= innerHeight) return false
      for (let node: Node | null = element.parentNode; node !== null; node = node instanceof ShadowRoot ? node.host : node.parentNode) {
        if (!(node instanceof Element)) continue
        const overflow = getComputedStyle(node).overflowY
        if (overflow !== 'auto' && overflow !== 'scroll' && overflow !== 'hidden') continue
        const box = node.getBoundingClientRect()
        // Half the row inside the box counts as in view.
        if (rect.top + rect.height / 2 < box.top || rect.top + rect.height / 2 > box.bottom) return false
      }
      return true
    }
    return links.filter(inView)
      .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
      .map((a) => new URL((a as HTMLAnchorElement).href).searchParams.get('line') ?? '')
  })
}

/** The clock time of `ms` in `zone`, as 24-hour "20:05:09" and as 12-hour "8:05:09". */
function localTimes (ms: number, zone: string): [string, string] {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(ms))
  const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? ''
  const hour = Number(part('hour'))
  return [`${part('hour')}:${part('minute')}:${part('second')}`, `${hour % 12 === 0 ? 12 : hour % 12}:${part('minute')}:${part('second')}`]
}

/** WCAG contrast ratio of two `rgb(r, g, b)` colours. */
function contrast (a: string, b: string): number {
  const luminance = (css: string): number => {
    const [r, g, bl] = (css.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((v) => {
      const c = Number(v) / 255
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
    })
    return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (bl ?? 0)
  }
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x)
  return ((hi ?? 0) + 0.05) / ((lo ?? 0) + 0.05)
}
