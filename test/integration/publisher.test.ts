/** The publisher's own contract: what it says about where it publishes, and a batch sent while disconnected. */
import { freePort, startRedisServer } from '../../scripts/redis-server'
import { Publisher } from '../../src/publisher'
import { waitFor } from '../helpers/wait'

describe('Publisher', () => {
  it('names its target by host and port, never by URL (which may hold credentials)', async () => {
    const port = await freePort()
    const errors: Error[] = []
    const publisher = new Publisher({ url: `redis://user:pw-secret@127.0.0.1:${port}`, redis: {}, maxReconnectDelay: 100 }, { onReady: () => {}, onError: (e) => { errors.push(e) } })
    expect(publisher.target).toBe(`127.0.0.1:${port}`)
    await waitFor(() => errors.length > 0, 'a connection error')
    // Sent while not connected: handed back for a later try, not lost and not queued inside ioredis.
    const result = await publisher.publish([{ line: 'x', channels: ['logs:global'] }])
    expect(result).toMatchObject({ published: 0, rejected: 0, retry: [{ line: 'x', channels: ['logs:global'] }] })
    await publisher.close(100)
  })

  it('lets the `redis` options win over what the URL says', async () => {
    const server = await startRedisServer({ args: ['--requirepass', 'right-password'] })
    const publisher = new Publisher(
      { url: `redis://:wrong-password@127.0.0.1:${server.port}`, redis: { password: 'right-password' }, maxReconnectDelay: 100 },
      { onReady: () => {}, onError: () => {} }
    )
    try {
      await publisher.whenReady()
      expect(await publisher.publish([{ line: 'x', channels: ['logs:global'] }])).toEqual({ published: 1, rejected: 0, retry: [] })
    } finally {
      await publisher.close(100)
      await server.stop()
    }
  })
})
