import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { compareReports, parseReport, summarize } from '../../src/core/results';
import { isHostToPanel, isPanelFilter, isPanelToHost, isPersistedState } from '../../src/protocol/messages';
import { controlFile, toPanelComparison, toPanelDetail, toPanelReport } from '../../src/features/results/panelData';

const reports = join(__dirname, '..', 'fixtures', 'reports');

test('panel → host guard accepts every message the panel sends', () => {
  const ok: unknown[] = [
    { type: 'ready' },
    { type: 'rendered', phase: 'filter', ms: 3.5, matching: 12 },
    { type: 'export', format: 'csv' },
    { type: 'export', format: 'markdown' },
    { type: 'export', format: 'hdf' },
    { type: 'export', format: 'compliance' },
    { type: 'export', format: 'attestations' },
    { type: 'run', command: 'compareReports' },
    { type: 'showCode', key: 2 },
    { type: 'persist', state: { reportPath: '/r.json', filter: { text: 'x', statuses: ['Failed'], severities: ['high'], sort: 'severity', descending: true, groupByFile: true }, selectedId: 'V-1' } },
    { type: 'request', id: 3, method: 'openSource', params: { key: 4 } },
    { type: 'request', id: 3, method: 'openSource', params: { key: 4, resultIndex: 0 } },
    { type: 'request', id: 4, method: 'getDetail', params: { key: 0 } },
    { type: 'reply', id: 9, ok: true, result: { anything: 1 } },
    { type: 'reply', id: 9, ok: false, error: 'nope' },
  ];
  for (const m of ok) assert.ok(isPanelToHost(m), JSON.stringify(m));
});

test('panel → host guard rejects malformed or unknown messages', () => {
  const bad: unknown[] = [
    null,
    'ready',
    [],
    {},
    { type: 'hello' },
    { type: 'rendered', phase: 'paint', ms: 1, matching: 1 },
    { type: 'rendered', phase: 'filter', ms: '1', matching: 1 },
    { type: 'export', format: 'exe' },
    { type: 'export', format: 'ckl' },
    { type: 'showCode', key: 'fs-04' },
    { type: 'run', command: 'workbench.action.terminal.new' },
    { type: 'persist', state: { reportPath: 42 } },
    { type: 'persist', state: { filter: { statuses: ['Broken'] } } },
    { type: 'persist', state: { filter: { sort: 'random' } } },
    { type: 'request', id: 1, method: 'runShell', params: {} },
    { type: 'request', id: -1, method: 'openSource', params: { key: 1 } },
    { type: 'request', id: 1, method: 'openSource', params: { key: 1.5 } },
    { type: 'request', id: 1, method: 'openSource', params: { key: 1, resultIndex: 'x' } },
    { type: 'request', id: 1, method: 'getDetail', params: {} },
    { type: 'reply', id: 1, ok: false },
  ];
  for (const m of bad) assert.ok(!isPanelToHost(m), JSON.stringify(m));
});

test('host → panel guard', () => {
  assert.ok(isHostToPanel({ type: 'report', report: { controls: [], summary: {} } }));
  assert.ok(isHostToPanel({ type: 'error', message: 'x' }));
  assert.ok(isHostToPanel({ type: 'setFilter', filter: { text: 'a' } }));
  assert.ok(isHostToPanel({ type: 'select', id: 'fs-04' }));
  assert.ok(isHostToPanel({ type: 'request', id: 1, method: 'inspect', params: {} }));
  assert.ok(!isHostToPanel({ type: 'report', report: { controls: 'x', summary: {} } }));
  assert.ok(!isHostToPanel({ type: 'setFilter', filter: { severities: ['urgent'] } }));
  assert.ok(!isHostToPanel({ type: 'request', id: 1, method: 'eval', params: {} }));
  assert.ok(!isHostToPanel({ type: 'html', html: '<img>' }));
});

test('filter and persisted-state guards', () => {
  assert.ok(isPanelFilter({}));
  assert.ok(!isPanelFilter({ text: 5 }));
  assert.ok(!isPanelFilter({ groupByFile: 'yes' }));
  assert.ok(isPersistedState({}));
  assert.ok(!isPersistedState(undefined));
  assert.ok(!isPersistedState({ selectedId: 3 }));
});

test('the panel data of container-baseline-local carries the counts, files and texts of the report', () => {
  const report = parseReport(readFileSync(join(reports, 'container-baseline-local.json'), 'utf8'));
  const panel = toPanelReport(report, summarize(report), '/tmp/r.json', 'local');
  // results-semantics §9: Passed 6, Failed 2, N/A 1, PE 1 → 6/9
  assert.deepEqual(panel.summary.counts, { Passed: 6, Failed: 2, 'Not Applicable': 1, 'Not Reviewed': 0, 'Profile Error': 1 });
  assert.ok(Math.abs(panel.summary.compliance - (6 / 9) * 100) < 1e-9);
  assert.equal(panel.controls.length, 10);
  assert.deepEqual(panel.controls.map((c) => c.key), [...Array(10).keys()]);
  const fs04 = panel.controls.find((c) => c.id === 'fs-04')!;
  assert.equal(fs04.file, 'controls/filesystem.rb');
  assert.equal(fs04.severity, 'critical');
  assert.equal(fs04.sourceLine, 37);
  assert.deepEqual(fs04.nist, ['CM-6']);
  // fs-04 (critical) failed, acct-03 (medium) failed, rt-03 (medium) errored
  assert.deepEqual(panel.summary.failedBySeverity, { critical: 1, high: 0, medium: 2, low: 0, none: 0 });
  const detail = (id: string) => {
    const key = panel.controls.find((c) => c.id === id)!.key;
    return toPanelDetail(report.controls[key], key);
  };
  // fs-02 declares only `desc 'check'` and `desc 'fix'`; fs-01 a plain `desc` (default)
  assert.deepEqual(detail('fs-02').descriptions.map((d) => d.label), ['check', 'fix']);
  assert.deepEqual(detail('fs-01').descriptions.map((d) => d.label), ['default']);
  assert.match(detail('fs-04').code, /^control 'fs-04' do/);
  assert.equal(panel.controls.find((c) => c.id === 'fs-01')!.resultCount, 2);
  const rt03 = panel.controls.find((c) => c.id === 'rt-03')!;
  assert.equal(rt03.status, 'Profile Error');
  const rt03d = detail('rt-03');
  assert.equal(rt03d.results[0].status, 'error');
  assert.ok(rt03d.results[0].backtrace?.length);
  assert.match(rt03d.results[0].message ?? '', /NoMethodError|undefined method/);
  assert.equal(panel.summary.platform, 'debian 12.11');
  assert.equal(panel.summary.auditorVersion, '5.24.24');
  assert.deepEqual(panel.summary.profiles, [{ name: 'container-baseline', title: 'Container Baseline (fixture)', version: '0.3.0' }]);
  // the panel data crosses postMessage: structured-clone safe
  assert.deepEqual(structuredClone(panel), panel);
});

test('controlFile groups by the group file, else by the controls/ tail of the ref', () => {
  const base = { groupFile: undefined, sourceLocation: undefined } as unknown as Parameters<typeof controlFile>[0];
  assert.equal(controlFile({ ...base, groupFile: 'controls/x.rb' }), 'controls/x.rb');
  assert.equal(controlFile({ ...base, sourceLocation: { ref: '/home/v/.inspec/cache/abc/controls/V-1.rb', line: 1 } }), 'controls/V-1.rb');
  assert.equal(controlFile({ ...base, sourceLocation: { ref: 'lib\\x.rb', line: 1 } }), 'lib/x.rb');
  assert.equal(controlFile(base), '(unknown file)');
});

test('the panel comparison of STIG v1 → v2 lists the flipped controls (results-semantics §7)', () => {
  const v1 = parseReport(readFileSync(join(reports, 'k8s-ubuntu-stig-train-v1.json'), 'utf8'));
  const v2 = parseReport(readFileSync(join(reports, 'k8s-ubuntu-stig-train-v2.json'), 'utf8'));
  const cmp = toPanelComparison(compareReports(v1, v2), 'v1', 'v2', v2);
  const of = (kind: string) => cmp.changes.filter((c) => c.kind === kind);
  // 10 status changes: 8 Passed → Failed, 2 Failed → Not Reviewed; 11 controls with result-level changes
  assert.equal(of('newFailure').length, 8);
  assert.ok(of('newFailure').every((c) => c.from === 'Passed' && c.to === 'Failed'));
  assert.equal(of('statusChange').length, 2);
  assert.ok(of('statusChange').every((c) => c.from === 'Failed' && c.to === 'Not Reviewed'));
  assert.equal(of('fixed').length + of('added').length + of('removed').length, 0);
  assert.equal(cmp.controlsWithResultChanges, 11);
  // the result-level changes without a status change: 11 minus those among the 10 status changes
  const statusChangedWithResults = cmp.changes.filter((c) => c.kind !== 'resultsChanged' && c.resultChanges?.length).length;
  assert.equal(of('resultsChanged').length, 11 - statusChangedWithResults);
  assert.ok(of('resultsChanged').every((c) => c.from === c.to && c.from !== undefined));
  // compliance 31/82 → 23/82 (results-semantics §9)
  assert.ok(Math.abs(cmp.oldCompliance - (31 / 82) * 100) < 1e-9);
  assert.ok(Math.abs(cmp.newCompliance - (23 / 82) * 100) < 1e-9);
});
