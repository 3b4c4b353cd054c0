import { summarize } from './summary';
import type { Comparison, Control, ControlRef, ControlResultChanges, Report, ResultChange, StatusChange } from './types';

const ref = (c: Control): ControlRef => ({ key: c.key, id: c.id, ...(c.title !== undefined ? { title: c.title } : {}), severity: c.severity, profileName: c.profileName });

/**
 * Pairs the results of one control in two runs. A result is identified by its `code_desc`: the n-th result with a
 * given `code_desc` is paired with the n-th one in the other run. `code_desc` often embeds values that change between
 * runs ("…interactive user count (1)" → "(0)"), so the results left unpaired are then paired in order of appearance;
 * what is still left has no partner (added or removed).
 */
export function pairResults<T>(xs: readonly T[], ys: readonly T[], codeDesc: (t: T) => string): Array<[T | undefined, T | undefined]> {
  const byDesc = new Map<string, number[]>();
  xs.forEach((x, i) => {
    const list = byDesc.get(codeDesc(x));
    if (list) list.push(i);
    else byDesc.set(codeDesc(x), [i]);
  });
  const pairedX = new Set<number>();
  const pairedY = new Set<number>();
  const pairs: Array<[T | undefined, T | undefined]> = [];
  ys.forEach((y, j) => {
    const i = byDesc.get(codeDesc(y))?.shift();
    if (i !== undefined) {
      pairedX.add(i);
      pairedY.add(j);
      pairs.push([xs[i], y]);
    }
  });
  const restX = xs.filter((_, i) => !pairedX.has(i));
  const restY = ys.filter((_, j) => !pairedY.has(j));
  for (let i = 0; i < Math.max(restX.length, restY.length); i++) pairs.push([restX[i], restY[i]]);
  return pairs;
}

/**
 * Result-level differences between two runs of one control, its results paired by `pairResults`. A pair counts as a
 * change when its status differs; a result without a partner is a change too (added or removed). A result that only
 * changed its wording, with the same status, is not a change.
 */
export function compareResults(a: Control, b: Control): ResultChange[] {
  const pairs = pairResults(a.results, b.results, (r) => r.codeDesc);
  const changes: ResultChange[] = [];
  for (const [x, y] of pairs) {
    if (x && y && x.status === y.status) continue;
    changes.push({
      codeDesc: (y ?? x)!.codeDesc,
      ...(x && y && x.codeDesc !== y.codeDesc ? { previousCodeDesc: x.codeDesc } : {}),
      ...(x ? { from: x.status } : {}),
      ...(y ? { to: y.status } : {}),
    });
  }
  return changes;
}

/**
 * What changed from one run to the next, keyed on (top-most profile name, control id): status changes split into new
 * failures / fixed / other, controls added and removed, result-level changes, and the compliance delta.
 */
export function compareReports(older: Report, newer: Report): Comparison {
  const before = new Map(older.controls.map((c) => [c.key, c]));
  const after = new Map(newer.controls.map((c) => [c.key, c]));
  const statusChanges: StatusChange[] = [];
  const resultChanges: ControlResultChanges[] = [];
  const added: Comparison['added'][number][] = [];
  for (const c of newer.controls) {
    const old = before.get(c.key);
    if (!old) {
      added.push({ ...ref(c), status: c.status });
      continue;
    }
    if (old.status !== c.status) statusChanges.push({ ...ref(c), from: old.status, to: c.status });
    const changes = compareResults(old, c);
    if (changes.length) resultChanges.push({ ...ref(c), changes });
  }
  const removed = older.controls.filter((c) => !after.has(c.key)).map((c) => ({ ...ref(c), status: c.status }));
  const from = summarize(older);
  const to = summarize(newer);
  return {
    newFailures: statusChanges.filter((s) => s.to === 'Failed'),
    fixed: statusChanges.filter((s) => s.from === 'Failed' && s.to === 'Passed'),
    otherChanges: statusChanges.filter((s) => s.to !== 'Failed' && !(s.from === 'Failed' && s.to === 'Passed')),
    statusChanges,
    added,
    removed,
    resultChanges,
    compliance: { from: from.compliance, to: to.compliance, delta: to.compliance - from.compliance, fromExact: from.complianceExact, toExact: to.complianceExact },
    summaries: { from, to },
  };
}
