import { strict as assert } from 'node:assert';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { cli, root, scratch } from './cliHelpers';
import { fixtureIndexData } from './fleetFixture';

// The CLI as a real process: node --import tsx src/cli.ts … (what dist/cli.js is bundled from).
const fixtures = process.env.KC_FIXTURES_DIR ?? join(root, 'test', 'fixtures');
const reports = join(fixtures, 'reports');
const { tmp, file } = scratch('kc-cli-');

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

// ---- fleet indexes (src/core/fleet): the same commands over one report per container

type IndexData = { items: Array<Record<string, unknown>> } & Record<string, unknown>;
const fleetIndex = (name: string, data: IndexData): string => file(name, JSON.stringify(data, null, 2));
const fixtureFleet = (o: Parameters<typeof fixtureIndexData>[1] = {}) => fixtureIndexData(reports, o) as IndexData;

test('summary of a fleet index: the rollup as JSON, text and Markdown; a missing report is a note, not a failure', () => {
  const idx = fleetIndex('fleet.json', fixtureFleet());
  const j = cli(['summary', idx, '--format', 'json']);
  assert.equal(j.code, 0, j.stderr);
  assert.equal(j.stdout.trim().split('\n').length, 1);
  const o = JSON.parse(j.stdout);
  assert.deepEqual(
    [o.fleet, o.controls, o.passed, o.failed, o.notApplicable, o.notReviewed, o.profileError, o.compliance],
    [true, 26, 13, 7, 3, 1, 2, 57],
  );
  assert.deepEqual(o.containers, { total: 7, reported: 4, queued: 0, running: 0, done: 5, failed: 1, skipped: 1, cancelled: 0 });
  assert.deepEqual(o.failingControls[0], { id: 'fs-04', key: 'container-baseline::fs-04', severity: 'critical', failedIn: ['demo/web-a/app', 'demo/web-b/app', 'demo/standard-app/app'] });
  const web = o.clusters[0].children[0].children[0];
  assert.deepEqual([web.name, web.compliance, web.containers, web.children[1].scannedAs], ['Deployment/web', 67, 3, 'demo/web-a/app']);
  assert.match(j.stderr, /note: the report \/nonexistent\/kc\/api-1\.json does not exist/);
  const t = cli(['summary', idx]);
  assert.equal(t.code, 0);
  assert.match(t.stdout, /Compliance 57% \(13 passed of 23 counted over 4 containers with a report; Not Applicable excluded\)/);
  assert.match(t.stdout, /Containers: done 5 · failed 1 · skipped 1/);
  assert.match(t.stdout, /\n {4}Deployment\/web {2}67% {2}P 12 · F 4 · NA 2 · NR 0 · PE 2 {2}done 2 · failed 1\n/);
  assert.match(t.stdout, /\n {6}web-b\/app {2}67% .* scanned as demo\/web-a\/app\n/);
  assert.match(t.stdout, /\n {6}web-c\/app {2}— .* failed: pods "web-c" not found\n/);
  assert.match(t.stdout, /fs-04 \(critical\) fails in 3 of 4: demo\/web-a\/app, demo\/web-b\/app, demo\/standard-app\/app/);
  const md = cli(['summary', idx, '--format', 'markdown']);
  assert.match(md.stdout, /^## Fleet compliance: 57%/);
  assert.match(md.stdout, /\| workload \| (&nbsp;){4}Deployment\/web \| 67% \| 12 \| 4 \| 2 \| 0 \| 2 \| done 2 · failed 1 \|/);
});

test('a fleet folder can be moved: report paths are relative to the index; standard input reads them from the working directory', () => {
  const dir = join(tmp, 'moved-run');
  mkdirSync(join(dir, 'reports', 'demo', 'web-a'), { recursive: true });
  copyFileSync(join(reports, 'container-baseline-local.json'), join(dir, 'reports', 'demo', 'web-a', 'app.json'));
  const data = fixtureFleet();
  data.items = data.items.filter((i) => i.pod === 'web-a' || i.pod === 'web-b' || i.pod === 'win').map((i) => (i.reportPath ? { ...i, reportPath: 'reports/demo/web-a/app.json' } : i));
  writeFileSync(join(dir, 'fleet-index.json'), JSON.stringify(data));
  const o = JSON.parse(cli(['summary', join(dir, 'fleet-index.json'), '--format', 'json']).stdout);
  assert.deepEqual([o.compliance, o.containers.reported], [67, 2]);
  // from standard input, relative report paths are relative to the working directory (the CLI runs in the repository root)
  const fromStdin = { ...data, items: data.items.map((i) => (i.reportPath ? { ...i, reportPath: relative(root, join(dir, String(i.reportPath))) } : i)) };
  const r = cli(['threshold', '-', '--inline', '{"compliance.min":60}'], JSON.stringify(fromStdin));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'All 1 threshold rule met by each of 2 containers (1 not scannable).\n');
  assert.match(r.stderr, /note: not scannable, not checked: demo\/win\/app: Not scannable: Windows container/);
});

test('threshold on a fleet index: every container must meet every rule; one not scanned fails the gate', () => {
  const idx = fleetIndex('fleet-gate.json', fixtureFleet());
  const r = cli(['threshold', idx, '--inline', '{"compliance.min":60,"failed.critical.max":0}']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /6 of 6 containers do not meet the thresholds \(2 threshold rules each\):/);
  assert.match(r.stderr, /demo\/web-a\/app: failed\.critical\.max: the number of critical-severity Failed controls is 1, above the maximum of 0/);
  assert.match(r.stderr, /demo\/web-b\/app: failed\.critical\.max: .* is 1/, 'a deduplicated container is held to the rules with the report that covers it');
  assert.match(r.stderr, /demo\/web-c\/app: not scanned \(failed: pods "web-c" not found\)/);
  assert.match(r.stderr, /demo\/standard-app\/app: compliance\.min: compliance is 0%, below the minimum of 60%/);
  assert.match(r.stderr, /shop\/api-0\/app: compliance\.min: compliance is 33%/);
  assert.match(r.stderr, /shop\/api-1\/app: its report cannot be used: the report \/nonexistent\/kc\/api-1\.json does not exist/);
  assert.doesNotMatch(r.stderr, /^ +demo\/win\/app: /m, 'a container that cannot be scanned does not fail the gate');
  const none = cli(['threshold', idx, '--inline', '{"errors.total.max":0}']);
  assert.equal(none.code, 3);
  assert.match(none.stderr, /no threshold rule recognised/);
  const data = fixtureFleet();
  data.items = data.items.filter((i) => i.outcome !== 'done');
  const nothing = cli(['threshold', fleetIndex('fleet-empty.json', data), '--inline', '{"compliance.min":0}']);
  assert.equal(nothing.code, 1);
  assert.match(nothing.stderr, /no container of the fleet has a usable report, so nothing was checked/);
});

test('compare two fleet indexes: containers matched by workload across pod renames, added and removed listed', () => {
  const older = fixtureFleet({ reportFor: { 'api-0': 'k8s-ubuntu-stig-train-v1' } });
  const newer = fixtureFleet({ reportFor: { 'api-0': 'k8s-ubuntu-stig-train-v2' } });
  newer.items = newer.items
    .filter((i) => i.pod !== 'standard-app')
    .map((i) => (i.pod === 'web-a' ? { ...i, pod: 'web-x' } : i.pod === 'web-b' ? { ...i, pod: 'web-y', scannedAs: 'demo/web-x/app' } : i));
  newer.items.push({ ...newer.items[0], workload: { kind: 'DaemonSet', name: 'agent' }, pod: 'agent-q' });
  const args = ['compare', fleetIndex('old-fleet.json', older), fleetIndex('new-fleet.json', newer)];
  const t = cli(args);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /6 containers compared, 1 added, 1 removed; 8 new failures, 0 fixed, 2 other status changes/);
  assert.match(t.stdout, /demo\/Deployment\/web\/app \(web-a → web-x\): 67% → 67%, 0 new failures, 0 fixed/);
  assert.match(t.stdout, /shop\/StatefulSet\/api\/app \(api-0\): 38% → 28%, 8 new failures, 0 fixed \[/);
  assert.match(t.stdout, /demo\/Deployment\/web\/app \(web-c\): not compared — older run: failed: pods "web-c" not found; newer run: failed/);
  assert.match(t.stdout, /Added:\n {2}demo\/DaemonSet\/agent\/app \(agent-q\) 67%/);
  assert.match(t.stdout, /Removed:\n {2}demo\/Pod\/standard-app\/app \(standard-app\) 0%/);
  const j = JSON.parse(cli([...args, '--format', 'json']).stdout);
  assert.deepEqual([j.totals.newFailures, j.added.length, j.removed.length, j.profileChanged], [8, 1, 1, false]);
  assert.match(cli([...args, '--format', 'markdown']).stdout, /\| shop\/StatefulSet\/api\/app \| api-0 \| 38% → 28% \|/);
  const mixed = cli(['compare', args[1], join(reports, 'container-baseline-local.json')]);
  assert.equal(mixed.code, 2);
  assert.match(mixed.stderr, /compare takes two reports or two fleet indexes, not one of each/);
});

test('an invalid fleet index: exit 3 naming the file, the field and what is wrong', () => {
  const data = fixtureFleet();
  data.items[2] = { ...data.items[2], outcome: 'ok' };
  const r = cli(['summary', fleetIndex('bad-fleet.json', data)]);
  assert.equal(r.code, 3);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /bad-fleet\.json is not a usable fleet index: items\[2\]\.outcome: expected one of queued, running, done, failed, skipped, cancelled, got "ok"/);
  const newer = cli(['summary', fleetIndex('v2-fleet.json', { ...fixtureFleet(), schemaVersion: 2 })]);
  assert.match(newer.stderr, /schemaVersion: the index was written with schema 2 by a newer Kube Compliance/);
});

// ---- drift (src/core/history/drift.ts): the same drift for two reports and, per container, for two fleet indexes

test('compare prints the drift: regressed, each differing result side by side, what changed between; another profile version is a note', () => {
  const args = ['compare', join(reports, 'k8s-ubuntu-stig-train-v1.json'), join(reports, 'k8s-ubuntu-stig-train-v2.json')];
  const t = cli(args);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /\n0 regressed \(Passed → Not Reviewed or Profile Error\); 15 controls whose results differ in status or message\n/);
  assert.match(t.stdout, /Results that differ \(was \| now\):\n {2}SV-260476 {2}Passed → Failed\n {4}status:\n {6}was: \[passed\] Directory \/etc\/apt\/apt\.conf\.d is expected to exist\n {6}now: \[failed\] Directory \/etc\/apt\/apt\.conf\.d is expected to exist — expected Directory \/etc\/apt\/apt\.conf\.d to exist\n/);
  const j = JSON.parse(cli([...args, '--format', 'json']).stdout);
  assert.deepEqual([j.regressed.length, j.resultDiffs.length, j.otherStatusChanges.length, j.between.length], [0, 15, 2, 0]);
  // a report of another profile version: the newer one edited in a copy (the fixture stays as it is)
  const data = JSON.parse(readFileSync(join(reports, 'container-baseline-local.json'), 'utf8'));
  data.profiles[0].version = '0.4.0';
  const bumped = file('bumped.json', JSON.stringify(data));
  const v = cli(['compare', join(reports, 'container-baseline-local.json'), bumped]);
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stdout, /Note: The profile changed from version 0\.3\.0 to 0\.4\.0: added or removed controls, and some status changes, may come from the profile rather than the container\./);
  assert.match(v.stdout, /Changed between the runs:\n {2}profile version: 0\.3\.0 → 0\.4\.0\n/);
  const vj = cli(['compare', join(reports, 'container-baseline-local.json'), bumped, '--format', 'json']);
  assert.match(vj.stderr, /^note: The profile changed from version 0\.3\.0 to 0\.4\.0/);
});

test('compare two fleet indexes prints each changed container\'s drift with its image digest and pod template hash', () => {
  const older = fixtureFleet({ reportFor: { 'api-0': 'k8s-ubuntu-stig-train-v1' } });
  const newer = fixtureFleet({ reportFor: { 'api-0': 'k8s-ubuntu-stig-train-v2' } });
  const stamp = (items: IndexData['items'], digest: string, hash: string) => items.map((i) => (i.pod === 'api-0' ? { ...i, imageDigest: `sha256:${digest.repeat(64)}`, podTemplateHash: hash } : i));
  older.items = stamp(older.items, '1', 'api-6d4b8c7f9');
  newer.items = stamp(newer.items, '2', 'api-7f8d9c6b5');
  const args = ['compare', fleetIndex('drift-old.json', older), fleetIndex('drift-new.json', newer)];
  const t = cli(args);
  assert.equal(t.code, 0, t.stderr);
  const block = t.stdout.slice(t.stdout.indexOf('Drift of shop/StatefulSet/api/app (api-0):'));
  assert.ok(block.length > 0, t.stdout);
  assert.match(block, /^Drift of shop\/StatefulSet\/api\/app \(api-0\):\n {2}Compliance 38% → 28% \(-10\)\n/);
  assert.match(block, /\n {2}Changed between the runs:\n {4}image digest: sha256:1{64} → sha256:2{64}\n {4}pod template hash: api-6d4b8c7f9 → api-7f8d9c6b5\n/);
  assert.match(block, /\n {2}New failures:\n {4}SV-260476 {2}Passed → Failed/);
  // unchanged containers print no drift block
  assert.doesNotMatch(t.stdout, /Drift of demo\/Deployment\/web\/app/);
  const md = cli([...args, '--format', 'markdown']).stdout;
  assert.match(md, /### Drift of shop\/StatefulSet\/api\/app \(api-0\)\n/);
  assert.match(md, /#### New failures \(8\)/);
  const j = JSON.parse(cli([...args, '--format', 'json']).stdout);
  const api = j.containers.find((c: { key: string }) => c.key === 'shop/StatefulSet/api/app');
  assert.deepEqual(api.comparison.between.map((b: { what: string }) => b.what), ['image digest', 'pod template hash']);
});
