import type { ChildProcess } from 'node:child_process'

export interface RedisServer {
  readonly port: number
  readonly url: string
  readonly process: ChildProcess | undefined
  start (): Promise<RedisServer>
  stop (signal?: NodeJS.Signals): Promise<void>
  restart (): Promise<RedisServer>
}

/** Paths of the PEM files of a TLS-only server. */
export interface ServerCertificates { cert: string, key: string, ca: string }

export function startRedisServer (options?: { port?: number, args?: string[], tls?: ServerCertificates, detached?: boolean }): Promise<RedisServer>
export function freePort (): Promise<number>
export function hasRedisServer (): boolean
export function waitForPing (port: number, timeoutMs: number, useTls?: boolean): Promise<void>
