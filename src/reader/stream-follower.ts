/**
 * Reads one history stream for all the SSE handler's viewers of it: a blocking XREAD on a connection of its own,
 * handing what it reads to each viewer (which takes it, or reads what it lacks itself: see sse-viewer.ts).
 */
import { asError } from '../shared/errors'
import { nextId } from '../shared/history'
import type { SharedConnection } from './shared-connection'
import type { Viewer } from './sse-viewer'
import { lostSince } from './stream-position'
import { lastId, readAfter, stillKept, type StreamEntry } from './stream-reads'

/** Reads one history stream with a blocking XREAD and hands what it reads to the viewers of that stream. */
export class StreamFollower {
  readonly viewers = new Set<Viewer>()
  /** The id of the newest entry read so far. */
  last = '0-0'
  /**
   * Resolves once the follower knows where the stream ends, from which it reads on; rejects when its connection
   * fails at first or the server refuses to read the stream.
   */
  readonly started: Promise<void>
  readonly connection: SharedConnection
  /** The server refused to read the stream: a new viewer gets a new follower. */
  failed = false
  #stopped = false

  constructor (readonly key: string, connection: SharedConnection, secrets: readonly string[]) {
    this.connection = connection
    // From where the stream ends, whatever its first viewer asked for (an id from the future, say): the viewers
    // behind that read the rest themselves.
    this.started = (async () => {
      await connection.ready
      this.last = await lastId(connection.client, key)
    })()
    this.started.then(async () => { await this.#loop(secrets) }, () => { this.failed = true })
  }

  async #loop (secrets: readonly string[]): Promise<void> {
    while (!this.#stopped) {
      let entries: StreamEntry[]
      try {
        entries = await readAfter(this.connection.client, this.key, this.last, secrets)
      } catch (error) { // refused (ACL, wrong type): final for its viewers
        this.failed = true
        for (const viewer of this.viewers) viewer.fail(asError(error))
        return
      }
      const newest = entries.at(-1)
      if (newest === undefined) continue
      const before = this.last
      this.last = newest[0]
      // Lines written faster than history keeps them (`maxLen`) may be trimmed before anyone reads them: the
      // XREAD then silently starts further on. If `before` is still kept, nothing was (see stillKept); if it is
      // not, the stream says whether it was trimmed since (not so a stream recreated by a Redis restart).
      const skipped = before !== '0-0' && await stillKept(this.connection.client, this.key, before) === false &&
        await lostSince(this.connection.client, this.key, nextId(before))
      for (const viewer of this.viewers) viewer.offer(before, entries, skipped)
    }
  }

  stop (): void {
    this.#stopped = true
    this.connection.close()
  }
}
