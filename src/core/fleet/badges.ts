/**
 * Compliance badges for the explorer: the last result per container, and the rollup of a pod, workload or namespace
 * over its containers' last results. Pure: the store that keeps them lives in the scan feature.
 */
import { complianceBand, complianceExact, emptyStatusCounts } from '../results/summary';
import type { StatusCounts } from '../results/types';

export interface ComplianceBadge {
  /** When the result was produced (ISO time). */
  readonly at: string;
  /** Heimdall counts of the container's last report. */
  readonly byStatus: StatusCounts;
  /** `NS/POD/CONTAINER` actually scanned, when this container received another one's result (fleet dedupe). */
  readonly scannedAs?: string;
  /** The report it came from. */
  readonly reportPath?: string;
}

export interface BadgeRollup {
  /** Containers with a badge. */
  readonly containers: number;
  readonly byStatus: StatusCounts;
  /** Rounded as the SAF CLI rounds it. */
  readonly compliance: number;
  readonly band: 'low' | 'medium' | 'high';
  /** The oldest result in the rollup: the rollup is as old as that. */
  readonly oldest: string;
  readonly newest: string;
}

export function badgeKey(r: { readonly context: string; readonly namespace: string; readonly pod: string; readonly container: string }): string {
  return `${r.context}/${r.namespace}/${r.pod}/${r.container}`;
}

export function rollupBadges(badges: readonly ComplianceBadge[]): BadgeRollup | undefined {
  if (!badges.length) return undefined;
  const byStatus = emptyStatusCounts();
  let oldest = badges[0].at;
  let newest = badges[0].at;
  for (const b of badges) {
    for (const k of Object.keys(byStatus) as Array<keyof StatusCounts>) byStatus[k] += b.byStatus[k] ?? 0;
    if (b.at < oldest) oldest = b.at;
    if (b.at > newest) newest = b.at;
  }
  const exact = complianceExact(byStatus);
  return { containers: badges.length, byStatus, compliance: Math.round(exact), band: complianceBand(exact), oldest, newest };
}

/** "just now", "5 min ago", "3 h ago", "2 d ago". */
export function ageText(at: string, now: Date = new Date()): string {
  const s = Math.max(0, Math.round((now.getTime() - Date.parse(at)) / 1000));
  if (!Number.isFinite(s)) return 'at an unknown time';
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** The badge as the tree's description shows it: `72% · 5 min ago` (a rollup of several: `72% of 3 · 5 min ago`). */
export function badgeText(r: BadgeRollup, now: Date = new Date()): string {
  return `${r.compliance}%${r.containers > 1 ? ` of ${r.containers}` : ''} · ${ageText(r.oldest, now)}`;
}

/** The tooltip's lines. */
export function badgeTooltip(r: BadgeRollup, now: Date = new Date()): string {
  const s = r.byStatus;
  return [
    `Last compliance: ${r.compliance}% (${r.containers} container${r.containers === 1 ? '' : 's'} with a result)`,
    `Passed ${s.Passed} · Failed ${s.Failed} · Profile Error ${s['Profile Error']} · Not Reviewed ${s['Not Reviewed']} · N/A ${s['Not Applicable']}`,
    r.oldest === r.newest ? `Scanned ${ageText(r.oldest, now)}` : `Scanned between ${ageText(r.oldest, now)} and ${ageText(r.newest, now)}`,
  ].join('\n');
}
