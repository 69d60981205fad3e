/**
 * The Fastify recipe (examples/fastify.js), end to end: `logger: { mixin, transport }`, a job context per
 * POST /jobs, the SSE route through reply.hijack(), and flushOnSignals(), in a real Fastify 5 process; and a route
 * hook that makes a whole request a job, checked against Fastify's request lifecycle with a body that arrives late.
 */
import { frameworkRecipe, importAsJob, parse } from '../helpers/framework-recipe'

describe('Fastify 5 with logger.transport: the recipe', () => {
  const recipe = frameworkRecipe('examples/fastify.js', { requestBinding: 'reqId' })

  it('an onRequest hook that calls done inside withUserId makes the rest of the request a job, even with a late body', async () => {
    const { app, sub } = recipe
    // The handler's lines, through request.log and app.log, and Fastify's own 'request completed'.
    const { jobId, lines } = await importAsJob(recipe, 3)
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
