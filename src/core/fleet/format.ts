/**
 * The fleet rollup and comparison as text, Markdown (a CI step summary) and JSON, for the CLI and exports. Report
 * text is untrusted: Markdown cells go through the results model's `mdText`.
 */
import { driftMarkdown, driftText, hasDrift } from '../history/format';
import { mdText } from '../results';
import type { ContainerComparison, FleetComparison } from './compare';
import type { FleetIndex } from './indexFormat';
import type { FleetRollup, RollupCounts, RollupNode } from './rollup';

const pct = (c: RollupCounts): string => (c.reported ? `${c.compliance}%` : '—');
const counts = (c: RollupCounts): string =>
  `P ${c.byStatus.Passed} · F ${c.byStatus.Failed} · NA ${c.byStatus['Not Applicable']} · NR ${c.byStatus['Not Reviewed']} · PE ${c.byStatus['Profile Error']}`;
const outcomes = (c: RollupCounts): string =>
  (['done', 'failed', 'skipped', 'cancelled', 'queued', 'running'] as const)
    .filter((k) => c.outcomes[k] || k === 'done')
    .map((k) => `${k} ${c.outcomes[k]}`)
    .join(' · ');

function containerNote(n: RollupNode): string {
  const i = n.item!;
  if (n.reportError) return `report unusable: ${n.reportError}`;
  if (i.outcome !== 'done') return `${i.outcome}${i.message ? `: ${i.message}` : ''}`;
  return i.scannedAs ? `scanned as ${i.scannedAs}` : '';
}

function* walk(nodes: readonly RollupNode[], depth = 0): Generator<[RollupNode, number]> {
  for (const n of nodes) {
    yield [n, depth];
    yield* walk(n.children, depth + 1);
  }
}

/** Failing controls, worst first: `id (severity) fails in N of M containers`. */
function failing(r: FleetRollup, max: number): string[] {
  const m = r.matrix;
  return m.rows
    .filter((x) => x.failed > 0)
    .slice(0, max)
    .map((x) => `${x.id} (${x.severity}) fails in ${x.failed} of ${m.containers.length}: ${x.statuses.flatMap((s, i) => (s === 'Failed' ? [m.containers[i].label] : [])).join(', ')}`);
}

export function fleetSummaryText(index: FleetIndex, r: FleetRollup, o: { maxControls?: number } = {}): string {
  const t = r.total;
  const lines = [
    `Fleet of ${t.containers} containers — profile ${index.profile.location} (${index.profile.hash.slice(0, 19)}…), dedupe ${index.dedupe}${index.complete ? '' : ', run not finished'}`,
    `Compliance ${t.compliance}% (${t.byStatus.Passed} passed of ${t.byStatus.Passed + t.byStatus.Failed + t.byStatus['Not Reviewed'] + t.byStatus['Profile Error']} counted over ${t.reported} containers with a report; Not Applicable excluded)`,
    `Containers: ${outcomes(t)}`,
    `Controls (summed over containers): Passed ${t.byStatus.Passed} · Failed ${t.byStatus.Failed} · Not Applicable ${t.byStatus['Not Applicable']} · Not Reviewed ${t.byStatus['Not Reviewed']} · Profile Error ${t.byStatus['Profile Error']}`,
    '',
  ];
  for (const [n, depth] of walk(r.clusters)) {
    const note = n.level === 'container' ? containerNote(n) : outcomes(n.counts);
    lines.push(`${'  '.repeat(depth)}${n.name}  ${pct(n.counts)}  ${counts(n.counts)}${note ? `  ${note}` : ''}`);
  }
  const f = failing(r, o.maxControls ?? 10);
  if (f.length) lines.push('', 'Most failed controls:', ...f.map((x) => `  ${x}`));
  return `${lines.join('\n')}\n`;
}

export function fleetSummaryMarkdown(index: FleetIndex, r: FleetRollup, o: { maxControls?: number } = {}): string {
  const t = r.total;
  const lines = [
    `## Fleet compliance: ${t.compliance}%`,
    '',
    `${t.containers} containers (${outcomes(t)}), profile \`${mdText(index.profile.location)}\`, dedupe \`${index.dedupe}\`${index.complete ? '' : ' — **the run did not finish**'}`,
    '',
    '| Level | Name | Compliance | Passed | Failed | N/A | Not Reviewed | Profile Error | Note |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [n, depth] of walk(r.clusters)) {
    const c = n.counts;
    const note = n.level === 'container' ? containerNote(n) : outcomes(c);
    lines.push(`| ${n.level} | ${'&nbsp;&nbsp;'.repeat(depth)}${mdText(n.name)} | ${pct(c)} | ${c.byStatus.Passed} | ${c.byStatus.Failed} | ${c.byStatus['Not Applicable']} | ${c.byStatus['Not Reviewed']} | ${c.byStatus['Profile Error']} | ${mdText(note)} |`);
  }
  const f = failing(r, o.maxControls ?? 20);
  if (f.length) lines.push('', `### Most failed controls`, '', ...f.map((x) => `- ${mdText(x)}`));
  return `${lines.join('\n')}\n`;
}

/** The summary's JSON: the single-report keys over the whole fleet, plus containers by outcome and the tree. */
export function fleetSummaryJson(r: FleetRollup): Record<string, unknown> {
  const t = r.total;
  const severity = { none: 0, low: 0, medium: 0, high: 0, critical: 0 };
  for (const bySev of Object.values(t.statusBySeverity)) for (const [k, v] of Object.entries(bySev)) severity[k as keyof typeof severity] += v;
  const node = (n: RollupNode): Record<string, unknown> => ({
    level: n.level,
    name: n.name,
    compliance: n.counts.compliance,
    passed: n.counts.byStatus.Passed,
    failed: n.counts.byStatus.Failed,
    notApplicable: n.counts.byStatus['Not Applicable'],
    notReviewed: n.counts.byStatus['Not Reviewed'],
    profileError: n.counts.byStatus['Profile Error'],
    containers: n.counts.containers,
    reported: n.counts.reported,
    ...(n.item ? { outcome: n.item.outcome, reportPath: n.item.reportPath, scannedAs: n.item.scannedAs, message: n.reportError ?? n.item.message } : { children: n.children.map(node) }),
  });
  return {
    fleet: true,
    controls: Object.values(t.byStatus).reduce((a, b) => a + b, 0),
    passed: t.byStatus.Passed,
    failed: t.byStatus.Failed,
    notApplicable: t.byStatus['Not Applicable'],
    notReviewed: t.byStatus['Not Reviewed'],
    profileError: t.byStatus['Profile Error'],
    compliance: t.compliance,
    severity,
    containers: { total: t.containers, reported: t.reported, ...t.outcomes },
    clusters: r.clusters.map(node),
    failingControls: r.matrix.rows.filter((x) => x.failed > 0).map((x) => ({ id: x.id, key: x.key, severity: x.severity, failedIn: x.statuses.flatMap((s, i) => (s === 'Failed' ? [r.matrix.containers[i].label] : [])) })),
  };
}

export function fleetCompareText(c: FleetComparison): string {
  const lines = [
    `Fleet compliance ${c.compliance.from}% → ${c.compliance.to}% (${c.compliance.delta > 0 ? '+' : ''}${c.compliance.delta})`,
    `${c.containers.length} containers compared, ${c.added.length} added, ${c.removed.length} removed; ${c.totals.newFailures} new failures, ${c.totals.fixed} fixed, ${c.totals.otherChanges} other status changes`,
  ];
  if (c.profileChanged) lines.push('The profile changed between the runs (different content hash).');
  if (c.inputsChanged) lines.push('The inputs changed between the runs (different inputs hash).');
  lines.push('');
  for (const x of c.containers) {
    const pods = x.from!.item.pod === x.to!.item.pod ? x.to!.item.pod : `${x.from!.item.pod} → ${x.to!.item.pod}`;
    const k = x.comparison;
    lines.push(
      k
        ? `  ${x.key} (${pods}): ${k.compliance.from}% → ${k.compliance.to}%, ${k.newFailures.length} new failures, ${k.fixed.length} fixed${k.newFailures.length ? ` [${k.newFailures.map((s) => s.id).join(', ')}]` : ''}`
        : `  ${x.key} (${pods}): not compared — ${x.note}`,
    );
  }
  for (const [title, list] of [['Added', c.added], ['Removed', c.removed]] as const) {
    if (list.length) lines.push('', `${title}:`, ...list.map((x) => `  ${x.key} (${(x.to ?? x.from)!.item.pod})${(x.to ?? x.from)!.compliance !== undefined ? ` ${(x.to ?? x.from)!.compliance}%` : ''}`));
  }
  // the drift of each container that changed, as `compare` prints it for two reports
  for (const x of c.containers) {
    if (x.comparison && hasDrift(x.comparison)) lines.push('', `Drift of ${x.key} (${podPair(x)}):`, driftText(x.comparison, '  ').trimEnd());
  }
  return `${lines.join('\n')}\n`;
}

export function fleetCompareMarkdown(c: FleetComparison): string {
  const lines = [
    `## Fleet compliance: ${c.compliance.from}% → ${c.compliance.to}% (${c.compliance.delta > 0 ? '+' : ''}${c.compliance.delta})`,
    '',
    `${c.containers.length} containers compared, ${c.added.length} added, ${c.removed.length} removed; **${c.totals.newFailures} new failures**, ${c.totals.fixed} fixed.${c.profileChanged ? ' The profile changed.' : ''}${c.inputsChanged ? ' The inputs changed.' : ''}`,
    '',
    '| Container | Pods | Compliance | New failures | Fixed |',
    '|---|---|---|---|---|',
  ];
  for (const x of c.containers) {
    const k = x.comparison;
    const pods = x.from!.item.pod === x.to!.item.pod ? x.to!.item.pod : `${x.from!.item.pod} → ${x.to!.item.pod}`;
    lines.push(k ? `| ${mdText(x.key)} | ${mdText(pods)} | ${k.compliance.from}% → ${k.compliance.to}% | ${mdText(k.newFailures.map((s) => s.id).join(', ') || '0')} | ${k.fixed.length} |` : `| ${mdText(x.key)} | ${mdText(pods)} | not compared: ${mdText(x.note ?? '')} | | |`);
  }
  for (const [title, list] of [['Added', c.added], ['Removed', c.removed]] as const) {
    if (list.length) lines.push('', `### ${title} (${list.length})`, '', ...list.map((x) => `- ${mdText(x.key)} (${mdText((x.to ?? x.from)!.item.pod)})`));
  }
  for (const x of c.containers) {
    if (x.comparison && hasDrift(x.comparison)) lines.push('', driftMarkdown(x.comparison, `Drift of ${mdText(x.key)} (${mdText(podPair(x))})`, 3).trimEnd());
  }
  return `${lines.join('\n')}\n`;
}

const podPair = (x: ContainerComparison): string => (x.from!.item.pod === x.to!.item.pod ? x.to!.item.pod : `${x.from!.item.pod} → ${x.to!.item.pod}`);
