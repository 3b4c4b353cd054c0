import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { compareFleets, fleetThreshold } from '../../src/core/fleet/compare';
import { fleetSummaryJson } from '../../src/core/fleet/format';
import { parseFleetIndex, type FleetIndexItem, type LoadedReport } from '../../src/core/fleet/indexFormat';
import { buildRollup } from '../../src/core/fleet/rollup';
import { parseReport } from '../../src/core/results';
import { fixtureIndexData } from './fleetFixture';

const reports = join(process.env.KC_FIXTURES_DIR ?? join(__dirname, '..', 'fixtures'), 'reports');
const load = (name: string) => parseReport(readFileSync(join(reports, `${name}.json`), 'utf8'));
const V1 = load('k8s-ubuntu-stig-train-v1');
const V2 = load('k8s-ubuntu-stig-train-v2');
const BASE = load('container-baseline-local');

/** An index of one Deployment's replicas, each with the given report (by pod). */
function fleet(context: string, pods: Record<string, 'v1' | 'v2' | 'base' | 'failed'>, profileHash = 'a') {
  const data = fixtureIndexData(reports, { context }) as { items: Array<Record<string, unknown>> } & Record<string, unknown>;
  data.profile = { location: '/p', kind: 'folder', hash: `sha256:${profileHash.repeat(64)}` };
  data.items = Object.entries(pods).map(([pod, r]) => ({
    context,
    namespace: 'shop',
    workload: { kind: 'Deployment', name: 'api' },
    pod,
    container: 'app',
    ...(r === 'failed' ? { outcome: 'failed', message: 'exit 1' } : { outcome: 'done', reportPath: `/r/${r}.json` }),
  }));
  const byPath: Record<string, LoadedReport> = { '/r/v1.json': { ok: true, report: V1 }, '/r/v2.json': { ok: true, report: V2 }, '/r/base.json': { ok: true, report: BASE } };
  return { index: parseFleetIndex(data), reportOf: (i: FleetIndexItem) => byPath[i.reportPath ?? ''] };
}

test('replicas pair by pod name first, then in pod-name order; leftovers are added or removed', () => {
  const c = compareFleets(fleet('prod', { 'api-b': 'v1', 'api-a': 'v1', 'api-c': 'v1' }), fleet('prod', { 'api-z': 'v2', 'api-b': 'v2' }));
  assert.deepEqual(c.containers.map((x) => `${x.from!.item.pod}→${x.to!.item.pod}`), ['api-b→api-b', 'api-a→api-z']);
  assert.deepEqual(c.removed.map((x) => x.from!.item.pod), ['api-c']);
  assert.deepEqual(c.added, []);
  assert.equal(c.containers[0].key, 'shop/Deployment/api/app', 'one context on both sides: the context is not part of the key');
  assert.deepEqual([c.totals.newFailures, c.totals.fixed, c.totals.otherChanges], [16, 0, 4]);
  // each container has its own drift (its pods differ), built on one comparison of the same pair of reports
  assert.equal(c.containers[0].comparison!.statusChanges, c.containers[1].comparison!.statusChanges, 'the same pair of reports is compared once');
  assert.deepEqual(c.containers[0].comparison!.between, []);
  assert.deepEqual(c.containers[1].comparison!.between, [{ what: 'pod', from: 'api-a', to: 'api-z' }]);
  assert.deepEqual([c.compliance.from, c.compliance.to, c.profileChanged], [38, 28, false]);
});

test('staging against production: contexts differ but each index has one, so containers still match; an index of two contexts keeps them apart', () => {
  const c = compareFleets(fleet('staging', { 'api-a': 'v1' }), fleet('prod', { 'api-q': 'failed' }, 'b'));
  assert.equal(c.containers.length, 1);
  assert.equal(c.containers[0].key, 'shop/Deployment/api/app');
  assert.match(c.containers[0].note!, /^newer run: failed: exit 1$/);
  assert.equal(c.profileChanged, true);
  // an index that spans two contexts keeps them apart: the context becomes part of the key
  const both = fleet('prod', { 'api-a': 'v2' });
  const staging = fleet('staging', { 'api-a': 'v1' });
  const merged = { index: { ...both.index, items: [...both.index.items, ...staging.index.items] }, reportOf: (i: FleetIndexItem) => (i.context === 'prod' ? both : staging).reportOf(i) };
  const m = compareFleets(staging, merged);
  assert.deepEqual(m.containers.map((x) => x.key), ['staging/shop/Deployment/api/app']);
  assert.deepEqual(m.added.map((x) => x.key), ['prod/shop/Deployment/api/app']);
});

test('fleetThreshold and the summary JSON agree with the rollup', () => {
  const f = fleet('prod', { 'api-a': 'base', 'api-b': 'failed' });
  const g = fleetThreshold(f.index, f.reportOf, { 'compliance.min': 60 });
  assert.deepEqual([g.met, g.checked, g.violations], [false, 1, ['shop/api-b/app: not scanned (failed: exit 1)']]);
  const j = fleetSummaryJson(buildRollup(f.index, f.reportOf));
  assert.deepEqual([j.compliance, j.controls, j.severity], [67, 10, { none: 1, low: 1, medium: 6, high: 1, critical: 1 }]);
});

test('the drift of a container says what changed between: image digest, pod template hash, profile hash', () => {
  const older = fleet('prod', { 'api-7d9f-a': 'v1' });
  const newer = fleet('prod', { 'api-5c8b-x': 'v2' }, 'c');
  const withRun = (s: typeof older, digest: string, hash: string) => ({ ...s, index: { ...s.index, items: s.index.items.map((i) => ({ ...i, imageDigest: `sha256:${digest.repeat(64)}`, podTemplateHash: hash })) } });
  const c = compareFleets(withRun(older, '1', '7d9f'), withRun(newer, '2', '5c8b'));
  const d = c.containers[0].comparison!;
  assert.deepEqual(
    d.between.map((b) => b.what),
    ['image digest', 'pod template hash', 'pod', 'profile hash'],
  );
  assert.equal(d.between[0].to, `sha256:${'2'.repeat(64)}`);
  assert.match(d.warnings[0], /The profile's content changed \(hash aaaaaaaaaaaa → cccccccccccc\) but not its version/);
  assert.equal(d.newFailures.length, 8);
  assert.equal(c.profileChanged, true);
});
