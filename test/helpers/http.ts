/** HTTP requests the framework suites make that fetch() cannot: a body sent in parts. */
import http from 'node:http'

/** POSTs `body` in two writes, the second after a pause, so that the server parses it from later socket reads. */
export async function postInTwoParts (url: string, body: string): Promise<{ status: number, text: string }> {
  return await new Promise((resolve, reject) => {
    const request = http.request(url, {
      method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
    }, (response) => {
      let text = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => { text += chunk })
      response.on('end', () => { resolve({ status: response.statusCode ?? 0, text }) })
    })
    request.on('error', reject)
    const half = Math.floor(body.length / 2)
    request.write(body.slice(0, half))
    setTimeout(() => { request.end(body.slice(half)) }, 50)
  })
}
