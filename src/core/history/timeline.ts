/**
 * Compliance over time, from the history index alone (no report is opened): per target (a workload's container or a
 * pod's container), per workload (its containers) or per namespace. For a workload or a namespace, each point is the
 * rollup, at that run's time, of the last result of every target in it so far — as the explorer's badges roll up
 * the last result per container — so one target's scan moves the line only as much as that target's share.
 */
import { complianceExact, emptyStatusCounts } from '../results/summary';
import type { StatusCounts } from '../results/types';
import { groupKey, type HistoryEntry } from './indexFormat';

export type TimelineScope =
  | { readonly kind: 'target'; readonly key: string }
  | { readonly kind: 'workload'; readonly context: string; readonly namespace: string; readonly workload: { readonly kind: string; readonly name: string } }
  | { readonly kind: 'namespace'; readonly context: string; readonly namespace: string };

export interface TimelinePoint {
  readonly at: string;
  /** Rounded percent (SAF CLI rounding) and the exact value. */
  readonly compliance: number;
  readonly exact: number;
  readonly byStatus: StatusCounts;
  /** Targets counted in this point. */
  readonly targets: number;
  /** The run that produced this point. */
  readonly runId: string;
}

export function inScope(e: HistoryEntry, scope: TimelineScope): boolean {
  switch (scope.kind) {
    case 'target':
      return groupKey(e) === scope.key;
    case 'workload':
      return e.target.context === scope.context && e.target.namespace === scope.namespace && e.workload?.kind === scope.workload.kind && e.workload.name === scope.workload.name;
    case 'namespace':
      return e.target.context === scope.context && e.target.namespace === scope.namespace;
  }
}

/** The points of a scope, oldest first. */
export function timeline(entries: readonly HistoryEntry[], scope: TimelineScope): TimelinePoint[] {
  const list = entries.filter((e) => inScope(e, scope)).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1));
  const last = new Map<string, HistoryEntry>();
  return list.map((e) => {
    last.set(groupKey(e), e);
    const byStatus = emptyStatusCounts();
    for (const x of last.values()) for (const k of Object.keys(byStatus) as Array<keyof StatusCounts>) byStatus[k] += x.byStatus[k];
    const exact = complianceExact(byStatus);
    return { at: e.at, compliance: Math.round(exact), exact, byStatus, targets: last.size, runId: e.id };
  });
}
