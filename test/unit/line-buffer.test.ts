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
    q.push(entry('d'))
    q.push(entry('e'))
    expect(q.requeue(batch)).toBe(2)
    expect(lines(q.clear())).toEqual(['c', 'd', 'e'])
  })

  it("keeps the oldest lines when requeueing under 'newest'", () => {
    const q = new LineBuffer({ maxLines: 3, maxBytes: 10_000, dropPolicy: 'newest' })
    for (const l of ['a', 'b', 'c']) q.push(entry(l))
    const batch = q.take(2)
    q.push(entry('d'))
    q.push(entry('e'))
    expect(q.requeue(batch)).toBe(2)
    expect(lines(q.clear())).toEqual(['a', 'b', 'c'])
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
