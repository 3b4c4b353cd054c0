import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadFleetReports, resolveReportPath } from '../../src/core/fleet/indexFile';
import { itemKey, parseFleetIndex } from '../../src/core/fleet/indexFormat';
import { buildRollup } from '../../src/core/fleet/rollup';
import type { ExplorerNode } from '../../src/features/explorer/nodes';
import { renderFleetPage } from '../../src/features/fleet/fleetPage';
import { selectionOf } from '../../src/features/fleet/selection';
import { fixtureIndexData } from './fleetFixture';

const root = join(__dirname, '..', '..');
const reports = join(process.env.KC_FIXTURES_DIR ?? join(root, 'test', 'fixtures'), 'reports');

async function page(data: Record<string, unknown>) {
  const index = parseFleetIndex(data);
  const indexPath = '/tmp/kc-fleet-page/fleet-index.json';
  const loaded = await loadFleetReports(indexPath, index);
  const rollup = buildRollup(index, (item) => loaded.get(resolveReportPath(indexPath, item)!));
  return { index, rollup, html: renderFleetPage(index, rollup, indexPath, 'NONCE123') };
}

test('the fleet page: strict CSP with the nonce, the total compliance, a row per level, a link per container with a report', async () => {
  const { index, rollup, html } = await page(fixtureIndexData(reports));
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-NONCE123'; script-src 'nonce-NONCE123'">/);
  assert.doesNotMatch(html, / style="/, 'no inline style attributes (the CSP would block them)');
  assert.equal((html.match(/<script nonce="NONCE123">/g) ?? []).length, 1);
  assert.equal((html.match(/<script/g) ?? []).length, 1, 'one script, with the nonce');
  assert.match(html, new RegExp(`<span id="compliance">${rollup.total.compliance}%</span>`));
  for (const level of ['cluster', 'namespace', 'workload', 'container']) assert.match(html, new RegExp(`data-level="${level}"`));
  for (const item of index.items.filter((i) => i.outcome === 'done')) assert.ok(html.includes(`<a href="#" data-key="${itemKey(item)}" >`), `a link to ${itemKey(item)}`);
  for (const item of index.items.filter((i) => i.outcome !== 'done')) assert.ok(html.includes(`data-key="${itemKey(item)}" aria-disabled="true"`), `${itemKey(item)} has no report to open`);
  assert.match(html, /scanned as demo\/web-a\/app/);
  assert.match(html, /Not scannable: Windows container/);
  assert.ok(rollup.matrix.rows.length > 0);
  assert.match(html, /<table class="matrix"/);
});

test('hostile names and messages come out escaped', async () => {
  const data = fixtureIndexData(reports);
  const items = data.items as Array<Record<string, unknown>>;
  items[4] = { ...items[4], pod: '<img src=x onerror=alert(1)>', message: '"><script>alert(2)</script>' };
  const { html } = await page(data);
  assert.ok(!html.includes('<img src=x'), 'the pod name is text');
  assert.ok(!html.includes('<script>alert(2)'), 'the message is text');
  assert.match(html, /&#60;img src=x onerror=alert\(1\)&#62;/);
});

const node = (n: Partial<ExplorerNode> & { kind: ExplorerNode['kind'] }): ExplorerNode => ({ id: `${n.kind}-${Math.random()}`, context: 'demo-admin', ...n }) as ExplorerNode;

test('Scan Selected: containers and pods explicitly, a workload as its pods, one namespace or workload alone as itself; contexts never mixed', () => {
  const c = node({ kind: 'container', namespace: 'demo', pod: 'a', name: 'app' } as Partial<ExplorerNode> & { kind: 'container' });
  const p = node({ kind: 'pod', namespace: 'demo', name: 'b' } as Partial<ExplorerNode> & { kind: 'pod' });
  const w = node({ kind: 'workload', namespace: 'demo', workloadKind: 'Deployment', name: 'web', pods: [{ name: 'web-1' }, { name: 'web-2' }] } as unknown as Partial<ExplorerNode> & { kind: 'workload' });
  const ns = node({ kind: 'namespace', namespace: 'demo' } as Partial<ExplorerNode> & { kind: 'namespace' });
  assert.deepEqual(selectionOf([c, p, w])?.selection, {
    kind: 'containers',
    containers: [{ namespace: 'demo', pod: 'a', container: 'app' }, { namespace: 'demo', pod: 'b' }, { namespace: 'demo', pod: 'web-1' }, { namespace: 'demo', pod: 'web-2' }],
  });
  assert.deepEqual(selectionOf([ns])?.selection, { kind: 'namespace', namespace: 'demo' });
  assert.deepEqual(selectionOf([w])?.selection, { kind: 'workload', namespace: 'demo', workload: { kind: 'Deployment', name: 'web' } });
  assert.equal(selectionOf([c, { ...p, context: 'other' } as ExplorerNode]), undefined, 'two contexts');
  assert.equal(selectionOf([c, ns]), undefined, 'a namespace only alone');
  assert.equal(selectionOf([]), undefined);
});
