/**
 * The `<log-viewer>`'s styles, inside its shadow root. A dark theme; every level's colour, the dimmed text and the
 * markers keep a contrast of at least 4.5:1 on their background (WCAG AA). Custom properties on the host
 * (`--log-viewer-bg`, `--log-viewer-font`...) let a page adjust it.
 */

/** The height of a collapsed row, in px: the virtual list computes every row's place from it. */
export const ROW_HEIGHT = 24

export const STYLES = `
:host {
  --bg: var(--log-viewer-bg, #0d1117); --panel: var(--log-viewer-panel, #161b22); --border: #30363d;
  --text: #e6edf3; --dim: #9198a1; --accent: #4493f8;
  --trace: #9198a1; --debug: #79c0ff; --info: #56d364; --warn: #e3b341; --error: #ff7b72; --fatal: #f778ba;
  --mono: var(--log-viewer-font, ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace);
  --job-w: 8ch;
  display: flex; flex-direction: column; position: relative; height: 32rem; min-height: 12rem;
  background: var(--bg); color: var(--text); font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif;
  border: 1px solid var(--border); border-radius: 8px; overflow: hidden; container-type: inline-size;
}
:host([hidden]) { display: none; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
button, input, select { font: inherit; color: var(--text); }
.toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; padding: 8px 10px; background: var(--panel);
  border-bottom: 1px solid var(--border); }
.controls, .state { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; }
.filter { flex: 1 1 16rem; min-width: 10rem; background: var(--bg); border: 1px solid var(--border); border-radius: 6px;
  padding: 5px 10px; font-family: var(--mono); font-size: 13px; }
.filter[aria-invalid="true"] { border-color: var(--error); }
.level-select, .pause, .latest, .gaps { background: #21262d; border: 1px solid var(--border); border-radius: 6px;
  padding: 5px 10px; cursor: pointer; }
.pause[data-paused] { background: #7d4e00; border-color: #9e6a03; color: #fff; }
.filter:focus-visible, .level-select:focus-visible, button:focus-visible, a:focus-visible, .scroller:focus-visible {
  outline: 2px solid var(--accent); outline-offset: 1px; }
.level-label { color: var(--dim); font-size: 13px; margin-right: -3px; cursor: pointer; }
.pending { color: var(--warn); font-size: 13px; }
.grow { flex: 1 0 0; }
.counts { color: var(--dim); font-size: 12px; font-variant-numeric: tabular-nums; }
.gaps { padding: 2px 8px; font-size: 12px; color: var(--warn); }
.status { display: inline-flex; align-items: center; gap: 6px; font-size: 13px; color: var(--dim); white-space: nowrap; }
.status::before { content: ""; width: 8px; height: 8px; border-radius: 50%; background: #d29922; }
.status[data-state="live"] { color: var(--text); }
.status[data-state="live"]::before { background: #3fb950; box-shadow: 0 0 0 3px rgba(63, 185, 80, .25); }
.status[data-state="reconnecting"]::before { background: var(--error); }
.filter-error, .note { margin: 0; padding: 4px 12px; font-size: 13px; border-bottom: 1px solid var(--border); }
.filter-error { color: var(--error); }
.note { color: var(--warn); background: #2a2111; }
.columns, .head { display: flex; align-items: center; gap: 1ch; padding: 0 10px 0 4px; white-space: nowrap; }
.columns { height: 26px; font: 13px/26px var(--mono); color: var(--dim); border-bottom: 1px solid var(--border); background: var(--bg); }
.columns .label, .columns .zone { font: 600 11px/26px system-ui, sans-serif; letter-spacing: .05em; text-transform: uppercase; }
.columns .job, .columns .level { color: var(--dim); }
.columns .text { flex: 1 0 auto; }
.columns .zone { flex: 0 1 auto; min-width: 0; overflow: hidden; text-overflow: ellipsis; font-weight: 400; text-transform: none; letter-spacing: 0; }
.scroller { flex: 1 1 auto; min-height: 0; overflow: auto; overflow-anchor: none; position: relative; contain: strict;
  font: 13px/${ROW_HEIGHT}px var(--mono); }
.spacer { position: relative; min-width: 100%; }
.window { position: absolute; top: 0; left: 0; right: 0; will-change: transform; }
.row { min-height: ${ROW_HEIGHT}px; }
.head { height: ${ROW_HEIGHT}px; overflow: hidden; contain: strict; }
.row:hover, .row:focus-within { background: var(--panel); }
.row[data-level="warn"] .head { box-shadow: inset 3px 0 0 var(--warn); }
.row[data-level="error"] .head { box-shadow: inset 3px 0 0 var(--error); }
.row[data-level="fatal"] .head { box-shadow: inset 3px 0 0 var(--fatal); }
.row.target { background: #1c2a40; outline: 1px solid var(--accent); outline-offset: -1px; }
/* The toggle and the Copy link fill the row's height: tap targets of 24x24 px at least (WCAG 2.5.8). */
.toggle, .toggle-space { flex: 0 0 24px; width: 24px; }
.toggle { height: ${ROW_HEIGHT}px; padding: 0; border: 0; border-radius: 4px; background: none; color: var(--dim); cursor: pointer; font-size: 11px; }
.toggle:hover { color: var(--text); background: #30363d; }
.time { flex: 0 0 12ch; color: var(--dim); font-variant-numeric: tabular-nums; }
.level { flex: 0 0 5ch; font-weight: 700; }
.columns .level { font-weight: inherit; }
.level-trace { color: var(--trace); } .level-debug { color: var(--debug); } .level-info { color: var(--info); }
.level-warn { color: var(--warn); } .level-error { color: var(--error); } .level-fatal { color: var(--fatal); text-decoration: underline; }
.job { flex: 0 0 var(--job-w); overflow: hidden; text-overflow: ellipsis; color: #d2a8ff; }
.text { flex: 1 1 auto; min-width: 0; overflow: hidden; text-overflow: ellipsis; }
.field { color: var(--dim); }
.field .key { color: #a5b3c2; }
.copy { flex: 0 0 auto; min-width: 24px; height: ${ROW_HEIGHT}px; text-align: center; color: var(--dim); text-decoration: none;
  border-radius: 4px; opacity: .55; }
.row:hover .copy, .copy:focus-visible { opacity: 1; color: var(--accent); }
.copied { flex: 0 0 auto; color: var(--info); font: 12px system-ui, sans-serif; }
mark { background: #f2cc60; color: #0d1117; border-radius: 2px; }
.details { padding: 2px 10px 8px calc(28px + 13ch); font-size: 12px; line-height: 18px; }
.details pre { margin: 4px 0; padding: 6px 10px; background: var(--panel); border-left: 2px solid var(--border);
  border-radius: 0 4px 4px 0; white-space: pre; overflow-x: auto; font: inherit; }
.details .label { display: flex; align-items: center; gap: 8px; color: var(--dim); margin-top: 6px; font-family: system-ui, sans-serif; }
.copy-json { min-height: 24px; padding: 0 8px; background: #21262d; border: 1px solid var(--border); border-radius: 6px;
  font-size: 12px; cursor: pointer; }
.copy-json:hover { border-color: var(--accent); }
.details .stack { color: #ffa198; border-left-color: var(--error); }
.marker { background: #2a2111; color: #f2cc60; }
.marker .head { box-shadow: inset 3px 0 0 var(--warn); }
.marker:hover { background: #33290f; }
.marker-icon { flex: 0 0 24px; text-align: center; }
.marker .time { color: #d8c08a; }
.marker .msg { flex: 1 1 auto; min-width: 0; overflow: hidden; text-overflow: ellipsis; }
.empty { position: absolute; inset: 40% 0 auto; text-align: center; color: var(--dim); font: 14px system-ui, sans-serif; }
.latest { flex: 0 0 auto; min-height: 30px; border-width: 1px 0 0; border-radius: 0; background: #1f2a3a; color: #79c0ff;
  font-size: 13px; font-weight: 600; }
.latest:hover { background: #243552; }
@container (max-width: 560px) {
  /* Two rows: the filter and the status, then the controls (a count of new lines fits beside Resume). */
  .toolbar { display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: 6px; padding: 6px 8px; }
  .controls { grid-column: 1 / -1; grid-row: 2; gap: 6px; }
  .grow { display: none; }
  .state { gap: 6px; }
  .filter { min-width: 0; }
  .level-select { padding: 5px 4px 5px 6px; }
  .counts { display: none; }
  .scroller, .columns { font-size: 12px; }
  .columns .label { font-size: 10px; letter-spacing: 0; }
  :host([job]) .job { display: none; }
  .columns, .head { gap: .6ch; }
  .job { flex-basis: min(var(--job-w), 9ch); }
  .columns .zone { font-size: 10px; }
  .zone-name { display: none; }
  /* A phone: the options say "… and above" themselves; the room goes to the count of new lines. */
  @container (max-width: 400px) { .level-label { display: none; } }
  /* HH:MM:SS: the milliseconds leave room for the message (the time's title has the full date and time). */
  .time { flex-basis: 8ch; }
  .time .ms { display: none; }
  .details { padding-left: 24px; }
  .details pre { white-space: pre-wrap; overflow-wrap: anywhere; }
}
`
