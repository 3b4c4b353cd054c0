import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { applyRetention, entryFor, groupHistory, groupKey, HISTORY_FILE, parseHistory, podTemplateHashOf, type HistoryEntry } from '../../src/core/history/indexFormat';
import { HistoryStore } from '../../src/core/history/store';
import { timeline } from '../../src/core/history/timeline';
import { parseReport } from '../../src/core/results';

const root = join(__dirname, '..', '..');
const reports = join(process.env.KC_FIXTURES_DIR ?? join(__dirname, '..', 'fixtures'), 'reports');
const load = (name: string) => parseReport(readFileSync(join(reports, `${name}.json`), 'utf8'));
const tmp = mkdtempSync(join(tmpdir(), 'kc-history-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const folder = () => {
  const d = join(tmp, `f${++n}`);
  mkdirSync(d);
  return d;
};

/** A run of `pod`/app in shop (a Deployment's replica unless `bare`), its report copied into the folder as a scan writes it. */
function run(dir: string, id: string, at: string, report: string, o: { pod?: string; bare?: boolean; digest?: string; source?: HistoryEntry['source'] } = {}): HistoryEntry {
  const file = `${id}.json`;
  copyFileSync(join(reports, `${report}.json`), join(dir, file));
  return entryFor(
    {
      id,
      at,
      target: { context: 'kind-demo', namespace: 'shop', pod: o.pod ?? 'web-7d9f-a', container: 'app' },
      ...(o.bare ? {} : { workload: { kind: 'Deployment', name: 'web' } }),
      ...(o.digest ? { imageDigest: o.digest } : {}),
      reportPath: file,
      source: o.source ?? 'scan',
      profileLocation: '/profiles/x',
    },
    load(report),
  );
}

test('an entry carries the report\'s counts, compliance and profile; runs group by workload across pod renames', () => {
  const d = folder();
  const a = run(d, 'r1', '2026-12-01T10:00:00.000Z', 'container-baseline-local', { pod: 'web-7d9f-a' });
  assert.deepEqual(a.byStatus, { Passed: 6, Failed: 2, 'Not Applicable': 1, 'Not Reviewed': 0, 'Profile Error': 1 });
  assert.equal(a.compliance, 67);
  assert.deepEqual(a.profile, { location: '/profiles/x', name: 'container-baseline', version: '0.3.0', sha256: 'df76b833361bbf3df05256cba4c266c445b2cdfbf3c16738e16b1821e0d85839' });
  const b = run(d, 'r2', '2026-12-02T10:00:00.000Z', 'container-baseline-local', { pod: 'web-5c8b-x' });
  const c = run(d, 'r3', '2026-12-03T10:00:00.000Z', 'rhel8-one-of-each-status', { pod: 'debug', bare: true });
  assert.equal(groupKey(a), 'kind-demo/shop/Deployment/web/app');
  const groups = groupHistory([a, b, c]);
  assert.deepEqual(groups.map((g) => [g.label, g.entries.map((e) => e.id)]), [['shop/debug/app', ['r3']], ['shop/Deployment/web/app', ['r2', 'r1']]]);
});

test('record: merges with what is on disk, retention keeps the newest N per target and deletes only single-scan reports in the folder', async () => {
  const d = folder();
  const s = new HistoryStore(d);
  const runs = ['01', '02', '03', '04'].map((day) => run(d, `r${day}`, `2026-12-${day}T10:00:00.000Z`, 'container-baseline-local'));
  const fleetRun = { ...run(d, 'f05', '2026-12-05T10:00:00.000Z', 'container-baseline-local'), source: 'fleet' as const };
  const other = run(d, 'o1', '2026-11-01T10:00:00.000Z', 'rhel8-one-of-each-status', { bare: true, pod: 'debug' });
  await s.record([runs[0], runs[1], other], 3);
  await s.record([runs[2], runs[3]], 3);
  let read = await s.read();
  assert.deepEqual(read.entries.map((e) => e.id), ['r04', 'r03', 'r02', 'o1']);
  assert.equal(existsSync(join(d, 'r01.json')), false, 'the pruned single-scan report is deleted');
  assert.equal(existsSync(join(d, 'r02.json')), true);
  const res = await s.record([fleetRun], 1);
  assert.deepEqual(res.pruned.map((e) => e.id).sort(), ['r02', 'r03', 'r04']);
  assert.deepEqual(res.deletedReports.map((p) => p.split('/').pop()).sort(), ['r02.json', 'r03.json', 'r04.json']);
  // a target's last run is never pruned (retention 0 keeps one), and a fleet report stays (its fleet index points at it)
  await s.record([], 0);
  read = await s.read();
  assert.deepEqual(read.entries.map((e) => e.id), ['f05', 'o1']);
  await s.record([run(d, 'r06', '2026-12-06T10:00:00.000Z', 'container-baseline-local')], 1);
  assert.equal(existsSync(join(d, 'f05.json')), true);
  assert.equal(applyRetention(read.entries, 0).kept.length, 2);
});

test('edited by hand: a broken entry is reported and kept verbatim; an unreadable index is moved aside, never overwritten', async () => {
  const d = folder();
  const s = new HistoryStore(d);
  await s.record([run(d, 'r1', '2026-12-01T10:00:00.000Z', 'container-baseline-local')], 10);
  const data = JSON.parse(readFileSync(join(d, HISTORY_FILE), 'utf8'));
  data.runs.push({ id: 'hand', at: 'yesterday', note: 'typed by hand' });
  writeFileSync(join(d, HISTORY_FILE), JSON.stringify(data));
  const read = await s.read();
  assert.deepEqual(read.entries.map((e) => e.id), ['r1']);
  assert.match(read.problems[0], /has an entry it cannot use \(kept as it is\): runs\[1\]: at: expected an ISO 8601 time/);
  const res = await s.record([run(d, 'r2', '2026-12-02T10:00:00.000Z', 'container-baseline-local')], 10);
  assert.match(res.notes[0], /1 entry it cannot use, kept as written/);
  const after1 = JSON.parse(readFileSync(join(d, HISTORY_FILE), 'utf8'));
  assert.deepEqual(after1.runs.map((r: { id: string }) => r.id), ['r2', 'r1', 'hand']);
  assert.equal(after1.runs[2].note, 'typed by hand');

  writeFileSync(join(d, HISTORY_FILE), '{ "kind": "kube-compliance/history", "runs": [ {');
  assert.match((await s.read()).problems[0], /cannot be used: it is not JSON .*It is kept; the next scan moves it aside/);
  const res2 = await s.record([run(d, 'r3', '2026-12-03T10:00:00.000Z', 'container-baseline-local')], 10);
  const aside = readdirSync(d).find((f) => f.startsWith('history-index.unreadable-'))!;
  assert.ok(aside, 'moved aside');
  assert.equal(readFileSync(join(d, aside), 'utf8'), '{ "kind": "kube-compliance/history", "runs": [ {');
  assert.match(res2.notes[0], /could not be used \(it is not JSON.*\); it was moved to .*history-index\.unreadable-.*\.json and a new history started\. The report files are untouched\./);
  assert.deepEqual((await s.read()).entries.map((e) => e.id), ['r3']);
  assert.ok(existsSync(join(d, 'r1.json')) && existsSync(join(d, 'r2.json')));
  // removed by hand: an empty history, no problem; a newer schema: says to update
  rmSync(join(d, HISTORY_FILE));
  assert.deepEqual(await s.read(), { entries: [], problems: [] });
  assert.deepEqual(parseHistory('{"kind":"kube-compliance/history","schemaVersion":1,"runs":[]}').entries, []);
  assert.throws(() => parseHistory('{"kind":"kube-compliance/history","schemaVersion":2,"runs":[]}'), /written with schema 2 by a newer Kube Compliance; this version reads schema 1\. Update the extension\./);
});

test('two processes (two windows) recording into one folder at once: every run is kept', async () => {
  const d = folder();
  const script = join(tmp, 'writer.ts');
  writeFileSync(
    script,
    `import { HistoryStore } from ${JSON.stringify(join(root, 'src/core/history/store.ts'))};
const [dir, who] = process.argv.slice(2);
const s = new HistoryStore(dir);
const byStatus = { Passed: 1, Failed: 0, 'Not Applicable': 0, 'Not Reviewed': 0, 'Profile Error': 0 };
(async () => {
  for (let i = 0; i < 15; i++) {
    await s.record([{ id: who + '-' + i, at: new Date(Date.UTC(2026, 11, 1, 0, 0, i)).toISOString(), target: { context: 'c', namespace: 'ns', pod: who, container: 'app' }, profile: { location: '/p' }, reportPath: who + i + '.json', byStatus, compliance: 100, source: 'scan' }], 100);
  }
})();`,
  );
  const child = (who: string) =>
    new Promise<number | null>((res) => {
      const p = spawn(process.execPath, ['--import', 'tsx', script, d, who], { cwd: root, stdio: 'inherit' });
      p.on('exit', res);
    });
  assert.deepEqual(await Promise.all([child('a'), child('b')]), [0, 0]);
  const ids = (await new HistoryStore(d).read()).entries.map((e) => e.id);
  assert.equal(ids.length, 30);
  assert.equal(existsSync(join(d, `${HISTORY_FILE}.lock`)), false);
});

test('a lock held by a live writer makes the other wait, then fail with what to do; a stale lock is taken over', async () => {
  const d = folder();
  const lock = join(d, `${HISTORY_FILE}.lock`);
  writeFileSync(lock, '{}');
  const s = new HistoryStore(d, { lockTimeoutMs: 200, staleLockMs: 60_000 });
  const e = run(d, 'r1', '2026-12-01T10:00:00.000Z', 'container-baseline-local');
  await assert.rejects(s.record([e], 5), /another VS Code window is writing the scan history \(.*history-index\.json\.lock exists\)\. The run's report is kept; if no other window is scanning into this results folder, delete that file and scan again\./);
  assert.equal(existsSync(join(d, 'r1.json')), true);
  const old = new Date(Date.now() - 120_000);
  utimesSync(lock, old, old);
  await s.record([e], 5);
  assert.deepEqual((await s.read()).entries.map((x) => x.id), ['r1']);
  await assert.rejects(new HistoryStore(join(d, 'missing')).record([e], 5), /the results folder .*missing does not exist; check the kubeCompliance\.resultsFolder setting/);
});

test('timeline: per target the run\'s own compliance; per namespace the rollup of each target\'s last run at that time', () => {
  const d = folder();
  const a1 = run(d, 'a1', '2026-12-01T10:00:00.000Z', 'container-baseline-local'); // 6 P, 2 F, 1 PE → 67
  const b1 = run(d, 'b1', '2026-12-02T10:00:00.000Z', 'rhel8-one-of-each-status', { bare: true, pod: 'debug' }); // 1 P, 1 F, 1 NR → 33
  const a2 = run(d, 'a2', '2026-12-03T10:00:00.000Z', 'container-baseline-local-two-controls', { pod: 'web-5c8b-x' });
  const all = [a2, b1, a1];
  assert.deepEqual(timeline(all, { kind: 'target', key: groupKey(a1) }).map((p) => [p.at.slice(5, 10), p.compliance, p.targets]), [['12-01', 67, 1], ['12-03', a2.compliance, 1]]);
  const ns = timeline(all, { kind: 'namespace', context: 'kind-demo', namespace: 'shop' });
  assert.deepEqual(ns.map((p) => p.targets), [1, 2, 2]);
  // 12-02: (6 + 1) passed of (6+2+1) + (1+1+1) counted = 7/12
  assert.equal(ns[1].compliance, Math.round((100 * 7) / 12));
  assert.deepEqual(ns[2].byStatus, { Passed: a2.byStatus.Passed + 1, Failed: a2.byStatus.Failed + 1, 'Not Applicable': a2.byStatus['Not Applicable'] + 1, 'Not Reviewed': a2.byStatus['Not Reviewed'] + 1, 'Profile Error': a2.byStatus['Profile Error'] });
  assert.deepEqual(timeline(all, { kind: 'workload', context: 'kind-demo', namespace: 'shop', workload: { kind: 'Deployment', name: 'web' } }).map((p) => p.runId), ['a1', 'a2']);
});

test('pod template hash: the Deployment label, else the StatefulSet/DaemonSet revision label', () => {
  assert.equal(podTemplateHashOf({ 'pod-template-hash': '7d9f', app: 'web' }), '7d9f');
  assert.equal(podTemplateHashOf({ 'controller-revision-hash': 'db-6c5d' }), 'db-6c5d');
  assert.equal(podTemplateHashOf({ app: 'x' }), undefined);
});
