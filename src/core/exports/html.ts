import { profileLabel, summarizeControls } from '../results/summary';
import type { Control, ControlStatus } from '../results/types';
import { CONTROL_STATUSES, SEVERITIES } from '../results/types';
import { htmlText, type ExportEntry } from './common';
import type { Reconciliation } from './reconcile';

/**
 * A self-contained HTML report (what Heimdall's HTML export gives reviewers): an executive summary (compliance as
 * Heimdall computes it, counts by status and severity, per container) and per-control detail (descriptions, tags,
 * every result). One file, no script, styles inline, and a Content-Security-Policy of `default-src 'none'` so a
 * browser makes no request at all, not even for a report string that looks like a URL. Report text is escaped.
 */

const e = htmlText;

const STATUS_CLASS: Record<ControlStatus, string> = {
  Passed: 'passed',
  Failed: 'failed',
  'Not Applicable': 'na',
  'Not Reviewed': 'nr',
  'Profile Error': 'pe',
};

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem;color:#1b1b1b;background:#fff}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}h3{font-size:1rem}
table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
.num{text-align:right}.compliance{font-size:2rem;font-weight:700}
.low{color:#b00020}.medium{color:#8a6d00}.high{color:#1b7f3a}
.status{display:inline-block;padding:0 .4rem;border-radius:3px;color:#fff;font-weight:600}
.passed{background:#1b7f3a}.failed{background:#b00020}.na{background:#0277bd}.nr{background:#b26a00}.pe{background:#4b0082}
details{border:1px solid #ddd;margin:.25rem 0;padding:.25rem .5rem}summary{cursor:pointer}
pre{white-space:pre-wrap;word-break:break-word;background:#f6f6f6;padding:.5rem}
.note{background:#fff4e5;border-left:4px solid #b26a00;padding:.5rem}
`;

function statusBadge(s: ControlStatus): string {
  return `<span class="status ${STATUS_CLASS[s]}">${e(s)}</span>`;
}

function summaryTable(controls: readonly Control[]): string {
  const s = summarizeControls(controls);
  const head = `<tr><th>Status</th><th>Total</th>${SEVERITIES.map((v) => `<th>${v}</th>`).join('')}</tr>`;
  const rows = CONTROL_STATUSES.map(
    (st) => `<tr><td>${statusBadge(st)}</td><td class="num">${s.byStatus[st]}</td>${SEVERITIES.map((v) => `<td class="num">${s.statusBySeverity[st][v]}</td>`).join('')}</tr>`,
  ).join('');
  return (
    `<p class="compliance ${s.complianceBand}">Compliance ${s.complianceExact.toFixed(1)}%</p>` +
    `<p>${s.passed} of ${s.passed + s.failed + s.notReviewed + s.profileError} counted controls passed (Not Applicable excluded; Heimdall's formula).</p>` +
    `<table>${head}${rows}</table>`
  );
}

function controlDetail(c: Control): string {
  const tags = Object.entries(c.tags)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `<tr><th>${e(k)}</th><td>${e(Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v))}</td></tr>`)
    .join('');
  const descs = c.descriptions.map((d) => `<h4>${e(d.label)}</h4><pre>${e(d.data)}</pre>`).join('');
  const results = c.results.length
    ? `<table><tr><th>Status</th><th>Test</th><th>Message</th></tr>${c.results
        .map((r) => `<tr><td>${e(r.status)}</td><td>${e(r.codeDesc)}</td><td><pre>${e([r.message ?? r.skipMessage ?? '', r.exception ?? ''].filter(Boolean).join('\n'))}</pre></td></tr>`)
        .join('')}</table>`
    : '<p>No results.</p>';
  return (
    `<details id="${e(`control-${c.key}`)}"><summary>${statusBadge(c.status)} <strong>${e(c.id)}</strong> (${e(c.severity)}) ${e(c.title ?? '')}</summary>` +
    (c.waived ? `<p class="note">Waived${c.waiver?.justification ? `: ${e(c.waiver.justification)}` : ''}</p>` : '') +
    descs +
    (tags ? `<h4>Tags</h4><table>${tags}</table>` : '') +
    `<h4>Results</h4>${results}</details>`
  );
}

const ORDER: Record<ControlStatus, number> = { Failed: 0, 'Profile Error': 1, 'Not Reviewed': 2, Passed: 3, 'Not Applicable': 4 };

function containerSection(entry: ExportEntry, note?: string): string {
  const r = entry.report;
  const p = r.profile;
  const target = [r.platform.name, r.platform.release].filter(Boolean).join(' ');
  const sorted = [...r.controls].sort((a, b) => ORDER[a.status] - ORDER[b.status] || SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
  return (
    `<section><h2>${e(entry.label)}</h2>` +
    `<p>Profile ${e(profileLabel(p))}${p.version ? ` ${e(p.version)}` : ''}${target ? ` · target ${e(target)}` : ''}` +
    `${entry.imageDigest ? ` · digest ${e(entry.imageDigest)}` : ''}${r.auditorVersion ? ` · auditor ${e(r.auditorVersion)}` : ''}</p>` +
    (note ? `<p class="note">${e(note)}</p>` : '') +
    summaryTable(r.controls) +
    `<h3>Controls (${r.controls.length})</h3>${sorted.map(controlDetail).join('')}</section>`
  );
}

export function toHtml(
  entries: readonly ExportEntry[],
  options: { title?: string; now?: Date; reconciliation?: Reconciliation } = {},
  notes: ReadonlyMap<string, string> = new Map(),
): string {
  const title = options.title ?? (entries.length === 1 ? `Compliance report — ${entries[0].label}` : `Compliance report — ${entries.length} containers`);
  const all = entries.flatMap((x) => x.report.controls);
  const perContainer =
    entries.length > 1
      ? `<table><tr><th>Container</th><th>Compliance</th>${CONTROL_STATUSES.map((s) => `<th>${e(s)}</th>`).join('')}</tr>${entries
          .map((x) => {
            const s = summarizeControls(x.report.controls);
            return `<tr><td><a href="#c${entries.indexOf(x)}">${e(x.label)}</a></td><td class="num ${s.complianceBand}">${s.compliance}%</td>${CONTROL_STATUSES.map((st) => `<td class="num">${s.byStatus[st]}</td>`).join('')}</tr>`;
          })
          .join('')}</table>`
      : '';
  const rec = options.reconciliation;
  const recHtml =
    rec && rec.discrepancies.length
      ? `<h2>Checklist vs Heimdall</h2><p>${rec.discrepancies.length} controls would have a different status in a STIG checklist (SAF CLI mapping) than in this count.</p><table><tr><th>Container</th><th>Control</th><th>Heimdall</th><th>Checklist</th><th>Why</th></tr>${rec.discrepancies
          .map((d) => `<tr><td>${e(d.container)}</td><td>${e(d.id)}</td><td>${e(d.heimdall)}</td><td>${e(d.checklist)}</td><td>${e(d.why)}</td></tr>`)
          .join('')}</table>`
      : '';
  return (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${e(title)}</title><style>${STYLE}</style></head><body>` +
    `<h1>${e(title)}</h1><p>Generated ${e((options.now ?? new Date()).toISOString())} by Kube Compliance.</p>` +
    `<h2>Executive summary</h2>${summaryTable(all)}${perContainer}${recHtml}` +
    entries.map((x, i) => containerSection(x, notes.get(x.label)).replace('<section>', `<section id="c${i}">`)).join('') +
    '</body></html>\n'
  );
}
