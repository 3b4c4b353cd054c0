// Turns the core results model into the plain data the panel renders (src/protocol/messages.ts).
// No vscode import: benchmarks and unit tests use it as is.
import type { Comparison, Control, Report, Summary } from '../../core/results';
import { SEVERITIES } from '../../core/results/types';
import { silentFailureNote, type TransportInfo } from '../../core/scan/auditorFailure';
import type { ControlStatus, PanelComparison, PanelControl, PanelControlDetail, PanelReport, PanelResult, PanelStatusChange, PanelSummary, Severity } from '../../protocol/messages';

function tagText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(tagText).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** The file a control belongs to, for grouping: the `groups[].id`, else the source ref's `controls/…` tail, else the ref. */
export function controlFile(c: Control): string {
  if (c.groupFile) return c.groupFile;
  const ref = c.sourceLocation?.ref?.replace(/\\/g, '/');
  if (!ref) return '(unknown file)';
  const i = ref.lastIndexOf('/controls/');
  return i >= 0 ? ref.slice(i + 1) : ref;
}

/** What the detail pane needs beyond the list data (sent on demand). */
export function toPanelDetail(c: Control, key: number, transport?: TransportInfo): PanelControlDetail {
  const results: PanelResult[] = c.results.map((r) => {
    const message = [r.exception && r.message && !r.message.includes(r.exception) ? `${r.exception}: ${r.message}` : r.message ?? r.exception, r.skipMessage]
      .filter((s): s is string => !!s)
      .join('\n');
    return { status: r.status, codeDesc: r.codeDesc, message: message || undefined, backtrace: r.backtrace, runTime: r.runTime };
  });
  return {
    key,
    descriptions: c.descriptions.length ? c.descriptions : c.desc ? [{ label: 'default', data: c.desc }] : [],
    code: c.fullCode ?? c.code,
    results,
    note: transportNoteFor(c, transport),
  };
}

/** A note on a control whose results carry a transport failure rather than the control's own (see silentFailureNote). */
export function transportNoteFor(c: Control, transport?: TransportInfo): string | undefined {
  return silentFailureNote(c.results.flatMap((r) => [r.message, r.exception, r.codeDesc]), transport);
}

function toPanelControl(c: Control, key: number): PanelControl {
  return {
    key,
    id: c.id,
    title: c.title ?? '',
    profile: c.profileName,
    status: c.status,
    severity: c.severity,
    impact: c.impact,
    sourceRef: c.sourceLocation?.ref,
    sourceLine: c.sourceLocation?.line,
    file: controlFile(c),
    nist: c.nist,
    cci: c.cci,
    tags: Object.entries(c.tags).map(([k, v]) => [k, tagText(v)] as const),
    waived: c.waived,
    waiverJustification: c.waiver?.justification,
    resultCount: c.results.length,
  };
}

export function toPanelSummary(report: Report, summary: Summary): PanelSummary {
  const failedBySeverity = Object.fromEntries(
    SEVERITIES.map((s) => [s, summary.statusBySeverity.Failed[s] + summary.statusBySeverity['Profile Error'][s]]),
  ) as Record<Severity, number>;
  const platform = [report.platform.name, report.platform.release].filter(Boolean).join(' ');
  return {
    compliance: summary.complianceExact,
    counts: summary.byStatus,
    severity: summary.severity,
    failedBySeverity,
    controls: summary.controls,
    results: summary.results,
    target: report.platform.targetId,
    profiles: report.profiles.filter((p) => !p.parentProfile).map((p) => ({ name: p.name, title: p.title, version: p.version })),
    platform: platform || undefined,
    durationSeconds: report.duration,
    auditorVersion: report.auditorVersion,
  };
}

export function toPanelReport(report: Report, summary: Summary, reportPath: string, label: string): PanelReport {
  return { reportPath, label, summary: toPanelSummary(report, summary), controls: report.controls.map(toPanelControl) };
}

export function toPanelComparison(cmp: Comparison, oldLabel: string, newLabel: string, newer?: Report): PanelComparison {
  const resultsByKey = new Map(cmp.resultChanges.map((r) => [r.key, r.changes.map((c) => ({ codeDesc: c.codeDesc, from: c.from, to: c.to }))]));
  const changes: PanelStatusChange[] = [];
  const push = (kind: PanelStatusChange['kind'], c: { key: string; profileName: string; id: string; title?: string }, from?: ControlStatus, to?: ControlStatus) =>
    changes.push({ kind, profile: c.profileName, id: c.id, title: c.title ?? '', from, to, resultChanges: resultsByKey.get(c.key) });
  for (const c of cmp.newFailures) push('newFailure', c, c.from, c.to);
  for (const c of cmp.fixed) push('fixed', c, c.from, c.to);
  for (const c of cmp.otherChanges) push('statusChange', c, c.from, c.to);
  for (const c of cmp.added) push('added', c, undefined, c.status);
  for (const c of cmp.removed) push('removed', c, c.status, undefined);
  const changedStatus = new Set(cmp.statusChanges.map((c) => c.key));
  const statusNow = new Map(newer?.controls.map((c) => [c.key, c.status]));
  for (const c of cmp.resultChanges) {
    if (changedStatus.has(c.key)) continue;
    const st = statusNow.get(c.key);
    push('resultsChanged', c, st, st);
  }
  return {
    oldLabel,
    newLabel,
    oldCompliance: cmp.compliance.fromExact,
    newCompliance: cmp.compliance.toExact,
    changes,
    controlsWithResultChanges: cmp.resultChanges.length,
  };
}
