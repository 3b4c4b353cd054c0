import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { driftBetween, isRegression } from '../../src/core/history/drift';
import { driftMarkdown, driftText } from '../../src/core/history/format';
import { parseReport } from '../../src/core/results';

const reports = join(process.env.KC_FIXTURES_DIR ?? join(__dirname, '..', 'fixtures'), 'reports');
const raw = (name: string) => readFileSync(join(reports, `${name}.json`), 'utf8');
const load = (name: string) => parseReport(raw(name));

test('v1 → v2 STIG (results-semantics §7): 8 new failures, 2 Failed → Not Reviewed, 11 controls whose results changed status, 38% → 28%', () => {
  const d = driftBetween(load('k8s-ubuntu-stig-train-v1'), load('k8s-ubuntu-stig-train-v2'));
  assert.equal(d.newFailures.length, 8);
  assert.ok(d.newFailures.every((s) => s.from === 'Passed'));
  assert.deepEqual(d.otherStatusChanges.map((s) => `${s.id} ${s.from}→${s.to}`), ['SV-260549 Failed→Not Reviewed', 'SV-260555 Failed→Not Reviewed']);
  assert.equal(d.fixed.length, 0);
  assert.equal(d.regressed.length, 0);
  assert.deepEqual([d.compliance.from, d.compliance.to], [38, 28]);
  const statusLevel = d.resultDiffs.filter((c) => c.results.some((r) => r.change !== 'message'));
  assert.equal(statusLevel.length, 11);
  // the describe block side by side: same code_desc, the newer run's failure message
  const apt = d.resultDiffs.find((c) => c.id === 'SV-260476')!;
  assert.deepEqual(apt.results, [
    {
      change: 'status',
      from: { codeDesc: 'Directory /etc/apt/apt.conf.d is expected to exist', status: 'passed' },
      to: { codeDesc: 'Directory /etc/apt/apt.conf.d is expected to exist', status: 'failed', message: 'expected Directory /etc/apt/apt.conf.d to exist' },
    },
  ]);
  // a control that failed in both runs for another reason: a message change, paired although its code_desc changed
  const shadow = d.resultDiffs.find((c) => c.id === 'SV-260542')!;
  assert.equal(shadow.fromStatus, 'Failed');
  assert.equal(shadow.results[0].change, 'message');
  assert.match(shadow.results[0].from!.codeDesc, /^\/etc\/shadow with user == "root"/);
  assert.match(shadow.results[0].to!.message!, /Can't find file: \/etc\/shadow/);
  // same profile, same version and hash: nothing in between, no warning; it is a regression
  assert.deepEqual(d.between, []);
  assert.deepEqual(d.warnings, []);
  assert.equal(isRegression(d), true);
});

test('the same report twice, and a rerun whose errors differ only in Ruby object addresses: no drift', () => {
  const same = driftBetween(load('container-baseline-local'), load('container-baseline-local'));
  assert.equal(same.statusChanges.length + same.resultDiffs.length + same.added.length + same.removed.length, 0);
  // rt-03's NoMethodError message embeds #<Class:0x00007f28d6d1e1f0>, another address in the enhanced run
  assert.notEqual(load('container-baseline-local').controls.find((c) => c.id === 'rt-03')!.results[0].message, load('container-baseline-local-enhanced').controls.find((c) => c.id === 'rt-03')!.results[0].message);
  const rerun = driftBetween(load('container-baseline-local'), load('container-baseline-local-enhanced'));
  assert.deepEqual(rerun.resultDiffs, []);
  assert.equal(isRegression(rerun), false);
});

test('fixed, regressed and added/removed: the reverse of v1 → v2, and a run narrowed to two controls', () => {
  const back = driftBetween(load('k8s-ubuntu-stig-train-v2'), load('k8s-ubuntu-stig-train-v1'));
  assert.equal(back.fixed.length, 8);
  assert.equal(back.newFailures.length, 2);
  const narrowed = driftBetween(load('container-baseline-local'), load('container-baseline-local-two-controls'));
  assert.deepEqual(narrowed.removed.map((c) => c.id), ['acct-01', 'acct-02', 'fs-01', 'fs-02', 'fs-03', 'rt-01', 'rt-02', 'rt-03']);
  assert.equal(narrowed.added.length, 0);
  // Passed → Profile Error is a regression although nothing failed: the raw report edited in memory, not the fixture
  const data = JSON.parse(raw('container-baseline-local'));
  const acct = data.profiles[0].controls.find((c: { id: string }) => c.id === 'acct-01');
  acct.results = [];
  const d = driftBetween(load('container-baseline-local'), parseReport(JSON.stringify(data)));
  assert.deepEqual(d.regressed.map((s) => `${s.id} ${s.from}→${s.to}`), ['acct-01 Passed→Profile Error']);
  assert.equal(d.newFailures.length, 0);
  assert.deepEqual(d.otherStatusChanges, []);
  assert.equal(d.resultDiffs[0].results[0].change, 'removed');
  assert.equal(isRegression(d), true);
});

test('what changed between: image digest, pod template hash, profile version (with a warning), inputs', () => {
  const data = JSON.parse(raw('container-baseline-local'));
  data.profiles[0].version = '0.4.0';
  data.profiles[0].attributes.find((a: { name: string }) => a.name === 'max_world_writable').options.value = 3;
  const newer = parseReport(JSON.stringify(data));
  const d = driftBetween(load('container-baseline-local'), newer, { imageDigest: `sha256:${'1'.repeat(64)}`, podTemplateHash: '7d9f', pod: 'web-7d9f-a' }, { imageDigest: `sha256:${'2'.repeat(64)}`, podTemplateHash: '5c8b', pod: 'web-5c8b-x' });
  assert.deepEqual(
    d.between.map((b) => b.what),
    ['image digest', 'pod template hash', 'pod', 'profile version', 'inputs'],
  );
  assert.deepEqual(d.between.find((b) => b.what === 'inputs')!.names, ['max_world_writable']);
  assert.match(d.warnings.join('\n'), /The profile changed from version 0\.3\.0 to 0\.4\.0: added or removed controls, and some status changes, may come from the profile/);
  // another profile altogether: said plainly, and its inputs are not listed one by one
  const other = driftBetween(load('container-baseline-local'), load('rhel8-one-of-each-status'));
  assert.deepEqual(other.between.find((b) => b.what === 'profile'), { what: 'profile', from: 'container-baseline', to: 'redhat-enterprise-linux-8-stig-baseline' });
  assert.equal(other.between.find((b) => b.what === 'inputs'), undefined);
  assert.match(other.warnings[0], /The runs used different profiles \(container-baseline and redhat-enterprise-linux-8-stig-baseline\)/);
});

test('text and Markdown show every section with both sides of a result', () => {
  const d = driftBetween(load('k8s-ubuntu-stig-train-v1'), load('k8s-ubuntu-stig-train-v2'), { imageDigest: 'sha256:aa' }, { imageDigest: 'sha256:bb' });
  const t = driftText(d);
  assert.match(t, /^Compliance 38% → 28% \(-10\)\n10 status changes: 8 new failures, 0 fixed, 2 other; 11 controls with result changes; 0 added, 0 removed\n0 regressed \(Passed → Not Reviewed or Profile Error\); 15 controls whose results differ in status or message\n/);
  assert.match(t, /Changed between the runs:\n {2}image digest: sha256:aa → sha256:bb\n/);
  assert.match(t, / {2}SV-260489 {2}Passed → Failed\n {4}status:\n {6}was: \[passed\] Directory \/var\/log is expected to exist\n {6}now: \[failed\] Directory \/var\/log is expected to exist — expected Directory \/var\/log to exist\n/);
  const md = driftMarkdown(d);
  assert.match(md, /### New failures \(8\)/);
  assert.match(md, /\| SV-260476 \| status \| \\\[passed\\\] Directory \/etc\/apt\/apt\.conf\.d is expected to exist \| \\\[failed\\\] Directory/);
});
