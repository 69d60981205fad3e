/**
 * The shutdown helpers' own logic, against a stand-in for pino's ThreadStream (the real one, with real signals,
 * is exercised in test/integration/exit.test.ts and events.test.ts).
 */
import { EventEmitter } from 'node:events'
import { closeTransport, flushOnSignals, type TransportStream } from '../../src/app/shutdown'
import type { TransportStats } from '../../src/shared/stats'

const STATS: TransportStats = {
  received: 1, published: 1, dropped: 0, droppedByCause: {}, buffered: 0, errors: 0, reconnects: 0, historyFailed: 0, invalid: { notJsonObject: 0, userId: 0 }
}

/** Closes like a ThreadStream: the worker sends its closing stats, then the stream emits 'close'. */
function fakeStream (behaviour: 'closes' | 'hangs' | 'closed' = 'closes'): TransportStream & { ends: number } {
  const stream = Object.assign(new EventEmitter(), {
    ends: 0,
    closed: behaviour === 'closed',
    end () {
      stream.ends++
      if (behaviour !== 'closes') return
      setImmediate(() => { stream.emit('stats', STATS); stream.emit('close') })
    }
  })
  return stream
}

describe('closeTransport', () => {
  it('ends the stream once and resolves with the closing stats, for every caller', async () => {
    const stream = fakeStream()
    const [a, b] = await Promise.all([closeTransport(stream), closeTransport(stream)])
    expect(a).toEqual(STATS)
    expect(b).toBe(a)
    expect(stream.ends).toBe(1)
  })

  it('resolves with undefined for a stream closed already, and after the timeout for one that never closes', async () => {
    expect(await closeTransport(fakeStream('closed'))).toBeUndefined()
    expect(await closeTransport(fakeStream('hangs'), { timeout: 20 })).toBeUndefined()
  })
})

describe('flushOnSignals', () => {
  let kill: jest.SpyInstance
  let exit: jest.SpyInstance
  let exitListeners: NodeJS.ExitListener[]
  beforeEach(() => {
    kill = jest.spyOn(process, 'kill').mockImplementation(() => true)
    exit = jest.spyOn(process, 'exit').mockImplementation((() => {}) as () => never)
    exitListeners = process.listeners('exit')
  })
  afterEach(() => {
    kill.mockRestore()
    exit.mockRestore()
    for (const listener of process.listeners('exit')) if (!exitListeners.includes(listener)) process.off('exit', listener)
  })

  /** The 'exit' listeners added since the test began. */
  const added = (): NodeJS.ExitListener[] => process.listeners('exit').filter((l) => !exitListeners.includes(l))

  it('closes the transport on the signal, exits through the exit hooks, then raises the signal again', async () => {
    const stream = fakeStream()
    const before = process.listenerCount('SIGUSR2')
    flushOnSignals(stream, { signals: ['SIGUSR2'] })
    expect(process.listenerCount('SIGUSR2')).toBe(before + 1)
    process.emit('SIGUSR2', 'SIGUSR2')
    expect(process.listenerCount('SIGUSR2')).toBe(before) // a second signal is not caught
    await closeTransport(stream)
    await new Promise((resolve) => setImmediate(resolve))
    expect(stream.ends).toBe(1)
    // process.exit() runs pino's exit hook, which flushes every transport; the status is the signal's, 128 + 12.
    expect(exit).toHaveBeenCalledWith(140)
    expect(kill).not.toHaveBeenCalled()
    // The last 'exit' listener raises the signal again, so that the process ends killed by it.
    expect(added()).toHaveLength(1)
    added()[0]?.(140)
    expect(kill).toHaveBeenCalledWith(process.pid, 'SIGUSR2')
  })

  it('without a stream, exits through the exit hooks, which flush every transport of the process', async () => {
    flushOnSignals({ signals: ['SIGUSR2'] })
    process.emit('SIGUSR2', 'SIGUSR2')
    await new Promise((resolve) => setImmediate(resolve))
    expect(exit).toHaveBeenCalledWith(140)
    added()[0]?.(140)
    expect(kill).toHaveBeenCalledWith(process.pid, 'SIGUSR2')
  })

  it('leaves the exit to the application when it has its own handler', async () => {
    const stream = fakeStream()
    const own = jest.fn()
    process.on('SIGUSR2', own)
    try {
      flushOnSignals(stream, { signals: ['SIGUSR2'] })
      flushOnSignals(undefined, { signals: ['SIGUSR2'] })
      process.emit('SIGUSR2', 'SIGUSR2')
      await closeTransport(stream)
      await new Promise((resolve) => setImmediate(resolve))
      expect(own).toHaveBeenCalled()
      expect(stream.ends).toBe(1)
      expect(exit).not.toHaveBeenCalled()
      expect(kill).not.toHaveBeenCalled()
    } finally {
      process.off('SIGUSR2', own)
    }
  })

  it('returns a function that removes its handlers', () => {
    const before = process.listenerCount('SIGTERM')
    const remove = flushOnSignals(fakeStream())
    const removeToo = flushOnSignals()
    expect(process.listenerCount('SIGTERM')).toBe(before + 2)
    remove()
    removeToo()
    expect(process.listenerCount('SIGTERM')).toBe(before)
  })
})
