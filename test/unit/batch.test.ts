import { ReplyError } from 'ioredis'
import { DEFAULT_HISTORY } from '../../src/shared/history'
import { isRetryable } from '../../src/worker/batch'
import { planBatch, readPipelineReplies, type Reply } from '../../src/worker/batch-pipeline'
import { encodeScriptBatch, EVALSHA_HEADER_ROOM, readScriptReplies } from '../../src/worker/batch-script'
import type { EncodedArguments } from '../../src/worker/resp-writer'
import type { Entry } from '../../src/worker/route'

const batch: Entry[] = [
  { line: 'a', channels: ['logs:j', 'logs:global'] },
  { line: 'b', channels: ['logs:global'] }
]
const ok: Reply = [null, 1]
const refused: Reply = [new ReplyError('NOPERM this user has no permissions to access the channel'), undefined]
const moved: Reply = [new ReplyError('MOVED 1234 127.0.0.1:7001'), undefined]
const lost: Reply = [new Error('Connection is closed.'), undefined]
/** The worker's clock when a batch is planned: the jobs' score in the index. */
const NOW = 1_700_000_000_000

describe('planBatch', () => {
  it('makes one PUBLISH per line and channel, in order, with no key to route by', () => {
    const commands = planBatch(batch, { history: false, channelPrefix: 'logs', globalChannel: 'logs:global', sharded: false }, NOW)
    expect(commands.map((c) => [c.entry, c.kind, c.args, c.key])).toEqual([
      [0, 'publish', ['publish', 'logs:j', 'a'], undefined],
      [0, 'publish', ['publish', 'logs:global', 'a'], undefined],
      [1, 'publish', ['publish', 'logs:global', 'b'], undefined]
    ])
  })

  it('with sharded, uses SPUBLISH routed by the channel; with history, XADD before each, one EXPIRE per stream, the jobs index', () => {
    const commands = planBatch(batch, { history: { ...DEFAULT_HISTORY, maxLen: 5 }, channelPrefix: 'logs', globalChannel: 'logs:global', sharded: true }, NOW)
    expect(commands.map((c) => [c.entry, c.kind, c.args, c.key])).toEqual([
      [0, 'history', ['xadd', 'stream:logs:j', 'MAXLEN', '~', 5, '*', 'line', 'a'], 'stream:logs:j'],
      [0, 'publish', ['spublish', 'logs:j', 'a'], 'logs:j'],
      [0, 'history', ['xadd', 'stream:logs:global', 'MAXLEN', '~', 5, '*', 'line', 'a'], 'stream:logs:global'],
      [0, 'publish', ['spublish', 'logs:global', 'a'], 'logs:global'],
      [1, 'history', ['xadd', 'stream:logs:global', 'MAXLEN', '~', 5, '*', 'line', 'b'], 'stream:logs:global'],
      [1, 'publish', ['spublish', 'logs:global', 'b'], 'logs:global'],
      [-1, 'expire', ['expire', 'stream:logs:j', 3600], 'stream:logs:j'],
      [-1, 'expire', ['expire', 'stream:logs:global', 86_400], 'stream:logs:global'],
      [-1, 'index', ['zadd', 'stream:jobs:logs', NOW, 'j'], 'stream:jobs:logs'],
      [-1, 'index', ['zremrangebyrank', 'stream:jobs:logs', 0, -1001], 'stream:jobs:logs'],
      [-1, 'index', ['zremrangebyscore', 'stream:jobs:logs', '-inf', `(${NOW - 3_600_000}`], 'stream:jobs:logs'],
      [-1, 'index', ['expire', 'stream:jobs:logs', 3600], 'stream:jobs:logs']
    ])
  })

  it('indexes each job of a batch once, by its id, and no line without a job', () => {
    const job = ['app:a', 'everything']
    const lines: Entry[] = [
      { line: '1', channels: job },
      { line: '2', channels: ['app:b', 'everything'] },
      { line: '3', channels: job },
      { line: '4', channels: ['everything'] }
    ]
    const history = { ...DEFAULT_HISTORY, keyPrefix: 'h:', maxJobs: 2, jobTtl: 60 }
    const options = { history, channelPrefix: 'app', globalChannel: 'everything', sharded: false }
    const index = planBatch(lines, options, NOW).filter((c) => c.kind === 'index').map((c) => c.args)
    expect(index).toEqual([
      ['zadd', 'h:jobs:app', NOW, 'a', NOW, 'b'],
      ['zremrangebyrank', 'h:jobs:app', 0, -3],
      ['zremrangebyscore', 'h:jobs:app', '-inf', `(${NOW - 60_000}`],
      ['expire', 'h:jobs:app', 60]
    ])
    expect(planBatch([{ line: '4', channels: ['everything'] }], options, NOW).filter((c) => c.kind === 'index')).toEqual([])
    // Without a global channel, every channel is a job's.
    const jobOnly = planBatch([{ line: '5', channels: ['app:c'] }], { ...options, globalChannel: false }, NOW)
    expect(jobOnly.find((c) => c.kind === 'index')?.args).toEqual(['zadd', 'h:jobs:app', NOW, 'c'])
  })
})

/** The arguments of RESP-encoded bulk strings, as Buffers. */
function decodeArguments ({ buffer, start, count }: EncodedArguments): Buffer[] {
  const args: Buffer[] = []
  let at = start
  while (at < buffer.length) {
    expect(String.fromCharCode(buffer[at] as number)).toBe('$')
    const crlf = buffer.indexOf('\r\n', at)
    const length = Number(buffer.toString('latin1', at + 1, crlf))
    args.push(buffer.subarray(crlf + 2, crlf + 2 + length))
    expect(buffer.toString('latin1', crlf + 2 + length, crlf + 4 + length)).toBe('\r\n')
    at = crlf + 4 + length
  }
  expect(args).toHaveLength(count)
  return args
}

describe('encodeScriptBatch', () => {
  it('sends each line once, after the batch\'s distinct channel lists (each once however many lines share it) and the route', () => {
    const job = ['logs:j', 'logs:global']
    const globalOnly = ['logs:global']
    const encoded = encodeScriptBatch(['setting', 7], [
      { line: 'a', channels: job },
      { line: 'b', channels: globalOnly },
      { line: 'c', channels: job },
      { line: 'd', channels: ['logs:j', 'logs:global'] } // equal but not the same list: listed again, still right
    ])
    const args = decodeArguments(encoded)
    expect(args.map((arg, i) => i === 12 ? [...arg] : arg.toString())).toEqual([
      'setting', '7',
      '3', '2', 'logs:j', 'logs:global', '1', 'logs:global', '2', 'logs:j', 'logs:global',
      '1', [1, 2, 1, 3],
      'a', 'b', 'c', 'd'
    ])
    // Room for the EVALSHA's header is kept in front of the arguments.
    expect(encoded.start).toBe(EVALSHA_HEADER_ROOM)
  })

  it('numbers lists on two bytes when a batch has more than 255 of them', () => {
    const batch = Array.from({ length: 300 }, (_, i) => ({ line: `l${i}`, channels: [`logs:${i}`] }))
    const args = decodeArguments(encodeScriptBatch([], batch))
    const lists = 1 + 2 * 300
    expect(args[lists]?.toString()).toBe('2')
    const route = args[lists + 1] as Buffer
    expect([route.readUInt16BE(0), route.readUInt16BE(2 * 299)]).toEqual([1, 300])
    expect(args.slice(lists + 2).map(String)).toEqual(batch.map((entry) => entry.line))
  })

  it('keeps every line\'s bytes exactly, whatever its characters', () => {
    const lines = ['', 'ascii', 'é'.repeat(4), '€'.repeat(4), '😀x', 'a\ud800b', 'x'.repeat(9) + 'é', '☕'.repeat(40)]
    const args = decodeArguments(encodeScriptBatch([], lines.map((line) => ({ line, channels: ['c'] }))))
    expect(args.slice(-lines.length)).toEqual(lines.map((line) => Buffer.from(line)))
  })

  it('makes an empty batch an empty list of lists', () => {
    expect(decodeArguments(encodeScriptBatch([], [])).map(String)).toEqual(['0', '1', ''])
  })
})

describe('readPipelineReplies', () => {
  const plain = planBatch(batch, { history: false, channelPrefix: 'logs', globalChannel: 'logs:global', sharded: false }, NOW)
  const kept = planBatch(batch, { history: DEFAULT_HISTORY, channelPrefix: 'logs', globalChannel: 'logs:global', sharded: false }, NOW)
  // The jobs index's ZADD, trims and EXPIRE, after the streams' EXPIREs.
  const indexed = [ok, ok, ok, ok]

  it('counts lines published when every PUBLISH took them', () => {
    expect(readPipelineReplies(batch, plain, [ok, ok, ok])).toEqual({ published: 2, rejected: 0, retry: [], historyFailed: 0 })
  })

  it('counts a line refused on one channel as rejected', () => {
    const result = readPipelineReplies(batch, plain, [refused, ok, ok])
    expect(result).toMatchObject({ published: 1, rejected: 1, retry: [] })
    expect(result.error).toBe(refused[0])
  })

  it('sends again, on the channels still to reach, a line whose slot moved or whose connection was lost', () => {
    expect(readPipelineReplies(batch, plain, [ok, moved, lost])).toMatchObject({
      published: 0,
      rejected: 0,
      retry: [{ line: 'a', channels: ['logs:global'] }, { line: 'b', channels: ['logs:global'] }]
    })
  })

  it('counts a published line whose XADD was refused in historyFailed, and sends again one whose XADD was lost', () => {
    // xadd j, publish j, xadd g, publish g (line a); xadd g, publish g (line b); expire j, expire g
    const result = readPipelineReplies(batch, kept, [refused, ok, ok, ok, lost, ok, ok, lost, ...indexed])
    expect(result).toMatchObject({ published: 1, rejected: 0, retry: [{ line: 'b', channels: ['logs:global'] }], historyFailed: 1 })
    expect(result.historyError).toBe(refused[0])
    expect(result.error).toBeUndefined()
  })

  it('names a channel once when both its XADD and its PUBLISH were lost, and reports a refused EXPIRE without losing the line', () => {
    const result = readPipelineReplies(batch, kept, [lost, lost, ok, ok, ok, ok, refused, ok, ...indexed])
    expect(result).toMatchObject({ published: 1, rejected: 0, retry: [{ line: 'a', channels: ['logs:j'] }], historyFailed: 0 })
    expect(result.historyError).toBe(refused[0])
  })

  it('reports a refused or lost jobs index command as history trouble, never losing or resending a line', () => {
    const wrongType: Reply = [new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value'), undefined]
    const result = readPipelineReplies(batch, kept, [ok, ok, ok, ok, ok, ok, ok, ok, wrongType, lost, moved, ok])
    expect(result).toMatchObject({ published: 2, rejected: 0, retry: [], historyFailed: 0 })
    expect(result.historyError).toBe(wrongType[0])
    expect(result.error).toBeUndefined()
  })

  it('tells errors worth a retry from refusals', () => {
    for (const message of ['MOVED 1 h:1', 'ASK 1 h:1', 'TRYAGAIN x', 'CLUSTERDOWN x', 'LOADING x', 'READONLY x', 'MASTERDOWN x']) {
      expect(isRetryable(new ReplyError(message))).toBe(true)
    }
    expect(isRetryable(new ReplyError('NOPERM x'))).toBe(false)
    expect(isRetryable(new ReplyError('OOM command not allowed'))).toBe(false)
    expect(isRetryable(new Error('Connection is closed.'))).toBe(true)
  })
})

describe('readScriptReplies', () => {
  const toError = (message: string): Error => new ReplyError(message)

  it('counts every line published when the script refused nothing', () => {
    expect(readScriptReplies(batch, [], toError)).toEqual({ published: 2, rejected: 0, retry: [], historyFailed: 0 })
  })

  it('matches refusals to lines by PUBLISH number, and negative numbers to history appends', () => {
    // PUBLISH 1 and 2 are line a's (job, global), 3 is line b's.
    const result = readScriptReplies(batch, [3, 'NOPERM no', -1, 'WRONGTYPE not a stream'], toError)
    expect(result).toMatchObject({ published: 1, rejected: 1, retry: [], historyFailed: 1 })
    expect(result.error?.message).toBe('NOPERM no')
    expect(result.historyError?.message).toBe('WRONGTYPE not a stream')
  })

  it('takes 0 for history trouble of no line (an EXPIRE, the jobs index): every line published', () => {
    const result = readScriptReplies(batch, [0, 'WRONGTYPE not a sorted set'], toError)
    expect(result).toMatchObject({ published: 2, rejected: 0, retry: [], historyFailed: 0 })
    expect(result.historyError?.message).toBe('WRONGTYPE not a sorted set')
    expect(result.error).toBeUndefined()
  })
})
