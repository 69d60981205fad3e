import { LineBuffer } from '../../src/worker/line-buffer'
import type { Entry } from '../../src/worker/route'

const entry = (line: string): Entry => ({ line, channels: ['logs:global'] })
const lines = (entries: Entry[]): string[] => entries.map((e) => e.line)

describe('LineBuffer', () => {
  it('hands lines out in order, in batches of at most the asked size', () => {
    const q = new LineBuffer({ maxLines: 100, maxBytes: 10_000, dropPolicy: 'oldest' })
    for (let i = 0; i < 5; i++) expect(q.push(entry(`l${i}`))).toBe(0)
    expect(q.length).toBe(5)
    expect(q.bytes).toBe(10)
    expect(lines(q.take(2))).toEqual(['l0', 'l1'])
    expect(lines(q.take(10))).toEqual(['l2', 'l3', 'l4'])
    expect(q.length).toBe(0)
    expect(q.bytes).toBe(0)
    expect(q.take(3)).toEqual([])
  })

  it("drops the oldest lines when full under 'oldest'", () => {
    const q = new LineBuffer({ maxLines: 3, maxBytes: 10_000, dropPolicy: 'oldest' })
    for (const l of ['a', 'b', 'c']) q.push(entry(l))
    expect(q.push(entry('d'))).toBe(1)
    expect(lines(q.clear())).toEqual(['b', 'c', 'd'])
  })

  it("refuses the new line when full under 'newest'", () => {
    const q = new LineBuffer({ maxLines: 3, maxBytes: 10_000, dropPolicy: 'newest' })
    for (const l of ['a', 'b', 'c']) q.push(entry(l))
    expect(q.push(entry('d'))).toBe(1)
    expect(lines(q.clear())).toEqual(['a', 'b', 'c'])
  })

  it('bounds the bytes as well as the lines', () => {
    const q = new LineBuffer({ maxLines: 100, maxBytes: 10, dropPolicy: 'oldest' })
    q.push(entry('aaaa'))
    q.push(entry('bbbb'))
    expect(q.push(entry('cccc'))).toBe(1)
    expect(q.bytes).toBe(8)
    expect(lines(q.clear())).toEqual(['bbbb', 'cccc'])
  })

  it('drops a single line larger than the whole byte bound, keeping the rest', () => {
    const q = new LineBuffer({ maxLines: 100, maxBytes: 10, dropPolicy: 'oldest' })
    q.push(entry('a'))
    expect(q.push(entry('x'.repeat(11)))).toBe(1)
    expect(lines(q.clear())).toEqual(['a'])
  })

  it('puts requeued lines back in front of newer ones, in order', () => {
    const q = new LineBuffer({ maxLines: 10, maxBytes: 10_000, dropPolicy: 'oldest' })
    for (const l of ['a', 'b', 'c', 'd']) q.push(entry(l))
    const batch = q.take(2)
    q.push(entry('e'))
    expect(q.requeue(batch)).toBe(0)
    expect(q.requeue([])).toBe(0)
    expect(lines(q.clear())).toEqual(['a', 'b', 'c', 'd', 'e'])
  })

  it("keeps the newest lines that fit when requeueing under 'oldest'", () => {
    const q = new LineBuffer({ maxLines: 3, maxBytes: 10_000, dropPolicy: 'oldest' })
    for (const l of ['a', 'b', 'c']) q.push(entry(l))
    const batch = q.take(2)
    q.settle(batch)
    q.push(entry('d'))
    q.push(entry('e'))
    expect(q.requeue(batch)).toBe(2)
    expect(lines(q.clear())).toEqual(['c', 'd', 'e'])
  })

  it("keeps the oldest lines when requeueing under 'newest'", () => {
    const q = new LineBuffer({ maxLines: 3, maxBytes: 10_000, dropPolicy: 'newest' })
    for (const l of ['a', 'b', 'c']) q.push(entry(l))
    const batch = q.take(2)
    q.settle(batch)
    q.push(entry('d'))
    q.push(entry('e'))
    expect(q.requeue(batch)).toBe(2)
    expect(lines(q.clear())).toEqual(['a', 'b', 'c'])
  })

  it('lets as many lines as its limits be in flight, apart from those waiting, until their batch is settled', () => {
    const q = new LineBuffer({ maxLines: 3, maxBytes: 10_000, dropPolicy: 'oldest' })
    for (const l of ['a', 'b', 'c']) q.push(entry(l))
    const batch = q.take(2)
    expect([q.length, q.sending, q.hasRoom(), q.mayTake()]).toEqual([1, 2, true, true])
    // No more than the limit in flight: one more line, though two wait.
    q.push(entry('d'))
    expect(lines(q.take(5))).toEqual(['c'])
    expect(q.mayTake()).toBe(false)
    // One line waits, three are in flight: not caught up.
    expect(q.atMostHalfFull()).toBe(false)
    q.settle(batch)
    expect([q.sending, q.mayTake()]).toEqual([1, true])
    // Settled and handed back (the connection was lost): in order, ahead of what waits.
    expect(q.requeue(batch)).toBe(0)
    expect(lines(q.clear())).toEqual(['a', 'b', 'd'])
  })

  it('counts the text of lines in flight against maxBytes, taking one line at least', () => {
    const q = new LineBuffer({ maxLines: 100, maxBytes: 10, dropPolicy: 'newest' })
    q.push(entry('xxxxxx'))
    expect(lines(q.take(10))).toEqual(['xxxxxx'])
    expect(q.mayTake()).toBe(true)
    q.push(entry('yyyyyy'))
    q.push(entry('zz'))
    // 6 in flight: 'yyyyyy' goes although it passes the limit (one at least), 'zz' waits.
    expect(lines(q.take(10))).toEqual(['yyyyyy'])
    expect(q.mayTake()).toBe(false)
    expect(q.length).toBe(1)
  })

  it('stays correct across many pushes and takes (compaction)', () => {
    const q = new LineBuffer({ maxLines: 50_000, maxBytes: 10_000_000, dropPolicy: 'oldest' })
    let next = 0
    let expected = 0
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 1000; i++) q.push(entry(String(next++)))
      for (const e of q.take(700)) expect(e.line).toBe(String(expected++))
    }
    for (const e of q.clear()) expect(e.line).toBe(String(expected++))
    expect(expected).toBe(next)
    expect(q.bytes).toBe(0)
  })
})
