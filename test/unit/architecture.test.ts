/**
 * The rooms of src/ and the rules that keep them apart (README, "Architecture"):
 * - worker/ runs in pino's worker thread, app/ in the logging application's thread, reader/ in whatever process
 *   watches logs, shared/ is what two of them need; index.ts and bullmq.ts are the package entries;
 * - app/ never imports worker/ or reader/; reader/ never imports worker/; worker/ never imports app/ or reader/;
 *   shared/ imports only shared/;
 * - ioredis is loaded (a value import, not a type) only by shared/connection.ts and worker/publisher.ts;
 * - the pure rooms do no I/O and set no timers;
 * - the package entry, loaded in the application thread, loads no ioredis;
 * - BullMQ, an optional peer dependency, is imported for its types only, and neither entry loads it;
 * - viewer/ runs in browsers, as its files are: it imports only viewer/ files, by paths ending in `.js`.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'
import { ROOT } from '../helpers/paths'

const SRC = join(ROOT, 'src')
const ROOMS = ['worker', 'app', 'reader', 'shared', 'viewer'] as const
type Room = typeof ROOMS[number] | 'entry'

/** What a room may import from the others. */
const MAY_IMPORT: Record<Room, readonly Room[]> = {
  entry: ['worker', 'app', 'reader', 'shared'],
  worker: ['worker', 'shared'],
  app: ['app', 'shared'],
  reader: ['reader', 'shared'],
  shared: ['shared'],
  // The custom element runs in browsers: it loads nothing from the Node rooms.
  viewer: ['viewer']
}

/** Files that must stay pure: no I/O, no timers, nothing loaded but types and other pure files. */
const PURE = [
  'worker/route.ts', 'worker/line-buffer.ts', 'worker/batch.ts', 'worker/batch-pipeline.ts', 'worker/batch-script.ts',
  'worker/resp-writer.ts', 'shared/job-id.ts', 'shared/channel-names.ts', 'shared/history.ts', 'shared/option-checks.ts',
  'shared/redis-url.ts', 'reader/line-filter.ts'
]

interface Import { specifier: string, typeOnly: boolean }

function sourceFiles (dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return /\.ts$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : []
  })
}

/** Every module a file imports, re-exports or requires, and whether only its types are used. */
function importsOf (file: string): Import[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true)
  const found: Import[] = []
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = ts.isImportDeclaration(node) ? node.importClause : undefined
      const typeOnly = ts.isImportDeclaration(node)
        ? clause?.isTypeOnly === true || (clause !== undefined && clause.name === undefined &&
          clause.namedBindings !== undefined && ts.isNamedImports(clause.namedBindings) &&
          clause.namedBindings.elements.every((element) => element.isTypeOnly))
        : node.isTypeOnly
      found.push({ specifier: node.moduleSpecifier.text, typeOnly })
    } else if (ts.isCallExpression(node) && node.expression.getText() === 'require' && ts.isStringLiteral(node.arguments[0] as ts.Node)) {
      found.push({ specifier: (node.arguments[0] as ts.StringLiteral).text, typeOnly: false })
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ specifier: node.argument.literal.text, typeOnly: true })
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

/** Globals that mean timers or I/O. */
const IMPURE_NAMES = new Set(['setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'process', 'console', 'fetch'])

/** The identifiers a file's code uses (comments and strings are not code). */
function identifiersOf (file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true)
  const found: string[] = []
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) found.push(node.text)
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

function roomOf (file: string): Room {
  const first = relative(SRC, file).split(/[\\/]/)[0] ?? ''
  return (ROOMS as readonly string[]).includes(first) ? first as Room : 'entry'
}

const files = sourceFiles()
const name = (file: string): string => relative(SRC, file).replace(/\\/g, '/')

describe('the rooms of src/', () => {
  it('has every source file in a room, but for the package entries', () => {
    const loose = files.filter((file) => roomOf(file) === 'entry').map(name)
    expect(loose.sort()).toEqual(['bullmq.ts', 'index.ts'])
  })

  it.each(ROOMS.map((room) => [room]))('%s/ imports only what its room may', (room) => {
    const breaches: string[] = []
    for (const file of files.filter((each) => roomOf(each) === room)) {
      for (const { specifier } of importsOf(file)) {
        if (!specifier.startsWith('.')) continue
        const target = roomOf(resolve(dirname(file), specifier))
        if (!MAY_IMPORT[room].includes(target)) breaches.push(`${name(file)} imports ${specifier}`)
      }
    }
    expect(breaches).toEqual([])
  })

  it('keeps viewer/ loadable by a browser as is: only relative imports of viewer/ files, ending in .js', () => {
    const breaches = files.filter((file) => roomOf(file) === 'viewer').flatMap((file) =>
      importsOf(file).filter(({ specifier }) => !specifier.startsWith('./') || !specifier.endsWith('.js'))
        .map(({ specifier }) => `${name(file)} imports ${specifier}`))
    expect(breaches).toEqual([])
  })

  it('loads ioredis only in shared/connection.ts, worker/publisher.ts and its script-call.ts', () => {
    const loaders = files.filter((file) => importsOf(file).some(({ specifier, typeOnly }) => specifier === 'ioredis' && !typeOnly))
    expect(loaders.map(name).sort()).toEqual(['shared/connection.ts', 'worker/publisher.ts', 'worker/script-call.ts'])
  })

  it.each(PURE.map((file) => [file]))('keeps %s pure: no I/O, no timers', (file) => {
    const path = join(SRC, file)
    const loaded = importsOf(path).filter(({ typeOnly }) => !typeOnly).map(({ specifier }) => specifier)
    const impure = loaded.filter((specifier) => !specifier.startsWith('.') ||
      !PURE.includes(name(resolve(dirname(path), specifier)) + '.ts'))
    expect(impure).toEqual([])
    expect(identifiersOf(path).filter((identifier) => IMPURE_NAMES.has(identifier))).toEqual([])
  })

  it('the package entry, loaded in the application thread, loads no ioredis (CommonJS and ESM)', () => {
    const count = "Object.keys(require.cache).filter((f) => /node_modules[\\\\/]ioredis[\\\\/]/.test(f)).length"
    const cjs = execFileSync(process.execPath, ['-e', `require(${JSON.stringify(ROOT)}); console.log(${count})`], { cwd: ROOT, encoding: 'utf8' })
    const esm = execFileSync(process.execPath, ['--input-type=module', '-e',
      `import { createRequire } from 'node:module'; await import(${JSON.stringify(join(ROOT, 'dist', 'index.mjs'))}); const require = createRequire(import.meta.url); console.log(${count})`],
    { cwd: ROOT, encoding: 'utf8' })
    expect([cjs.trim(), esm.trim()]).toEqual(['0', '0'])
  })

  it('imports bullmq for its types only', () => {
    const loaders = files.filter((file) => importsOf(file).some(({ specifier, typeOnly }) => /^bullmq(\/|$)/.test(specifier) && !typeOnly))
    expect(loaders.map(name)).toEqual([])
  })

  it.each([['index.js'], ['bullmq.js']])('the built dist/%s loads neither bullmq nor ioredis', (entry) => {
    const loaded = "Object.keys(require.cache).filter((f) => /node_modules[\\\\/](bullmq|ioredis)[\\\\/]/.test(f)).length"
    const count = execFileSync(process.execPath, ['-e', `require(${JSON.stringify(join(ROOT, 'dist', entry))}); console.log(${loaded})`],
      { cwd: ROOT, encoding: 'utf8' })
    expect(count.trim()).toBe('0')
  })
})
