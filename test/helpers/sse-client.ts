import http from 'node:http'
import { waitFor } from './wait'

/** One event; `event` is its type when the server named one (`status`, `gap`), absent for a plain message. */
export interface SseEvent { id?: string, event?: string, data: string }

/**
 * A minimal EventSource for tests: one GET, parsed into events; keeps comments and `retry:` too. `events` holds the
 * messages (the lines), `notices` the events of a named type, `all` both in the order they came.
 */
export class SseClient {
  readonly events: SseEvent[] = []
  readonly notices: SseEvent[] = []
  readonly all: SseEvent[] = []
  readonly comments: string[] = []
  retry: number | undefined
  status = 0
  headers: http.IncomingHttpHeaders = {}
  body = ''
  ended = false
  readonly #request: http.ClientRequest
  #response: http.IncomingMessage | undefined

  private constructor (request: http.ClientRequest) {
    this.#request = request
  }

  /** Connects and resolves once the response headers arrived. */
  static async open (url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    return await new Promise<SseClient>((resolve, reject) => {
      const request = http.get(url, { headers: { Accept: 'text/event-stream', ...headers } })
      const client = new SseClient(request)
      request.on('error', (error) => { if (client.status === 0) reject(error) })
      request.on('response', (response) => {
        client.#response = response
        client.status = response.statusCode ?? 0
        client.headers = response.headers
        response.setEncoding('utf8')
        let pending = ''
        let current: SseEvent = { data: '' }
        let hasData = false
        response.on('data', (chunk: string) => {
          client.body += chunk
          pending += chunk
          let newline: number
          while ((newline = pending.indexOf('\n')) >= 0) {
            const line = pending.slice(0, newline)
            pending = pending.slice(newline + 1)
            if (line === '') {
              if (hasData) {
                client.all.push(current)
                if (current.event === undefined || current.event === 'message') client.events.push(current)
                else client.notices.push(current)
              }
              current = { data: '' }
              hasData = false
            } else if (line.startsWith(':')) {
              client.comments.push(line.slice(1).trim())
            } else {
              const colon = line.indexOf(':')
              const field = colon < 0 ? line : line.slice(0, colon)
              const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
              if (field === 'data') {
                current.data = hasData ? `${current.data}\n${value}` : value
                hasData = true
              } else if (field === 'id') current.id = value
              else if (field === 'event') current.event = value
              else if (field === 'retry') client.retry = Number(value)
            }
          }
        })
        response.on('end', () => { client.ended = true })
        response.on('close', () => { client.ended = true })
        resolve(client)
      })
    })
  }

  /** The `msg` of each event's data (lines written by pino). */
  get msgs (): string[] {
    return this.events.map((e) => (JSON.parse(e.data) as { msg: string }).msg)
  }

  get lastId (): string | undefined {
    return this.events.at(-1)?.id
  }

  /** The data of each notice of `type` (`status`: `live`, `reconnecting`; `gap`: its JSON), in order. */
  noticesOf (type: string): string[] {
    return this.notices.filter((e) => e.event === type).map((e) => e.data)
  }

  async waitFor (count: number, what = `${count} events`): Promise<SseEvent[]> {
    await waitFor(() => this.events.length >= count, what)
    return this.events.slice(0, count)
  }

  /** Stops reading, like a browser on a slow link: the server's writes back up. */
  pause (): void {
    this.#response?.pause()
  }

  resume (): void {
    this.#response?.resume()
  }

  close (): void {
    this.#request.destroy()
  }
}
