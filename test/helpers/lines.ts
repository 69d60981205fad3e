/** A pino-like NDJSON line for tests that write to the transport stream directly. */
export function logLine (msg: string, fields: Record<string, unknown> = {}): string {
  return JSON.stringify({ level: 30, time: 1_700_000_000_000, pid: 1, hostname: 'test', ...fields, msg })
}
