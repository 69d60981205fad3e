import { JOB_ID_RULE, MAX_JOB_ID_LENGTH, isUsableJobId, isWellFormedJobId, jobChannel } from '../../src/shared/job-id'
import { isUsableJobId as fromEntry } from '../../src/index'

describe('the job id rule', () => {
  it.each([
    ['a plain id', 'job_42'],
    ['a queue and a job, as BullMQ names them', 'emails:1234'],
    ['accented and CJK letters', 'tâche_ü_日本'],
    ['an emoji (a surrogate pair)', 'build-😀'],
    ['the longest id', 'x'.repeat(MAX_JOB_ID_LENGTH)],
    ['dashes and dots', 'web-1.2.3']
  ])('accepts %s', (_what, id) => {
    expect(isUsableJobId(id)).toBe(true)
    expect(jobChannel(id, { channelPrefix: 'logs', globalChannel: 'logs:global' })).toBe(`logs:${id}`)
  })

  it.each([
    ['a number', 42],
    ['undefined', undefined],
    ['an empty string', ''],
    ['one character too many', 'x'.repeat(MAX_JOB_ID_LENGTH + 1)],
    ['a space', 'a b'],
    ['a tab', 'a\tb'],
    ['a newline', 'a\nb'],
    ['a no-break space', 'a\u00a0b'],
    ['a line separator', 'a\u2028b'],
    ['a NUL', 'a\u0000b'],
    ['DEL', 'a\u007fb'],
    ['a right-to-left override (U+202E)', 'invoice\u202Efdp.exe'],
    ['a left-to-right isolate (U+2066)', 'a\u2066b'],
    ['a zero-width space (U+200B)', 'job\u200B42'],
    ['a zero-width joiner (U+200D)', 'a\u200Db'],
    ['a byte order mark (U+FEFF)', '\uFEFFjob'],
    ['a soft hyphen (U+00AD)', 'jo\u00ADb'],
    ['a lone high surrogate', 'a\uD800'],
    ['a lone low surrogate', '\uDC00a'],
    ['the id whose channel is the global one', 'global']
  ])('refuses %s', (_what, id) => {
    expect(isUsableJobId(id)).toBe(false)
    expect(jobChannel(id, { channelPrefix: 'logs', globalChannel: 'logs:global' })).toBeUndefined()
  })

  it('refuses an id whose channel is the global channel, whatever the names', () => {
    const names = { channelPrefix: 'jobs', globalChannel: 'jobs:all' }
    expect(jobChannel('all', names)).toBeUndefined()
    expect(jobChannel('global', names)).toBe('jobs:global')
    expect(isUsableJobId('global', names)).toBe(true)
    // Without a global channel, no id collides with it.
    expect(jobChannel('global', { channelPrefix: 'logs', globalChannel: false })).toBe('logs:global')
    // Well-formed whatever the names; usable only with them.
    expect(isWellFormedJobId('global')).toBe(true)
  })

  it('is the one the package exports, and says what it asks for', () => {
    expect(fromEntry).toBe(isUsableJobId)
    expect(JOB_ID_RULE).toBe('a non-empty string of at most 256 characters without whitespace, control or format ' +
      'characters, whose channel is not the global channel')
  })
})
