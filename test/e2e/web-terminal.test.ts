/// <reference lib="dom" />
/**
 * The web terminal example, end to end, in headless Chromium (Debian's, driven by playwright-core): the lines the
 * demo logs appear in order; a reload and a dropped connection neither repeat nor lose a line; the global view shows
 * every job; and the page stays readable (a screenshot, contrast and size checks).
 *
 * The page's lines carry their history ids, so "none twice, none missing" is checked against Redis itself: the ids
 * a view shows must be consecutive entries of the job's history stream.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Redis from 'ioredis'
import { chromium, type Browser, type Page } from 'playwright-core'
import { startRedisServer, type RedisServer } from '../../scripts/redis-server'
import { ROOT } from '../helpers/paths'
import { waitFor } from '../helpers/wait'

const CHROMIUM = '/usr/bin/chromium'
// UPDATE_SCREENSHOT=1 writes the README's picture; otherwise the screenshot goes to a temporary directory.
const SCREENSHOT = process.env.UPDATE_SCREENSHOT === '1' ? join(ROOT, 'docs', 'web-terminal.png') : join(mkdtempSync(join(tmpdir(), 'rlt-shot-')), 'web-terminal.png')

interface Shown { id: string, view: string, text: string, line: string }

describe('the web terminal example in Chromium', () => {
  let redis: RedisServer
  let admin: Redis
  let app: ChildProcess
  let base: string
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run installs it)`)
    redis = await startRedisServer()
    admin = new Redis(redis.url)
    app = spawn(process.execPath, [join(ROOT, 'examples', 'web-terminal', 'server.js')], {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL: redis.url, PORT: '0', STEP_MS: '100', WEB_TERMINAL_TEST: '1' },
      stdio: ['ignore', 'pipe', 'inherit']
    })
    base = await new Promise<string>((resolve, reject) => {
      let out = ''
      const timer = setTimeout(() => { reject(new Error(`the example did not start: ${out}`)) }, 15_000)
      app.stdout?.on('data', (chunk) => {
        out += String(chunk)
        const url = /listening on (http:\/\/\S+)/.exec(out)?.[1]
        if (url !== undefined) {
          clearTimeout(timer)
          resolve(url)
        }
      })
    })
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run']
    })
    page = await browser.newPage({ viewport: { width: 1100, height: 640 } })
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    if (app?.exitCode === null) {
      const exited = new Promise((resolve) => app.once('exit', resolve))
      app.kill('SIGTERM')
      await exited
    }
    admin?.disconnect()
    await redis?.stop()
  })

  const shown = async (): Promise<Shown[]> => await page.evaluate(() => (window as unknown as { __lines: Shown[] }).__lines)

  /** The ids of a job's history stream, oldest first. */
  async function historyIds (job: string): Promise<string[]> {
    return (await admin.xrange(`stream:logs:${job}`, '-', '+')).map(([id]) => id)
  }

  /** The view's ids are consecutive entries of the history: in order, none twice, none missing. */
  async function expectConsecutive (lines: Shown[], job: string): Promise<void> {
    const ids = lines.map((l) => l.id)
    const history = await historyIds(job)
    const start = history.indexOf(ids[0] ?? '')
    expect(start).toBeGreaterThanOrEqual(0)
    expect(ids).toEqual(history.slice(start, start + ids.length))
    const steps = lines.map((l) => (JSON.parse(l.line) as { step: number }).step)
    expect(steps).toEqual(steps.map((_, i) => (steps[0] ?? 0) + i))
  }

  async function waitForMore (than: number): Promise<Shown[]> {
    let lines: Shown[] = []
    await waitFor(async () => (lines = await shown()).length > than, `more than ${than} lines on the page`)
    return lines
  }

  it('shows the lines the app logs, in order, as they arrive', async () => {
    await page.goto(base)
    await page.waitForSelector('#status[data-state="connected"]')
    const first = await waitForMore(5)
    expect(first.every((l) => l.view === 'job_build')).toBe(true)
    const later = await waitForMore(first.length + 5)
    await expectConsecutive(later, 'job_build')
    expect(later[0]?.text).toMatch(/^\d\d:\d\d:\d\d\.\d{3} (INFO|DEBUG|WARN|ERROR) +\[job_build\] building: step \d+ +step=\d+ stage=compile$/)
    // What the test reads is what the page shows: one line element per line, read at the same moment.
    const counts = await page.evaluate(() => ({
      lines: (window as unknown as { __lines: Shown[] }).__lines.length,
      shown: document.querySelectorAll('#terminal .line').length
    }))
    expect(counts.shown).toBe(counts.lines)
  })

  it('continues after a reload without showing a line twice', async () => {
    await page.reload()
    await page.waitForSelector('#status[data-state="connected"]')
    const lines = await waitForMore(10)
    await expectConsecutive(lines, 'job_build')
  })

  it('continues after a dropped connection with no line twice and none missing', async () => {
    const before = await waitForMore(3)
    const dropped = await (await fetch(`${base}/debug/drop`)).text()
    expect(dropped).toMatch(/^dropped [1-9]/)
    await page.waitForSelector('#status[data-state="reconnecting"]')
    await page.waitForSelector('#status[data-state="connected"]')
    const after = await waitForMore(before.length + 10)
    // The same page, never cleared: the lines from before the drop, then those after, as one consecutive run.
    expect(after.slice(0, before.length)).toEqual(before)
    await expectConsecutive(after, 'job_build')
  })

  it('switches to the global view, which shows every job and the lines without one', async () => {
    await page.click('button[data-view="global"]')
    await page.waitForSelector('#status[data-state="connected"]')
    await waitFor(async () => {
      const texts = (await shown()).map((l) => l.text)
      return texts.some((t) => t.includes('[job_build]')) && texts.some((t) => t.includes('[job_deploy]')) &&
        texts.some((t) => t.includes('scheduler heartbeat'))
    }, 'both jobs and a line without a job in the global view', 15_000)
    const lines = await shown()
    expect(lines.every((l) => l.view === 'global')).toBe(true)
    const ids = lines.map((l) => l.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort((a, b) => compareIds(a, b))).toEqual(ids)
    expect(new URL(page.url()).searchParams.get('view')).toBe('global')
  })

  it('stays readable: a screenshot, text contrast of at least 4.5:1 for every level, a legible size', async () => {
    await page.click('button[data-view="job_deploy"]')
    await waitForMore(12)
    const terminal = page.locator('#terminal')
    const box = await terminal.boundingBox()
    expect(box?.width).toBeGreaterThan(600)
    expect(box?.height).toBeGreaterThan(400)
    const styles = await page.evaluate(() => {
      const of = (selector: string): { color: string, size: number } | undefined => {
        const element = document.querySelector(selector)
        if (element === null) return undefined
        const style = getComputedStyle(element)
        return { color: style.color, size: parseFloat(style.fontSize) }
      }
      return {
        background: getComputedStyle(document.getElementById('terminal') as HTMLElement).backgroundColor,
        text: of('#terminal'),
        time: of('#terminal .time'),
        levels: ['debug', 'info', 'warn', 'error'].map((l) => {
          const probe = document.createElement('span')
          probe.className = `lvl lvl-${l}`
          document.getElementById('terminal')?.append(probe)
          const color = getComputedStyle(probe).color
          probe.remove()
          return color
        })
      }
    })
    for (const color of [styles.text?.color, styles.time?.color, ...styles.levels]) {
      expect(contrast(color ?? '', styles.background)).toBeGreaterThanOrEqual(4.5)
    }
    expect(styles.text?.size).toBeGreaterThanOrEqual(12)
    await page.screenshot({ path: SCREENSHOT })
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(20_000)
  })
})

function compareIds (a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt)
  const [bm, bs] = b.split('-').map(BigInt)
  if (am !== bm) return (am ?? 0n) < (bm ?? 0n) ? -1 : 1
  return as === bs ? 0 : (as ?? 0n) < (bs ?? 0n) ? -1 : 1
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
