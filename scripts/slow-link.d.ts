export interface SlowLink {
  /** The loopback port to connect to instead of the server's. */
  readonly port: number
  readonly url: string
  close (): Promise<void>
}

/** A TCP forwarder that carries what its clients send to `targetPort` at `bytesPerSecond`. */
export function startSlowLink (options: { targetPort: number, bytesPerSecond: number }): Promise<SlowLink>
