/**
 * The Express recipe (examples/express.js), end to end: pino-http whose logger has the mixin and the transport, a
 * job context per POST /jobs, `app.get('/logs', handler)`, and flushOnSignals(), in a real Express 4 process; and a
 * middleware that makes a whole request a job, with a body that arrives late.
 */
import { frameworkRecipe, importAsJob } from '../helpers/framework-recipe'

describe('Express 4 with pino-http: the recipe', () => {
  const recipe = frameworkRecipe('examples/express.js', { requestBinding: 'req' })

  it('a middleware that calls next inside withUserId makes the rest of the request a job, even with a late body', async () => {
    // The handler's lines, through req.log (with pino-http's request binding) and the application's logger, and
    // pino-http's own 'request completed', logged when the response written in the job's context has finished.
    const { jobId, lines } = await importAsJob(recipe, 3)
    expect(lines.map((line) => line.msg)).toEqual(['importing', 'imported', 'request completed'])
    expect(lines[0]).toMatchObject({ rows: 3, userId: jobId })
    expect(lines[0]).toHaveProperty('req')
    expect(recipe.app.stderr).toBe('')
  })
})
