import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { chartGeometry } from '../../src/core/history/chart';
import { driftBetween } from '../../src/core/history/drift';
import { entryFor } from '../../src/core/history/indexFormat';
import { timeline } from '../../src/core/history/timeline';
import { parseReport } from '../../src/core/results';
import { renderHistoryPage } from '../../src/features/history/historyPage';

const reports = join(process.env.KC_FIXTURES_DIR ?? join(__dirname, '..', 'fixtures'), 'reports');
const load = (name: string) => parseReport(readFileSync(join(reports, `${name}.json`), 'utf8'));
const V1 = load('k8s-ubuntu-stig-train-v1');
const V2 = load('k8s-ubuntu-stig-train-v2');
const entry = (id: string, at: string, report: typeof V1, digest: string) =>
  entryFor({ id, at, target: { context: 'c', namespace: 'shop', pod: `web-${id}`, container: 'app' }, workload: { kind: 'Deployment', name: 'web' }, imageDigest: digest, reportPath: `${id}.json`, source: 'scan', profileLocation: '/p' }, report);

test('chart geometry: 0–100 % axis, evenly spaced points in time order, a single run in the middle', () => {
  const e1 = entry('a', '2026-12-01T10:00:00.000Z', V1, 'sha256:1');
  const e2 = entry('b', '2026-12-02T10:00:00.000Z', V2, 'sha256:2');
  const g = chartGeometry(timeline([e2, e1], { kind: 'target', key: 'c/shop/Deployment/web/app' }), { width: 640, height: 200 });
  assert.deepEqual(g.yTicks.map((t) => [t.label, t.y]), [['0%', 172], ['50%', 92], ['100%', 12]]);
  assert.deepEqual(g.dots.map((d) => [d.x, d.compliance]), [[44, 38], [624, 28]]);
  // 37.8 % exact → 172 - 160 × 0.378 = 111.5
  assert.equal(g.dots[0].y, 111.5);
  assert.equal(g.path, `M44 111.5 L624 ${g.dots[1].y}`);
  assert.deepEqual(g.xLabels.map((l) => [l.label, l.anchor]), [['2026-12-01', 'start'], ['2026-12-02', 'end']]);
  assert.match(g.dots[1].label, /^2026-12-02 10:00 UTC: 28% \(23 passed, 35 failed\)$/);
  const one = chartGeometry(timeline([e1], { kind: 'target', key: 'c/shop/Deployment/web/app' }));
  assert.equal(one.dots[0].x, 44 + (640 - 60) / 2);
  assert.equal(chartGeometry([]).path, '');
});

test('the page: strict CSP with a nonce, no outside request, the chart, the runs and the drift side by side, every text escaped', () => {
  const e1 = entry('a', '2026-12-01T10:00:00.000Z', V1, 'sha256:1111');
  const e2 = entry('b', '2026-12-02T10:00:00.000Z', V2, 'sha256:2222');
  const drift = driftBetween(V1, V2, { imageDigest: 'sha256:1111' }, { imageDigest: 'sha256:2222' });
  const html = renderHistoryPage(
    { title: 'shop/Deployment/web/app <script>', entries: [e2, e1], missingReports: new Set(['a']), points: timeline([e1, e2], { kind: 'target', key: 'c/shop/Deployment/web/app' }), fromId: 'a', toId: 'b', drift, problems: ['index <b>broken</b>'] },
    'NONCE123',
  );
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-NONCE123'; script-src 'nonce-NONCE123'">/);
  assert.doesNotMatch(html, /https?:\/\//, 'no outside request');
  assert.equal((html.match(/<script/g) ?? []).length, 1);
  assert.match(html, /<h1>History of shop\/Deployment\/web\/app &#60;script&#62;<\/h1>/);
  assert.match(html, /index &#60;b&#62;broken&#60;\/b&#62;/);
  assert.match(html, /<svg class="chart" role="img" aria-labelledby="chart-title"[^>]*><title id="chart-title">Compliance over time: 38%, 28%<\/title>/);
  // themed: the chart's colours are the theme's variables, with a high-contrast rule
  assert.match(html, /\.chart \.line \{ fill: none; stroke: var\(--vscode-charts-blue\)/);
  assert.match(html, /body\.vscode-high-contrast \.chart \.line/);
  // runs: the missing report is said, and that run cannot be picked
  assert.match(html, /<tr data-run="a">.*disabled.*report missing/);
  assert.match(html, /<input type="radio" name="to" value="b" aria-label="compare to this run" checked/);
  // drift
  assert.match(html, /<p id="drift-summary">Compliance 38% → 28% \(-10\) · 8 new failures · 0 fixed · 0 regressed · 2 other status changes · 0 added · 0 removed<\/p>/);
  assert.match(html, /<li>image digest: sha256:1111 → sha256:2222<\/li>/);
  assert.match(html, /<h3 id="new-failures">New failures \(8\)<\/h3>/);
  assert.match(html, /<tr><td>SV-260476<\/td><td>status<\/td><td class="side"><div class="status passed">passed<\/div><div class="code">Directory \/etc\/apt\/apt\.conf\.d is expected to exist<\/div><\/td><td class="side"><div class="status failed">failed<\/div><div class="code">Directory \/etc\/apt\/apt\.conf\.d is expected to exist<\/div><pre>expected Directory \/etc\/apt\/apt\.conf\.d to exist<\/pre><\/td><\/tr>/);
  // the workload and namespace charts, each with its own title id
  const scoped = renderHistoryPage({ title: 't', entries: [e2, e1], missingReports: new Set(), points: [], scopes: [{ title: 'Namespace shop <x>', points: timeline([e1, e2], { kind: 'namespace', context: 'c', namespace: 'shop' }) }], toId: 'b', problems: [] }, 'n');
  assert.match(scoped, /<h3>Namespace shop &#60;x&#62;<\/h3><svg class="chart" role="img" aria-labelledby="chart-title-0"[^>]*><title id="chart-title-0">Compliance over time: 38%, 28%<\/title>/);
  const none = renderHistoryPage({ title: 't', entries: [e1], missingReports: new Set(), points: [], toId: 'a', driftNote: 'This target has one run in the history: scan it again to see what changes.', problems: [] }, 'n');
  assert.match(none, /<p id="drift-note">This target has one run in the history: scan it again to see what changes\.<\/p>/);
});
