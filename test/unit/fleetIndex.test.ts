import { strict as assert } from 'node:assert';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { planFleet } from '../../src/core/fleet/dedupe';
import { EMPTY_INPUTS_HASH, type ProfileHash } from '../../src/core/fleet/hash';
import { FLEET_INDEX_FILE, FleetIndexWriter, loadFleetReports, readFleetIndex, reportRelativePath, resolveReportPath } from '../../src/core/fleet/indexFile';
import { writeJsonAtomic } from '../../src/core/atomicWrite';
import { FleetIndexError, isFleetIndexData, itemKey, parseFleetIndex, type FleetIndexItem } from '../../src/core/fleet/indexFormat';
import { runFleet } from '../../src/core/fleet/run';
import type { RunOneResult } from '../../src/core/fleet/scheduler';
import type { FleetTarget } from '../../src/core/fleet/targets';

const root = join(__dirname, '..', '..');
const reports = join(process.env.KC_FIXTURES_DIR ?? join(root, 'test', 'fixtures'), 'reports');
const tmp = mkdtempSync(join(tmpdir(), 'kc-fleet-index-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const PROFILE: ProfileHash = { kind: 'folder', location: '/work/profiles/container-baseline', hash: `sha256:${'a'.repeat(64)}` };
const HEADER = { profile: PROFILE, inputsHash: EMPTY_INPUTS_HASH, dedupe: 'image' as const };
const item = (pod: string, extra: Partial<FleetIndexItem> = {}): FleetIndexItem => ({ context: 'kind-demo', namespace: 'demo', workload: { kind: 'Deployment', name: 'web' }, pod, container: 'app', outcome: 'queued', ...extra });
const clock = () => {
  let t = Date.parse('2026-12-01T10:00:00Z');
  return () => new Date((t += 1000));
};

test('the writer rewrites the index atomically as items change; the reader gets back exactly what was written', async () => {
  const path = join(tmp, 'w1', FLEET_INDEX_FILE);
  const w = await FleetIndexWriter.create(path, HEADER, [item('web-a'), item('web-b'), item('win', { outcome: 'skipped', message: 'Windows container' })], clock());
  let onDisk = await readFleetIndex(path);
  assert.deepEqual([onDisk.complete, onDisk.items.map((i) => i.outcome)], [false, ['queued', 'queued', 'skipped']]);
  assert.equal(onDisk.createdAt, '2026-12-01T10:00:01.000Z');
  // many changes in a row: each write queued after the previous one, the last state wins
  await Promise.all([
    w.update([{ index: 0, patch: { outcome: 'running' } }]),
    w.update([{ index: 0, patch: { outcome: 'done', reportPath: 'reports/demo/web-a/app.json' } }]),
    w.update([{ index: 1, patch: { outcome: 'done', reportPath: 'reports/demo/web-a/app.json', scannedAs: 'demo/web-a/app', message: undefined } }]),
  ]);
  onDisk = await readFleetIndex(path);
  assert.deepEqual(onDisk.items[1], item('web-b', { outcome: 'done', reportPath: 'reports/demo/web-a/app.json', scannedAs: 'demo/web-a/app' }));
  await w.finish();
  onDisk = await readFleetIndex(path);
  assert.equal(onDisk.complete, true);
  assert.deepEqual(onDisk, JSON.parse(JSON.stringify(w.index)) as typeof onDisk, 'what the reader returns is what was written');
  assert.deepEqual(readdirSync(join(tmp, 'w1')), [FLEET_INDEX_FILE], 'no temporary files left behind');
  assert.throws(() => w.update([{ index: 9, patch: {} }]), /no item 9/);
  assert.equal(itemKey(onDisk.items[0]), 'kind-demo/demo/web-a/app');
  assert.equal(reportRelativePath(onDisk.items[0]), 'reports/demo/web-a/app.json');
  assert.equal(resolveReportPath(path, onDisk.items[0]), join(tmp, 'w1', 'reports/demo/web-a/app.json'));
  assert.equal(resolveReportPath(path, { ...onDisk.items[0], reportPath: '/abs/r.json' }), '/abs/r.json');
  assert.ok(isFleetIndexData(onDisk) && !isFleetIndexData({ profiles: [] }));
  await writeJsonAtomic(join(tmp, 'w2', 'x.json'), { a: 1 });
  assert.deepEqual(JSON.parse(readFileSync(join(tmp, 'w2', 'x.json'), 'utf8')), { a: 1 });
});

test('invalid indexes are refused with what is wrong and where', async () => {
  const good = JSON.parse(JSON.stringify((await FleetIndexWriter.create(join(tmp, 'v', FLEET_INDEX_FILE), HEADER, [item('web-a', { outcome: 'done', reportPath: 'r.json' })], clock())).index)) as unknown;
  type Loose = Record<string, unknown> & { items: Array<Record<string, unknown> & { workload: Record<string, unknown> }>; profile: Record<string, unknown> };
  const bad = (mutate: (o: Loose) => void): unknown => {
    const o = structuredClone(good) as Loose;
    mutate(o);
    return o;
  };
  const cases: Array<[unknown, RegExp]> = [
    ['', /not JSON .*: the file is empty/],
    ['{"kind":', /not JSON/],
    [[], /a fleet index is a JSON object, got an array/],
    [{ profiles: [] }, /^kind: expected "kube-compliance\/fleet-index", got nothing — is this a fleet index\?/],
    [bad((o) => (o.schemaVersion = 2)), /^schemaVersion: the index was written with schema 2 by a newer Kube Compliance; this version reads schema 1/],
    [bad((o) => (o.items[0].outcome = 'ok')), /^items\[0\]\.outcome: expected one of queued, running, done, failed, skipped, cancelled, got "ok"/],
    [bad((o) => delete o.items[0].reportPath), /^items\[0\]: a done item needs its reportPath/],
    [bad((o) => (o.items[0].workload.kind = 'Rollout')), /^items\[0\]\.workload\.kind: expected one of Deployment/],
    [bad((o) => (o.profile.hash = 'md5:x')), /^profile\.hash: expected a "sha256:<64 hex digits>" hash, got "md5:x"/],
    [bad((o) => (o.dedupe = 'pods')), /^dedupe: expected one of image, none/],
    [bad((o) => (o.createdAt = 'yesterday')), /^createdAt: expected an ISO 8601 time/],
    [bad((o) => (o.items[0].pod = '')), /^items\[0\]\.pod: expected a non-empty string, got ""/],
    [bad((o) => ((o as Record<string, unknown>).items = {})), /^items: expected an array/],
  ];
  for (const [input, re] of cases) assert.throws(() => parseFleetIndex(input), (e: unknown) => e instanceof FleetIndexError && re.test(e.message), String(re));
  assert.equal(parseFleetIndex(bad((o) => (o.extra = 'ignored'))).items.length, 1, 'unknown fields are ignored (newer minor additions)');
  await assert.rejects(readFleetIndex(join(tmp, 'none.json')), /cannot read the fleet index .*none\.json: no such file/);
  await assert.rejects(readFleetIndex(tmp), /it is a directory, not a file/);
  writeFileSync(join(tmp, 'broken.json'), JSON.stringify(bad((o) => (o.items[0].outcome = 'ok'))));
  await assert.rejects(readFleetIndex(join(tmp, 'broken.json')), /broken\.json is not a usable fleet index: items\[0\]\.outcome: expected one of/);
});

test('reports of done items are read once each; a missing or broken one is an error for that report only', async () => {
  const dir = join(tmp, 'r');
  mkdirSync(join(dir, 'reports'), { recursive: true });
  copyFileSync(join(reports, 'container-baseline-local.json'), join(dir, 'reports', 'a.json'));
  writeFileSync(join(dir, 'reports', 'cut.json'), readFileSync(join(reports, 'container-baseline-local.json'), 'utf8').slice(0, 500));
  const w = await FleetIndexWriter.create(join(dir, FLEET_INDEX_FILE), HEADER, [
    item('a', { outcome: 'done', reportPath: 'reports/a.json' }),
    item('b', { outcome: 'done', reportPath: 'reports/a.json', scannedAs: 'demo/a/app' }),
    item('c', { outcome: 'done', reportPath: 'reports/gone.json' }),
    item('d', { outcome: 'done', reportPath: 'reports/cut.json' }),
    item('e', { outcome: 'failed', message: 'boom' }),
  ]);
  const loaded = await loadFleetReports(w.path, w.index);
  assert.deepEqual([...loaded.keys()].map((k) => k.slice(dir.length + 1)), ['reports/a.json', 'reports/gone.json', 'reports/cut.json']);
  const a = loaded.get(join(dir, 'reports/a.json'))!;
  assert.ok(a.ok && a.report.controls.length === 10);
  const gone = loaded.get(join(dir, 'reports/gone.json'))!;
  assert.ok(!gone.ok && /gone\.json does not exist/.test(gone.error));
  const cut = loaded.get(join(dir, 'reports/cut.json'))!;
  assert.ok(!cut.ok && /cut\.json is not usable: not JSON: unexpected end at byte 500/.test(cut.error));
});

let n = 0;
const target = (pod: string, digest: string | undefined, approach: FleetTarget['approach'] | 'none' = 'kubernetes-api', ns = 'demo'): FleetTarget => ({
  context: 'kind-demo',
  namespace: ns,
  pod,
  container: 'app',
  workload: { kind: 'Deployment', name: pod.replace(/-[^-]+$/, '') },
  role: 'app',
  image: `img:${++n}`,
  imageDigest: digest,
  approach: approach === 'none' ? undefined : approach,
  reason: approach === 'none' ? 'The container is waiting (CrashLoopBackOff).' : 'Debian 12',
});

test('a fleet run: one scan per image, followers told which container was scanned, failures and skips on their rows, the index written as items end', async () => {
  const out = join(tmp, 'run1');
  const targets = [target('web-a', 'sha256:1'), target('web-b', 'sha256:1'), target('web-c', 'sha256:1'), target('api-a', 'sha256:2', 'kubernetes-api', 'shop'), target('gone-a', 'sha256:3'), target('crash-a', 'sha256:1', 'none')];
  const plan = planFleet(targets, { mode: 'image', profileHash: PROFILE.hash, inputsHash: EMPTY_INPUTS_HASH });
  let release!: () => void;
  const slow = new Promise<void>((r) => (release = r));
  const seenMidRun: string[] = [];
  const scanned: string[] = [];
  const run = runFleet(plan, {
    outDir: out,
    profile: PROFILE,
    concurrency: 2,
    now: clock(),
    scanOne: async (t, reportPath): Promise<RunOneResult> => {
      scanned.push(`${t.namespace}/${t.pod}`);
      if (t.pod === 'gone-a') throw new Error('pods "gone-a" not found (the pod was replaced)');
      if (t.pod === 'api-a') await slow;
      copyFileSync(join(reports, t.pod === 'api-a' ? 'k8s-ubuntu-stig-train-v2.json' : 'container-baseline-local.json'), reportPath);
      return { outcome: 'done' };
    },
  });
  // while api-a is still running, what already ended is on disk
  for (let i = 0; i < 50 && !seenMidRun.includes('demo/web-b:done'); i++) {
    await new Promise((r) => setTimeout(r, 10));
    if (existsSync(join(out, FLEET_INDEX_FILE))) {
      const idx = await readFleetIndex(join(out, FLEET_INDEX_FILE));
      seenMidRun.splice(0, seenMidRun.length, ...idx.items.map((x) => `${x.namespace}/${x.pod}:${x.outcome}`));
    }
  }
  assert.ok(seenMidRun.includes('demo/web-b:done') && seenMidRun.includes('shop/api-a:running'), seenMidRun.join(' '));
  release();
  const r = await run;
  assert.deepEqual(scanned.sort(), ['demo/gone-a', 'demo/web-a', 'shop/api-a']);
  const onDisk = await readFleetIndex(r.indexPath);
  assert.deepEqual(onDisk, JSON.parse(JSON.stringify(r.index)) as typeof onDisk);
  assert.equal(onDisk.complete, true);
  const rows = onDisk.items.map((x) => [`${x.namespace}/${x.pod}`, x.outcome, x.reportPath ?? '-', x.scannedAs ?? '-']);
  assert.deepEqual(rows, [
    ['demo/crash-a', 'skipped', '-', '-'],
    ['demo/gone-a', 'failed', '-', '-'],
    ['demo/web-a', 'done', 'reports/demo/web-a/app.json', '-'],
    ['demo/web-b', 'done', 'reports/demo/web-a/app.json', 'demo/web-a/app'],
    ['demo/web-c', 'done', 'reports/demo/web-a/app.json', 'demo/web-a/app'],
    ['shop/api-a', 'done', 'reports/shop/api-a/app.json', '-'],
  ]);
  const by = new Map(onDisk.items.map((x) => [x.pod, x]));
  assert.equal(by.get('crash-a')!.message, 'Not scannable: The container is waiting (CrashLoopBackOff).');
  assert.equal(by.get('gone-a')!.message, 'pods "gone-a" not found (the pod was replaced)');
  assert.equal(by.get('web-b')!.message, 'Scanned as demo/web-a/app (same image digest, profile and inputs).');
  assert.deepEqual([by.get('web-a')!.imageDigest, by.get('web-a')!.approach, by.get('web-a')!.workload], ['sha256:1', 'kubernetes-api', { kind: 'Deployment', name: 'web' }]);
  assert.ok(by.get('web-a')!.startedAt! < by.get('web-a')!.endedAt!);
  assert.deepEqual(r.counts, { total: 5, queued: 0, running: 0, done: 4, failed: 1, skipped: 0, cancelled: 0 });
  assert.deepEqual(r.recordErrors, []);
  assert.deepEqual(readdirSync(out).sort(), [FLEET_INDEX_FILE, 'reports']);
});

test('a cancelled fleet run: the index ends complete, finished rows kept, the rest cancelled', async () => {
  const out = join(tmp, 'run2');
  const ac = new AbortController();
  const plan = planFleet([target('a-1', 'sha256:1'), target('b-1', 'sha256:2'), target('b-2', 'sha256:2'), target('c-1', 'sha256:3')], { mode: 'image', profileHash: PROFILE.hash, inputsHash: EMPTY_INPUTS_HASH });
  const r = await runFleet(plan, {
    outDir: out,
    profile: PROFILE,
    concurrency: 1,
    signal: ac.signal,
    scanOne: async (t, reportPath, signal) => {
      if (t.pod === 'a-1') {
        copyFileSync(join(reports, 'container-baseline-local.json'), reportPath);
        return { outcome: 'done' };
      }
      ac.abort();
      assert.ok(signal.aborted);
      return { outcome: 'failed', message: 'auditor stopped (SIGTERM)' };
    },
  });
  assert.deepEqual(r.index.items.map((x) => [x.pod, x.outcome, x.message ?? '']), [
    ['a-1', 'done', ''],
    ['b-1', 'cancelled', 'Cancelled while running. auditor stopped (SIGTERM)'],
    ['b-2', 'cancelled', 'Cancelled while running. auditor stopped (SIGTERM)'],
    ['c-1', 'cancelled', 'Cancelled before it started.'],
  ]);
  assert.equal((await readFleetIndex(r.indexPath)).complete, true);
  await assert.rejects(runFleet(plan, { outDir: out, profile: { ...PROFILE, hash: `sha256:${'b'.repeat(64)}` }, concurrency: 1, scanOne: async () => ({ outcome: 'done' }) }), /another profile hash/);
});
