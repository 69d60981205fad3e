/// <reference lib="dom" />
/**
 * The web terminal example in headless Chromium (Debian's, driven by playwright-core): what is specific to the
 * example. It starts on its own, its page is the shipped console listing both demo jobs, a job link shows that job's
 * lines, and the global view shows every job and the lines without one. The console itself (filters, pause, resume
 * after a drop, a Redis restart) is test/e2e/console.test.ts's.
 */
import Redis from 'ioredis'
import type { Browser, Page } from 'playwright-core'
import { startRedisServer, type RedisServer } from '../../scripts/redis-server'
import { launchChromium } from '../helpers/chromium'
import { ExampleApp } from '../helpers/example-app'
import { waitFor } from '../helpers/wait'

interface Line { userId?: string, step?: number, msg?: string }
interface Entry { id?: string, line: string }

describe('the web terminal example in Chromium', () => {
  let redis: RedisServer
  let admin: Redis
  let app: ExampleApp
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    redis = await startRedisServer()
    admin = new Redis(redis.url)
    app = await ExampleApp.start('examples/web-terminal/server.js', redis.url)
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1100, height: 640 } })
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    app?.kill('SIGTERM')
    await app?.exit()
    admin?.disconnect()
    await redis?.stop()
  })

  /** The lines the page's viewer holds, parsed, with their history ids. */
  const held = async (): Promise<Array<{ id?: string, line: Line }>> => await page.evaluate(() => {
    const viewer = document.querySelector('log-viewer') as unknown as { entries: Entry[] } | null
    return (viewer?.entries ?? []).map((e) => ({ id: e.id, line: JSON.parse(e.line) as Line }))
  })

  it('serves the console, listing both demo jobs as links', async () => {
    await page.goto(app.base)
    for (const job of ['job_build', 'job_deploy']) {
      await page.getByRole('link', { name: job, exact: true }).first().waitFor({ timeout: 15_000 })
    }
  })

  it('shows a job\'s lines, in the order of its history, when its link is clicked', async () => {
    await page.getByRole('link', { name: 'job_deploy', exact: true }).first().click()
    await waitFor(async () => new URL(page.url()).searchParams.get('job') === 'job_deploy', 'job=job_deploy in the URL')
    await waitFor(async () => (await held()).length > 5, 'lines of job_deploy', 15_000)
    const lines = await held()
    expect(lines.every((l) => l.line.userId === 'job_deploy')).toBe(true)
    const history = (await admin.xrange('stream:logs:job_deploy', '-', '+')).map(([id]) => id)
    const start = history.indexOf(lines[0]?.id ?? '')
    expect(start).toBeGreaterThanOrEqual(0)
    expect(lines.map((l) => l.id)).toEqual(history.slice(start, start + lines.length))
  })

  it('shows every job and the lines without one in the global view', async () => {
    await page.goto(app.base)
    await waitFor(async () => {
      const lines = await held()
      return lines.some((l) => l.line.userId === 'job_build') && lines.some((l) => l.line.userId === 'job_deploy') &&
        lines.some((l) => l.line.userId === undefined && /heartbeat/.test(l.line.msg ?? ''))
    }, 'both jobs and a line without a job in the global view', 20_000)
    expect(app.stderr).toBe('')
  })
})
