/**
 * The Fastify recipe (examples/fastify.js), end to end: `logger: { mixin, transport }`, a job context per
 * POST /jobs, the SSE route through reply.hijack(), and flushOnSignals(), in a real Fastify 5 process; and a route
 * hook that makes a whole request a job, checked against Fastify's request lifecycle with a body that arrives late.
 */
import http from 'node:http'
import { frameworkRecipe, parse } from '../helpers/framework-recipe'

/** POSTs `body` in two writes, the second after a pause, so that Fastify parses it from later socket reads. */
async function postInTwoParts (url: string, body: string): Promise<{ status: number, text: string }> {
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

describe('Fastify 5 with logger.transport: the recipe', () => {
  const recipe = frameworkRecipe('examples/fastify.js', { requestBinding: 'reqId' })

  it('an onRequest hook that calls done inside withUserId makes the rest of the request a job, even with a late body', async () => {
    const { app, sub } = recipe
    const response = await postInTwoParts(`${app.base}/imports`, JSON.stringify({ rows: [1, 2, 3] }))
    expect(response.status).toBe(200)
    const { jobId } = JSON.parse(response.text) as { jobId: string }
    expect(jobId).toMatch(/^import_[0-9a-f-]{36}$/)
    // The handler's lines, through request.log and app.log, and Fastify's own 'request completed'.
    const lines = (await sub.waitFor(`logs:${jobId}`, 3)).map(parse)
    expect(lines.map((line) => line.msg)).toEqual(['importing', 'imported', 'request completed'])
    expect(lines[0]).toMatchObject({ rows: 3, userId: jobId })
    // 'incoming request' is logged before any hook runs: the global channel only, without the id.
    const reqId = lines[0]?.reqId
    const incoming = sub.on('logs:global').map(parse).filter((line) => line.reqId === reqId && line.msg === 'incoming request')
    expect(incoming).toHaveLength(1)
    expect(incoming[0]).not.toHaveProperty('userId')
    expect(app.stderr).toBe('')
  })
})
