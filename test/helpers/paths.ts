import { join } from 'node:path'

/** The repository root. */
export const ROOT = join(__dirname, '..', '..')
/** The built entry that pino's worker loads (tests that go through the worker need the build: `npm test` runs it). */
export const BUILT_ENTRY = join(ROOT, 'dist', 'index.js')
export const FIXTURES = join(ROOT, 'test', 'fixtures')
/** The built `redis-log-tail` (the package's bin). */
export const CLI = join(ROOT, 'dist', 'reader', 'cli.js')
