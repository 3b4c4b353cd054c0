import { parse as parseYaml, YAMLParseError } from 'yaml';
import { compliancePercent, countByStatus } from './summary';
import type { Control, ControlStatus, Report, ThresholdResult, ThresholdViolation } from './types';

/**
 * SAF CLI threshold semantics (`saf validate threshold`, results-semantics §6). Keys nested or flat (`"failed.high.max"`),
 * both at once allowed; the status names are the SAF ones: skipped = Not Reviewed, no_impact = Not Applicable,
 * error = Profile Error.
 */

/** A threshold file that cannot be used (bad YAML, wrong value types). */
export class ThresholdError extends Error {
  override readonly name = 'ThresholdError';
}

export type ThresholdStatusName = 'passed' | 'failed' | 'skipped' | 'error' | 'no_impact';
export const THRESHOLD_STATUS: Readonly<Record<ThresholdStatusName, ControlStatus>> = {
  passed: 'Passed',
  failed: 'Failed',
  skipped: 'Not Reviewed',
  error: 'Profile Error',
  no_impact: 'Not Applicable',
};
const STATUS_NAMES = Object.keys(THRESHOLD_STATUS) as ThresholdStatusName[];
/** SAF's order for per-severity checks. */
const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low'] as const;

/** Parses a threshold file's text (YAML, or JSON, which is YAML). Throws `ThresholdError` with the line on bad syntax. */
export function parseThresholdYaml(text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = parseYaml(text);
  } catch (e) {
    if (e instanceof YAMLParseError) {
      const at = e.linePos?.[0] ? ` (line ${e.linePos[0].line}, column ${e.linePos[0].col})` : '';
      throw new ThresholdError(`the threshold file is not valid YAML${at}: ${e.message.split('\n')[0]}`);
    }
    throw new ThresholdError(`the threshold file is not valid YAML: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (v === null || v === undefined) throw new ThresholdError('the threshold file is empty: give at least one rule, e.g. "compliance: {min: 70}"');
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw new ThresholdError(`the threshold file must be a mapping of rules (e.g. "compliance: {min: 70}"), not ${Array.isArray(v) ? 'a list' : `a ${typeof v}`}`);
  }
  return v as Record<string, unknown>;
}

/** Flattens nested and flat keys into `a.b.c → value`; arrays (control lists) are leaves. */
export function flattenThreshold(thresholds: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const walk = (v: unknown, prefix: string): void => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, child] of Object.entries(v)) walk(child, prefix ? `${prefix}.${k}` : k);
    } else if (prefix) {
      if (out.has(prefix) && out.get(prefix) !== v) throw new ThresholdError(`the threshold rule "${prefix}" is given twice with different values (${String(out.get(prefix))} and ${String(v)})`);
      out.set(prefix, v);
    }
  };
  if (thresholds === null || typeof thresholds !== 'object' || Array.isArray(thresholds)) throw new ThresholdError('thresholds must be a mapping of rules');
  walk(thresholds, '');
  return out;
}

function num(rule: string, v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new ThresholdError(`the threshold rule "${rule}" needs a number, got ${JSON.stringify(v)}`);
  return n;
}

/** The controls `saf validate threshold` counts: the first profile's top-most controls, each with its root's status. */
export function thresholdControls(report: Report): readonly Control[] {
  return report.controls.filter((c) => c.profileIndex === 0);
}

const sevWord = (s: string): string => (s === 'none' ? 'no-severity' : `${s}-severity`);

/**
 * Checks a report against SAF thresholds (object from `parseThresholdYaml`, or inline like `{"compliance.min": 80}`).
 * Returns the unmet rules, each with a message ([] = all met); throws `ThresholdError` for unusable rule values.
 * `evaluateThreshold` gives the same plus how many rules were checked and the keys not understood.
 */
export function checkThreshold(report: Report, thresholds: unknown): readonly ThresholdViolation[] {
  return evaluateThreshold(report, thresholds).violations;
}

/** `checkThreshold` with the whole picture: met?, violations, rules checked, unknown keys. */
export function evaluateThreshold(report: Report, thresholds: unknown): ThresholdResult {
  const rules = flattenThreshold(thresholds);
  const controls = thresholdControls(report);
  const counts = countByStatus(controls);
  const violations: ThresholdViolation[] = [];
  const known = new Set<string>();
  let checked = 0;

  const bound = (rule: string, kind: 'min' | 'max', actual: number, what: string, unit = ''): void => {
    if (!rules.has(rule)) return;
    known.add(rule);
    checked++;
    const expected = num(rule, rules.get(rule));
    const ok = kind === 'min' ? actual >= expected : actual <= expected;
    if (!ok) {
      violations.push({
        rule,
        actual,
        expected,
        message: `${rule}: ${what} is ${actual}${unit}, ${kind === 'min' ? 'below the minimum' : 'above the maximum'} of ${expected}${unit}`,
      });
    }
  };

  // 1. compliance (rounded, as SAF rounds it)
  const compliance = compliancePercent(counts);
  bound('compliance.min', 'min', compliance, 'compliance', '%');
  bound('compliance.max', 'max', compliance, 'compliance', '%');

  // 2. exact totals: a bare number under X.total means exactly N (mitre/saf#434)
  for (const s of STATUS_NAMES) {
    const rule = `${s}.total`;
    if (!rules.has(rule)) continue;
    known.add(rule);
    checked++;
    const expected = num(rule, rules.get(rule));
    const actual = counts[THRESHOLD_STATUS[s]];
    if (actual !== expected) {
      violations.push({ rule, actual, expected, message: `${rule}: expected exactly ${expected} ${THRESHOLD_STATUS[s]} controls, the report has ${actual}` });
    }
  }
  // 3. total min / max (SAF has no no_impact.total.min/max)
  for (const kind of ['min', 'max'] as const) {
    for (const s of STATUS_NAMES.filter((x) => x !== 'no_impact')) {
      bound(`${s}.total.${kind}`, kind, counts[THRESHOLD_STATUS[s]], `the number of ${THRESHOLD_STATUS[s]} controls`);
    }
  }
  // 4. per severity (SAF counts on the root control's severity)
  const bySeverity = (severity: string, s: ThresholdStatusName): Control[] =>
    controls.filter((c) => c.rootSeverity === severity && c.status === THRESHOLD_STATUS[s]);
  const severityRules: Array<[string, ThresholdStatusName]> = [
    ...SEVERITY_ORDER.flatMap((sev) => STATUS_NAMES.map((s) => [sev, s] as [string, ThresholdStatusName])),
    ['none', 'no_impact'],
  ];
  for (const [sev, s] of severityRules) {
    for (const kind of ['min', 'max'] as const) {
      const rule = `${s}.${sev}.${kind}`;
      if (rules.has(rule)) bound(rule, kind, bySeverity(sev, s).length, `the number of ${sevWord(sev)} ${THRESHOLD_STATUS[s]} controls`);
    }
  }
  // 5. control id lists: exact set (an empty list is not checked, as in SAF)
  for (const [sev, s] of severityRules) {
    const rule = `${s}.${sev}.controls`;
    if (!rules.has(rule)) continue;
    known.add(rule);
    const v = rules.get(rule);
    if (!Array.isArray(v)) throw new ThresholdError(`the threshold rule "${rule}" needs a list of control ids, got ${JSON.stringify(v)}`);
    if (v.length === 0) continue;
    checked++;
    const expected = v.map(String);
    const actual = bySeverity(sev, s).map((c) => c.id);
    const actualSet = new Set(actual);
    const expectedSet = new Set(expected);
    const missing = expected.filter((id) => !actualSet.has(id));
    const unexpected = actual.filter((id) => !expectedSet.has(id));
    if (missing.length || unexpected.length) {
      const parts = [
        missing.length ? `expected but not ${sevWord(sev)} ${THRESHOLD_STATUS[s]}: ${missing.join(', ')}` : '',
        unexpected.length ? `${sevWord(sev)} ${THRESHOLD_STATUS[s]} but not listed: ${unexpected.join(', ')}` : '',
      ].filter(Boolean);
      violations.push({ rule, actual, expected, message: `${rule}: the set of controls differs — ${parts.join('; ')}` });
    }
  }

  const unknownKeys = [...rules.keys()].filter((k) => !known.has(k));
  return { met: violations.length === 0, violations, checked, unknownKeys };
}

/** A hint for a key we do not know (the usual mistakes), or ''. */
export function unknownKeyHint(key: string): string {
  const [head] = key.split('.');
  if (head === 'errors') return ` (the status is "error", not "errors")`;
  if (head === 'not_applicable' || head === 'na') return ` (Not Applicable is "no_impact")`;
  if (head === 'not_reviewed') return ` (Not Reviewed is "skipped")`;
  if (head === 'no_impact' && /\.total\.(min|max)$/.test(key)) return ` (use no_impact.none.min/max, or an exact no_impact.total)`;
  return '';
}
