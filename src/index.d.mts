// Types of the ESM entry (index.mjs): the named exports of the CommonJS entry, and the factory as the default
// export (re-exporting `default` from a CommonJS declaration would name the whole module object instead).
import type { RedisLogTransportOptions, RedisLogTransportStream } from './index.js'

export * from './index.js'
declare function redisLogTransport (options?: RedisLogTransportOptions): Promise<RedisLogTransportStream>
export default redisLogTransport
