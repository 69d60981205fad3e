/**
 * The only module of the worker that speaks to Redis (with script-call.ts, which sends its script calls). It owns
 * the connection (one server, a Sentinel group or a cluster) and publishes a batch of lines, reporting for each line
 * whether it was published, refused by the server, or is of unknown fate because the connection went away or its
 * slot moved (those are handed back to be sent again).
 *
 * A batch goes out as one call of a small Lua script that runs PUBLISH for every line and channel (EVALSHA, loaded
 * on first use; see batch-script.ts), its arguments encoded once by the worker (script-call.ts). The script
 * catches each PUBLISH's error (an ACL refusing a channel) and returns which ones failed. When the server refuses
 * the script itself (an ACL user without EVALSHA/EVAL, scripting disabled), the publisher switches for good to a
 * pipeline of PUBLISH commands, which needs nothing but PUBLISH.
 *
 * With `history` on, each line is also appended to its channel's stream (XADD ... MAXLEN ~), in the same script
 * call or pipeline, and each stream written gets its time to live once per batch, as does the index of recent jobs. A line is published when every
 * PUBLISH took it; a failed XADD is counted apart (`historyFailed`): the line reached live viewers all the same.
 *
 * In a cluster, a script may only touch keys of the node it runs on, so the script is used only for plain PUBLISH
 * without history (PUBLISH reaches every node from any node). Otherwise the batch's commands (see batch-pipeline.ts) are
 * split per node that owns their key or, for SPUBLISH, their channel, and each node gets one pipeline.
 */
import { Cluster, ReplyError } from 'ioredis'
import calculateSlot from 'cluster-key-slot'
import { createClient, targetOf, usesTls, type Client } from '../shared/connection'
import { jobsIndexKey } from '../shared/history'
import { debug } from '../shared/report'
import { unsent, type PublishResult } from './batch'
import { planBatch, readPipelineReplies, type PlannedCommand, type Reply } from './batch-pipeline'
import { encodeScriptBatch, PUBLISH_BATCH_LUA, PUBLISH_BATCH_WITH_HISTORY_LUA, readScriptReplies } from './batch-script'
import type { ResolvedOptions } from './options'
import type { Entry } from './route'
import { ScriptCall } from './script-call'

export interface PublisherEvents {
  /** The connection is ready for commands (first time and after each reconnect). */
  onReady: () => void
  /** ioredis reported an error (connection refused, authentication, TLS, ...). */
  onError: (error: Error) => void
}

/** What the publisher is configured with: a subset of the resolved options. */
export type PublisherOptions = Pick<ResolvedOptions, 'fromUrl' | 'redis' | 'maxReconnectDelay' | 'batchScript' | 'history' |
'channelPrefix' | 'globalChannel' | 'cluster' | 'sharded'>

export class Publisher {
  readonly #client: Client
  readonly #options: PublisherOptions
  // Called when the connection closes, so that a pipeline in flight does not wait for a reply that cannot come.
  readonly #onConnectionLost = new Set<() => void>()
  #useScript: boolean
  readonly #script: ScriptCall
  readonly #secrets: readonly string[]

  /** Makes the connection, not yet connected. Throws when ioredis refuses an option. */
  constructor (options: PublisherOptions, secrets: readonly string[]) {
    this.#options = options
    // SPUBLISH must run on the shard of its channel, XADD on the node of its key: not from a keyless script there.
    this.#useScript = options.batchScript && !options.sharded && (options.cluster === false || options.history === false)
    this.#secrets = secrets
    // The transport buffers (bounded) and re-sends itself; ioredis must not keep a second, unbounded queue.
    this.#client = createClient(options, { offlineQueue: false, resend: false })
    this.#script = new ScriptCall(options.history === false ? PUBLISH_BATCH_LUA : PUBLISH_BATCH_WITH_HISTORY_LUA)
    this.#client.on('close', () => {
      for (const lost of this.#onConnectionLost) lost()
      this.#onConnectionLost.clear()
    })
  }

  /**
   * Connects in the background, telling `events` of each ready connection and each error: the transport must start
   * even when Redis is down.
   */
  connect (events: PublisherEvents): void {
    this.#client.on('error', (error: Error) => { events.onError(error) })
    // A cluster reports trouble with one node as 'node error'. While the cluster as a whole is ready (a failover in
    // progress, say) that is no outage: the lines of that node come back to be sent again.
    this.#client.on('node error', (error: Error) => {
      if (this.ready) debug(this.#secrets, 'cluster node error: %s', error.message)
      else events.onError(error)
    })
    this.#client.on('ready', () => { events.onReady() })
    this.#client.connect().catch(() => {})
  }

  /** True when commands can be sent now. */
  get ready (): boolean {
    return this.#client.status === 'ready'
  }

  /** True when the connection is made with TLS. */
  get tls (): boolean {
    return usesTls(this.#options)
  }

  /** Where the transport publishes, for messages: host and port, Sentinel group or cluster nodes, never credentials. */
  get target (): string {
    return targetOf(this.#client)
  }

  /** Resolves when the connection is (or next becomes) ready. */
  async whenReady (): Promise<void> {
    if (this.ready) return
    await new Promise<void>((resolve) => { this.#client.once('ready', () => { resolve() }) })
  }

  /** True while batches go out as one script call; false once the server refused the script. */
  get usesScript (): boolean {
    return this.#useScript
  }

  /** Publishes each line to each of its channels in one round trip (one per node in a cluster). Never rejects. */
  async publish (batch: readonly Entry[]): Promise<PublishResult> {
    if (this.#useScript) {
      const refused = await this.#untilReplyOrLost(this.#publishWithScript(batch))
      if (!(refused instanceof Error)) return readScriptReplies(batch, refused, (message) => new ReplyError(message))
      if (refused.name !== 'ReplyError') return unsent(batch, refused)
      // The script itself was refused: nothing was published. Use plain PUBLISH from now on.
      this.#useScript = false
      debug(this.#secrets, 'the server refused the publishing script (%s); using PUBLISH pipelines', refused.message)
    }
    return await this.#publishWithPipeline(batch)
  }

  /**
   * Publishes the transport's own notice of kind `notice` (see NOTICE_FIELD): as a line on its channels, and in
   * their history streams as an entry that says it is a notice. Notices are rare (one a second at most): they go as
   * a pipeline of their own, never in the batch script. Never rejects.
   */
  async publishNotice (notice: Entry, kind: string): Promise<PublishResult> {
    return await this.#publishWithPipeline([notice], kind)
  }

  /** The batch as a pipeline of plain commands (one per node in a cluster). */
  async #publishWithPipeline (batch: readonly Entry[], notice?: string): Promise<PublishResult> {
    const commands = planBatch(batch, this.#options, Date.now(), notice)
    const replies = this.#client instanceof Cluster
      ? await this.#sendPerNode(this.#client, commands)
      : await this.#send(commands)
    if (replies instanceof Error) return unsent(batch, replies)
    return readPipelineReplies(batch, commands, replies)
  }

  /** Sends commands as one pipeline; an error when the connection is lost before the replies. */
  async #send (commands: readonly PlannedCommand[]): Promise<Reply[] | Error> {
    const pipeline = this.#client.pipeline()
    for (const { args: [name, ...args] } of commands) pipeline.call(name, ...args)
    return await this.#untilReplyOrLost(pipeline.exec().then((result) => result ?? new Error('Pipeline was not executed')))
  }

  /**
   * Splits commands per node owning their key (keyless ones join the first group) and sends one pipeline per node,
   * in parallel. A command's reply is an error of unknown fate when its node's pipeline failed as a whole.
   */
  async #sendPerNode (cluster: Cluster, commands: readonly PlannedCommand[]): Promise<Reply[] | Error> {
    const groups = new Map<string, number[]>()
    const keyless: number[] = []
    commands.forEach((command, index) => {
      if (command.key === undefined) {
        keyless.push(index)
        return
      }
      const node = cluster.slots[calculateSlot(command.key)]?.[0] ?? 'unknown'
      const group = groups.get(node)
      if (group === undefined) groups.set(node, [index])
      else group.push(index)
    })
    const first = groups.values().next().value
    if (first === undefined) groups.set('any', keyless)
    else first.push(...keyless)
    const replies: Reply[] = new Array<Reply>(commands.length)
    let moved = false
    await Promise.all([...groups.values()].map(async (indexes) => {
      indexes.sort((a, b) => a - b) // keyless commands joined at the end; keep the batch's order
      const got = await this.#send(indexes.map((i) => commands[i] as PlannedCommand))
      indexes.forEach((commandIndex, i) => {
        const reply: Reply = got instanceof Error ? [got, undefined] : got[i] ?? [new Error('no reply'), undefined]
        if (reply[0]?.message.startsWith('MOVED') === true) moved = true
        replies[commandIndex] = reply
      })
    }))
    // ioredis follows a redirection only when a whole pipeline was redirected. Learn where the slots went before
    // the lines are sent again, or they would be redirected again.
    if (moved) await new Promise<void>((resolve) => { cluster.refreshSlotsCache(() => { resolve() }) })
    return replies
  }

  async #publishWithScript (batch: readonly Entry[]): Promise<unknown[]> {
    const { history, globalChannel, channelPrefix } = this.#options
    const settings: Array<string | number> = history === false
      ? []
      : [history.maxLen, history.keyPrefix, globalChannel === false ? '' : globalChannel, history.jobTtl, history.globalTtl,
          jobsIndexKey(history, channelPrefix), history.maxJobs, channelPrefix]
    return await this.#script.call(this.#client, encodeScriptBatch(settings, batch)) as unknown[]
  }

  /** Settles with the reply, or with an error when the call fails or the connection closes before the reply. */
  async #untilReplyOrLost<T> (call: Promise<T | Error>): Promise<T | Error> {
    return await new Promise<T | Error>((resolve) => {
      const lost = (): void => { resolve(new Error('Connection to Redis lost while publishing')) }
      this.#onConnectionLost.add(lost)
      const finish = (value: T | Error): void => {
        this.#onConnectionLost.delete(lost)
        resolve(value)
      }
      call.then(finish, (error: unknown) => { finish(error instanceof Error ? error : new Error(String(error))) })
    })
  }

  /** Closes the connection: a polite QUIT when connected (at most `timeoutMs`), then a hard disconnect. */
  async close (timeoutMs: number): Promise<void> {
    if (this.ready) {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        this.#client.quit().catch(() => {}),
        new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs) })
      ])
      clearTimeout(timer)
    }
    this.#client.disconnect()
  }
}
