import { profileLabel, summarize } from './summary';
import type { Comparison, Control, ControlStatus, Report, StatusChange, Summary } from './types';
import { CONTROL_STATUSES, SEVERITIES } from './types';

/**
 * Text exports shared by the panel and the CLI: CSV (spreadsheets) and Markdown (CI step summaries, like
 * `saf summary --output-md`). Report text is untrusted: CSV cells are guarded against formula injection and Markdown
 * escapes HTML, so a title like `<img src=x onerror=alert(1)>` stays text wherever the Markdown is rendered.
 */

export const CSV_COLUMNS = [
  'Profile',
  'Control ID',
  'Title',
  'Status',
  'Severity',
  'Impact',
  'NIST',
  'CCI',
  'Passed results',
  'Failed results',
  'Skipped results',
  'Error results',
  'Messages',
  'Waived',
  'Source',
] as const;

function csvCell(v: string | number): string {
  let s = String(v);
  // A cell starting with = + - @ (or a tab / CR) would be a formula in Excel / Sheets.
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function resultMessages(c: Control): string {
  return c.results
    .filter((r) => r.status !== 'passed')
    .map((r) => {
      const text = r.status === 'skipped' ? r.skipMessage : r.message ?? r.exception;
      return `${r.status.toUpperCase()}: ${r.codeDesc}${text ? ` — ${text}` : ''}`;
    })
    .join('\n');
}

/** One row per (top-most) control, RFC 4180 (CRLF line ends, quoted where needed), with a header row. */
export function toCsv(report: Report): string {
  const rows: string[] = [CSV_COLUMNS.map(csvCell).join(',')];
  for (const c of report.controls) {
    const n = (s: string): number => c.results.filter((r) => r.status === s).length;
    rows.push(
      [
        c.profileName,
        c.id,
        c.title ?? '',
        c.status,
        c.severity,
        c.impact,
        c.nist.join(' '),
        c.cci.join(' '),
        n('passed'),
        n('failed'),
        n('skipped'),
        n('error'),
        resultMessages(c),
        c.waived ? 'yes' : 'no',
        c.sourceLocation ? `${c.sourceLocation.ref}:${c.sourceLocation.line}` : '',
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `${rows.join('\r\n')}\r\n`;
}

/** Escapes text for a Markdown table cell or line: HTML special characters, pipes, backticks, emphasis; newlines become spaces. */
export function mdText(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|#])/g, '\\$1')
    .replace(/\r?\n/g, ' ');
}

/** Severity columns, most severe first. */
const SEVERITY_COLUMNS = SEVERITIES;
const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
const pct = (n: number): string => `${Math.round(n)}%`;

function statusTable(s: Summary): string[] {
  const lines = [
    `| Status | Total | ${SEVERITY_COLUMNS.map(cap).join(' | ')} |`,
    `|---|--:|${SEVERITY_COLUMNS.map(() => '--:').join('|')}|`,
  ];
  for (const st of CONTROL_STATUSES) {
    lines.push(`| ${st} | ${s.byStatus[st]} | ${SEVERITY_COLUMNS.map((sev) => s.statusBySeverity[st][sev]).join(' | ')} |`);
  }
  lines.push(`| **Total** | **${s.controls}** | ${SEVERITY_COLUMNS.map((sev) => s.severity[sev]).join(' | ')} |`);
  return lines;
}

/** A Markdown summary of one report (for `$GITHUB_STEP_SUMMARY` and "copy summary"). `maxListed` caps the failure list. */
export function toMarkdownSummary(report: Report, options: { maxListed?: number } = {}): string {
  const max = options.maxListed ?? 50;
  const s = summarize(report);
  const p = report.profile;
  const counted = s.passed + s.failed + s.notReviewed + s.profileError;
  const target = [report.platform.name, report.platform.release].filter(Boolean).join(' ');
  const out: string[] = [
    `## ${mdText(profileLabel(p))}${p.version ? ` ${mdText(p.version)}` : ''}`,
    '',
    `**Compliance: ${s.compliance}%** (${s.passed} of ${counted} controls passed; Not Applicable excluded)`,
    '',
    [
      target ? `Target: ${mdText(target)}${report.platform.targetId ? ` (${mdText(report.platform.targetId)})` : ''}` : '',
      `Profile: ${mdText(p.name)}${p.version ? ` ${mdText(p.version)}` : ''}`,
      report.auditorVersion ? `Auditor: ${mdText(report.auditorVersion)}` : '',
      report.duration !== undefined ? `Duration: ${report.duration.toFixed(2)} s` : '',
    ]
      .filter(Boolean)
      .join(' · '),
    '',
    ...statusTable(s),
  ];
  const attention = report.controls.filter((c) => c.status === 'Failed' || c.status === 'Profile Error');
  if (attention.length) {
    const sorted = [...attention].sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity)); // most severe first
    out.push('', `### Failed and errored controls (${attention.length})`, '', '| Control | Status | Severity | Title |', '|---|---|---|---|');
    for (const c of sorted.slice(0, max)) out.push(`| ${mdText(c.id)} | ${c.status} | ${c.severity} | ${mdText(c.title ?? '')} |`);
    if (sorted.length > max) out.push('', `…and ${sorted.length - max} more.`);
  }
  return `${out.join('\n')}\n`;
}

function changeList(title: string, list: readonly StatusChange[], max: number): string[] {
  if (!list.length) return [];
  const out = ['', `### ${title} (${list.length})`, '', '| Control | Severity | Was | Now | Title |', '|---|---|---|---|---|'];
  for (const c of list.slice(0, max)) out.push(`| ${mdText(c.id)} | ${c.severity} | ${c.from} | ${c.to} | ${mdText(c.title ?? '')} |`);
  if (list.length > max) out.push('', `…and ${list.length - max} more.`);
  return out;
}

/** A Markdown report of `compareReports`. */
export function toMarkdownComparison(cmp: Comparison, options: { maxListed?: number } = {}): string {
  const max = options.maxListed ?? 100;
  const d = cmp.compliance.delta;
  const out = [
    '## Scan comparison',
    '',
    `**Compliance: ${pct(cmp.compliance.from)} → ${pct(cmp.compliance.to)}** (${d > 0 ? '+' : ''}${d} points)`,
    '',
    `${cmp.statusChanges.length} status changes (${cmp.newFailures.length} new failures, ${cmp.fixed.length} fixed, ${cmp.otherChanges.length} other) · ` +
      `${cmp.resultChanges.length} controls with result changes · ${cmp.added.length} added · ${cmp.removed.length} removed`,
    ...changeList('New failures', cmp.newFailures, max),
    ...changeList('Fixed', cmp.fixed, max),
    ...changeList('Other status changes', cmp.otherChanges, max),
  ];
  const listed = (title: string, list: ReadonlyArray<{ id: string; status: ControlStatus; title?: string }>): void => {
    if (!list.length) return;
    out.push('', `### ${title} (${list.length})`, '', '| Control | Status | Title |', '|---|---|---|');
    for (const c of list.slice(0, max)) out.push(`| ${mdText(c.id)} | ${c.status} | ${mdText(c.title ?? '')} |`);
    if (list.length > max) out.push('', `…and ${list.length - max} more.`);
  };
  listed('Added controls', cmp.added);
  listed('Removed controls', cmp.removed);
  if (cmp.resultChanges.length) {
    out.push('', `### Result changes (${cmp.resultChanges.length} controls)`, '', '| Control | Test | Was | Now |', '|---|---|---|---|');
    for (const c of cmp.resultChanges.slice(0, max)) {
      for (const r of c.changes) out.push(`| ${mdText(c.id)} | ${mdText(r.codeDesc)} | ${r.from ?? '—'} | ${r.to ?? '—'} |`);
    }
    if (cmp.resultChanges.length > max) out.push('', `…and ${cmp.resultChanges.length - max} more controls.`);
  }
  return `${out.join('\n')}\n`;
}
