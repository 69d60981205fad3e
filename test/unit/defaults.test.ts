/**
 * Each options interface says its defaults twice: in TSDoc (`@default`, what users read) and in its `DEFAULT_*`
 * object (what the code uses). This keeps the two in agreement: every option with a `@default` has that value in the
 * object, and every value in the object has its `@default`.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import ts from 'typescript'
import { DEFAULT_SHUTDOWN_OPTIONS } from '../../src/app/shutdown'
import {
  DEFAULT_LOG_CONSOLE_OPTIONS, DEFAULT_LOG_STREAM_HANDLER_OPTIONS, DEFAULT_READER_OPTIONS, DEFAULT_SUBSCRIBE_OPTIONS
} from '../../src/reader/options'
import { DEFAULT_CONNECTION_OPTIONS } from '../../src/shared/connection-options'
import { DEFAULT_HISTORY } from '../../src/shared/history'
import { DEFAULT_TRANSPORT_OPTIONS } from '../../src/worker/options'
import { ROOT } from '../helpers/paths'

const FILES = ['src/worker/options.ts', 'src/reader/options.ts', 'src/shared/connection-options.ts', 'src/shared/history.ts', 'src/app/shutdown.ts']

/** Every interface of the option files, by name. */
function interfaces (): Map<string, ts.InterfaceDeclaration> {
  const found = new Map<string, ts.InterfaceDeclaration>()
  for (const file of FILES) {
    const source = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.ES2022, true)
    source.forEachChild((node) => { if (ts.isInterfaceDeclaration(node)) found.set(node.name.text, node) })
  }
  return found
}

/**
 * The `@default` of each member of an interface and of those it extends: the value written first (a JS literal),
 * without the remark in parentheses that may follow it. A member without `@default` maps to `undefined`.
 */
function documentedDefaults (name: string, all: Map<string, ts.InterfaceDeclaration>): Map<string, unknown> {
  const declaration = all.get(name)
  const defaults = new Map<string, unknown>()
  if (declaration === undefined) return defaults // from elsewhere (EventEmitter): no options of ours
  for (const clause of declaration.heritageClauses ?? []) {
    for (const type of clause.types) {
      for (const [key, value] of documentedDefaults(type.expression.getText(), all)) defaults.set(key, value)
    }
  }
  for (const member of declaration.members) {
    if (!ts.isPropertySignature(member)) continue
    const tag = ts.getJSDocTags(member).find((each) => each.tagName.text === 'default')
    const text = typeof tag?.comment === 'string' ? tag.comment : undefined
    defaults.set(member.name.getText(), text === undefined ? undefined : literal(text))
  }
  return defaults
}

/** `'stream:'`, `1000`, `false`, `{}`, `['SIGTERM', 'SIGINT']`, each possibly followed by `(a remark)`. */
function literal (text: string): unknown {
  const value = text.replace(/\s+\(.*\)$/s, '').trim()
  return JSON.parse(value.replace(/'/g, '"'))
}

describe('the documented defaults agree with the DEFAULT_* objects', () => {
  const all = interfaces()
  it.each([
    ['HistoryOptions', DEFAULT_HISTORY],
    ['ConnectionOptions', DEFAULT_CONNECTION_OPTIONS],
    ['RedisLogTransportOptions', DEFAULT_TRANSPORT_OPTIONS],
    ['ReaderOptions', DEFAULT_READER_OPTIONS],
    ['SubscribeOptions', DEFAULT_SUBSCRIBE_OPTIONS],
    ['LogStreamHandlerOptions', DEFAULT_LOG_STREAM_HANDLER_OPTIONS],
    ['LogConsoleOptions', DEFAULT_LOG_CONSOLE_OPTIONS],
    ['CloseTransportOptions', { timeout: DEFAULT_SHUTDOWN_OPTIONS.timeout }],
    ['FlushOnSignalsOptions', DEFAULT_SHUTDOWN_OPTIONS]
  ])('%s', (name, object) => {
    const documented = documentedDefaults(name, all)
    const withDefault = [...documented].filter(([, value]) => value !== undefined)
    expect(Object.fromEntries(withDefault)).toEqual({ ...object })
  })

  it('checks every interface of the option files that documents a default', () => {
    const checked = ['HistoryOptions', 'ConnectionOptions', 'RedisLogTransportOptions', 'ReaderOptions', 'SubscribeOptions',
      'LogStreamHandlerOptions', 'LogConsoleOptions', 'CloseTransportOptions', 'FlushOnSignalsOptions']
    const withDefaults = [...all.keys()].filter((name) => [...documentedDefaults(name, all).values()].some((value) => value !== undefined))
    expect(withDefaults.sort()).toEqual(checked.sort())
  })
})
