/**
 * The job context, in the logging application's thread, and the pino mixin that writes its job id into every line
 * (as `userId`, the field the transport reads). Light on purpose: no Redis client and no ioredis is loaded from here.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { randomUUID } from 'node:crypto'

/** Holds the job id of the code running inside `withUserId(id, fn)`. */
export const userIdContext = new AsyncLocalStorage<string>()

/** Runs `fn` with `id` as the job in context and returns what `fn` returns (a promise stays a promise). */
export function withUserId<T> (id: string, fn: () => T): T {
  if (typeof id !== 'string' || id === '') {
    throw new TypeError(`redis-log-transport: expected the job id given to withUserId() to be a non-empty string, got ${typeof id === 'string' ? 'an empty string' : typeof id}`)
  }
  return userIdContext.run(id, fn)
}

/** The job id in context, or `undefined` outside any `withUserId` call. */
export function getUserContext (): string | undefined {
  return userIdContext.getStore()
}

/** A fresh job id: `${prefix}_${uuid v4}`. */
export function jobIdFactory (prefix = 'job'): string {
  if (typeof prefix !== 'string') {
    throw new TypeError(`redis-log-transport: expected the prefix given to jobIdFactory() to be a string, got ${typeof prefix}`)
  }
  return `${prefix}_${randomUUID()}`
}

/**
 * Makes a pino mixin that adds `{ [key]: id }` inside a job context and nothing outside one. Use it when the
 * transport's `userIdKey` option is not `'userId'`.
 */
export function createUserIdMixin (key = 'userId'): () => Record<string, string> {
  if (typeof key !== 'string' || key === '') {
    throw new TypeError(`redis-log-transport: expected the key given to createUserIdMixin() to be a non-empty string, got ${typeof key}`)
  }
  // pino merges the call-site object into what the mixin returns, so each call returns a fresh object.
  return function userIdMixin () {
    const id = userIdContext.getStore()
    return id === undefined ? {} : { [key]: id }
  }
}

/** A pino mixin: `{ userId }` inside a job context, `{}` outside one. `pino({ mixin: userIdMixin }, transport)`. */
export const userIdMixin: () => { userId?: string } = createUserIdMixin('userId')
