/**
 * The jobs list of the SSE handler's mount (`GET <mount>/jobs`): the recent jobs a request may see, newest first, read
 * from the index the transport keeps with history on (a sorted set, see `jobsIndexKey`), each with the time of its
 * last line and its line count from its history stream (`XINFO STREAM`).
 *
 * A handler reads it on one connection of its own, opened with the first request and closed with the handler; without
 * an offline queue, so that a Redis outage is a quick 503 rather than a request that hangs. As everywhere in the
 * handler, the browser may hang up during `authorize` or the read: nothing is written to it then.
 */
import type { IncomingMessage } from 'node:http'
import type { ChannelNames } from '../shared/channel-names'
import type { Client } from '../shared/connection'
import { historyKey, jobsIndexKey, type ResolvedHistory } from '../shared/history'
import { firstLine } from '../shared/errors'
import { jobChannel } from '../shared/job-id'
import { secretsOf } from '../shared/report'
import type { ResolvedLogStreamHandlerOptions } from './options'
import type { Browser } from './sse-browser'
import { SharedConnection } from './shared-connection'

/** One job of the list. */
export interface JobSummary {
  /** The job id. */
  id: string
  /** When its last line was written (ms since the epoch, from its history entry id). */
  lastTime: number
  /** Lines written to its history stream (on Redis before 7: the lines it holds now). */
  lines: number
}

/** Where the jobs and their streams are: the transport's channel names and history key prefix. */
export interface JobsListOptions extends ChannelNames {
  history: Pick<ResolvedHistory, 'keyPrefix'>
}

/** The most jobs one request may ask for (`?limit=`), and how many it gets without asking. */
export const MAX_JOBS_LIMIT = 1000
export const DEFAULT_JOBS_LIMIT = 100

/**
 * The `limit` most recent jobs of the index, newest first, or only job `only` when given (if it is in the index).
 * A job whose stream has expired since it was indexed is left out. Rejects when Redis refuses or is unreachable.
 */
export async function listJobs (client: Client, options: JobsListOptions, limit: number, only?: string): Promise<JobSummary[]> {
  const index = jobsIndexKey(options.history, options.channelPrefix)
  const scored: Array<[string, number]> = []
  if (only === undefined) {
    const flat = await client.zrevrange(index, 0, limit - 1, 'WITHSCORES')
    for (let i = 0; i + 1 < flat.length; i += 2) scored.push([flat[i] as string, Number(flat[i + 1])])
  } else {
    const score = await client.zscore(index, only)
    if (score !== null) scored.push([only, Number(score)])
  }
  // An id in the index that is no usable job id now (the channel names changed) names no stream of ours.
  const jobs = scored.flatMap(([id, score]) => {
    const channel = jobChannel(id, options)
    return channel === undefined ? [] : [{ id, score, key: historyKey(options.history, channel) }]
  })
  const infos = await streamInfos(client, jobs.map((job) => job.key))
  const summaries: JobSummary[] = []
  jobs.forEach((job, i) => {
    const info = infos[i]
    if (info === undefined) return // expired
    summaries.push({ id: job.id, lastTime: info.lastTime ?? job.score, lines: info.lines })
  })
  return summaries
}

interface StreamInfo { lines: number, lastTime: number | undefined }

/**
 * `XINFO STREAM` of each key, in one round trip (one pipeline; in a cluster, parallel commands, since a pipeline
 * there must stay within one slot): `undefined` for a key that no longer exists.
 */
async function streamInfos (client: Client, keys: readonly string[]): Promise<Array<StreamInfo | undefined>> {
  if (keys.length === 0) return []
  let replies: Array<[Error | null, unknown]>
  if (client.isCluster) {
    replies = await Promise.all(keys.map(async (key) => await client.call('XINFO', 'STREAM', key)
      .then((reply): [null, unknown] => [null, reply], (error: Error): [Error, undefined] => [error, undefined])))
  } else {
    const pipeline = client.pipeline()
    for (const key of keys) pipeline.call('XINFO', 'STREAM', key)
    replies = (await pipeline.exec()) ?? []
  }
  return keys.map((_key, i) => {
    const [error, reply] = replies[i] ?? [new Error('no reply'), undefined]
    if (error !== null) {
      if (/no such key/i.test(error.message)) return undefined
      throw error
    }
    return readStreamInfo(reply)
  })
}

/** The line count and last time of an `XINFO STREAM` reply (a flat list of names and values). */
function readStreamInfo (reply: unknown): StreamInfo {
  const fields = new Map<string, unknown>()
  if (Array.isArray(reply)) for (let i = 0; i + 1 < reply.length; i += 2) fields.set(String(reply[i]), reply[i + 1])
  const lines = Number(fields.get('entries-added') ?? fields.get('length') ?? 0)
  const last = /^(\d+)-\d+$/.exec(String(fields.get('last-generated-id') ?? ''))
  const lastTime = last?.[1] === undefined || last[1] === '0' ? undefined : Number(last[1])
  return { lines: Number.isFinite(lines) ? lines : 0, lastTime }
}

/** How the handler says trouble: once per kind on stderr, masked (sse.ts's Troubles). */
export interface TroubleReporter {
  say: (kind: 'redis' | 'authorize' | 'internal', message: string) => void
  served: () => void
}

/** The jobs list endpoint of one handler, with its connection. */
export class JobsEndpoint {
  readonly #options: ResolvedLogStreamHandlerOptions
  #connection: SharedConnection | undefined

  constructor (options: ResolvedLogStreamHandlerOptions) {
    this.#options = options
  }

  /** Answers `GET <mount>/jobs`. Never rejects. */
  async serve (req: IncomingMessage, browser: Browser, troubles: TroubleReporter): Promise<void> {
    const options = this.#options
    if (req.method !== 'GET') {
      browser.res.setHeader('Allow', 'GET')
      answer(browser, 405, { error: 'method not allowed' })
      return
    }
    if (options.history === false) {
      answer(browser, 404, { error: 'the jobs list needs history' })
      return
    }
    const limit = limitOf(req.url)
    if (limit === undefined) {
      answer(browser, 400, { error: `limit must be an integer from 1 to ${MAX_JOBS_LIMIT}` })
      return
    }
    let allowed: string | boolean | null | undefined
    try {
      allowed = options.authorize === undefined ? true : await options.authorize(req)
    } catch (error) {
      troubles.say('authorize', `answers 500: authorize() threw (${firstLine(error)})`)
      answer(browser, 500, { error: 'internal error' })
      return
    }
    if (browser.gone) return
    const only = typeof allowed === 'string' && jobChannel(allowed, options) !== undefined ? allowed : undefined
    if (allowed !== true && only === undefined) {
      answer(browser, 403, { error: 'forbidden' })
      return
    }
    let jobs: JobSummary[]
    try {
      jobs = await listJobs(await this.#client(), { ...options, history: options.history }, limit, only)
    } catch (error) {
      if (browser.gone) return
      troubles.say('redis', `answers 503 to a jobs list: ${firstLine(error)}`)
      answer(browser, 503, { error: 'the jobs list is not available now' })
      return
    }
    if (browser.gone) return
    troubles.served()
    answer(browser, 200, { jobs })
  }

  /** Closes the connection, if one is open. */
  close (): void {
    this.#connection?.client.disconnect()
    this.#connection = undefined
  }

  /** The connection, opened with the first request; a failed first attempt is dropped, and the next request retries. */
  async #client (): Promise<Client> {
    if (this.#connection === undefined) {
      const secrets = secretsOf(this.#options.fromUrl, this.#options.redis)
      this.#connection = new SharedConnection(this.#options, { offlineQueue: false, resend: false }, secrets, () => {})
    }
    const connection = this.#connection
    try {
      await connection.ready
    } catch (error) {
      if (this.#connection === connection) this.close()
      throw error
    }
    return connection.client
  }
}

/** The `?limit=` of a request URL: the default when absent, `undefined` when it is not an integer from 1 to 1000. */
function limitOf (url: string | undefined): number | undefined {
  let value: string | null
  try {
    value = new URL(url ?? '/', 'http://localhost').searchParams.get('limit')
  } catch {
    return undefined
  }
  if (value === null) return DEFAULT_JOBS_LIMIT
  if (!/^\d{1,4}$/.test(value)) return undefined
  const limit = Number(value)
  return limit >= 1 && limit <= MAX_JOBS_LIMIT ? limit : undefined
}

/** A JSON answer, if the browser is still there to read it. */
function answer (browser: Browser, status: number, body: object): void {
  if (browser.gone) return
  browser.res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' })
  browser.res.end(JSON.stringify(body))
}

/** True when a request path's last segment is `jobs`: the jobs list rather than a stream. */
export function isJobsRequest (url: string | undefined): boolean {
  const path = (url ?? '/').split('?', 1)[0] ?? ''
  return path.slice(path.lastIndexOf('/') + 1) === 'jobs'
}
