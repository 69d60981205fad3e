/**
 * One Lua script, called with arguments the worker encoded itself (resp-writer.ts): an ioredis `Command` whose bytes
 * are that Buffer behind an EVALSHA header, so that ioredis neither flattens, measures and concatenates the batch's
 * thousands of arguments nor encodes them a second time onto the socket. Everything else (the connection, its
 * reconnections, replies, cluster routing of this keyless command) stays ioredis's.
 *
 * As ioredis does for its own scripts, the first call on each connection is an EVAL, which loads the script, and
 * later calls are EVALSHA; a NOSCRIPT reply (the server's script cache was flushed) sends the call again as an EVAL.
 */
import { createHash } from 'node:crypto'
import { Command } from 'ioredis'
import type { Client } from '../shared/connection'
import { bulk, withHeader, type EncodedArguments } from './resp-writer'

/** A command whose bytes are given. */
class ScriptCommand extends Command {
  readonly #bytes: (socket: object) => Buffer

  constructor (sha: string, bytes: (socket: object) => Buffer) {
    // The name and arguments ioredis sees: the keyless EVALSHA it is (no key for ioredis to read; in a cluster it
    // goes to any node).
    super('evalsha', [sha, '0'])
    this.#bytes = bytes
  }

  override toWritable (socket: object): Buffer {
    return this.#bytes(socket)
  }
}

export class ScriptCall {
  readonly #lua: string
  readonly #sha: string
  /** Connections (their sockets, as ioredis hands them to `toWritable`) that have run the script. */
  #loaded = new WeakSet<object>()

  constructor (lua: string) {
    this.#lua = lua
    this.#sha = createHash('sha1').update(lua).digest('hex')
  }

  /** Runs the script with `encoded` as its arguments (no keys). Rejects as ioredis does: ReplyError, lost connection. */
  async call (client: Client, encoded: EncodedArguments): Promise<unknown> {
    try {
      return await client.sendCommand(this.#command(encoded))
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
      this.#loaded = new WeakSet()
      return await client.sendCommand(this.#command(encoded))
    }
  }

  #command (encoded: EncodedArguments): Command {
    return new ScriptCommand(this.#sha, (socket) => this.#bytes(socket, encoded))
  }

  /** The command's bytes for a connection: EVAL the first time on it, EVALSHA after. */
  #bytes (socket: object, encoded: EncodedArguments): Buffer {
    const count = `*${encoded.count + 3}\r\n`
    if (this.#loaded.has(socket)) return withHeader(encoded, `${count}$7\r\nevalsha\r\n${bulk(this.#sha)}$1\r\n0\r\n`)
    this.#loaded.add(socket)
    return withHeader(encoded, `${count}$4\r\neval\r\n${bulk(this.#lua)}$1\r\n0\r\n`)
  }
}
