// The history and drift page of one target, rendered on the host (no vscode import: unit-tested as is), like the
// fleet report. Strict CSP: nothing by default, its one style block and one script only with the nonce; no request
// leaves the page (the chart is inline SVG). Every text from the index and the reports is escaped. Colours come from
// the theme's variables (light, dark and high contrast), and nothing is told by colour alone: each point has its
// percentage in its tooltip and the runs table repeats every value as text.
import { chartGeometry } from '../../core/history/chart';
import type { Drift, ResultSide } from '../../core/history/drift';
import { betweenText } from '../../core/history/format';
import type { HistoryEntry } from '../../core/history/indexFormat';
import type { TimelinePoint } from '../../core/history/timeline';
import type { StatusChange } from '../../core/results/types';
import { escapeHtml, strictPage } from '../../platform/strictPage';

const esc = escapeHtml;

export interface HistoryPageModel {
  /** The target's label, e.g. `shop/Deployment/web/app`. */
  readonly title: string;
  /** Newest first. */
  readonly entries: readonly HistoryEntry[];
  /** Ids of runs whose report file is gone (removed by hand, or by retention elsewhere). */
  readonly missingReports: ReadonlySet<string>;
  readonly points: readonly TimelinePoint[];
  /** Further charts: the workload (all its containers) and the namespace, each the rollup of its targets' last runs. */
  readonly scopes?: ReadonlyArray<{ readonly title: string; readonly points: readonly TimelinePoint[] }>;
  readonly fromId?: string;
  readonly toId?: string;
  readonly drift?: Drift;
  /** Why there is no drift (one run only, a report missing). */
  readonly driftNote?: string;
  /** Problems with the history index itself. */
  readonly problems: readonly string[];
}

function chart(points: readonly TimelinePoint[], id = 'chart-title'): string {
  if (!points.length) return '<p>No run of this target is in the history yet.</p>';
  const g = chartGeometry(points);
  const grid = g.yTicks.map((t) => `<line class="grid" x1="44" x2="${g.width - 16}" y1="${t.y}" y2="${t.y}"/><text class="axis" x="38" y="${t.y + 4}" text-anchor="end">${t.label}</text>`).join('');
  const xs = g.xLabels.map((l) => `<text class="axis" x="${l.x}" y="${g.height - 8}" text-anchor="${l.anchor}">${esc(l.label)}</text>`).join('');
  const dots = g.dots.map((d) => `<circle class="dot" cx="${d.x}" cy="${d.y}" r="4" data-run="${esc(d.runId)}"><title>${esc(d.label)}</title></circle>`).join('');
  return `<svg class="chart" role="img" aria-labelledby="${id}" viewBox="0 0 ${g.width} ${g.height}" width="${g.width}" height="${g.height}"><title id="${id}">Compliance over time: ${esc(g.dots.map((d) => `${d.compliance}%`).join(', '))}</title>${grid}${xs}<path class="line" d="${esc(g.path)}"/>${dots}</svg>`;
}

const short = (s: string | undefined, n = 19): string => (s ? (s.length > n ? `${s.slice(0, n)}…` : s) : '—');

function runsTable(m: HistoryPageModel): string {
  const rows = m.entries
    .map((e) => {
      const s = e.byStatus;
      const missing = m.missingReports.has(e.id);
      return `<tr data-run="${esc(e.id)}"><td><input type="radio" name="from" value="${esc(e.id)}" aria-label="compare from this run" ${e.id === m.fromId ? 'checked' : ''} ${missing ? 'disabled' : ''}></td><td><input type="radio" name="to" value="${esc(e.id)}" aria-label="compare to this run" ${e.id === m.toId ? 'checked' : ''} ${missing ? 'disabled' : ''}></td><td>${esc(e.at.slice(0, 19).replace('T', ' '))}</td><td>${esc(e.target.pod)}</td><td class="num">${e.compliance}%</td><td class="num">${s.Passed}</td><td class="num">${s.Failed}</td><td class="num">${s['Not Reviewed']}</td><td class="num">${s['Profile Error']}</td><td class="num">${s['Not Applicable']}</td><td title="${esc(e.imageDigest ?? '')}">${esc(short(e.imageDigest))}</td><td>${esc(e.profile.name ?? e.profile.location)} ${esc(e.profile.version ?? '')}</td><td>${missing ? '<span class="error">report missing</span>' : `<a href="#" data-open="${esc(e.id)}">open</a>`}</td></tr>`;
    })
    .join('');
  return `<table class="runs" aria-label="Runs"><thead><tr><th>From</th><th>To</th><th>Started (UTC)</th><th>Pod</th><th class="num">Compliance</th><th class="num">Passed</th><th class="num">Failed</th><th class="num">Not reviewed</th><th class="num">Profile error</th><th class="num">N/A</th><th>Image digest</th><th>Profile</th><th>Report</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function changes(title: string, id: string, list: readonly StatusChange[]): string {
  if (!list.length) return '';
  return `<h3 id="${id}">${esc(title)} (${list.length})</h3><table class="changes"><thead><tr><th>Control</th><th>Was</th><th>Now</th><th>Severity</th><th>Title</th></tr></thead><tbody>${list
    .map((s) => `<tr><td>${esc(s.id)}</td><td>${esc(s.from)}</td><td>${esc(s.to)}</td><td>${esc(s.severity)}</td><td>${esc(s.title ?? '')}</td></tr>`)
    .join('')}</tbody></table>`;
}

const side = (r: ResultSide | undefined): string => (r ? `<div class="status ${esc(r.status)}">${esc(r.status)}</div><div class="code">${esc(r.codeDesc)}</div>${r.message ? `<pre>${esc(r.message)}</pre>` : ''}` : '<div class="note">absent</div>');

function driftSection(m: HistoryPageModel): string {
  const d = m.drift;
  if (!d) return `<p id="drift-note">${esc(m.driftNote ?? 'Choose two runs to compare.')}</p>`;
  const sign = d.compliance.delta > 0 ? '+' : '';
  return `<p id="drift-summary">Compliance ${d.compliance.from}% → ${d.compliance.to}% (${sign}${d.compliance.delta}) · ${d.newFailures.length} new failures · ${d.fixed.length} fixed · ${d.regressed.length} regressed · ${d.otherStatusChanges.length} other status changes · ${d.added.length} added · ${d.removed.length} removed</p>
${d.warnings.map((w) => `<p class="warning">${esc(w)}</p>`).join('')}
${d.between.length ? `<h3 id="between">Changed between the runs</h3><ul>${d.between.map((b) => `<li>${esc(betweenText(b))}</li>`).join('')}</ul>` : '<p id="between">Nothing recorded changed between the runs (image digest, pod template hash, profile, inputs).</p>'}
${changes('New failures', 'new-failures', d.newFailures)}${changes('Fixed', 'fixed', d.fixed)}${changes('Regressed', 'regressed', d.regressed)}${changes('Other status changes', 'other', d.otherStatusChanges)}
${d.added.length ? `<h3 id="added">Added controls (${d.added.length})</h3><ul>${d.added.map((a) => `<li>${esc(a.id)} (${esc(a.status)})</li>`).join('')}</ul>` : ''}
${d.removed.length ? `<h3 id="removed">Removed controls (${d.removed.length})</h3><ul>${d.removed.map((a) => `<li>${esc(a.id)} (${esc(a.status)})</li>`).join('')}</ul>` : ''}
${
  d.resultDiffs.length
    ? `<h3 id="results">Results that differ (${d.resultDiffs.length} controls)</h3><table class="results"><thead><tr><th>Control</th><th>Change</th><th>Was</th><th>Now</th></tr></thead><tbody>${d.resultDiffs
        .flatMap((c) => c.results.map((r) => `<tr><td>${esc(c.id)}</td><td>${esc(r.change)}</td><td class="side">${side(r.from)}</td><td class="side">${side(r.to)}</td></tr>`))
        .join('')}</tbody></table>`
    : ''
}`;
}

export function renderHistoryPage(m: HistoryPageModel, nonce: string): string {
  return strictPage({
    nonce,
    css: `
th, td { vertical-align: top; }
.chart .grid { stroke: var(--vscode-editorWidget-border, var(--vscode-panel-border)); stroke-width: 1; }
.chart .axis { fill: var(--vscode-descriptionForeground); font-size: 11px; }
.chart .line { fill: none; stroke: var(--vscode-charts-blue); stroke-width: 2; }
.chart .dot { fill: var(--vscode-editor-background); stroke: var(--vscode-charts-blue); stroke-width: 2; }
body.vscode-high-contrast .chart .line, body.vscode-high-contrast-light .chart .line { stroke: var(--vscode-contrastActiveBorder, var(--vscode-foreground)); stroke-width: 3; }
body.vscode-high-contrast .chart .dot, body.vscode-high-contrast-light .chart .dot { stroke: var(--vscode-contrastActiveBorder, var(--vscode-foreground)); }
body.vscode-high-contrast .chart .grid, body.vscode-high-contrast-light .chart .grid { stroke: var(--vscode-contrastBorder); }
.status.passed { color: var(--vscode-testing-iconPassed); } .status.failed { color: var(--vscode-testing-iconFailed); }
.status.error, .error { color: var(--vscode-errorForeground); } .note, .status.skipped { color: var(--vscode-descriptionForeground); }
.warning { border-left: 3px solid var(--vscode-editorWarning-foreground); padding-left: 8px; }
td.side { max-width: 40vw; } pre { white-space: pre-wrap; margin: 2px 0; font-family: var(--vscode-editor-font-family); }
a { color: var(--vscode-textLink-foreground); }
`,
    body: `
<h1>History of ${esc(m.title)}</h1>
${m.problems.map((p) => `<p class="warning">${esc(p)}</p>`).join('')}
<h2>Compliance over time</h2>
${chart(m.points)}
${(m.scopes ?? []).map((s, i) => `<h3>${esc(s.title)}</h3>${chart(s.points, `chart-title-${i}`)}`).join('')}
<h2>Runs</h2>
${runsTable(m)}
<h2>Drift</h2>
${driftSection(m)}
`,
    script: `
const vscode = acquireVsCodeApi();
document.addEventListener('change', () => {
  const from = document.querySelector('input[name="from"]:checked');
  const to = document.querySelector('input[name="to"]:checked');
  if (from && to) vscode.postMessage({ type: 'compare', from: from.value, to: to.value });
});
document.addEventListener('click', (e) => {
  const a = e.target instanceof Element ? e.target.closest('a[data-open]') : null;
  if (!a) return;
  e.preventDefault();
  vscode.postMessage({ type: 'open', run: a.getAttribute('data-open') });
});
`,
  });
}
