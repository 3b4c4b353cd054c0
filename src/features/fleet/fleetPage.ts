// The fleet report page, rendered on the host (no vscode import: unit-tested as is). Strict CSP: nothing by default,
// its one style block and one script only with the nonce; every text from the index and the reports is escaped.
import { itemKey, type FleetIndex } from '../../core/fleet/indexFormat';
import type { FleetRollup, RollupCounts, RollupNode } from '../../core/fleet/rollup';
import type { ControlStatus } from '../../core/results/types';
import { escapeHtml, strictPage } from '../../platform/strictPage';

const esc = escapeHtml;

const STATUS_CLASS: Record<ControlStatus, string> = { Passed: 'passed', Failed: 'failed', 'Not Applicable': 'na', 'Not Reviewed': 'nr', 'Profile Error': 'error' };

function countsCells(c: RollupCounts): string {
  const s = c.byStatus;
  return `<td class="num">${c.reported ? `${c.compliance}%` : '—'}</td><td class="num passed">${s.Passed}</td><td class="num failed">${s.Failed}</td><td class="num na">${s['Not Applicable']}</td><td class="num nr">${s['Not Reviewed']}</td><td class="num error">${s['Profile Error']}</td><td class="num">${c.reported}/${c.containers}</td>`;
}

function nodeRows(n: RollupNode, depth: number): string {
  const item = n.item;
  const label = item
    ? `<a href="#" data-key="${esc(itemKey(item))}" ${item.outcome === 'done' ? '' : 'aria-disabled="true"'}>${esc(n.name)}</a>${item.scannedAs ? ` <span class="note">scanned as ${esc(item.scannedAs)}</span>` : ''}${item.outcome !== 'done' ? ` <span class="outcome ${esc(item.outcome)}">${esc(item.outcome)}</span>` : ''}${item.message && item.outcome !== 'done' ? `<div class="note">${esc(item.message)}</div>` : ''}${n.reportError ? `<div class="note">${esc(n.reportError)}</div>` : ''}`
    : esc(n.name);
  const row = `<tr class="level-${n.level}" data-level="${n.level}"><td class="name depth-${Math.min(depth, 4)}">${label}</td>${countsCells(n.counts)}</tr>`;
  return row + n.children.map((c) => nodeRows(c, depth + 1)).join('');
}

/** The page (exported for unit tests): rollup table, matrix, and the drill-down script. */
export function renderFleetPage(index: FleetIndex, rollup: FleetRollup, indexPath: string, nonce: string): string {
  const m = rollup.matrix;
  const matrix = m.rows.length
    ? `<table class="matrix" aria-label="Controls by container"><thead><tr><th>Control</th><th>Severity</th><th class="num">Failing</th>${m.containers.map((c) => `<th class="vertical"><a href="#" data-key="${esc(c.key)}">${esc(c.label)}</a></th>`).join('')}</tr></thead><tbody>${m.rows
        .map(
          (r) =>
            `<tr><td title="${esc(r.title)}">${esc(r.id)}</td><td>${esc(r.severity)}</td><td class="num">${r.failed + r.profileError}</td>${r.statuses.map((s) => `<td class="cell ${s ? STATUS_CLASS[s] : 'absent'}" title="${esc(s ?? 'not in this report')}">${s ? esc(s[0]) : ''}</td>`).join('')}</tr>`,
        )
        .join('')}</tbody></table>`
    : '<p>No container has a report yet.</p>';
  const t = rollup.total;
  return strictPage({
    nonce,
    css: `
td.name.depth-1 { padding-left: 24px; } td.name.depth-2 { padding-left: 40px; } td.name.depth-3 { padding-left: 56px; } td.name.depth-4 { padding-left: 72px; }
.passed { color: var(--vscode-testing-iconPassed); } .failed { color: var(--vscode-testing-iconFailed); }
.error { color: var(--vscode-errorForeground); } .na, .nr, .note { color: var(--vscode-descriptionForeground); }
.note { font-size: 90%; } .outcome { font-size: 90%; padding: 0 4px; border: 1px solid currentColor; border-radius: 3px; }
tr.level-cluster, tr.level-namespace { font-weight: 600; }
td.cell { text-align: center; } td.cell.failed, td.cell.error { font-weight: 700; }
th.vertical { writing-mode: vertical-rl; transform: rotate(180deg); font-weight: normal; }
a { color: var(--vscode-textLink-foreground); } a[aria-disabled="true"] { color: inherit; pointer-events: none; text-decoration: none; }
`,
    body: `
<h1>Fleet compliance: <span id="compliance">${t.reported ? `${t.compliance}%` : '—'}</span></h1>
<p id="summary">${t.containers} container(s): ${t.outcomes.done} scanned, ${t.outcomes.failed} failed, ${t.outcomes.skipped} not scannable${t.outcomes.cancelled ? `, ${t.outcomes.cancelled} cancelled` : ''}${index.complete ? '' : ' — the run did not finish'}. Profile ${esc(index.profile.location)} (${esc(index.profile.hash.slice(0, 19))}…), ${index.dedupe === 'image' ? 'one scan per image' : 'every container scanned'}. Index: ${esc(indexPath)}</p>
${rollup.reportErrors.length ? `<p class="error">${rollup.reportErrors.map(esc).join('<br>')}</p>` : ''}
<p><button id="export" type="button" title="STIG checklist (CKL, CKLB), XCCDF results, SAF CSV or an HTML report of every container">Checklist…</button></p>
<h2>By namespace, workload and container</h2>
<table class="rollup" aria-label="Rollup"><thead><tr><th>Where</th><th class="num">Compliance</th><th class="num">Passed</th><th class="num">Failed</th><th class="num">N/A</th><th class="num">Not reviewed</th><th class="num">Profile error</th><th class="num">Reported</th></tr></thead>
<tbody>${rollup.clusters.map((c) => nodeRows(c, 0)).join('')}</tbody></table>
<h2>Controls × containers</h2>
${matrix}
`,
    script: `
const vscode = acquireVsCodeApi();
document.addEventListener('click', (e) => {
  if (e.target instanceof Element && e.target.closest('#export')) {
    vscode.postMessage({ type: 'export' });
    return;
  }
  const a = e.target instanceof Element ? e.target.closest('a[data-key]') : null;
  if (!a) return;
  e.preventDefault();
  vscode.postMessage({ type: 'open', key: a.getAttribute('data-key') });
});
`,
  });
}

