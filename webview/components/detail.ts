// The chosen control: status, title, source link (and what opening it answered), descriptions, results, tags
// and code. The heavy part (descriptions, results, code) arrives from the host on demand (`getDetail`).
import { html, nothing, type TemplateResult } from 'lit';
import type { OpenSourceResult, PanelControl, PanelControlDetail, PanelReport } from '../../src/protocol/messages';
import { selectedControl, type DetailEntry, type PanelState } from '../store';
import { RESULT_ICON, STATUS_CLASS, STATUS_ICON } from './labels';
import { StoreElement } from './storeElement';

function descLabel(label: string): string {
  if (label === 'default') return 'Description';
  if (label === 'check') return 'Check';
  if (label === 'fix') return 'Fix';
  return label.charAt(0).toUpperCase() + label.slice(1);
}

export class KcDetail extends StoreElement<{ report: PanelReport | undefined; control: PanelControl | undefined; entry: DetailEntry | undefined; note: OpenSourceResult | undefined }> {
  protected pick(s: PanelState) {
    const control = selectedControl(s);
    return {
      report: s.report,
      control,
      entry: control ? s.details.get(control.key) : undefined,
      note: control && s.sourceNote?.key === control.key ? s.sourceNote.result : undefined,
    };
  }

  private body(c: PanelControl, d: PanelControlDetail): TemplateResult {
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
                ? html`<button class="link code-desc" title="Open the control's source" @click=${() => void this.app.openSource(c.key, i)}>${r.codeDesc}</button>`
                : html`<span class="code-desc">${r.codeDesc}</span>`}
              ${r.message ? html`<pre class="message">${r.message}</pre>` : nothing}
              ${r.backtrace?.length ? html`<details><summary>Backtrace</summary><pre class="message">${r.backtrace.join('\n')}</pre></details>` : nothing}
            </div>
          </li>`,
        )}
      </ul>`;
  }

  private content(): TemplateResult | typeof nothing {
    const { report, control: c, entry, note } = this.slice;
    if (!c) return report ? html`<div class="empty">Choose a control to see its detail.</div>` : nothing;
    const d = entry && 'detail' in entry ? entry.detail : undefined;
    const notFound = note && !note.opened;
    return html`<div class="detail">
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
        <button class="link" title="Open the control's source" @click=${() => void this.app.openSource(c.key)}>
          <span class="codicon codicon-go-to-file"></span> ${c.sourceRef ? `${c.sourceRef}${c.sourceLine ? `:${c.sourceLine}` : ''}` : c.file}
        </button>
        ${note ? html`<span class=${note.opened ? 'muted' : 'warning-text'}>${note.opened ? `Opened ${note.path ?? ''}${note.line ? `:${note.line}` : ''}` : note.message ?? 'Source not found in the workspace.'}</span>` : nothing}
      </div>
      ${c.waived && c.waiverJustification ? html`<p class="muted">Waiver: ${c.waiverJustification}</p>` : nothing}
      ${entry === undefined
        ? html`<p class="muted loading">Loading…</p>`
        : 'error' in entry
          ? html`<p class="warning-text">Could not load the detail: ${entry.error}</p>`
          : this.body(c, entry.detail)}
      ${c.tags.length
        ? html`<h3>Tags</h3>
            <table class="tags">
              ${c.tags.map(([k, v]) => html`<tr><th>${k}</th><td>${v}</td></tr>`)}
            </table>`
        : nothing}
      ${d
        ? html`<details class="code" ?open=${!!notFound}>
            <summary>Code${notFound ? ' (embedded in the report)' : ''}</summary>
            ${notFound ? html`<button class="link" @click=${() => this.app.showCode(c.key)}><span class="codicon codicon-go-to-file"></span> Open this code in an editor</button>` : nothing}
            <pre>${d.code}</pre>
          </details>`
        : nothing}
    </div>`;
  }

  protected override render() {
    return html`<section class="detail-pane" aria-label="Control detail">${this.content()}</section>`;
  }
}
customElements.define('kc-detail', KcDetail);
