// The results panel: summary, a filterable/sortable/groupable control list (virtualised: only the visible rows
// exist in the DOM), the detail of the chosen control, and the comparison of two runs.
// Report text is untrusted: every string goes through Lit text bindings (escaped), never innerHTML.
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-multi-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { html, nothing, render, type TemplateResult } from 'lit';
import {
  CONTROL_STATUSES,
  SEVERITIES,
  SORT_KEYS,
  isHostToPanel,
  type ControlStatus,
  type HostToPanel,
  type OpenSourceResult,
  type PanelComparison,
  type PanelControl,
  type PanelControlDetail,
  type PanelFilter,
  type PanelPersistedState,
  type PanelReport,
  type PanelRequests,
  type PanelSnapshot,
  type PanelToHost,
  type RenderedCommand,
  type Severity,
  type SortKey,
} from '../src/protocol/messages';
import './panel.css';
import { buildIndex, buildRows, complianceBand, filterControls, sortControls, visibleWindow, type Row, type SearchIndex } from './viewModel';

interface VsCodeApi {
  postMessage(message: PanelToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const ROW_HEIGHT = 24;

const STATUS_ICON: Record<ControlStatus, string> = {
  Passed: 'pass',
  Failed: 'error',
  'Not Applicable': 'circle-slash',
  'Not Reviewed': 'eye-closed',
  'Profile Error': 'warning',
};
const STATUS_CLASS: Record<ControlStatus, string> = {
  Passed: 'passed',
  Failed: 'failed',
  'Not Applicable': 'na',
  'Not Reviewed': 'nr',
  'Profile Error': 'pe',
};
const RESULT_ICON: Record<string, string> = { passed: 'pass', failed: 'error', skipped: 'debug-step-over', error: 'warning', no_status: 'question' };
const SORT_LABEL: Record<SortKey, string> = { id: 'ID', status: 'Status', severity: 'Severity', title: 'Title', file: 'File' };

// ───────────────────────────── state ─────────────────────────────

let report: PanelReport | undefined;
let index: SearchIndex | undefined;
const orderCache = new Map<string, number[]>();
let filter: PanelFilter = { sort: 'status', groupByFile: false };
let matching: number[] = [];
let rows: Row[] = [];
let selectedKey: number | undefined;
const collapsed = new Set<string>();
let comparison: PanelComparison | undefined;
let showComparison = false;
let errorBanner: string | undefined;
let sourceNote: { key: number; result: OpenSourceResult } | undefined;
/** Details fetched from the host for the report shown (`getDetail`), by control key. */
let details = new Map<number, PanelControlDetail | Error>();
let persisted: PanelPersistedState = (vscode.getState() as PanelPersistedState | undefined) ?? {};
let renderCount = 0;

const app = document.getElementById('app')!;
render(
  html`<div class="banner-slot"></div>
    <header class="summary"></header>
    <div class="toolbar"></div>
    <main class="body">
      <section class="list-pane" aria-label="Controls">
        <div class="list" tabindex="0" role="listbox" aria-label="Controls"><div class="spacer"></div><div class="rows"></div></div>
        <div class="list-footer"></div>
      </section>
      <section class="detail-pane" aria-label="Control detail"></section>
    </main>
    <section class="compare-pane" hidden></section>`,
  app,
);
const bannerEl = app.querySelector<HTMLElement>('.banner-slot')!;
const summaryEl = app.querySelector<HTMLElement>('.summary')!;
const toolbarEl = app.querySelector<HTMLElement>('.toolbar')!;
const listEl = app.querySelector<HTMLElement>('.list')!;
const spacerEl = app.querySelector<HTMLElement>('.spacer')!;
const rowsEl = app.querySelector<HTMLElement>('.rows')!;
const footerEl = app.querySelector<HTMLElement>('.list-footer')!;
const detailEl = app.querySelector<HTMLElement>('.detail-pane')!;
const bodyEl = app.querySelector<HTMLElement>('.body')!;
const compareEl = app.querySelector<HTMLElement>('.compare-pane')!;

// ───────────────────────────── messaging ─────────────────────────────

let nextRequestId = 1;
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

function post(msg: PanelToHost): void {
  vscode.postMessage(msg);
}

function request<M extends keyof PanelRequests>(method: M, params: PanelRequests[M]['params']): Promise<PanelRequests[M]['result']> {
  const id = nextRequestId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    post({ type: 'request', id, method, params });
  });
}

function rendered(phase: RenderedCommand['phase'], started: number): void {
  renderCount++;
  const ms = Math.round((performance.now() - started) * 100) / 100;
  document.body.dataset.rendered = `${phase}:${renderCount}`;
  post({ type: 'rendered', phase, ms, matching: matching.length });
}

function persist(): void {
  const selected = selectedKey !== undefined ? report?.controls[selectedKey]?.id : undefined;
  persisted = { ...persisted, filter, selectedId: selected };
  vscode.setState(persisted);
  post({ type: 'persist', state: persisted });
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const msg = event.data;
  if (!isHostToPanel(msg)) return;
  handle(msg);
});

function handle(msg: HostToPanel): void {
  switch (msg.type) {
    case 'report':
      showReport(msg.report, msg.restore);
      break;
    case 'comparison':
      comparison = msg.comparison;
      showComparison = true;
      renderComparison();
      break;
    case 'error':
      errorBanner = msg.message;
      renderBanner();
      rendered('error', performance.now());
      break;
    case 'setFilter':
      applyFilter({ ...filter, ...msg.filter });
      break;
    case 'select': {
      const c = report?.controls.find((x) => x.id === msg.id);
      if (c) select(c.key, true);
      break;
    }
    case 'request':
      if (msg.method === 'inspect') post({ type: 'reply', id: msg.id, ok: true, result: snapshot() });
      break;
    case 'reply': {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (!p) break;
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new Error(msg.error));
      break;
    }
  }
}

function snapshot(): PanelSnapshot {
  const selected = selectedKey !== undefined ? report?.controls[selectedKey] : undefined;
  return {
    text: document.body.innerText,
    imgElements: document.querySelectorAll('img').length,
    rendered: document.body.dataset.rendered ?? '',
    visibleRows: rowsEl.childElementCount,
    matchingControls: matching.length,
    selectedId: selected?.id,
    detailTitle: detailEl.querySelector('h2')?.textContent ?? undefined,
    detailLoaded: !!selected && details.has(selected.key),
  };
}

// ───────────────────────────── report ─────────────────────────────

function showReport(r: PanelReport, restore?: PanelPersistedState): void {
  const started = performance.now();
  const sameReport = persisted.reportPath === r.reportPath;
  report = r;
  index = buildIndex(r.controls);
  orderCache.clear();
  details = new Map();
  errorBanner = undefined;
  sourceNote = undefined;
  showComparison = false;
  const saved = sameReport ? persisted : {};
  const wanted = { ...restore, ...saved };
  if (wanted.filter) filter = { ...filter, ...wanted.filter };
  persisted = { ...persisted, ...restore, reportPath: r.reportPath, label: r.label };
  const sel = wanted.selectedId ? r.controls.find((c) => c.id === wanted.selectedId) : undefined;
  selectedKey = sel?.key;
  renderBanner();
  renderSummary();
  recompute();
  renderToolbar();
  renderList(true);
  renderDetail();
  compareEl.hidden = true;
  bodyEl.hidden = false;
  toolbarEl.hidden = false;
  vscode.setState(persisted);
  rendered('report', started);
  if (sel) scrollToKey(sel.key);
}

function order(): number[] {
  if (!report) return [];
  const k = `${filter.sort ?? 'id'}:${filter.descending ? 1 : 0}`;
  let o = orderCache.get(k);
  if (!o) orderCache.set(k, (o = sortControls(report.controls, filter.sort ?? 'id', !!filter.descending)));
  return o;
}

function recompute(): void {
  if (!report || !index) {
    matching = [];
    rows = [];
    return;
  }
  matching = filterControls(report.controls, index, order(), filter);
  rows = buildRows(report.controls, matching, !!filter.groupByFile, collapsed);
}

function applyFilter(next: PanelFilter): void {
  const started = performance.now();
  filter = next;
  recompute();
  renderToolbar();
  renderList(true);
  rendered('filter', started);
  persist();
}

// ───────────────────────────── summary ─────────────────────────────

function fmtPercent(p: number): string {
  return `${Math.round(p * 10) / 10}%`;
}

function renderBanner(): void {
  render(
    errorBanner
      ? html`<div class="banner" role="alert">
          <span class="codicon codicon-error"></span><span class="banner-text">${errorBanner}</span>
          <vscode-button secondary @click=${() => ((errorBanner = undefined), renderBanner())}>Dismiss</vscode-button>
        </div>`
      : nothing,
    bannerEl,
  );
}

function statusChip(s: ControlStatus, n: number): TemplateResult {
  const active = filter.statuses?.length === 1 && filter.statuses[0] === s;
  return html`<button class="chip status-${STATUS_CLASS[s]} ${active ? 'active' : ''}" title="Show only ${s}" @click=${() => applyFilter({ ...filter, statuses: active ? [] : [s] })}>
    <span class="codicon codicon-${STATUS_ICON[s]}"></span> ${s} <strong>${n}</strong>
  </button>`;
}

function renderSummary(): void {
  if (!report) {
    render(
      html`<div class="empty">
        <p>No report is open.</p>
        <vscode-button @click=${() => post({ type: 'run', command: 'openReport' })}>Open Report…</vscode-button>
      </div>`,
      summaryEl,
    );
    return;
  }
  const s = report.summary;
  const band = complianceBand(s.compliance);
  const profiles = s.profiles.map((p) => `${p.title ?? p.name}${p.version ? ` ${p.version}` : ''}`).join(', ');
  render(
    html`<div class="compliance band-${band}" title="Passed / (Passed + Failed + Not Reviewed + Profile Error)">
        <div class="pct">${fmtPercent(s.compliance)}</div>
        <div class="caption">compliance</div>
      </div>
      <div class="facts">
        <div class="title-line"><span class="report-label">${report.label}</span></div>
        <dl>
          ${fact('Profile', profiles)} ${fact('Target', s.target)} ${fact('Platform', s.platform)}
          ${fact('Duration', s.durationSeconds !== undefined ? `${s.durationSeconds.toFixed(2)} s` : undefined)} ${fact('Auditor', s.auditorVersion)}
          ${fact('Controls', `${s.controls} (${s.results} results)`)}
        </dl>
        <div class="chips">${CONTROL_STATUSES.map((st) => statusChip(st, s.counts[st]))}</div>
        <div class="sev-counts">
          ${SEVERITIES.map(
            (sv) => html`<span class="sev sev-${sv}" title="${s.failedBySeverity[sv]} of ${s.severity[sv]} ${sv} controls failed or errored">${sv} <strong>${s.severity[sv]}</strong>${s.failedBySeverity[sv] ? html` <span class="sev-failed">(${s.failedBySeverity[sv]} failing)</span>` : nothing}</span>`,
          )}
        </div>
      </div>
      <div class="actions">
        <vscode-button secondary title="Export the controls as CSV" @click=${() => post({ type: 'export', format: 'csv' })}><span class="codicon codicon-table"></span> CSV</vscode-button>
        <vscode-button secondary title="Export a Markdown summary" @click=${() => post({ type: 'export', format: 'markdown' })}><span class="codicon codicon-markdown"></span> Markdown</vscode-button>
        <vscode-button secondary title="Copy the HDF JSON to the clipboard" @click=${() => post({ type: 'export', format: 'hdf' })}><span class="codicon codicon-copy"></span> HDF</vscode-button>
        <vscode-button secondary title="Compare with another report" @click=${() => post({ type: 'run', command: 'compareReports' })}><span class="codicon codicon-diff"></span> Compare</vscode-button>
        ${comparison && !showComparison ? html`<vscode-button secondary @click=${() => ((showComparison = true), renderComparison())}>Show comparison</vscode-button>` : nothing}
      </div>`,
    summaryEl,
  );
}

function fact(name: string, value: string | undefined): TemplateResult | typeof nothing {
  return value ? html`<div><dt>${name}</dt><dd>${value}</dd></div>` : nothing;
}

// ───────────────────────────── toolbar ─────────────────────────────

function onText(e: Event): void {
  applyFilter({ ...filter, text: (e.target as HTMLInputElement).value });
}

function renderToolbar(): void {
  if (!report) {
    render(nothing, toolbarEl);
    return;
  }
  render(
    html`<vscode-textfield class="search" placeholder="Filter: text, nist:AC-6, cci:CCI-000366, tag:gid=V-1" .value=${filter.text ?? ''} @input=${onText} aria-label="Filter controls">
        <span slot="content-before" class="codicon codicon-filter"></span>
      </vscode-textfield>
      <span class="field-label">Status</span>
      <vscode-multi-select class="statuses" aria-label="Statuses" .value=${[...(filter.statuses ?? [])]} @change=${(e: Event) => applyFilter({ ...filter, statuses: (e.target as unknown as { value: ControlStatus[] }).value })}>
        ${CONTROL_STATUSES.map((s) => html`<vscode-option value=${s}>${s}</vscode-option>`)}
      </vscode-multi-select>
      <span class="field-label">Severity</span>
      <vscode-multi-select class="severities" aria-label="Severities" .value=${[...(filter.severities ?? [])]} @change=${(e: Event) => applyFilter({ ...filter, severities: (e.target as unknown as { value: Severity[] }).value })}>
        ${SEVERITIES.map((s) => html`<vscode-option value=${s}>${s}</vscode-option>`)}
      </vscode-multi-select>
      <vscode-single-select class="sort" aria-label="Sort by" .value=${filter.sort ?? 'id'} @change=${(e: Event) => applyFilter({ ...filter, sort: (e.target as unknown as { value: SortKey }).value })}>
        ${SORT_KEYS.map((k) => html`<vscode-option value=${k}>Sort: ${SORT_LABEL[k]}</vscode-option>`)}
      </vscode-single-select>
      <button class="icon-button" title=${filter.descending ? 'Descending' : 'Ascending'} aria-label="Reverse the order" @click=${() => applyFilter({ ...filter, descending: !filter.descending })}>
        <span class="codicon codicon-${filter.descending ? 'arrow-down' : 'arrow-up'}"></span>
      </button>
      <vscode-checkbox label="Group by file" .checked=${!!filter.groupByFile} @change=${(e: Event) => applyFilter({ ...filter, groupByFile: (e.target as HTMLInputElement).checked })}></vscode-checkbox>
      <span class="count">${matching.length} of ${report.controls.length}</span>`,
    toolbarEl,
  );
}

// ───────────────────────────── list (virtualised) ─────────────────────────────

function rowTemplate(row: Row, i: number): TemplateResult {
  if (row.kind === 'group') {
    return html`<div class="row group" data-i=${i} role="presentation" @click=${() => toggleGroup(row.file)}>
      <span class="codicon codicon-${row.collapsed ? 'chevron-right' : 'chevron-down'}"></span>
      <span class="codicon codicon-file-code"></span>
      <span class="file">${row.file}</span>
      <span class="group-count">${row.count}${row.failed ? html` · <span class="status-failed">${row.failed} failing</span>` : nothing}</span>
    </div>`;
  }
  const c = report!.controls[row.key];
  return html`<div class="row control ${selectedKey === c.key ? 'selected' : ''} ${filter.groupByFile ? 'indented' : ''}" data-i=${i} data-key=${c.key} role="option"
    aria-selected=${selectedKey === c.key ? 'true' : 'false'} @click=${() => choose(c.key)} @dblclick=${() => void openSource(c.key)}>
    <span class="codicon codicon-${STATUS_ICON[c.status]} status-${STATUS_CLASS[c.status]}" title=${c.status}></span>
    <span class="id">${c.id}</span>
    <span class="title">${c.title}</span>
    <span class="sev sev-${c.severity}">${c.severity}</span>
  </div>`;
}

let lastWindow = { start: -1, end: -1 };
function renderList(force: boolean): void {
  spacerEl.style.height = `${rows.length * ROW_HEIGHT}px`;
  const { start, end } = visibleWindow(listEl.scrollTop, listEl.clientHeight || 600, ROW_HEIGHT, rows.length);
  if (!force && start === lastWindow.start && end === lastWindow.end) return;
  lastWindow = { start, end };
  rowsEl.style.transform = `translateY(${start * ROW_HEIGHT}px)`;
  const slice: TemplateResult[] = [];
  for (let i = start; i < end; i++) slice.push(rowTemplate(rows[i], i));
  render(slice, rowsEl);
  render(
    report && matching.length === 0 ? html`<div class="empty-list">No control matches the filter.</div>` : nothing,
    footerEl,
  );
}

listEl.addEventListener('scroll', () => renderList(false), { passive: true });
new ResizeObserver(() => renderList(false)).observe(listEl);

listEl.addEventListener('keydown', (e) => {
  if (!report || rows.length === 0) return;
  const controlRows = rows.flatMap((r) => (r.kind === 'control' ? [r.key] : []));
  const at = selectedKey === undefined ? -1 : controlRows.indexOf(selectedKey);
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    e.preventDefault();
    const next = controlRows[Math.max(0, Math.min(controlRows.length - 1, at + (e.key === 'ArrowDown' ? 1 : -1)))];
    if (next !== undefined) select(next, true);
  } else if (e.key === 'Enter' && selectedKey !== undefined) {
    void openSource(selectedKey);
  }
});

function toggleGroup(file: string): void {
  if (collapsed.has(file)) collapsed.delete(file);
  else collapsed.add(file);
  recompute();
  renderList(true);
}

function scrollToKey(key: number): void {
  const i = rows.findIndex((r) => r.kind === 'control' && r.key === key);
  if (i < 0) return;
  const top = i * ROW_HEIGHT;
  if (top < listEl.scrollTop || top + ROW_HEIGHT > listEl.scrollTop + listEl.clientHeight) listEl.scrollTop = Math.max(0, top - listEl.clientHeight / 2);
  renderList(true);
}

function select(key: number, scroll: boolean): void {
  const started = performance.now();
  selectedKey = key;
  sourceNote = undefined;
  if (showComparison) {
    showComparison = false;
    compareEl.hidden = true;
    bodyEl.hidden = false;
    toolbarEl.hidden = false;
    renderSummary();
  }
  renderList(true);
  if (scroll) scrollToKey(key);
  renderDetail();
  rendered('detail', started);
  persist();
}

// ───────────────────────────── detail ─────────────────────────────

/** A click in the list: select the control and show its source beside, keeping the focus in the list. */
function choose(key: number): void {
  select(key, false);
  void openSource(key, undefined, true);
}

async function openSource(key: number, resultIndex?: number, preserveFocus?: boolean): Promise<void> {
  try {
    const r = await request('openSource', { key, resultIndex, preserveFocus });
    sourceNote = { key, result: r };
  } catch (err) {
    sourceNote = { key, result: { opened: false, message: err instanceof Error ? err.message : String(err) } };
  }
  if (selectedKey === key) renderDetail();
}

function loadDetail(c: PanelControl): void {
  const forReport = report;
  const forDetails = details;
  request('getDetail', { key: c.key }).then(
    (d) => {
      if (report !== forReport) return; // a newer report replaced this one meanwhile
      forDetails.set(c.key, d);
    },
    (err: unknown) => {
      if (report !== forReport) return;
      forDetails.set(c.key, err instanceof Error ? err : new Error(String(err)));
    },
  ).then(() => {
    if (report === forReport && selectedKey === c.key) {
      const started = performance.now();
      renderDetail();
      rendered('detail', started);
    }
  });
}

function renderDetail(): void {
  const c = selectedKey !== undefined ? report?.controls[selectedKey] : undefined;
  if (!c) {
    render(report ? html`<div class="empty">Choose a control to see its detail.</div>` : nothing, detailEl);
    return;
  }
  const d = details.get(c.key);
  if (d === undefined) loadDetail(c);
  const note = sourceNote?.key === c.key ? sourceNote.result : undefined;
  const notFound = note && !note.opened;
  render(
    html`<div class="detail">
      <div class="detail-head">
        <span class="codicon codicon-${STATUS_ICON[c.status]} status-${STATUS_CLASS[c.status]}"></span>
        <span class="status-text status-${STATUS_CLASS[c.status]}">${c.status}</span>
        <span class="sev sev-${c.severity}">${c.severity}</span>
        <span class="muted">impact ${c.impact}</span>
        ${c.waived ? html`<vscode-badge title=${c.waiverJustification ?? ''}>waived</vscode-badge>` : nothing}
      </div>
      <h2>${c.title || c.id}</h2>
      <div class="muted">${c.id} · ${c.profile}</div>
      <div class="source-line">
        <button class="link" title="Open the control's source" @click=${() => void openSource(c.key)}>
          <span class="codicon codicon-go-to-file"></span> ${c.sourceRef ? `${c.sourceRef}${c.sourceLine ? `:${c.sourceLine}` : ''}` : c.file}
        </button>
        ${note ? html`<span class=${note.opened ? 'muted' : 'warning-text'}>${note.opened ? `Opened ${note.path ?? ''}${note.line ? `:${note.line}` : ''}` : note.message ?? 'Source not found in the workspace.'}</span>` : nothing}
      </div>
      ${c.waived && c.waiverJustification ? html`<p class="muted">Waiver: ${c.waiverJustification}</p>` : nothing}
      ${d === undefined ? html`<p class="muted loading">Loading…</p>` : d instanceof Error ? html`<p class="warning-text">Could not load the detail: ${d.message}</p>` : detailBody(c, d)}
      ${c.tags.length
        ? html`<h3>Tags</h3>
            <table class="tags">
              ${c.tags.map(([k, v]) => html`<tr><th>${k}</th><td>${v}</td></tr>`)}
            </table>`
        : nothing}
      ${d && !(d instanceof Error)
        ? html`<details class="code" ?open=${!!notFound}>
            <summary>Code${notFound ? ' (embedded in the report)' : ''}</summary>
            ${notFound ? html`<button class="link" @click=${() => post({ type: 'showCode', key: c.key })}><span class="codicon codicon-go-to-file"></span> Open this code in an editor</button>` : nothing}
            <pre>${d.code}</pre>
          </details>`
        : nothing}
    </div>`,
    detailEl,
  );
}

function detailBody(c: PanelControl, d: PanelControlDetail): TemplateResult {
  return html`${d.descriptions.map((x) => html`<h3>${descLabel(x.label)}</h3><p class="desc">${x.data}</p>`)}
    <h3>Results (${d.results.length})</h3>
    ${d.note ? html`<p class="transport-note warning-text"><span class="codicon codicon-info"></span> ${d.note}</p>` : nothing}
    ${d.results.length === 0 ? html`<p class="muted">This control produced no results.</p>` : nothing}
    <ul class="results">
      ${d.results.map(
        (r, i) => html`<li class="result result-${r.status}">
          <span class="codicon codicon-${RESULT_ICON[r.status] ?? 'question'}" title=${r.status}></span>
          <div>
            ${r.status === 'failed' || r.status === 'error'
              ? html`<button class="link code-desc" title="Open the control's source" @click=${() => void openSource(c.key, i)}>${r.codeDesc}</button>`
              : html`<span class="code-desc">${r.codeDesc}</span>`}
            ${r.message ? html`<pre class="message">${r.message}</pre>` : nothing}
            ${r.backtrace?.length ? html`<details><summary>Backtrace</summary><pre class="message">${r.backtrace.join('\n')}</pre></details>` : nothing}
          </div>
        </li>`,
      )}
    </ul>`;
}

function descLabel(label: string): string {
  if (label === 'default') return 'Description';
  if (label === 'check') return 'Check';
  if (label === 'fix') return 'Fix';
  return label.charAt(0).toUpperCase() + label.slice(1);
}

// ───────────────────────────── comparison ─────────────────────────────

const KIND_LABEL: Record<string, string> = {
  newFailure: 'New failures',
  fixed: 'Fixed',
  statusChange: 'Other status changes',
  added: 'Added controls',
  removed: 'Removed controls',
  resultsChanged: 'Result-level changes (same status)',
};

function renderComparison(): void {
  const started = performance.now();
  if (!comparison || !showComparison) {
    compareEl.hidden = true;
    bodyEl.hidden = false;
    toolbarEl.hidden = false;
    return;
  }
  const cmp = comparison;
  const kinds = Object.keys(KIND_LABEL).filter((k) => cmp.changes.some((c) => c.kind === k));
  render(
    html`<div class="compare">
      <div class="compare-head">
        <h2>${cmp.oldLabel} → ${cmp.newLabel}</h2>
        <span class="band-${complianceBand(cmp.oldCompliance)}">${fmtPercent(cmp.oldCompliance)}</span> →
        <span class="band-${complianceBand(cmp.newCompliance)}">${fmtPercent(cmp.newCompliance)}</span>
        <vscode-button secondary @click=${() => ((showComparison = false), renderComparison(), renderSummary())}>Back to the report</vscode-button>
      </div>
      <p class="muted">${cmp.changes.filter((c) => c.from !== c.to).length} controls changed status · ${cmp.controlsWithResultChanges} controls with result-level changes</p>
      ${cmp.changes.length === 0 ? html`<p>No control changed.</p>` : nothing}
      ${kinds.map(
        (k) => html`<h3>${KIND_LABEL[k]} (${cmp.changes.filter((c) => c.kind === k).length})</h3>
          <table class="changes">
            ${cmp.changes
              .filter((c) => c.kind === k)
              .map(
                (c) => html`<tr class="change" @click=${() => selectById(c.id)}>
                  <td class="id">${c.id}</td>
                  <td>
                    ${c.title}
                    ${c.resultChanges?.length
                      ? html`<details class="result-changes" @click=${(e: Event) => e.stopPropagation()}>
                          <summary>${c.resultChanges.length} result${c.resultChanges.length === 1 ? '' : 's'} changed</summary>
                          <ul>
                            ${c.resultChanges.map((r) => html`<li><span class="muted">${r.from ?? 'absent'} → ${r.to ?? 'absent'}</span> ${r.codeDesc}</li>`)}
                          </ul>
                        </details>`
                      : nothing}
                  </td>
                  <td>${c.from ? html`<span class="status-${STATUS_CLASS[c.from]}">${c.from}</span>` : '—'}</td>
                  <td>→</td>
                  <td>${c.to ? html`<span class="status-${STATUS_CLASS[c.to]}">${c.to}</span>` : '—'}</td>
                </tr>`,
              )}
          </table>`,
      )}
    </div>`,
    compareEl,
  );
  compareEl.hidden = false;
  bodyEl.hidden = true;
  toolbarEl.hidden = true;
  renderSummary();
  rendered('comparison', started);
}

function selectById(id: string): void {
  const c = report?.controls.find((x: PanelControl) => x.id === id);
  if (c) select(c.key, true);
}

renderSummary();
renderDetail();
post({ type: 'ready' });
