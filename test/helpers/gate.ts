/**
 * A TCP forwarder in front of a real redis-server, so a test decides when the transport can reach it: `listen()`
 * opens the door, `close()` shuts it and cuts every connection through it. Used to make a subscriber connect before
 * the transport reconnects, which a bare restart leaves to chance.
 */
import net from 'node:net'

export class Gate {
  readonly #target: number
  #server: net.Server | undefined
  readonly #sockets = new Set<net.Socket>()

  constructor (targetPort: number) {
    this.#target = targetPort
  }

  /** Starts forwarding connections made to `port` (on 127.0.0.1) to the target. */
  async listen (port: number): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.#target, '127.0.0.1')
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket)
        // Either side gone (or failing) takes the other with it, as a dying server would.
        socket.once('close', () => { this.#sockets.delete(socket); client.destroy(); upstream.destroy() })
        socket.on('error', () => { client.destroy(); upstream.destroy() })
      }
      client.pipe(upstream).pipe(client)
    })
    this.#server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', resolve)
    })
  }

  /** Stops accepting (connections are refused) and cuts the open ones. */
  async close (): Promise<void> {
    const server = this.#server
    this.#server = undefined
    for (const socket of this.#sockets) socket.destroy()
    if (server !== undefined) await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
  }
}
