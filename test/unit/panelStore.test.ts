// The results panel's store (webview/store.ts): actions → state, and the subscriptions the components rely on.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { ControlStatus, PanelComparison, PanelControl, PanelControlDetail, PanelReport, Severity } from '../../src/protocol/messages';
import { controlById, createStore, initialState, reducer, selectedControl, type Action, type PanelState } from '../../webview/store';

function control(key: number, id: string, status: ControlStatus, severity: Severity, file = 'controls/a.rb'): PanelControl {
  return { key, id, title: `title of ${id}`, profile: 'p', status, severity, impact: 0.5, file, nist: [], cci: [], tags: [], waived: false, resultCount: 1 };
}

function report(path: string, controls: PanelControl[]): PanelReport {
  const zero = { Passed: 0, Failed: 0, 'Not Applicable': 0, 'Not Reviewed': 0, 'Profile Error': 0 };
  const sev = { critical: 0, high: 0, medium: 0, low: 0, none: 0 };
  return {
    reportPath: path,
    label: `label of ${path}`,
    summary: { compliance: 50, counts: zero, severity: sev, failedBySeverity: sev, controls: controls.length, results: controls.length, profiles: [] },
    controls,
  };
}

const A = report('/a.json', [
  control(0, 'fs-01', 'Passed', 'medium', 'controls/fs.rb'),
  control(1, 'fs-02', 'Failed', 'high', 'controls/fs.rb'),
  control(2, 'acct-01', 'Failed', 'critical', 'controls/acct.rb'),
  control(3, 'rt-01', 'Not Applicable', 'low', 'controls/rt.rb'),
]);
const B = report('/b.json', [control(0, 'fs-02', 'Passed', 'high'), control(1, 'new-1', 'Failed', 'low')]);
const ids = (s: PanelState) => s.matching.map((k) => s.report!.controls[k].id);
const run = (actions: Action[], from = initialState()) => actions.reduce(reducer, from);
const detail = (key: number): PanelControlDetail => ({ key, descriptions: [], code: `control ${key}`, results: [] });

test('the initial state: no report, status sort, nothing selected, the saved state kept', () => {
  const s = initialState({ reportPath: '/a.json', selectedId: 'fs-02' });
  assert.equal(s.report, undefined);
  assert.deepEqual(s.filter, { sort: 'status', groupByFile: false });
  assert.deepEqual([s.matching, s.rows], [[], []]);
  assert.equal(s.selectedKey, undefined);
  assert.equal(s.showComparison, false);
  assert.deepEqual(s.persisted, { reportPath: '/a.json', selectedId: 'fs-02' });
});

test('a report: the list in status order, the persisted path and label, error and old details cleared', () => {
  let s = run([{ type: 'error', message: 'broken' }]);
  assert.equal(s.error, 'broken');
  s = reducer(s, { type: 'report', report: A });
  assert.equal(s.report, A);
  assert.equal(s.error, undefined);
  assert.deepEqual(ids(s), ['acct-01', 'fs-02', 'fs-01', 'rt-01'], 'Failed (critical, high), Passed, Not Applicable');
  assert.deepEqual(s.rows, s.matching.map((key) => ({ kind: 'control', key })));
  assert.equal(s.persisted.reportPath, '/a.json');
  assert.equal(s.persisted.label, 'label of /a.json');
  assert.equal(s.selectedKey, undefined);
  assert.equal(s.scrollTarget, undefined);
  assert.equal(s.details.size, 0);
});

test('a report restores the filter and selection the host sends, scrolling the selection into view', () => {
  const s = run([{ type: 'report', report: A, restore: { reportPath: '/a.json', filter: { text: 'fs-', sort: 'id' }, selectedId: 'fs-02' } }]);
  assert.deepEqual(ids(s), ['fs-01', 'fs-02']);
  assert.equal(s.filter.sort, 'id');
  assert.equal(s.filter.groupByFile, false, 'the rest of the filter stays');
  assert.equal(selectedControl(s)?.id, 'fs-02');
  assert.deepEqual(s.scrollTarget, { key: 1 });
});

test("the panel's own saved state wins over the host's for the same report, not for another one", () => {
  const saved = initialState({ reportPath: '/a.json', filter: { text: 'acct' }, selectedId: 'acct-01' });
  const same = reducer(saved, { type: 'report', report: A, restore: { reportPath: '/a.json', filter: { text: 'fs-' }, selectedId: 'fs-01' } });
  assert.deepEqual(ids(same), ['acct-01']);
  assert.equal(selectedControl(same)?.id, 'acct-01');
  const other = reducer(saved, { type: 'report', report: B, restore: { reportPath: '/b.json' } });
  assert.deepEqual(ids(other), ['new-1', 'fs-02']);
  assert.equal(other.selectedKey, undefined);
  assert.equal(other.persisted.reportPath, '/b.json');
});

test('filter patches merge, recompute the list, reuse the sort cache and are persisted with the selection', () => {
  let s = run([{ type: 'report', report: A }, { type: 'select', key: 1, scroll: false }]);
  s = reducer(s, { type: 'filter', filter: { statuses: ['Failed'] } });
  assert.deepEqual(ids(s), ['acct-01', 'fs-02']);
  s = reducer(s, { type: 'filter', filter: { sort: 'id', descending: true } });
  assert.deepEqual(ids(s), ['fs-02', 'acct-01']);
  assert.deepEqual(s.filter, { sort: 'id', groupByFile: false, statuses: ['Failed'], descending: true });
  assert.deepEqual(s.persisted.filter, s.filter);
  assert.equal(s.persisted.selectedId, 'fs-02');
  const orders = s.orders;
  s = reducer(s, { type: 'filter', filter: { text: 'acct' } });
  assert.equal(s.orders, orders, 'the same sort is not computed again');
  assert.deepEqual(ids(s), ['acct-01']);
  s = reducer(s, { type: 'filter', filter: { text: 'nothing-matches' } });
  assert.deepEqual(s.matching, []);
});

test('group by file: a header per file; a collapsed group hides its controls', () => {
  let s = run([{ type: 'report', report: A }, { type: 'filter', filter: { groupByFile: true } }]);
  const files = (st: PanelState) => st.rows.flatMap((r) => (r.kind === 'group' ? [`${r.file}${r.collapsed ? ' (collapsed)' : ''}`] : []));
  assert.deepEqual(files(s), ['controls/acct.rb', 'controls/fs.rb', 'controls/rt.rb']);
  assert.equal(s.rows.length, 3 + 4);
  s = reducer(s, { type: 'toggleGroup', file: 'controls/fs.rb' });
  assert.deepEqual(files(s), ['controls/acct.rb', 'controls/fs.rb (collapsed)', 'controls/rt.rb']);
  assert.equal(s.rows.length, 3 + 2);
  assert.equal(s.matching.length, 4, 'a collapsed group still counts as matching');
  s = reducer(s, { type: 'toggleGroup', file: 'controls/fs.rb' });
  assert.equal(s.rows.length, 3 + 4);
});

test('select: the control, its scroll request, no source note, the comparison closed; an unknown key changes nothing', () => {
  const cmp: PanelComparison = { oldLabel: 'old', newLabel: 'new', oldCompliance: 10, newCompliance: 20, changes: [], controlsWithResultChanges: 0 };
  let s = run([{ type: 'report', report: A }, { type: 'sourceNote', key: 2, result: { opened: true, path: '/x.rb', line: 3 } }, { type: 'comparison', comparison: cmp }]);
  assert.equal(s.showComparison, true);
  s = reducer(s, { type: 'select', key: 2, scroll: true });
  assert.equal(s.selectedKey, 2);
  assert.deepEqual(s.scrollTarget, { key: 2 });
  assert.equal(s.sourceNote, undefined);
  assert.equal(s.showComparison, false);
  assert.equal(s.comparison, cmp, 'the comparison stays, to be shown again');
  assert.equal(s.persisted.selectedId, 'acct-01');
  const noScroll = reducer(s, { type: 'select', key: 1, scroll: false });
  assert.equal(noScroll.scrollTarget, s.scrollTarget, 'a click does not scroll');
  assert.equal(reducer(s, { type: 'select', key: 99, scroll: true }), s);
  assert.equal(controlById(s, 'rt-01')?.key, 3);
});

test('comparison: shown when it arrives, hidden and shown again; never shown without one', () => {
  const cmp: PanelComparison = { oldLabel: 'old', newLabel: 'new', oldCompliance: 10, newCompliance: 20, changes: [], controlsWithResultChanges: 0 };
  const none = initialState();
  assert.equal(reducer(none, { type: 'showComparison', show: true }), none);
  let s = run([{ type: 'report', report: A }, { type: 'comparison', comparison: cmp }]);
  assert.deepEqual([s.comparison, s.showComparison], [cmp, true]);
  s = reducer(s, { type: 'showComparison', show: false });
  assert.equal(s.showComparison, false);
  assert.equal(reducer(s, { type: 'showComparison', show: false }), s, 'no change, same state');
  s = reducer(s, { type: 'showComparison', show: true });
  assert.equal(s.showComparison, true);
  s = reducer(s, { type: 'report', report: A });
  assert.equal(s.showComparison, false, 'a new report is shown, not the comparison');
});

test('error banner: set, dismissed, cleared by the next report', () => {
  let s = run([{ type: 'report', report: A }, { type: 'error', message: 'truncated.json: unexpected end' }]);
  assert.equal(s.error, 'truncated.json: unexpected end');
  assert.equal(s.report, A, 'the previous report stays');
  s = reducer(s, { type: 'dismissError' });
  assert.equal(s.error, undefined);
  assert.equal(reducer(s, { type: 'dismissError' }), s);
});

test('details: requested once, loaded or failed, and dropped when they answer for a report no longer shown', () => {
  let s = run([{ type: 'report', report: A }, { type: 'detailRequested', key: 1 }]);
  assert.ok(s.pendingDetails.has(1));
  assert.equal(reducer(s, { type: 'detailRequested', key: 1 }), s, 'already in flight');
  s = reducer(s, { type: 'detailLoaded', report: A, key: 1, detail: detail(1) });
  assert.deepEqual(s.details.get(1), { detail: detail(1) });
  assert.ok(!s.pendingDetails.has(1));
  s = run([{ type: 'detailRequested', key: 2 }, { type: 'detailFailed', report: A, key: 2, error: 'no control #2' }], s);
  assert.deepEqual(s.details.get(2), { error: 'no control #2' });
  // a reply for A after B replaced it
  s = run([{ type: 'report', report: B }, { type: 'detailRequested', key: 0 }], s);
  assert.equal(s.details.size, 0);
  assert.equal(reducer(s, { type: 'detailLoaded', report: A, key: 0, detail: detail(0) }), s);
});

test('source notes and render counts', () => {
  let s = run([{ type: 'report', report: A }, { type: 'sourceNote', key: 1, result: { opened: false, message: 'not found' } }]);
  assert.deepEqual(s.sourceNote, { key: 1, result: { opened: false, message: 'not found' } });
  s = run([{ type: 'rendered' }, { type: 'rendered' }], s);
  assert.equal(s.renderCount, 2);
});

test('the reducer never changes the state it is given', () => {
  const before = run([{ type: 'report', report: A }, { type: 'filter', filter: { groupByFile: true } }]);
  const frozen = JSON.stringify({ ...before, index: undefined, orders: [...before.orders], collapsed: [...before.collapsed], details: [...before.details] });
  run(
    [
      { type: 'toggleGroup', file: 'controls/fs.rb' },
      { type: 'select', key: 1, scroll: true },
      { type: 'filter', filter: { sort: 'title' } },
      { type: 'detailRequested', key: 1 },
      { type: 'detailLoaded', report: A, key: 1, detail: detail(1) },
    ],
    before,
  );
  assert.equal(JSON.stringify({ ...before, index: undefined, orders: [...before.orders], collapsed: [...before.collapsed], details: [...before.details] }), frozen);
});

test('the store notifies subscribers of changes only, with the action; unsubscribing stops it; a listener may dispatch', () => {
  const store = createStore();
  const seen: string[] = [];
  const off = store.subscribe((s, a) => seen.push(`${a.type}:${s.matching.length}`));
  store.dispatch({ type: 'report', report: A });
  store.dispatch({ type: 'dismissError' }); // no change: no notification
  store.dispatch({ type: 'filter', filter: { statuses: ['Failed'] } });
  assert.deepEqual(seen, ['report:4', 'filter:2']);
  // a listener that reacts with another action (as the panel fetches a missing detail)
  const off2 = store.subscribe((s) => {
    if (s.selectedKey !== undefined && !s.pendingDetails.has(s.selectedKey) && !s.details.has(s.selectedKey)) store.dispatch({ type: 'detailRequested', key: s.selectedKey });
  });
  store.dispatch({ type: 'select', key: 2, scroll: false });
  assert.ok(store.getState().pendingDetails.has(2));
  assert.equal(store.getState().selectedKey, 2);
  off();
  off2();
  store.dispatch({ type: 'filter', filter: { statuses: [] } });
  assert.deepEqual(seen, ['report:4', 'filter:2', 'select:2', 'detailRequested:2']);
  assert.equal(store.getState().matching.length, 4);
});
