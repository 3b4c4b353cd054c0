import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

// The CLI as a real process: node --import tsx src/cli.ts … (what dist/cli.js is bundled from).
const root = join(__dirname, '..', '..');
const fixtures = process.env.KC_FIXTURES_DIR ?? join(root, 'test', 'fixtures');
const reports = join(fixtures, 'reports');
const tmp = mkdtempSync(join(tmpdir(), 'kc-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function cli(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli.ts'), ...args], { cwd: root, encoding: 'utf8', input, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const file = (name: string, text: string): string => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};

test('summary --format json: exactly one JSON object with the contract keys (container-baseline)', () => {
  const r = cli(['summary', join(reports, 'container-baseline-local.json'), '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  const o = JSON.parse(lines[0]);
  assert.deepEqual(o, {
    controls: 10, passed: 6, failed: 2, notApplicable: 1, notReviewed: 0, profileError: 1, compliance: 67,
    severity: { none: 1, low: 1, medium: 6, high: 1, critical: 1 },
  });
});

test('summary json on the STIG v2 report and the overlay', () => {
  const v2 = JSON.parse(cli(['summary', join(reports, 'k8s-ubuntu-stig-train-v2.json'), '--format=json']).stdout);
  assert.deepEqual([v2.passed, v2.failed, v2.notReviewed, v2.profileError, v2.notApplicable, v2.compliance], [23, 35, 12, 12, 101, 28]);
  const o = JSON.parse(cli(['summary', join(reports, 'triple-overlay.json'), '--format', 'json']).stdout);
  assert.deepEqual([o.controls, o.passed, o.failed, o.notReviewed, o.notApplicable, o.compliance], [5, 1, 1, 2, 1, 25]);
});

test('summary reads standard input with "-", and prints text and Markdown', () => {
  const text = readFileSync(join(reports, 'rhel8-one-of-each-status.json'), 'utf8');
  const t = cli(['summary', '-'], text);
  assert.equal(t.code, 0);
  assert.match(t.stdout, /Compliance 33% \(1 passed of 3 counted; Not Applicable excluded\)/);
  const md = cli(['summary', join(reports, 'container-baseline-local.json'), '--format', 'markdown']);
  assert.equal(md.code, 0);
  assert.match(md.stdout, /\*\*Compliance: 67%\*\*/);
  assert.match(md.stdout, /\| Failed \| 2 \| 1 \| 0 \| 1 \| 0 \| 0 \|/);
});

test('threshold: exit 0 when met, 1 naming each unmet rule', () => {
  const ok = cli(['threshold', join(reports, 'container-baseline-local.json'), '--file', file('ok.yml', 'compliance:\n  min: 60\nfailed:\n  total: 2\n')]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /All 2 threshold rules met/);
  const bad = cli(['threshold', join(reports, 'container-baseline-local.json'), '-F', file('bad.yml', 'compliance: {min: 70}\nfailed: {critical: {max: 0}, high: {max: 2}}\nerror: {total: {max: 0}}\n')]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /3 of 4 threshold rules not met/);
  assert.match(bad.stderr, /compliance\.min: compliance is 67%, below the minimum of 70%/);
  assert.match(bad.stderr, /error\.total\.max: the number of Profile Error controls is 1, above the maximum of 0/);
  assert.match(bad.stderr, /failed\.critical\.max: the number of critical-severity Failed controls is 1, above the maximum of 0/);
  const inline = cli(['threshold', join(reports, 'container-baseline-local.json'), '--inline', '{"compliance.min":80,"errors.total.max":0}']);
  assert.equal(inline.code, 1);
  assert.match(inline.stderr, /unknown threshold key "errors\.total\.max" ignored \(the status is "error", not "errors"\)/);
  // a file in which no key is recognised checks nothing: it is an error, not a pass
  const none = cli(['threshold', join(reports, 'container-baseline-local.json'), '--inline', '{"errors.total.max":0}']);
  assert.equal(none.code, 3, none.stdout);
  assert.match(none.stderr, /no threshold rule recognised/);
  assert.doesNotMatch(none.stdout, /met/);
});

test('compare: text, json and markdown', () => {
  const args = ['compare', join(reports, 'k8s-ubuntu-stig-train-v1.json'), join(reports, 'k8s-ubuntu-stig-train-v2.json')];
  const t = cli(args);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /Compliance 38% → 28% \(-10\)/);
  assert.match(t.stdout, /10 status changes: 8 new failures, 0 fixed, 2 other; 11 controls with result changes; 0 added, 0 removed/);
  const j = cli([...args, '--format', 'json']);
  assert.equal(j.stdout.trim().split('\n').length, 1);
  const o = JSON.parse(j.stdout);
  assert.deepEqual([o.newFailures.length, o.fixed.length, o.otherChanges.length, o.resultChanges.length, o.compliance.from, o.compliance.to], [8, 0, 2, 11, 38, 28]);
  assert.match(cli([...args, '--format', 'markdown']).stdout, /### New failures \(8\)/);
});

test('usage errors exit 2 with the usage text', () => {
  for (const args of [[], ['frobnicate'], ['summary'], ['summary', 'a', 'b'], ['summary', 'x.json', '--format', 'xml'], ['summary', 'x.json', '--bogus'], ['threshold', 'x.json'], ['compare', 'a.json'], ['summary', 'x.json', '--format']]) {
    const r = cli(args);
    assert.equal(r.code, 2, `${args.join(' ')} → ${r.code}`);
    assert.match(r.stderr + r.stdout, /Usage:\n {2}kube-compliance summary REPORT/);
  }
  const help = cli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /kube-compliance threshold REPORT/);
  assert.match(cli(['--version']).stdout, /^\d+\.\d+\.\d+\n$/);
});

test('unreadable and malformed files: exit 3 with a clear message, nothing on stdout', () => {
  const missing = cli(['summary', join(tmp, 'nope.json')]);
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /cannot read the report .*nope\.json: no such file/);
  const dir = cli(['summary', tmp]);
  assert.equal(dir.code, 3);
  assert.match(dir.stderr, /is a directory/);
  const truncated = file('cut.json', readFileSync(join(reports, 'container-baseline-local.json'), 'utf8').slice(0, 3000));
  const t = cli(['summary', truncated, '--format', 'json']);
  assert.equal(t.code, 3);
  assert.equal(t.stdout, '');
  assert.match(t.stderr, /cut\.json is not a usable report: not JSON: unexpected end at byte 3000 — the report file looks truncated/);
  const empty = cli(['summary', file('empty.json', '')]);
  assert.equal(empty.code, 3);
  assert.match(empty.stderr, /the report is empty/);
  const arr = cli(['compare', file('arr.json', '[]'), join(reports, 'triple-overlay.json')]);
  assert.equal(arr.code, 3);
  assert.match(arr.stderr, /arr\.json is not a usable report: expected a JSON object/);
  const badYaml = cli(['threshold', join(reports, 'triple-overlay.json'), '--file', file('t.yml', 'compliance: [min: 70\n')]);
  assert.equal(badYaml.code, 3);
  assert.match(badYaml.stderr, /t\.yml: the threshold file is not valid YAML/);
  const missingYaml = cli(['threshold', join(reports, 'triple-overlay.json'), '--file', join(tmp, 'none.yml')]);
  assert.equal(missingYaml.code, 3);
  assert.match(missingYaml.stderr, /cannot read the threshold file .*none\.yml: no such file/);
});
