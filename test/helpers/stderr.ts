import fs from 'node:fs'

/** Captures what the transport writes to file descriptor 2 in this process, passing every other write through. */
export function captureStderr (): { text: () => string, restore: () => void } {
  const original = fs.writeSync
  const lines: string[] = []
  const spy = jest.spyOn(fs, 'writeSync').mockImplementation(((fd: number, data: unknown, ...rest: unknown[]) => {
    if (fd === 2 && typeof data === 'string') {
      lines.push(data)
      return data.length
    }
    return (original as (...args: unknown[]) => number)(fd, data, ...rest)
  }) as typeof fs.writeSync)
  return { text: () => lines.join(''), restore: () => { spy.mockRestore() } }
}
