/**
 * Pure, no dependencies: history stream entry ids (`<ms>-<seq>`, as Redis makes them), their syntax and their order.
 */

/** A history entry id as Redis makes them: milliseconds, a dash, a sequence number. */
export const HISTORY_ID = /^\d{1,20}-\d{1,20}$/

/** The two numbers of an id that HISTORY_ID accepts. */
function parts (id: string): [bigint, bigint] {
  const dash = id.indexOf('-')
  return [BigInt(id.slice(0, dash)), BigInt(id.slice(dash + 1))]
}

/** Orders two stream entry ids. */
export function compareIds (a: string, b: string): number {
  const [aMs, aSeq] = parts(a)
  const [bMs, bSeq] = parts(b)
  const difference = aMs !== bMs ? aMs - bMs : aSeq - bSeq
  return difference < 0n ? -1 : difference > 0n ? 1 : 0
}

/** The smallest id after `id`: an exclusive start for XRANGE that servers before Redis 6.2 understand too. */
export function nextId (id: string): string {
  const [ms, seq] = parts(id)
  return seq === 0xffffffffffffffffn ? `${ms + 1n}-0` : `${ms}-${seq + 1n}`
}
