import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { compareReports, compareResults, parseReport, toMarkdownComparison, type Report } from '../../src/core/results';

const fixtures = process.env.KC_FIXTURES_DIR ?? join(__dirname, '..', 'fixtures');
const load = (name: string): Report => parseReport(readFileSync(join(fixtures, 'reports', name), 'utf8'));

test('STIG v1 → v2: 10 status changes (8 Passed→Failed, 2 Failed→Not Reviewed), 11 controls with result changes, 38% → 28%', () => {
  const c = compareReports(load('k8s-ubuntu-stig-train-v1.json'), load('k8s-ubuntu-stig-train-v2.json'));
  assert.equal(c.statusChanges.length, 10);
  const kinds = new Map<string, number>();
  for (const s of c.statusChanges) kinds.set(`${s.from}→${s.to}`, (kinds.get(`${s.from}→${s.to}`) ?? 0) + 1);
  assert.deepEqual(Object.fromEntries(kinds), { 'Passed→Failed': 8, 'Failed→Not Reviewed': 2 });
  assert.equal(c.newFailures.length, 8);
  assert.equal(c.fixed.length, 0);
  assert.deepEqual(c.otherChanges.map((s) => s.id).sort(), ['SV-260549', 'SV-260555']);
  assert.equal(c.resultChanges.length, 11);
  assert.deepEqual(c.added, []);
  assert.deepEqual(c.removed, []);
  assert.equal(c.compliance.from, 38);
  assert.equal(c.compliance.to, 28);
  assert.equal(c.compliance.delta, -10);
  // every control whose status changed also has a result-level change
  const withResultChanges = new Set(c.resultChanges.map((r) => r.key));
  assert.ok(c.statusChanges.every((s) => withResultChanges.has(s.key)));
  assert.ok(c.statusChanges.every((s) => s.key === `canonical-ubuntu-22.04-lts-stig-baseline::${s.id}`));
});

test('reversed (v2 → v1): the same controls, now "fixed" and the reverse transitions', () => {
  const c = compareReports(load('k8s-ubuntu-stig-train-v2.json'), load('k8s-ubuntu-stig-train-v1.json'));
  assert.equal(c.fixed.length, 8);
  assert.equal(c.newFailures.length, 2, 'Not Reviewed → Failed');
  assert.equal(c.otherChanges.length, 0);
  assert.equal(c.resultChanges.length, 11);
  assert.equal(c.compliance.delta, 10);
});

test('a report compared with itself has no changes', () => {
  const r = load('triple-overlay.json');
  const c = compareReports(r, r);
  assert.deepEqual([c.statusChanges.length, c.resultChanges.length, c.added.length, c.removed.length, c.compliance.delta], [0, 0, 0, 0, 0]);
});

test('added and removed controls, keyed on (top-most profile name, control id)', () => {
  const ctl = (id: string, status: string): Record<string, unknown> => ({ id, impact: 0.5, tags: {}, results: [{ status, code_desc: 'x' }] });
  const a = parseReport({ profiles: [{ name: 'p', controls: [ctl('keep', 'passed'), ctl('gone', 'failed')] }] });
  const b = parseReport({ profiles: [{ name: 'p', controls: [ctl('keep', 'passed'), ctl('new', 'failed')] }] });
  const c = compareReports(a, b);
  assert.deepEqual(c.added.map((x) => [x.id, x.status]), [['new', 'Failed']]);
  assert.deepEqual(c.removed.map((x) => [x.id, x.status]), [['gone', 'Failed']]);
  assert.equal(c.statusChanges.length, 0, 'an added failing control is not a status change');
  // the same id under a renamed profile is a different control
  const renamed = parseReport({ profiles: [{ name: 'q', controls: [ctl('keep', 'passed')] }] });
  const d = compareReports(a, renamed);
  assert.deepEqual([d.added.length, d.removed.length], [1, 2]);
});

test('result-level changes: matched on code_desc, then in order; wording-only changes are not changes', () => {
  const mk = (results: Array<[string, string]>): Report =>
    parseReport({ profiles: [{ name: 'p', controls: [{ id: 'c', impact: 0.5, tags: {}, results: results.map(([code_desc, status]) => ({ code_desc, status })) }] }] });
  const diff = (a: Array<[string, string]>, b: Array<[string, string]>) => compareResults(mk(a).controls[0], mk(b).controls[0]);
  assert.deepEqual(diff([['x', 'passed'], ['y', 'passed']], [['y', 'passed'], ['x', 'failed']]), [{ codeDesc: 'x', from: 'passed', to: 'failed' }], 'order does not matter');
  assert.deepEqual(diff([['count (1)', 'passed']], [['count (0)', 'passed']]), [], 'reworded, same status');
  assert.deepEqual(diff([['count (1)', 'failed']], [['count (0)', 'skipped']]), [{ codeDesc: 'count (0)', previousCodeDesc: 'count (1)', from: 'failed', to: 'skipped' }]);
  assert.deepEqual(diff([['x', 'passed']], [['x', 'passed'], ['z', 'failed']]), [{ codeDesc: 'z', to: 'failed' }]);
  assert.deepEqual(diff([['x', 'passed'], ['x', 'failed']], [['x', 'passed']]), [{ codeDesc: 'x', from: 'failed' }], 'duplicates pair n-th with n-th');
});

test('Markdown comparison names the flips and escapes report text', () => {
  const md = toMarkdownComparison(compareReports(load('k8s-ubuntu-stig-train-v1.json'), load('k8s-ubuntu-stig-train-v2.json')));
  assert.match(md, /\*\*Compliance: 38% → 28%\*\* \(-10 points\)/);
  assert.match(md, /### New failures \(8\)/);
  assert.match(md, /### Other status changes \(2\)/);
  assert.match(md, /\| SV-260549 \| low \| Failed \| Not Reviewed \|/);
  assert.match(md, /### Result changes \(11 controls\)/);
  assert.doesNotMatch(md, /<[a-z]/i, 'no raw HTML from the report');
});
