/**
 * Drift between two runs of one target (a container, or a workload's container across pod replacements): what the
 * compliance did (`compareReports`: new failures, fixed, other status changes, added/removed controls, compliance
 * delta), which passing controls stopped passing without failing (regressed), every result (`describe` block) that
 * differs with its `code_desc` and message side by side, and what changed between the runs (image digest, pod
 * template hash, profile version and hash, inputs).
 *
 * Heimdall's compare view pairs controls by id across executions and lists only control-level changes (ID, severity,
 * NIST tags; mitre/heimdall2 `apps/frontend/src/utilities/delta_util.ts`, `ControlDelta.header_changes`) — the
 * per-result pairs below are ours. Pure and browser-safe: the panel imports these types.
 */
import { compareReports, pairResults } from '../results/compare';
import type { Comparison, Control, ControlRef, ControlStatus, Report, ResultStatus, StatusChange } from '../results/types';

/** What is known about one run besides its report (from the history index or a fleet index). */
export interface RunContext {
  /** Shown in headings: e.g. the run's time or the index file. */
  readonly label?: string;
  readonly at?: string;
  readonly imageDigest?: string;
  readonly podTemplateHash?: string;
  /** sha256 of the profile's content as the scan hashed it (fleet index), when known. */
  readonly profileHash?: string;
  /** sha256 of the inputs file (or of nothing), when known. */
  readonly inputsHash?: string;
  /** The pod that was scanned (replicas and rollouts rename pods). */
  readonly pod?: string;
}

export interface ResultSide {
  readonly codeDesc: string;
  readonly status: ResultStatus;
  /** The failure message, or the skip message of a skipped result. */
  readonly message?: string;
}

export interface ResultDiff {
  /** `status`: both runs have it with different statuses; `message`: same status, different message; `added` / `removed`: one run only. */
  readonly change: 'status' | 'message' | 'added' | 'removed';
  readonly from?: ResultSide;
  readonly to?: ResultSide;
}

export interface ControlDiff extends ControlRef {
  readonly fromStatus: ControlStatus;
  readonly toStatus: ControlStatus;
  readonly results: readonly ResultDiff[];
}

/** One thing that differs between the runs besides the results. */
export interface BetweenChange {
  readonly what: 'image digest' | 'pod template hash' | 'pod' | 'profile' | 'profile version' | 'profile hash' | 'inputs' | 'inputs file' | 'auditor';
  readonly from?: string;
  readonly to?: string;
  /** For inputs: the names whose values differ. */
  readonly names?: readonly string[];
}

export interface Drift extends Comparison {
  /** Passed before, now Not Reviewed or Profile Error: no longer counts as passed, though it did not fail. */
  readonly regressed: readonly StatusChange[];
  /** Status changes that are none of new failure, fixed, regressed. */
  readonly otherStatusChanges: readonly StatusChange[];
  /** Controls in both runs whose results differ (status or message), each result pair side by side. */
  readonly resultDiffs: readonly ControlDiff[];
  readonly between: readonly BetweenChange[];
  /** Things the reader must know to trust the drift (another profile, another profile version). */
  readonly warnings: readonly string[];
  readonly from: RunContext;
  readonly to: RunContext;
}

const messageOf = (r: { status: ResultStatus; message?: string; skipMessage?: string }): string | undefined => r.message ?? (r.status === 'skipped' ? r.skipMessage : undefined);

/**
 * A message as compared: Ruby's `Object#inspect` embeds the object's memory address (`#<Foo:0x00007f28d6658d20 …>`,
 * ruby-doc.org Object#inspect), which differs on every run, so addresses are masked before two messages are compared.
 */
export const comparableMessage = (m: string | undefined): string => (m ?? '').replace(/0x[0-9a-f]{8,16}/gi, '0x…');

/**
 * Pairs the results of one control in two runs with `pairResults` (as `compareResults` does) and keeps every pair
 * that differs in status or message.
 */
export function diffResults(a: Control, b: Control): ResultDiff[] {
  const side = (r: Control['results'][number]): ResultSide => ({ codeDesc: r.codeDesc, status: r.status, ...(messageOf(r) !== undefined ? { message: messageOf(r) } : {}) });
  const pairs = pairResults(a.results.map(side), b.results.map(side), (r) => r.codeDesc);
  const out: ResultDiff[] = [];
  for (const [x, y] of pairs) {
    if (x && y) {
      if (x.status !== y.status) out.push({ change: 'status', from: x, to: y });
      else if (comparableMessage(x.message) !== comparableMessage(y.message)) out.push({ change: 'message', from: x, to: y });
    } else if (y) out.push({ change: 'added', to: y });
    else if (x) out.push({ change: 'removed', from: x });
  }
  return out;
}

const PASS_LOST: readonly ControlStatus[] = ['Not Reviewed', 'Profile Error'];

/** The drift from `older` to `newer` (same target, or the same workload's container), with what is known about each run. */
export function driftBetween(older: Report, newer: Report, from: RunContext = {}, to: RunContext = {}, base: Comparison = compareReports(older, newer)): Drift {
  const regressed = base.statusChanges.filter((s) => s.from === 'Passed' && PASS_LOST.includes(s.to));
  const otherStatusChanges = base.otherChanges.filter((s) => !regressed.includes(s));
  const before = new Map(older.controls.map((c) => [c.key, c]));
  const resultDiffs: ControlDiff[] = [];
  for (const c of newer.controls) {
    const o = before.get(c.key);
    if (!o) continue;
    const results = diffResults(o, c);
    if (results.length) resultDiffs.push({ key: c.key, id: c.id, ...(c.title !== undefined ? { title: c.title } : {}), severity: c.severity, profileName: c.profileName, fromStatus: o.status, toStatus: c.status, results });
  }
  const between: BetweenChange[] = [];
  const warnings: string[] = [];
  const differs = (what: BetweenChange['what'], x: string | undefined, y: string | undefined, always = false): void => {
    if ((x !== undefined || y !== undefined) && x !== y && (always || (x !== undefined && y !== undefined))) between.push({ what, ...(x !== undefined ? { from: x } : {}), ...(y !== undefined ? { to: y } : {}) });
  };
  differs('image digest', from.imageDigest, to.imageDigest);
  differs('pod template hash', from.podTemplateHash, to.podTemplateHash);
  differs('pod', from.pod, to.pod);
  const pa = older.profile;
  const pb = newer.profile;
  if (pa.name !== pb.name) {
    between.push({ what: 'profile', from: pa.name, to: pb.name });
    warnings.push(`The runs used different profiles (${pa.name} and ${pb.name}): controls of one are "added" or "removed" in the other. Compare runs of the same profile to see what changed in the container.`);
  } else {
    differs('profile version', pa.version, pb.version, true);
    if (pa.version !== pb.version) {
      warnings.push(`The profile changed from version ${pa.version ?? '(none)'} to ${pb.version ?? '(none)'}: added or removed controls, and some status changes, may come from the profile rather than the container.`);
    }
    const ha = from.profileHash ?? pa.sha256;
    const hb = to.profileHash ?? pb.sha256;
    differs('profile hash', ha, hb);
    if (ha && hb && ha !== hb && pa.version === pb.version) warnings.push(`The profile's content changed (hash ${short(ha)} → ${short(hb)}) but not its version: some changes may come from the profile rather than the container.`);
  }
  differs('inputs file', from.inputsHash, to.inputsHash);
  // inputs are declared by the profile: across two different profiles every input would differ
  const inputNames = pa.name === pb.name ? changedInputs(older, newer) : [];
  if (inputNames.length) between.push({ what: 'inputs', names: inputNames });
  differs('auditor', older.auditorVersion, newer.auditorVersion);
  return { ...base, regressed, otherStatusChanges, resultDiffs, between, warnings, from, to };
}

/** Input names whose value differs between the reports (declared in one only counts too). Sensitive values read `***` in both and cannot be compared. */
export function changedInputs(older: Report, newer: Report): string[] {
  const map = (r: Report) => new Map(r.inputs.map((i) => [`${i.profile}::${i.name}`, JSON.stringify(i.value ?? null)]));
  const a = map(older);
  const b = map(newer);
  const names = new Set<string>();
  for (const [k, v] of a) if (!b.has(k) || b.get(k) !== v) names.add(k.split('::').slice(1).join('::'));
  for (const k of b.keys()) if (!a.has(k)) names.add(k.split('::').slice(1).join('::'));
  return [...names].sort();
}

const short = (h: string): string => h.replace(/^sha256:/, '').slice(0, 12);

/** Did the drift make things worse (the watch notifies only then)? New failures or regressed controls. */
export function isRegression(d: Pick<Drift, 'newFailures' | 'regressed'>): boolean {
  return d.newFailures.length > 0 || d.regressed.length > 0;
}
