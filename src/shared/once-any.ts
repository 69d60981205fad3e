/**
 * No I/O of its own: waiting for whichever of several events an emitter sends first.
 */
import type { EventEmitter } from 'node:events'

/** Resolves at the first of `names` that `emitter` emits, leaving no listener behind. */
export async function onceAny (emitter: EventEmitter, names: readonly string[]): Promise<void> {
  await new Promise<void>((resolve) => {
    const done = (): void => {
      for (const name of names) emitter.off(name, done)
      resolve()
    }
    for (const name of names) emitter.on(name, done)
  })
}
