import { RespWriter, withHeader } from '../../src/worker/resp-writer'

describe('RespWriter', () => {
  it('writes each argument as a RESP bulk string of its UTF-8 bytes, the header in the room before them', () => {
    const writer = new RespWriter(16, 4)
    writer.string('PUBLISH')
    writer.number(42)
    writer.bytes(Uint8Array.from([1, 2]))
    writer.string('')
    const encoded = writer.finish()
    expect(encoded.count).toBe(4)
    const command = withHeader(encoded, '*5\r\n$4\r\nECHO\r\n')
    expect(command.toString('latin1')).toBe('*5\r\n$4\r\nECHO\r\n$7\r\nPUBLISH\r\n$2\r\n42\r\n$2\r\n\x01\x02\r\n$0\r\n\r\n')
  })

  it('moves the bytes when their length has more digits than the characters (9 characters, 10 bytes and more)', () => {
    for (const value of ['x'.repeat(8) + 'é', '€'.repeat(3), '€'.repeat(34), 'é'.repeat(50), 'a\ud800', '😀'.repeat(5)]) {
      const writer = new RespWriter(0, 0)
      writer.string(value)
      const bytes = Buffer.from(value)
      expect(writer.finish().buffer).toEqual(Buffer.concat([Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n')]))
    }
  })

  it('grows past its size hint and keeps what it wrote', () => {
    const writer = new RespWriter(8, 1)
    const values = Array.from({ length: 200 }, (_, i) => `${i}:${'y'.repeat(i)}`)
    for (const value of values) writer.string(value)
    const command = withHeader(writer.finish(), '*0\r\n')
    expect(command.toString()).toBe('*0\r\n' + values.map((v) => `$${Buffer.byteLength(v)}\r\n${v}\r\n`).join(''))
  })

  it('copies a header longer than the room in front', () => {
    const writer = new RespWriter(4, 16)
    writer.string('a')
    expect(withHeader(writer.finish(), '*2\r\n$4\r\neval\r\n').toString()).toBe('*2\r\n$4\r\neval\r\n$1\r\na\r\n')
  })
})
