/**
 * The fleet rollup: cluster → namespace → workload → container, with Heimdall's counts and compliance % at every
 * level, and the control × container matrix (which containers fail each control). Counted by the results model
 * (`summarize`): a level's counts are the sums of its containers' control counts, and its compliance is Heimdall's
 * formula over those sums (Passed / (Passed + Failed + Not Reviewed + Profile Error), Not Applicable excluded).
 * A container counts with the report that covers it — its own, or the one it was deduplicated onto. Containers
 * without a usable report (failed, skipped, cancelled, not yet run, report missing) are counted by outcome and
 * add no controls. Pure: the caller reads the reports (`loadFleetReports`).
 */
import { CONTROL_STATUSES, SEVERITIES, complianceBand, complianceExact, emptySeverityCounts, emptyStatusCounts, severityRank, summarize } from '../results';
import type { ControlStatus, Report, Severity, SeverityCounts, StatusCounts, Summary } from '../results';
import { ITEM_STATES, itemKey, type FleetIndex, type FleetIndexItem, type LoadedReport } from './indexFormat';
import type { ItemState } from './scheduler';

export interface RollupCounts {
  /** Containers at this level. */
  readonly containers: number;
  /** Containers by outcome. */
  readonly outcomes: Readonly<Record<ItemState, number>>;
  /** Containers whose counts are included (done, with a readable report). */
  readonly reported: number;
  /** Controls by Heimdall status, summed over the reported containers. */
  readonly byStatus: StatusCounts;
  readonly statusBySeverity: Record<ControlStatus, SeverityCounts>;
  /** Rounded as the SAF CLI rounds it; 0 when nothing counts. */
  readonly compliance: number;
  readonly complianceExact: number;
  readonly complianceBand: 'low' | 'medium' | 'high';
}

export type RollupLevel = 'cluster' | 'namespace' | 'workload' | 'container';

export interface RollupNode {
  readonly level: RollupLevel;
  /** Context, namespace, `Kind/name`, or `POD/CONTAINER`. */
  readonly name: string;
  /** Unique in the rollup (`CONTEXT/NS/Kind/name/…`). */
  readonly id: string;
  readonly counts: RollupCounts;
  readonly children: readonly RollupNode[];
  /** Container level: the index row, and why its report could not be used. */
  readonly item?: FleetIndexItem;
  readonly reportError?: string;
}

export interface MatrixRow {
  /** `profile::id` (the results model's control key). */
  readonly key: string;
  readonly id: string;
  readonly title?: string;
  readonly severity: Severity;
  /** One entry per matrix container: the control's status there, or null when its report lacks the control. */
  readonly statuses: readonly (ControlStatus | null)[];
  readonly failed: number;
  readonly profileError: number;
}

export interface ControlMatrix {
  /** Containers with a report, in index order: `itemKey` and `NS/POD/CONTAINER`. */
  readonly containers: ReadonlyArray<{ readonly key: string; readonly label: string }>;
  /** Most failing containers first, then most Profile Errors, then severity, then id. */
  readonly rows: readonly MatrixRow[];
}

export interface FleetRollup {
  /** Every container of the index. */
  readonly total: RollupCounts;
  /** One per context (an index from one run has one). */
  readonly clusters: readonly RollupNode[];
  readonly matrix: ControlMatrix;
  /** Reports that could not be used, once per report (`path: error`). */
  readonly reportErrors: readonly string[];
}

interface Acc {
  containers: number;
  outcomes: Record<ItemState, number>;
  reported: number;
  byStatus: StatusCounts;
  statusBySeverity: Record<ControlStatus, SeverityCounts>;
}

const emptyAcc = (): Acc => ({
  containers: 0,
  outcomes: Object.fromEntries(ITEM_STATES.map((s) => [s, 0])) as Record<ItemState, number>,
  reported: 0,
  byStatus: emptyStatusCounts(),
  statusBySeverity: Object.fromEntries(CONTROL_STATUSES.map((s) => [s, emptySeverityCounts()])) as Record<ControlStatus, SeverityCounts>,
});

function add(into: Acc, from: Acc): void {
  into.containers += from.containers;
  into.reported += from.reported;
  for (const s of ITEM_STATES) into.outcomes[s] += from.outcomes[s];
  for (const s of CONTROL_STATUSES) {
    into.byStatus[s] += from.byStatus[s];
    for (const v of SEVERITIES) into.statusBySeverity[s][v] += from.statusBySeverity[s][v];
  }
}

function finish(a: Acc): RollupCounts {
  const exact = complianceExact(a.byStatus);
  return { ...a, compliance: Math.round(exact), complianceExact: exact, complianceBand: complianceBand(exact) };
}

/** `report` for a done item: the loaded report, or undefined when the item has none. */
export type ReportOf = (item: FleetIndexItem) => LoadedReport | undefined;

export function buildRollup(index: FleetIndex, reportOf: ReportOf): FleetRollup {
  const summaries = new Map<Report, Summary>();
  const reportErrors = new Set<string>();
  const total = emptyAcc();
  type Leaf = { node: RollupNode; acc: Acc };
  const tree = new Map<string, Map<string, Map<string, Leaf[]>>>();
  const matrixContainers: Array<{ key: string; label: string; report: Report }> = [];

  for (const item of index.items) {
    const acc = emptyAcc();
    acc.containers = 1;
    acc.outcomes[item.outcome] = 1;
    const loaded = item.outcome === 'done' ? reportOf(item) : undefined;
    let reportError: string | undefined;
    if (loaded?.ok) {
      let s = summaries.get(loaded.report);
      if (!s) summaries.set(loaded.report, (s = summarize(loaded.report)));
      acc.reported = 1;
      for (const st of CONTROL_STATUSES) {
        acc.byStatus[st] = s.byStatus[st];
        acc.statusBySeverity[st] = { ...s.statusBySeverity[st] };
      }
      matrixContainers.push({ key: itemKey(item), label: `${item.namespace}/${item.pod}/${item.container}`, report: loaded.report });
    } else if (item.outcome === 'done') {
      reportError = loaded ? loaded.error : `no report at ${item.reportPath}`;
      reportErrors.add(reportError);
    }
    add(total, acc);
    const node: RollupNode = { level: 'container', name: `${item.pod}/${item.container}`, id: itemKey(item), counts: finish(acc), children: [], item, ...(reportError ? { reportError } : {}) };
    const cluster = getOr(tree, item.context, () => new Map<string, Map<string, Leaf[]>>());
    const ns = getOr(cluster, item.namespace, () => new Map<string, Leaf[]>());
    getOr(ns, `${item.workload.kind}/${item.workload.name}`, (): Leaf[] => []).push({ node, acc });
  }

  const clusters: RollupNode[] = [];
  for (const [context, namespaces] of [...tree].sort(byKey)) {
    const cAcc = emptyAcc();
    const nsNodes: RollupNode[] = [];
    for (const [ns, workloads] of [...namespaces].sort(byKey)) {
      const nAcc = emptyAcc();
      const wNodes: RollupNode[] = [];
      for (const [w, containers] of [...workloads].sort(byKey)) {
        const wAcc = emptyAcc();
        for (const c of containers) add(wAcc, c.acc);
        add(nAcc, wAcc);
        wNodes.push({ level: 'workload', name: w, id: `${context}/${ns}/${w}`, counts: finish(wAcc), children: containers.map((c) => c.node) });
      }
      add(cAcc, nAcc);
      nsNodes.push({ level: 'namespace', name: ns, id: `${context}/${ns}`, counts: finish(nAcc), children: wNodes });
    }
    clusters.push({ level: 'cluster', name: context, id: context, counts: finish(cAcc), children: nsNodes });
  }
  return { total: finish(total), clusters, matrix: buildMatrix(matrixContainers), reportErrors: [...reportErrors] };
}

/** The control × container matrix over containers with a report (see `ControlMatrix`). */
export function buildMatrix(containers: ReadonlyArray<{ readonly key: string; readonly label: string; readonly report: Report }>): ControlMatrix {
  const rows = new Map<string, { key: string; id: string; title?: string; severity: Severity; statuses: (ControlStatus | null)[]; failed: number; profileError: number }>();
  containers.forEach((c, col) => {
    for (const ctl of c.report.controls) {
      let r = rows.get(ctl.key);
      if (!r) rows.set(ctl.key, (r = { key: ctl.key, id: ctl.id, title: ctl.title, severity: ctl.severity, statuses: containers.map(() => null), failed: 0, profileError: 0 }));
      r.statuses[col] = ctl.status;
      if (ctl.status === 'Failed') r.failed++;
      if (ctl.status === 'Profile Error') r.profileError++;
    }
  });
  const sorted = [...rows.values()].sort((a, b) => b.failed - a.failed || b.profileError - a.profileError || severityRank(b.severity) - severityRank(a.severity) || a.id.localeCompare(b.id));
  return { containers: containers.map((c) => ({ key: c.key, label: c.label })), rows: sorted };
}

function getOr<K, V>(m: Map<K, V>, k: K, make: () => V): V {
  let v = m.get(k);
  if (v === undefined) m.set(k, (v = make()));
  return v;
}

const byKey = <V>(a: [string, V], b: [string, V]): number => a[0].localeCompare(b[0]);
