// ESM entry: the same single instance as the CommonJS entry (one AsyncLocalStorage), with the factory as default.
import cjs from './index.js'

export const {
  userIdContext, withUserId, getUserContext, jobIdFactory, userIdMixin, createUserIdMixin,
  GLOBAL_LOG_CHANNEL, resolveOptions, isUsableJobId, closeTransport, flushOnSignals, subscribe,
  createLogStreamHandler, createLogConsole
} = cjs
export default cjs.default
