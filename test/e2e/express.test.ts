/**
 * The Express recipe (examples/express.js), end to end: pino-http whose logger has the mixin and the transport, a
 * job context per POST /jobs, `app.get('/logs', handler)`, and flushOnSignals(), in a real Express 4 process.
 */
import { frameworkRecipe } from '../helpers/framework-recipe'

describe('Express 4 with pino-http: the recipe', () => {
  frameworkRecipe('examples/express.js', { requestBinding: 'req' })
})
