/**
 * The published type declarations, as TypeScript users see them under Node's module resolution: named exports
 * and a callable default export from ESM, `require` from CommonJS.
 */
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FIXTURES, ROOT } from '../helpers/paths'

it('type-checks ESM and CommonJS consumers against the built declarations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rlt-types-'))
  try {
    mkdirSync(join(dir, 'node_modules'))
    symlinkSync(ROOT, join(dir, 'node_modules', 'redis-log-transport'), 'dir')
    symlinkSync(join(ROOT, 'node_modules', '@types'), join(dir, 'node_modules', '@types'), 'dir')
    for (const file of ['esm-consumer.mts', 'cjs-consumer.cts']) copyFileSync(join(FIXTURES, 'types', file), join(dir, file))
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'node16', moduleResolution: 'node16', strict: true, noEmit: true, types: ['node'] },
      files: ['esm-consumer.mts', 'cjs-consumer.cts']
    }))
    // Throws, with the compiler's messages, when a declaration is wrong.
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { encoding: 'utf8' })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
