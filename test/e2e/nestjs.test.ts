/**
 * The NestJS recipe (examples/nestjs/), end to end: LoggerModule.forRoot({ pinoHttp: { mixin, transport } }), a job
 * context per POST /jobs, the SSE endpoint in a controller (@Res()), and flushOnSignals(), in a real Nest 11
 * process with the Express platform, written in plain JavaScript; and Nest's own shutdown hooks as the other way.
 */
import { ExampleApp } from '../helpers/example-app'
import { frameworkRecipe, jobMessages, parse } from '../helpers/framework-recipe'

describe('NestJS 11 with nestjs-pino: the recipe', () => {
  const recipe = frameworkRecipe('examples/nestjs/main.js', { requestBinding: 'req' })

  it('with enableShutdownHooks(signals, { useProcessExit: true }) instead of flushOnSignals(), SIGTERM loses no line either', async () => {
    const app = await ExampleApp.start('test/fixtures/nestjs-shutdown-hooks.js', recipe.redis.url)
    try {
      const job = await app.startJob({ steps: 3000, interval: 0, wait: 1 })
      app.kill('SIGTERM')
      // Nest closes the application, then exits through process.exit(0): pino's exit hook publishes the rest.
      expect(await app.exit()).toEqual({ code: 0, signal: null })
      const expected = jobMessages(3000)
      expect((await recipe.sub.waitFor(`logs:${job}`, expected.length)).map((text) => parse(text).msg)).toEqual(expected)
      expect(app.stderr).toBe('')
    } finally {
      app.kill('SIGKILL')
    }
  })
})
