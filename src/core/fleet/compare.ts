/**
 * Fleet comparison and the fleet threshold gate, over two indexes (or one) and their reports. Pure: the caller
 * reads the reports (`loadFleetReports`) and hands them in through `reportOf`.
 *
 * Containers are matched by namespace, workload and container name — pods are replaced between runs (a rollout
 * renames them), workloads stay. Replicas of one workload are paired by pod name first, then in pod-name order;
 * what is left over was added or removed. The context is part of the key only when an index spans several contexts
 * (so a staging run can be compared with a production run of the same namespaces).
 */
import { driftBetween, type Drift, type RunContext } from '../history/drift';
import { compareReports, evaluateThreshold, summarize, type Comparison, type Report, type ThresholdResult } from '../results';
import type { FleetIndex, FleetIndexItem } from './indexFormat';
import { buildRollup, type ReportOf } from './rollup';

export interface FleetSide {
  readonly index: FleetIndex;
  readonly reportOf: ReportOf;
}

export interface ContainerSide {
  readonly item: FleetIndexItem;
  /** Rounded compliance of its report, when it has a usable one. */
  readonly compliance?: number;
}

export interface ContainerComparison {
  /** `NS/Kind/name/CONTAINER` (with `CONTEXT/` in front when an index spans several contexts). */
  readonly key: string;
  readonly from?: ContainerSide;
  readonly to?: ContainerSide;
  /** Both sides have a usable report: the drift between them (a `Comparison` plus regressed, per-result pairs and what changed between). */
  readonly comparison?: Drift;
  /** Why there is no comparison (a side failed, was skipped, its report is missing). */
  readonly note?: string;
}

export interface FleetComparison {
  /** Fleet compliance (the rollups' totals). */
  readonly compliance: { readonly from: number; readonly to: number; readonly delta: number; readonly fromExact: number; readonly toExact: number };
  /** Containers present in both runs. */
  readonly containers: readonly ContainerComparison[];
  readonly added: readonly ContainerComparison[];
  readonly removed: readonly ContainerComparison[];
  readonly profileChanged: boolean;
  readonly inputsChanged: boolean;
  /** Summed over the compared containers. */
  readonly totals: { readonly newFailures: number; readonly fixed: number; readonly otherChanges: number };
}

export function compareFleets(older: FleetSide, newer: FleetSide): FleetComparison {
  const contexts = (s: FleetSide) => new Set(s.index.items.map((i) => i.context)).size;
  const multi = contexts(older) > 1 || contexts(newer) > 1;
  const key = (i: FleetIndexItem) => `${multi ? `${i.context}/` : ''}${i.namespace}/${i.workload.kind}/${i.workload.name}/${i.container}`;
  const group = (items: readonly FleetIndexItem[]) => {
    const m = new Map<string, FleetIndexItem[]>();
    for (const i of items) m.set(key(i), [...(m.get(key(i)) ?? []), i]);
    return m;
  };
  const a = group(older.index.items);
  const b = group(newer.index.items);
  const side = (s: FleetSide, item: FleetIndexItem): { side: ContainerSide; report?: Report; why?: string } => {
    const r = item.outcome === 'done' ? s.reportOf(item) : undefined;
    if (r?.ok) return { side: { item, compliance: summarize(r.report).compliance }, report: r.report };
    const why = item.outcome === 'done' ? (r ? r.error : 'no report') : `${item.outcome}${item.message ? `: ${item.message}` : ''}`;
    return { side: { item }, why };
  };
  const cache = new Map<Report, Map<Report, Comparison>>();
  const cmp = (x: Report, y: Report) => {
    const inner = cache.get(x) ?? new Map<Report, Comparison>();
    cache.set(x, inner);
    let c = inner.get(y);
    if (!c) inner.set(y, (c = compareReports(x, y)));
    return c;
  };

  const containers: ContainerComparison[] = [];
  const added: ContainerComparison[] = [];
  const removed: ContainerComparison[] = [];
  for (const k of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const olds = [...(a.get(k) ?? [])].sort(byPod);
    const news = [...(b.get(k) ?? [])].sort(byPod);
    const pairs: Array<[FleetIndexItem, FleetIndexItem]> = [];
    for (const o of [...olds]) {
      const j = news.findIndex((n) => n.pod === o.pod);
      if (j >= 0) {
        pairs.push([o, news.splice(j, 1)[0]]);
        olds.splice(olds.indexOf(o), 1);
      }
    }
    while (olds.length && news.length) pairs.push([olds.shift()!, news.shift()!]);
    for (const [o, n] of pairs) {
      const x = side(older, o);
      const y = side(newer, n);
      const note = x.why || y.why ? [x.why && `older run: ${x.why}`, y.why && `newer run: ${y.why}`].filter(Boolean).join('; ') : undefined;
      const drift = x.report && y.report ? driftBetween(x.report, y.report, runContext(older, o), runContext(newer, n), cmp(x.report, y.report)) : undefined;
      containers.push({ key: k, from: x.side, to: y.side, ...(drift ? { comparison: drift } : { note }) });
    }
    removed.push(...olds.map((o) => ({ key: k, from: side(older, o).side })));
    added.push(...news.map((n) => ({ key: k, to: side(newer, n).side })));
  }
  const from = buildRollup(older.index, older.reportOf).total;
  const to = buildRollup(newer.index, newer.reportOf).total;
  const sum = (f: (c: Comparison) => number) => containers.reduce((s, c) => s + (c.comparison ? f(c.comparison) : 0), 0);
  return {
    compliance: { from: from.compliance, to: to.compliance, delta: to.compliance - from.compliance, fromExact: from.complianceExact, toExact: to.complianceExact },
    containers,
    added,
    removed,
    profileChanged: older.index.profile.hash !== newer.index.profile.hash,
    inputsChanged: older.index.inputsHash !== newer.index.inputsHash,
    totals: { newFailures: sum((c) => c.newFailures.length), fixed: sum((c) => c.fixed.length), otherChanges: sum((c) => c.otherChanges.length) },
  };
}

const byPod = (x: FleetIndexItem, y: FleetIndexItem): number => x.pod.localeCompare(y.pod);

/** What the index knows about an item's run besides its report. */
function runContext(s: FleetSide, i: FleetIndexItem): RunContext {
  const c: Record<string, string | undefined> = {
    at: i.startedAt ?? s.index.createdAt,
    imageDigest: i.imageDigest,
    podTemplateHash: i.podTemplateHash,
    pod: i.pod,
    profileHash: s.index.profile.hash,
    inputsHash: s.index.inputsHash,
  };
  return Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) as RunContext;
}

export interface ContainerGate {
  /** `NS/POD/CONTAINER`. */
  readonly label: string;
  readonly item: FleetIndexItem;
  /** The threshold evaluated on the container's report. */
  readonly result?: ThresholdResult;
  /** Why it fails the gate without a report (not scanned, report unusable). */
  readonly problem?: string;
}

export interface FleetGateResult {
  readonly met: boolean;
  /** Rules checked per container (0 when no container had a report). */
  readonly checked: number;
  readonly unknownKeys: readonly string[];
  readonly containers: readonly ContainerGate[];
  /** One line per unmet rule or unscanned container, prefixed with the container. */
  readonly violations: readonly string[];
  /** Containers that could not be scanned at all (skipped with a reason): listed, not failed. */
  readonly skipped: readonly string[];
}

/**
 * SAF threshold semantics per container: every container with a report must meet every rule. A container that
 * should have been scanned but was not (failed, cancelled, never run, report unusable) fails the gate; a container no
 * approach can scan (skipped) is listed but does not. A fleet in which no container has a report fails: a gate that
 * checks nothing must not pass. Throws `ThresholdError` for unusable rule values, as `evaluateThreshold` does.
 */
export function fleetThreshold(index: FleetIndex, reportOf: ReportOf, thresholds: unknown): FleetGateResult {
  const byReport = new Map<Report, ThresholdResult>();
  const containers: ContainerGate[] = [];
  const violations: string[] = [];
  const skipped: string[] = [];
  let checked = 0;
  let unknownKeys: readonly string[] = [];
  for (const item of index.items) {
    const label = `${item.namespace}/${item.pod}/${item.container}`;
    if (item.outcome === 'skipped') {
      skipped.push(`${label}: ${item.message ?? 'skipped'}`);
      containers.push({ label, item });
      continue;
    }
    const loaded = item.outcome === 'done' ? reportOf(item) : undefined;
    if (!loaded?.ok) {
      const problem =
        item.outcome === 'done'
          ? `its report cannot be used: ${loaded ? loaded.error : 'no report'}`
          : item.outcome === 'queued' || item.outcome === 'running'
            ? `not scanned: the run ended before it (${item.outcome})`
            : `not scanned (${item.outcome}${item.message ? `: ${item.message}` : ''})`;
      violations.push(`${label}: ${problem}`);
      containers.push({ label, item, problem });
      continue;
    }
    let result = byReport.get(loaded.report);
    if (!result) byReport.set(loaded.report, (result = evaluateThreshold(loaded.report, thresholds)));
    checked = result.checked;
    unknownKeys = result.unknownKeys;
    violations.push(...result.violations.map((v) => `${label}: ${v.message}`));
    containers.push({ label, item, result });
  }
  if (!byReport.size) violations.push('no container of the fleet has a usable report, so nothing was checked');
  return { met: violations.length === 0, checked, unknownKeys, containers, violations, skipped };
}
