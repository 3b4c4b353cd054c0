// The toolbar: free-text filter, status and severity filters, sort, order, group by file, and the count.
import { html, nothing } from 'lit';
import { CONTROL_STATUSES, SEVERITIES, SORT_KEYS, type ControlStatus, type PanelFilter, type PanelReport, type Severity, type SortKey } from '../../src/protocol/messages';
import type { PanelState } from '../store';
import { SORT_LABEL } from './labels';
import { StoreElement } from './storeElement';

const valueOf = <T>(e: Event): T => (e.target as unknown as { value: T }).value;

export class KcToolbar extends StoreElement<{ report: PanelReport | undefined; filter: PanelFilter; matching: number; hidden: boolean }> {
  protected pick(s: PanelState) {
    return { report: s.report, filter: s.filter, matching: s.matching.length, hidden: s.showComparison };
  }

  protected override render() {
    const { report, filter, matching, hidden } = this.slice;
    const apply = (patch: PanelFilter) => this.app.applyFilter(patch);
    return html`<div class="toolbar" ?hidden=${hidden}>
      ${report
        ? html`<vscode-textfield class="search" placeholder="Filter: text, nist:AC-6, cci:CCI-000366, tag:gid=V-1" .value=${filter.text ?? ''} @input=${(e: Event) => apply({ text: valueOf<string>(e) })} aria-label="Filter controls">
              <span slot="content-before" class="codicon codicon-filter"></span>
            </vscode-textfield>
            <span class="field-label">Status</span>
            <vscode-multi-select class="statuses" aria-label="Statuses" .value=${[...(filter.statuses ?? [])]} @change=${(e: Event) => apply({ statuses: valueOf<ControlStatus[]>(e) })}>
              ${CONTROL_STATUSES.map((s) => html`<vscode-option value=${s}>${s}</vscode-option>`)}
            </vscode-multi-select>
            <span class="field-label">Severity</span>
            <vscode-multi-select class="severities" aria-label="Severities" .value=${[...(filter.severities ?? [])]} @change=${(e: Event) => apply({ severities: valueOf<Severity[]>(e) })}>
              ${SEVERITIES.map((s) => html`<vscode-option value=${s}>${s}</vscode-option>`)}
            </vscode-multi-select>
            <vscode-single-select class="sort" aria-label="Sort by" .value=${filter.sort ?? 'id'} @change=${(e: Event) => apply({ sort: valueOf<SortKey>(e) })}>
              ${SORT_KEYS.map((k) => html`<vscode-option value=${k}>Sort: ${SORT_LABEL[k]}</vscode-option>`)}
            </vscode-single-select>
            <button class="icon-button" title=${filter.descending ? 'Descending' : 'Ascending'} aria-label="Reverse the order" @click=${() => apply({ descending: !filter.descending })}>
              <span class="codicon codicon-${filter.descending ? 'arrow-down' : 'arrow-up'}"></span>
            </button>
            <vscode-checkbox label="Group by file" .checked=${!!filter.groupByFile} @change=${(e: Event) => apply({ groupByFile: (e.target as HTMLInputElement).checked })}></vscode-checkbox>
            <span class="count">${matching} of ${report.controls.length}</span>`
        : nothing}
    </div>`;
  }
}
customElements.define('kc-toolbar', KcToolbar);
