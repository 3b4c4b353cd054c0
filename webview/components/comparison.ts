// The comparison of two runs: status changes by kind, result-level changes, the compliance change.
// It replaces the list and the detail while shown; a click on a change shows that control in the report.
import { html, nothing } from 'lit';
import type { PanelComparison } from '../../src/protocol/messages';
import type { PanelState } from '../store';
import { complianceBand } from '../viewModel';
import { STATUS_CLASS, fmtPercent } from './labels';
import { StoreElement } from './storeElement';

const KIND_LABEL: Readonly<Record<string, string>> = {
  newFailure: 'New failures',
  fixed: 'Fixed',
  statusChange: 'Other status changes',
  added: 'Added controls',
  removed: 'Removed controls',
  resultsChanged: 'Result-level changes (same status)',
};

export class KcComparison extends StoreElement<{ comparison: PanelComparison | undefined; shown: boolean }> {
  protected pick(s: PanelState) {
    return { comparison: s.comparison, shown: s.showComparison };
  }

  private content(cmp: PanelComparison) {
    const kinds = Object.keys(KIND_LABEL).filter((k) => cmp.changes.some((c) => c.kind === k));
    return html`<div class="compare">
      <div class="compare-head">
        <h2>${cmp.oldLabel} → ${cmp.newLabel}</h2>
        <span class="band-${complianceBand(cmp.oldCompliance)}">${fmtPercent(cmp.oldCompliance)}</span> →
        <span class="band-${complianceBand(cmp.newCompliance)}">${fmtPercent(cmp.newCompliance)}</span>
        <vscode-button secondary @click=${() => this.app.showComparison(false)}>Back to the report</vscode-button>
      </div>
      <p class="muted">${cmp.changes.filter((c) => c.from !== c.to).length} controls changed status · ${cmp.controlsWithResultChanges} controls with result-level changes</p>
      ${cmp.changes.length === 0 ? html`<p>No control changed.</p>` : nothing}
      ${kinds.map(
        (k) => html`<h3>${KIND_LABEL[k]} (${cmp.changes.filter((c) => c.kind === k).length})</h3>
          <table class="changes">
            ${cmp.changes
              .filter((c) => c.kind === k)
              .map(
                (c) => html`<tr class="change" @click=${() => this.app.selectById(c.id)}>
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
    </div>`;
  }

  protected override render() {
    const { comparison, shown } = this.slice;
    return html`<section class="compare-pane" ?hidden=${!shown}>${comparison ? this.content(comparison) : nothing}</section>`;
  }
}
customElements.define('kc-comparison', KcComparison);
