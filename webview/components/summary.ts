// The summary: compliance, facts about the run, status chips (a click filters), severity counts and the actions.
import { html, nothing, type TemplateResult } from 'lit';
import { CONTROL_STATUSES, SEVERITIES, type ControlStatus, type PanelReport } from '../../src/protocol/messages';
import type { PanelState } from '../store';
import { complianceBand } from '../viewModel';
import { STATUS_CLASS, STATUS_ICON, fmtPercent } from './labels';
import { StoreElement } from './storeElement';

function fact(name: string, value: string | undefined): TemplateResult | typeof nothing {
  return value ? html`<div><dt>${name}</dt><dd>${value}</dd></div>` : nothing;
}

export class KcSummary extends StoreElement<{ report: PanelReport | undefined; statuses: readonly ControlStatus[] | undefined; comparisonHidden: boolean }> {
  protected pick(s: PanelState) {
    return { report: s.report, statuses: s.filter.statuses, comparisonHidden: !!s.comparison && !s.showComparison };
  }

  private chip(s: ControlStatus, n: number): TemplateResult {
    const { statuses } = this.slice;
    const active = statuses?.length === 1 && statuses[0] === s;
    return html`<button class="chip status-${STATUS_CLASS[s]} ${active ? 'active' : ''}" title="Show only ${s}" @click=${() => this.app.applyFilter({ statuses: active ? [] : [s] })}>
      <span class="codicon codicon-${STATUS_ICON[s]}"></span> ${s} <strong>${n}</strong>
    </button>`;
  }

  protected override render() {
    const { report, comparisonHidden } = this.slice;
    if (!report) {
      return html`<header class="summary">
        <div class="empty">
          <p>No report is open.</p>
          <vscode-button @click=${() => this.app.run('openReport')}>Open Report…</vscode-button>
        </div>
      </header>`;
    }
    const s = report.summary;
    const band = complianceBand(s.compliance);
    const profiles = s.profiles.map((p) => `${p.title ?? p.name}${p.version ? ` ${p.version}` : ''}`).join(', ');
    return html`<header class="summary">
      <div class="compliance band-${band}" title="Passed / (Passed + Failed + Not Reviewed + Profile Error)">
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
        <div class="chips">${CONTROL_STATUSES.map((st) => this.chip(st, s.counts[st]))}</div>
        <div class="sev-counts">
          ${SEVERITIES.map(
            (sv) => html`<span class="sev sev-${sv}" title="${s.failedBySeverity[sv]} of ${s.severity[sv]} ${sv} controls failed or errored">${sv} <strong>${s.severity[sv]}</strong>${s.failedBySeverity[sv] ? html` <span class="sev-failed">(${s.failedBySeverity[sv]} failing)</span>` : nothing}</span>`,
          )}
        </div>
      </div>
      <div class="actions">
        <vscode-button secondary title="Export the controls as CSV" @click=${() => this.app.exportAs('csv')}><span class="codicon codicon-table"></span> CSV</vscode-button>
        <vscode-button secondary title="Export a Markdown summary" @click=${() => this.app.exportAs('markdown')}><span class="codicon codicon-markdown"></span> Markdown</vscode-button>
        <vscode-button secondary title="Copy the HDF JSON to the clipboard" @click=${() => this.app.exportAs('hdf')}><span class="codicon codicon-copy"></span> HDF</vscode-button>
        <vscode-button secondary title="Export a STIG checklist (CKL, CKLB), XCCDF results, SAF CSV or an HTML report" @click=${() => this.app.exportAs('compliance')}><span class="codicon codicon-checklist"></span> Checklist…</vscode-button>
        <vscode-button secondary title="Attest Not Reviewed controls (SAF CLI attestations, applied to every export)" @click=${() => this.app.exportAs('attestations')}><span class="codicon codicon-verified"></span> Attestations…</vscode-button>
        <vscode-button secondary title="Compare with another report" @click=${() => this.app.run('compareReports')}><span class="codicon codicon-diff"></span> Compare</vscode-button>
        ${comparisonHidden ? html`<vscode-button secondary @click=${() => this.app.showComparison(true)}>Show comparison</vscode-button>` : nothing}
      </div>
    </header>`;
  }
}
customElements.define('kc-summary', KcSummary);
