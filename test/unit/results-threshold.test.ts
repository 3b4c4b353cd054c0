import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkThreshold, evaluateThreshold, parseReport, parseThresholdYaml, ThresholdError, unknownKeyHint, type Report } from '../../src/core/results';

const fixtures = process.env.KC_FIXTURES_DIR ?? join(__dirname, '..', 'fixtures');
const load = (name: string): Report => parseReport(readFileSync(join(fixtures, 'reports', name), 'utf8'));

// container-baseline-local.json by the rules (results-semantics §2/§3):
//   Passed: acct-01 acct-02 fs-01 rt-02 (medium), fs-02 (high), fs-03 (low)   → 6
//   Failed: acct-03 (medium), fs-04 (critical)                                → 2
//   Profile Error: rt-03 (medium) · Not Applicable: rt-01 (none) · Not Reviewed: 0
//   compliance = 6 / 9 = 66.7 → 67 (SAF rounds)
const cb = load('container-baseline-local.json');
const rules = (t: unknown): string[] => checkThreshold(cb, t).map((v) => v.rule);

test('compliance.min / max use the rounded percent', () => {
  assert.deepEqual(rules({ compliance: { min: 67 } }), [], '66.7 rounds to 67');
  const r = evaluateThreshold(cb, { compliance: { min: 70 } });
  assert.equal(r.met, false);
  assert.deepEqual(checkThreshold(cb, { compliance: { min: 70 } }), r.violations);
  assert.deepEqual(r.violations, [{ rule: 'compliance.min', actual: 67, expected: 70, message: 'compliance.min: compliance is 67%, below the minimum of 70%' }]);
  assert.deepEqual(rules({ compliance: { max: 60 } }), ['compliance.max']);
  assert.deepEqual(rules({ compliance: { max: 67 } }), []);
});

test('flat keys and nested keys mean the same rules, and may be mixed', () => {
  const nested = parseThresholdYaml('compliance: {min: 70}\nfailed: {critical: {max: 0}, high: {max: 2}}\nerror: {total: {max: 0}}\n');
  const flat = { 'compliance.min': 70, 'failed.critical.max': 0, 'failed.high.max': 2, 'error.total.max': 0 };
  const mixed = { compliance: { min: 70 }, 'failed.critical': { max: 0 }, 'failed.high.max': 2, error: { 'total.max': 0 } };
  const expected = ['compliance.min', 'error.total.max', 'failed.critical.max'];
  assert.deepEqual(rules(nested), expected);
  assert.deepEqual(rules(flat), expected);
  assert.deepEqual(rules(mixed), expected);
  assert.equal(evaluateThreshold(cb, flat).checked, 4);
});

test('a bare X.total: N is an exact count, not a maximum (mitre/saf#434)', () => {
  assert.deepEqual(rules({ passed: { total: 6 } }), []);
  assert.deepEqual(rules({ 'passed.total': 5 }), ['passed.total'], 'fewer than actual: still unmet');
  const r = checkThreshold(cb, { passed: { total: 7 } });
  assert.equal(r[0].message, 'passed.total: expected exactly 7 Passed controls, the report has 6');
  assert.deepEqual(rules({ failed: { total: 2 }, skipped: { total: 0 }, error: { total: 1 }, no_impact: { total: 1 } }), []);
  assert.deepEqual(rules({ no_impact: { total: 0 } }), ['no_impact.total']);
});

test('status mapping: skipped = Not Reviewed, no_impact = Not Applicable, error = Profile Error', () => {
  assert.deepEqual(rules({ 'skipped.total.max': 0, 'skipped.total.min': 0 }), []);
  assert.deepEqual(rules({ 'error.total.min': 2 }), ['error.total.min']);
  assert.deepEqual(rules({ 'error.total.max': 1, 'failed.total.max': 1 }), ['failed.total.max']);
  const r = checkThreshold(cb, { 'failed.total.max': 1 });
  assert.equal(r[0].message, 'failed.total.max: the number of Failed controls is 2, above the maximum of 1');
});

test('per-severity bounds', () => {
  assert.deepEqual(rules({ failed: { critical: { max: 0 } } }), ['failed.critical.max']);
  assert.deepEqual(rules({ failed: { medium: { max: 1 }, high: { max: 0 }, low: { max: 0 } } }), []);
  assert.deepEqual(rules({ passed: { medium: { min: 5 } } }), ['passed.medium.min'], '4 medium controls passed');
  assert.deepEqual(rules({ passed: { medium: { min: 4 }, high: { min: 1 }, low: { min: 1 } } }), []);
  assert.deepEqual(rules({ error: { medium: { max: 0 } } }), ['error.medium.max']);
  assert.deepEqual(rules({ no_impact: { none: { max: 0 } } }), ['no_impact.none.max']);
  assert.deepEqual(rules({ no_impact: { none: { min: 1 } } }), []);
  const r = checkThreshold(cb, { 'failed.critical.max': 0 });
  assert.equal(r[0].message, 'failed.critical.max: the number of critical-severity Failed controls is 1, above the maximum of 0');
});

test('{status}.{severity}.controls is an exact set; an empty list is not checked', () => {
  assert.deepEqual(rules({ failed: { critical: { controls: ['fs-04'] } } }), []);
  assert.deepEqual(rules({ passed: { medium: { controls: ['rt-02', 'fs-01', 'acct-02', 'acct-01'] } } }), [], 'order does not matter');
  const r = checkThreshold(cb, { failed: { medium: { controls: ['acct-03', 'rt-03'] } } });
  assert.equal(r.length, 1);
  assert.equal(r[0].rule, 'failed.medium.controls');
  assert.match(r[0].message, /expected but not medium-severity Failed: rt-03/);
  const extra = checkThreshold(cb, { 'passed.medium.controls': ['acct-01'] });
  assert.match(extra[0].message, /medium-severity Passed but not listed: acct-02, fs-01, rt-02/);
  assert.deepEqual(rules({ passed: { high: { controls: [] } } }), []);
  assert.equal(evaluateThreshold(cb, { passed: { high: { controls: [] } } }).checked, 0);
  assert.deepEqual(rules({ no_impact: { none: { controls: ['rt-01'] } }, error: { medium: { controls: ['rt-03'] } } }), []);
});

test('violations come in SAF order: compliance, totals, per-severity, control lists', () => {
  const all = {
    'failed.critical.controls': ['nope'],
    'failed.critical.max': 0,
    'failed.total.max': 0,
    'passed.total': 1,
    'compliance.min': 99,
  };
  assert.deepEqual(rules(all), ['compliance.min', 'passed.total', 'failed.total.max', 'failed.critical.max', 'failed.critical.controls']);
});

test('unknown keys are reported (not fatal), with hints for the usual mistakes', () => {
  const r = evaluateThreshold(cb, { errors: { total: { max: 0 } }, compliance: { min: 10 } });
  assert.equal(r.met, true);
  assert.deepEqual(r.unknownKeys, ['errors.total.max']);
  assert.match(unknownKeyHint('errors.total.max'), /"error", not "errors"/);
  assert.match(unknownKeyHint('not_applicable.total'), /no_impact/);
});

test('unusable values and files raise ThresholdError with a clear message', () => {
  assert.throws(() => checkThreshold(cb, { compliance: { min: 'high' } }), (e: Error) => e instanceof ThresholdError && /"compliance\.min" needs a number, got "high"/.test(e.message));
  assert.throws(() => checkThreshold(cb, { failed: { critical: { controls: 'fs-04' } } }), /needs a list of control ids/);
  assert.deepEqual(rules({ compliance: { min: '60' } }), [], 'a quoted number is a number');
  assert.throws(() => parseThresholdYaml('compliance: {min: 70\n'), (e: Error) => e instanceof ThresholdError && /not valid YAML \(line \d+, column \d+\)/.test(e.message));
  assert.throws(() => parseThresholdYaml(''), /empty/);
  assert.throws(() => parseThresholdYaml('- 1\n- 2\n'), /mapping of rules .* not a list/);
  assert.throws(() => parseThresholdYaml('70'), /not a number/);
  assert.deepEqual(parseThresholdYaml('{"compliance.min": 80}'), { 'compliance.min': 80 }, 'inline JSON is YAML');
  assert.throws(() => checkThreshold(cb, { 'compliance.min': 70, compliance: { min: 80 } }), /given twice/);
});

test('upstream default preset on the STIG v1 report', () => {
  // helm-charts/common-scanner default: min 70 / critical 0 / high 2 / skipped ≤ 5 / error 0.
  // STIG v1 by the rules: compliance 38, Failed critical 0, Failed high 1 (SV-260559), Not Reviewed 10, Profile Error 12.
  const preset = { compliance: { min: 70 }, failed: { critical: { max: 0 }, high: { max: 2 } }, skipped: { total: { max: 5 } }, error: { total: { max: 0 } } };
  const r = checkThreshold(load('k8s-ubuntu-stig-train-v1.json'), preset);
  assert.deepEqual(
    r.map((v) => [v.rule, v.actual]),
    [['compliance.min', 38], ['skipped.total.max', 10], ['error.total.max', 12]],
  );
  assert.deepEqual(checkThreshold(load('k8s-ubuntu-stig-train-v1.json'), { 'failed.high.controls': ['SV-260559'] }), []);
});

test('overlays: only the first profile\'s top-most controls count, with the root status and root severity (as SAF counts)', () => {
  const r = load('triple-overlay.json');
  // 5 top-most controls; root statuses: NR 2, Failed 1, N/A 1, Passed 1 → 25%
  assert.deepEqual(checkThreshold(r, { passed: { total: 1 }, failed: { total: 1 }, skipped: { total: 2 }, no_impact: { total: 1 }, error: { total: 0 } }), []);
  assert.deepEqual(checkThreshold(r, { compliance: { min: 25, max: 25 } }), []);
  // V-61867: N/A; the root's severity tag is medium (the top layer alone would say none)
  assert.deepEqual(checkThreshold(r, { no_impact: { medium: { controls: ['V-61867'] } } }), []);
  assert.deepEqual(checkThreshold(r, { 'no_impact.none.max': 0 }), []);
});

test('a report with two independent profiles: threshold counts the first profile only', () => {
  const ctl = (id: string, status: string): Record<string, unknown> => ({ id, impact: 0.5, tags: {}, results: [{ status, code_desc: id }] });
  const r = parseReport({
    profiles: [
      { name: 'first', controls: [ctl('a1', 'passed'), ctl('a2', 'failed')] },
      { name: 'second', controls: [ctl('b1', 'failed'), ctl('b2', 'failed'), ctl('b3', 'failed')] },
    ],
  });
  assert.equal(r.controls.length, 5, 'the model (and Heimdall) shows both profiles');
  assert.deepEqual(checkThreshold(r, { passed: { total: 1 }, failed: { total: 1 }, compliance: { min: 50, max: 50 } }), []);
});
