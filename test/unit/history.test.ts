import { compareIds, DEFAULT_HISTORY, jobsIndexKey, nextId } from '../../src/shared/history'

describe('history entry ids', () => {
  it('orders ids by time, then by sequence, as numbers rather than text', () => {
    expect(compareIds('1700000000000-0', '1700000000000-0')).toBe(0)
    expect(compareIds('1700000000000-10', '1700000000000-9')).toBe(1)
    expect(compareIds('999-5', '1000-0')).toBe(-1)
    expect(compareIds('0-0', '1-0')).toBe(-1)
    expect(compareIds('18446744073709551615-18446744073709551615', '18446744073709551615-18446744073709551614')).toBe(1)
  })

  it('names the next possible id, carrying into the time when the sequence is full', () => {
    expect(nextId('1700000000000-0')).toBe('1700000000000-1')
    expect(nextId('5-41')).toBe('5-42')
    expect(nextId('5-18446744073709551615')).toBe('6-0')
  })
})

describe('the jobs index', () => {
  it('is a key beside the streams, named after the channel prefix it indexes', () => {
    expect(jobsIndexKey(DEFAULT_HISTORY, 'logs')).toBe('stream:jobs:logs')
    expect(jobsIndexKey({ keyPrefix: 'h:' }, 'app')).toBe('h:jobs:app')
  })

  it('keeps 1000 jobs unless told otherwise', () => {
    expect(DEFAULT_HISTORY.maxJobs).toBe(1000)
  })
})
