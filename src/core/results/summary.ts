import type { Control, ControlStatus, ProfileInfo, Report, SeverityCounts, StatusCounts, Summary } from './types';
import { CONTROL_STATUSES, SEVERITIES_ASCENDING } from './types';

export const emptyStatusCounts = (): StatusCounts => ({ Passed: 0, Failed: 0, 'Not Applicable': 0, 'Not Reviewed': 0, 'Profile Error': 0 });
export const emptySeverityCounts = (): SeverityCounts => ({ none: 0, low: 0, medium: 0, high: 0, critical: 0 });

/** Compliance % unrounded: Passed / (Passed + Failed + Not Reviewed + Profile Error) × 100; N/A excluded; 0 if nothing counts. */
export function complianceExact(c: StatusCounts): number {
  const denominator = c.Passed + c.Failed + c['Not Reviewed'] + c['Profile Error'];
  return denominator === 0 ? 0 : (100 * c.Passed) / denominator;
}

/** Compliance as the SAF CLI reports it (rounded to an integer percent). */
export function compliancePercent(c: StatusCounts): number {
  return Math.round(complianceExact(c));
}

/** Heimdall's colour band for a compliance value: < 60 low (red), 60–89 medium (yellow), ≥ 90 high (green). */
export function complianceBand(percent: number): 'low' | 'medium' | 'high' {
  return percent < 60 ? 'low' : percent < 90 ? 'medium' : 'high';
}

export function countByStatus(controls: readonly Control[]): StatusCounts {
  const counts = emptyStatusCounts();
  for (const c of controls) counts[c.status]++;
  return counts;
}

/** Counts of the report's (top-most) controls by status and severity, and the compliance %, as Heimdall shows them. */
export function summarize(report: Report): Summary {
  return summarizeControls(report.controls);
}

export function summarizeControls(controls: readonly Control[]): Summary {
  const byStatus = countByStatus(controls);
  const severity = emptySeverityCounts();
  const statusBySeverity = Object.fromEntries(CONTROL_STATUSES.map((s) => [s, emptySeverityCounts()])) as Record<ControlStatus, SeverityCounts>;
  let results = 0;
  for (const c of controls) {
    severity[c.severity]++;
    statusBySeverity[c.status][c.severity]++;
    results += c.results.length;
  }
  const exact = complianceExact(byStatus);
  return {
    controls: controls.length,
    passed: byStatus.Passed,
    failed: byStatus.Failed,
    notApplicable: byStatus['Not Applicable'],
    notReviewed: byStatus['Not Reviewed'],
    profileError: byStatus['Profile Error'],
    compliance: Math.round(exact),
    complianceExact: exact,
    complianceBand: complianceBand(exact),
    severity,
    statusBySeverity,
    byStatus,
    results,
  };
}

/** The control's description with this label (`default`, `check`, `fix`, …); `default` falls back to `desc`. */
export function descriptionOf(control: Control, label: string): string | undefined {
  const d = control.descriptions.find((x) => x.label === label)?.data;
  return d ?? (label === 'default' ? control.desc : undefined);
}

/** Severity order helper for sorting (none 0 … critical 4). */
export function severityRank(s: Control['severity']): number {
  return SEVERITIES_ASCENDING.indexOf(s);
}

/** A profile's display name: its title when it has one worth showing (some overlays say "."), else its name. */
export function profileLabel(p: ProfileInfo): string {
  return p.title && /[\p{L}\p{N}]/u.test(p.title) ? p.title : p.name;
}
