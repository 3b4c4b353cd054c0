/**
 * The scan history index: one JSON file in the results folder (`history-index.json`) over the report files the scans
 * already wrote there. It says which target each report is of (context/namespace/pod/container, its workload, the
 * image digest and pod template hash that ran), which profile and inputs it used and how it came out, so that runs can
 * be grouped by target, compared and charted without opening every report. Plain data and validation only.
 *
 * ```jsonc
 * { "kind": "kube-compliance/history", "schemaVersion": 1,
 *   "runs": [{ "id": "run-…", "at": "2026-12-01T10:00:00.000Z",
 *     "target": { "context": "prod", "namespace": "shop", "pod": "web-7d9f-b", "container": "app" },
 *     "workload": { "kind": "Deployment", "name": "web" }, "imageDigest": "sha256:…", "podTemplateHash": "7d9f",
 *     "profile": { "location": "/work/baseline", "name": "baseline", "version": "1.2.0", "sha256": "…" },
 *     "inputsHash": "sha256:…", "reportPath": "20261201-100000-shop-web-7d9f-b-app-ab12cd.json",   // relative to the folder
 *     "byStatus": { "Passed": 6, "Failed": 2, … }, "compliance": 67, "source": "scan" }] }
 * ```
 *
 * Entries that do not validate (edited by hand) are kept verbatim in the file and reported, never dropped.
 */
import { summarize } from '../results/summary';
import { CONTROL_STATUSES, type Report, type StatusCounts } from '../results/types';

export const HISTORY_KIND = 'kube-compliance/history';
export const HISTORY_VERSION = 1;
export const HISTORY_FILE = 'history-index.json';

export interface HistoryTarget {
  readonly context: string;
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
}

export interface HistoryEntry {
  readonly id: string;
  /** When the scan started (ISO). */
  readonly at: string;
  readonly target: HistoryTarget;
  /** The pod's workload (Deployment, StatefulSet, …) when known; a bare pod has none. */
  readonly workload?: { readonly kind: string; readonly name: string };
  readonly imageDigest?: string;
  readonly podTemplateHash?: string;
  readonly profile: { readonly location: string; readonly name?: string; readonly version?: string; readonly sha256?: string };
  readonly inputsHash?: string;
  /** Relative to the results folder, or absolute (fleet runs elsewhere). */
  readonly reportPath: string;
  readonly byStatus: StatusCounts;
  /** Rounded percent (SAF CLI rounding). */
  readonly compliance: number;
  readonly source: 'scan' | 'fleet' | 'watch';
}

export interface HistoryData {
  readonly entries: readonly HistoryEntry[];
  /** Raw values of entries that failed validation, kept as they were. */
  readonly invalid: readonly unknown[];
  /** One line per invalid entry: where and what. */
  readonly problems: readonly string[];
}

export class HistoryError extends Error {
  override readonly name = 'HistoryError';
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): v is string => typeof v === 'string' && v !== '';

/** Parses the index text. Throws `HistoryError` when the file as a whole is unusable; a bad entry is only reported. */
export function parseHistory(text: string): HistoryData {
  let data: unknown;
  try {
    data = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    throw new HistoryError(`it is not JSON (${e instanceof Error ? e.message : String(e)})${text.trim() === '' ? ': the file is empty' : ''}`);
  }
  if (!isObject(data) || data.kind !== HISTORY_KIND) throw new HistoryError(`it is not a Kube Compliance history index (expected "kind": "${HISTORY_KIND}")`);
  const v = data.schemaVersion;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new HistoryError(`schemaVersion: expected a whole number, got ${JSON.stringify(v)}`);
  if (v > HISTORY_VERSION) throw new HistoryError(`it was written with schema ${v} by a newer Kube Compliance; this version reads schema ${HISTORY_VERSION}. Update the extension.`);
  if (!Array.isArray(data.runs)) throw new HistoryError('runs: expected an array');
  const entries: HistoryEntry[] = [];
  const invalid: unknown[] = [];
  const problems: string[] = [];
  data.runs.forEach((raw, i) => {
    const why = entryProblem(raw);
    if (why) {
      invalid.push(raw);
      problems.push(`runs[${i}]: ${why}`);
    } else entries.push(raw as HistoryEntry);
  });
  return { entries, invalid, problems };
}

/** Why a raw entry is not usable, or undefined. */
export function entryProblem(raw: unknown): string | undefined {
  if (!isObject(raw)) return 'expected an object';
  if (!str(raw.id)) return 'id: expected a non-empty string';
  if (!str(raw.at) || Number.isNaN(Date.parse(raw.at))) return 'at: expected an ISO 8601 time';
  const t = raw.target;
  if (!isObject(t) || !['namespace', 'pod', 'container'].every((k) => str(t[k])) || typeof t.context !== 'string') return 'target: expected { context, namespace, pod, container }';
  if (raw.workload !== undefined && (!isObject(raw.workload) || !str(raw.workload.kind) || !str(raw.workload.name))) return 'workload: expected { kind, name }';
  for (const k of ['imageDigest', 'podTemplateHash', 'inputsHash'] as const) if (raw[k] !== undefined && !str(raw[k])) return `${k}: expected a non-empty string`;
  if (!isObject(raw.profile) || !str(raw.profile.location)) return 'profile.location: expected a non-empty string';
  if (!str(raw.reportPath)) return 'reportPath: expected a non-empty string';
  const b = raw.byStatus;
  if (!isObject(b) || !CONTROL_STATUSES.every((s) => typeof b[s] === 'number' && Number.isInteger(b[s]) && (b[s] as number) >= 0)) return `byStatus: expected a count for each of ${CONTROL_STATUSES.join(', ')}`;
  if (typeof raw.compliance !== 'number' || raw.compliance < 0 || raw.compliance > 100) return 'compliance: expected a number from 0 to 100';
  if (raw.source !== 'scan' && raw.source !== 'fleet' && raw.source !== 'watch') return 'source: expected scan, fleet or watch';
  return undefined;
}

/** The index as JSON data: valid runs newest first, then the invalid ones as they were. */
export function historyData(entries: readonly HistoryEntry[], invalid: readonly unknown[] = []): Record<string, unknown> {
  const runs = [...entries].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  return { kind: HISTORY_KIND, schemaVersion: HISTORY_VERSION, runs: [...runs, ...invalid] };
}

/**
 * The group a run belongs to: the workload's container when the pod has a workload (pods are replaced between runs,
 * the workload stays — as the fleet compare matches them), else the pod's container.
 */
export function groupKey(e: Pick<HistoryEntry, 'target' | 'workload'>): string {
  const t = e.target;
  return e.workload && e.workload.kind !== 'Pod' ? `${t.context}/${t.namespace}/${e.workload.kind}/${e.workload.name}/${t.container}` : `${t.context}/${t.namespace}/Pod/${t.pod}/${t.container}`;
}

/** `NS/Kind/name/CONTAINER` (or `NS/POD/CONTAINER` for a bare pod), for labels. */
export function groupLabel(e: Pick<HistoryEntry, 'target' | 'workload'>): string {
  const t = e.target;
  return e.workload && e.workload.kind !== 'Pod' ? `${t.namespace}/${e.workload.kind}/${e.workload.name}/${t.container}` : `${t.namespace}/${t.pod}/${t.container}`;
}

export interface HistoryGroup {
  readonly key: string;
  readonly label: string;
  /** Newest first. */
  readonly entries: readonly HistoryEntry[];
}

/** Entries grouped by target (`groupKey`), each group newest first, groups by their newest run. */
export function groupHistory(entries: readonly HistoryEntry[]): HistoryGroup[] {
  const m = new Map<string, HistoryEntry[]>();
  for (const e of entries) m.set(groupKey(e), [...(m.get(groupKey(e)) ?? []), e]);
  const byTime = (a: HistoryEntry, b: HistoryEntry) => (a.at < b.at ? 1 : a.at > b.at ? -1 : a.id < b.id ? 1 : -1);
  return [...m.entries()]
    .map(([key, list]) => {
      const sorted = list.sort(byTime);
      return { key, label: groupLabel(sorted[0]), entries: sorted };
    })
    .sort((a, b) => byTime(a.entries[0], b.entries[0]));
}

/**
 * Retention: the newest `keep` runs of each target stay; the rest are returned as pruned. `keep` below 1 keeps one (a
 * target's last result is never pruned away).
 */
export function applyRetention(entries: readonly HistoryEntry[], keep: number): { kept: HistoryEntry[]; pruned: HistoryEntry[] } {
  const n = Math.max(1, Math.floor(keep));
  const kept: HistoryEntry[] = [];
  const pruned: HistoryEntry[] = [];
  for (const g of groupHistory(entries)) {
    kept.push(...g.entries.slice(0, n));
    pruned.push(...g.entries.slice(n));
  }
  return { kept, pruned };
}

/**
 * The pod template hash of a pod: the `pod-template-hash` label the Deployment controller puts on its ReplicaSets' pods
 * (kubernetes.io/docs/concepts/workloads/controllers/deployment/#pod-template-hash-label), else the
 * `controller-revision-hash` label StatefulSet and DaemonSet controllers set (kubernetes.io/docs/reference/labels-annotations-taints/#controller-revision-hash).
 */
export function podTemplateHashOf(labels: Readonly<Record<string, string>> | undefined): string | undefined {
  return labels?.['pod-template-hash'] || labels?.['controller-revision-hash'] || undefined;
}

/** A history entry for a run whose report has been read: counts and compliance from the report, profile name/version/hash from it too. */
export function entryFor(run: Omit<HistoryEntry, 'byStatus' | 'compliance' | 'profile'> & { readonly profileLocation: string }, report: Report): HistoryEntry {
  const s = summarize(report);
  const { profileLocation, ...rest } = run;
  const p = report.profile;
  const profile = { location: profileLocation, name: p.name, ...(p.version ? { version: p.version } : {}), ...(p.sha256 ? { sha256: p.sha256 } : {}) };
  return { ...rest, profile, byStatus: s.byStatus, compliance: s.compliance };
}
