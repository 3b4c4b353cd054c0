/**
 * Drift as text (the CLI) and Markdown: the same sections the panel's drift view shows, in the same order.
 */
import { mdText } from '../results/export';
import type { StatusChange } from '../results/types';
import type { BetweenChange, Drift, ResultSide } from './drift';

const sign = (n: number): string => `${n > 0 ? '+' : ''}${n}`;

export function betweenText(b: BetweenChange): string {
  if (b.what === 'inputs') return `inputs: ${b.names?.join(', ')} changed`;
  return `${b.what}: ${b.from ?? '(unknown)'} → ${b.to ?? '(unknown)'}`;
}

const side = (r: ResultSide | undefined): string => (r ? `[${r.status}] ${r.codeDesc}${r.message ? ` — ${oneLine(r.message)}` : ''}` : '(absent)');
const oneLine = (s: string, max = 200): string => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};

/** Did anything change between the runs (status, results, controls, what ran)? */
export function hasDrift(d: Drift): boolean {
  return d.statusChanges.length + d.resultDiffs.length + d.added.length + d.removed.length + d.between.length > 0;
}

/** Plain text, `indent` in front of every line (the fleet compare nests it under a container). */
export function driftText(d: Drift, indent = ''): string {
  const lines = [
    `Compliance ${d.compliance.from}% → ${d.compliance.to}% (${sign(d.compliance.delta)})`,
    `${d.statusChanges.length} status changes: ${d.newFailures.length} new failures, ${d.fixed.length} fixed, ${d.otherChanges.length} other; ` +
      `${d.resultChanges.length} controls with result changes; ${d.added.length} added, ${d.removed.length} removed`,
    `${d.regressed.length} regressed (Passed → Not Reviewed or Profile Error); ${d.resultDiffs.length} controls whose results differ in status or message`,
  ];
  for (const w of d.warnings) lines.push(`Note: ${w}`);
  if (d.between.length) lines.push('', 'Changed between the runs:', ...d.between.map((b) => `  ${betweenText(b)}`));
  const changes = (title: string, list: readonly StatusChange[]) => {
    if (list.length) lines.push('', `${title}:`, ...list.map((s) => `  ${s.id}  ${s.from} → ${s.to}  (${s.severity})${s.title ? `  ${oneLine(s.title, 100)}` : ''}`));
  };
  changes('New failures', d.newFailures);
  changes('Fixed', d.fixed);
  changes('Regressed', d.regressed);
  changes('Other status changes', d.otherStatusChanges);
  if (d.added.length) lines.push('', 'Added controls:', ...d.added.map((a) => `  ${a.id}  ${a.status}`));
  if (d.removed.length) lines.push('', 'Removed controls:', ...d.removed.map((a) => `  ${a.id}  ${a.status}`));
  if (d.resultDiffs.length) {
    lines.push('', 'Results that differ (was | now):');
    for (const c of d.resultDiffs) {
      lines.push(`  ${c.id}  ${c.fromStatus === c.toStatus ? c.toStatus : `${c.fromStatus} → ${c.toStatus}`}`);
      for (const r of c.results) lines.push(`    ${r.change}:`, `      was: ${side(r.from)}`, `      now: ${side(r.to)}`);
    }
  }
  return `${lines.map((l) => (l ? `${indent}${l}` : l)).join('\n')}\n`;
}

/** Markdown; `level` is the heading's level (sections one below). */
export function driftMarkdown(d: Drift, title = 'Drift', level = 2): string {
  const h = '#'.repeat(level + 1);
  const out = [
    `${'#'.repeat(level)} ${title}`,
    '',
    `**Compliance: ${d.compliance.from}% → ${d.compliance.to}%** (${sign(d.compliance.delta)} points) · ${d.newFailures.length} new failures · ${d.fixed.length} fixed · ${d.regressed.length} regressed · ` +
      `${d.otherStatusChanges.length} other · ${d.added.length} added · ${d.removed.length} removed`,
  ];
  for (const w of d.warnings) out.push('', `> ${mdText(w)}`);
  if (d.between.length) out.push('', '**Changed between the runs:**', '', ...d.between.map((b) => `- ${mdText(betweenText(b))}`));
  const table = (title: string, list: readonly StatusChange[]) => {
    if (!list.length) return;
    out.push('', `${h} ${title} (${list.length})`, '', '| Control | Was | Now | Severity | Title |', '|---|---|---|---|---|');
    for (const s of list) out.push(`| ${mdText(s.id)} | ${s.from} | ${s.to} | ${s.severity} | ${mdText(s.title ?? '')} |`);
  };
  table('New failures', d.newFailures);
  table('Fixed', d.fixed);
  table('Regressed', d.regressed);
  table('Other status changes', d.otherStatusChanges);
  if (d.added.length) out.push('', `${h} Added controls (${d.added.length})`, '', ...d.added.map((a) => `- ${mdText(a.id)} (${a.status})`));
  if (d.removed.length) out.push('', `${h} Removed controls (${d.removed.length})`, '', ...d.removed.map((a) => `- ${mdText(a.id)} (${a.status})`));
  if (d.resultDiffs.length) {
    out.push('', `${h} Results that differ (${d.resultDiffs.length} controls)`, '', '| Control | Change | Was | Now |', '|---|---|---|---|');
    for (const c of d.resultDiffs) for (const r of c.results) out.push(`| ${mdText(c.id)} | ${r.change} | ${mdText(side(r.from))} | ${mdText(side(r.to))} |`);
  }
  return `${out.join('\n')}\n`;
}
