/** Waits for a condition with a deadline: polls `check` until it returns true, or fails naming what was awaited. */
export async function waitFor (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Resolves with the first emission of `event`, or rejects after `timeoutMs`. */
export async function once<T extends unknown[]> (emitter: NodeJS.EventEmitter, event: string, timeoutMs = 10_000): Promise<T> {
  return await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, onEvent)
      reject(new Error(`timed out after ${timeoutMs} ms waiting for '${event}'`))
    }, timeoutMs)
    function onEvent (...args: unknown[]): void {
      clearTimeout(timer)
      resolve(args as T)
    }
    emitter.once(event, onEvent)
  })
}
