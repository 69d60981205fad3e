/**
 * What a click in the list does: a row's toggle expands or collapses it (the focus stays on the toggle); its
 * "Copy link" copies the line's console URL and says "Copied" for a moment, without navigating (a middle click or
 * Ctrl/Cmd+click still opens it, as links do); an expanded row's "Copy JSON" copies the whole line.
 */
import type { Item } from './format.js'
import { copyText } from './url-state.js'
import type { VirtualList } from './virtual-list.js'

/** How long a row says "Copied". */
const COPIED_MS = 1500

/** The controls of a row that can hold the focus. */
const CONTROLS = ['a.copy', '.copy-json', '.toggle']

/**
 * Draws `item`'s row anew now (after `change`), the focus back on the control of the row that had it: a row drawn
 * anew is a new element, and the focus would fall to the page.
 */
function redrawKeepingFocus (list: VirtualList, item: Item, change: () => void): void {
  const row = list.rowOf(item)
  const active = (row?.getRootNode() as ShadowRoot | Document | undefined)?.activeElement
  const selector = active !== null && active !== undefined && row?.contains(active) === true
    ? CONTROLS.find((control) => active.matches(control))
    : undefined
  change()
  list.draw()
  if (selector !== undefined) list.rowOf(item)?.querySelector<HTMLElement>(selector)?.focus()
}

/** What was copied from a row: its link or its line. */
export type Copied = 'link' | 'json'

/** The one row that says "Copied" (or "Copy failed") now. */
export class CopiedNote {
  #seq: number | undefined
  #text = ''
  #what: Copied = 'link'
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor (readonly list: VirtualList) {}

  /** What `item`'s row says after its link (or its Copy JSON), if anything. */
  textFor (item: Item, what: Copied): string | undefined {
    return this.#seq === item.seq && this.#what === what ? this.#text : undefined
  }

  show (item: Item, what: Copied, text: string): void {
    this.#clear()
    this.#seq = item.seq
    this.#what = what
    this.#text = text
    this.#timer = setTimeout(() => { this.#clear() }, COPIED_MS)
    redrawKeepingFocus(this.list, item, () => { this.list.redraw(item) })
  }

  #clear (): void {
    clearTimeout(this.#timer)
    const seq = this.#seq
    this.#seq = undefined
    if (seq === undefined) return
    const item = this.list.items[this.list.indexOf(seq)]
    if (item?.seq === seq) redrawKeepingFocus(this.list, item, () => { this.list.redraw(item) })
  }
}

/** Handles a click anywhere in the list. */
export function onListClick (event: MouseEvent, list: VirtualList, copied: CopiedNote): void {
  const target = event.target as Element
  const row = target.closest<HTMLElement>('.row')
  const seq = Number(row?.dataset.seq)
  const item = list.items[list.indexOf(seq)]
  if (item === undefined || item.seq !== seq) return
  const link = target.closest<HTMLAnchorElement>('a.copy')
  const json = target.closest<HTMLElement>('.copy-json')
  if (link !== null || json !== null) {
    if (link !== null && (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey)) return
    event.preventDefault()
    void copyText(link !== null ? link.href : item.line).then((done) => {
      copied.show(item, link !== null ? 'link' : 'json', done ? 'Copied' : 'Copy failed')
    })
  } else if (target.closest('.toggle') !== null) {
    list.rowOf(item)?.querySelector<HTMLElement>('.toggle')?.focus()
    redrawKeepingFocus(list, item, () => { list.toggle(item) })
  }
}
