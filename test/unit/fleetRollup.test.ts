import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { FLEET_INDEX_FILE, loadFleetReports, resolveReportPath } from '../../src/core/fleet/indexFile';
import { parseFleetIndex, type FleetIndexItem } from '../../src/core/fleet/indexFormat';
import { buildRollup, type RollupNode } from '../../src/core/fleet/rollup';
import { fixtureIndexData } from './fleetFixture';

const root = join(__dirname, '..', '..');
const reports = join(process.env.KC_FIXTURES_DIR ?? join(root, 'test', 'fixtures'), 'reports');
const fixtureIndex = () => parseFleetIndex(fixtureIndexData(reports));
const tmp = mkdtempSync(join(tmpdir(), 'kc-fleet-rollup-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const short = (n: RollupNode) => {
  const c = n.counts;
  return `${n.name}: ${c.containers} containers (${c.reported} reported) P${c.byStatus.Passed} F${c.byStatus.Failed} NA${c.byStatus['Not Applicable']} NR${c.byStatus['Not Reviewed']} PE${c.byStatus['Profile Error']} ${c.compliance}% ${c.complianceBand}`;
};

test('rollup: cluster → namespace → workload → container, Heimdall counts summed and compliance recomputed at each level', async () => {
  const index = fixtureIndex();
  const indexPath = join(tmp, FLEET_INDEX_FILE);
  const loaded = await loadFleetReports(indexPath, index);
  assert.equal(loaded.size, 4, 'web-a and web-b share one report, read once');
  const r = buildRollup(index, (item: FleetIndexItem) => loaded.get(resolveReportPath(indexPath, item)!));
  const lines: string[] = [];
  const walk = (n: RollupNode, depth: number) => {
    lines.push(`${'  '.repeat(depth)}${short(n)}`);
    n.children.forEach((c) => walk(c, depth + 1));
  };
  r.clusters.forEach((c) => walk(c, 0));
  assert.deepEqual(lines, [
    'kind-demo: 7 containers (4 reported) P13 F7 NA3 NR1 PE2 57% low',
    '  demo: 5 containers (3 reported) P12 F6 NA2 NR0 PE2 60% medium',
    '    Deployment/web: 3 containers (2 reported) P12 F4 NA2 NR0 PE2 67% medium',
    '      web-a/app: 1 containers (1 reported) P6 F2 NA1 NR0 PE1 67% medium',
    '      web-b/app: 1 containers (1 reported) P6 F2 NA1 NR0 PE1 67% medium',
    '      web-c/app: 1 containers (0 reported) P0 F0 NA0 NR0 PE0 0% low',
    '    Pod/standard-app: 1 containers (1 reported) P0 F2 NA0 NR0 PE0 0% low',
    '      standard-app/app: 1 containers (1 reported) P0 F2 NA0 NR0 PE0 0% low',
    '    Pod/win: 1 containers (0 reported) P0 F0 NA0 NR0 PE0 0% low',
    '      win/app: 1 containers (0 reported) P0 F0 NA0 NR0 PE0 0% low',
    '  shop: 2 containers (1 reported) P1 F1 NA1 NR1 PE0 33% low',
    '    StatefulSet/api: 2 containers (1 reported) P1 F1 NA1 NR1 PE0 33% low',
    '      api-0/app: 1 containers (1 reported) P1 F1 NA1 NR1 PE0 33% low',
    '      api-1/app: 1 containers (0 reported) P0 F0 NA0 NR0 PE0 0% low',
  ]);
  assert.deepEqual(r.total.outcomes, { queued: 0, running: 0, done: 5, failed: 1, skipped: 1, cancelled: 0 });
  assert.equal(r.total.complianceExact, (100 * 13) / 23);
  assert.deepEqual(r.total.statusBySeverity.Failed, { critical: 3, high: 0, medium: 4, low: 0, none: 0 });
  const api1 = r.clusters[0].children[1].children[0].children[1];
  assert.match(api1.reportError!, /api-1\.json does not exist/);
  assert.deepEqual(r.reportErrors, [api1.reportError]);
  assert.equal(api1.item!.pod, 'api-1');
});

test('control × container matrix: which containers fail each control, worst first', async () => {
  const index = fixtureIndex();
  const indexPath = join(tmp, FLEET_INDEX_FILE);
  const loaded = await loadFleetReports(indexPath, index);
  const { matrix } = buildRollup(index, (item) => loaded.get(resolveReportPath(indexPath, item)!));
  assert.deepEqual(matrix.containers.map((c) => c.label), ['demo/web-a/app', 'demo/web-b/app', 'demo/standard-app/app', 'shop/api-0/app']);
  assert.deepEqual(matrix.containers[0].key, 'kind-demo/demo/web-a/app');
  const top = matrix.rows.slice(0, 4).map((r) => [r.id, r.severity, r.failed, r.profileError, r.statuses.map((s) => s ?? '-').join(',')]);
  assert.deepEqual(top, [
    ['fs-04', 'critical', 3, 0, 'Failed,Failed,Failed,-'],
    ['acct-03', 'medium', 3, 0, 'Failed,Failed,Failed,-'],
    ['SV-230222', 'medium', 1, 0, '-,-,-,Failed'],
    ['rt-03', 'medium', 0, 2, 'Profile Error,Profile Error,-,-'],
  ]);
  assert.equal(matrix.rows.length, 14, '10 baseline controls and 4 RHEL controls');
  assert.equal(matrix.rows[0].key, 'container-baseline::fs-04');
  assert.ok(matrix.rows.every((r) => r.statuses.length === 4));
});

test('an index without reports: outcomes counted, compliance 0, an empty matrix', () => {
  const index = fixtureIndex();
  const r = buildRollup({ ...index, items: index.items.filter((i) => i.outcome !== 'done') }, () => undefined);
  assert.deepEqual([r.total.containers, r.total.reported, r.total.compliance, r.matrix.rows.length, r.reportErrors.length], [2, 0, 0, 0, 0]);
  const none = buildRollup({ ...index, items: [] }, () => undefined);
  assert.deepEqual([none.clusters.length, none.total.containers], [0, 0]);
});
