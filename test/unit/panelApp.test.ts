// The panel's side of the conversation (webview/panelApp.ts) without a browser: host messages → store, the user's
// actions → messages to the host (persist, rendered, requests), the chosen control's detail fetched once.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { PanelControl, PanelReport, PanelSnapshot, PanelToHost } from '../../src/protocol/messages';
import { PanelApp } from '../../webview/panelApp';

function control(key: number, id: string): PanelControl {
  return { key, id, title: `title of ${id}`, profile: 'p', status: 'Failed', severity: 'high', impact: 0.7, file: 'controls/a.rb', nist: [], cci: [], tags: [], waived: false, resultCount: 1 };
}
const zero = { Passed: 0, Failed: 2, 'Not Applicable': 0, 'Not Reviewed': 0, 'Profile Error': 0 };
const sev = { critical: 0, high: 2, medium: 0, low: 0, none: 0 };
const REPORT: PanelReport = {
  reportPath: '/r.json',
  label: 'run',
  summary: { compliance: 0, counts: zero, severity: sev, failedBySeverity: sev, controls: 2, results: 2, profiles: [] },
  controls: [control(0, 'fs-01'), control(1, 'fs-02')],
};

function setup(saved?: unknown) {
  const posted: PanelToHost[] = [];
  const states: unknown[] = [];
  const marks: string[] = [];
  const snapshot: PanelSnapshot = { text: 'shown', imgElements: 0, rendered: '', visibleRows: 2, matchingControls: 2 };
  const app = new PanelApp(
    { postMessage: (m) => posted.push(m), getState: () => saved, setState: (s) => states.push(s) },
    { settled: () => Promise.resolve(), markRendered: (l) => marks.push(l), snapshot: () => snapshot },
  );
  const of = <T extends PanelToHost['type']>(type: T) => posted.filter((m): m is Extract<PanelToHost, { type: T }> => m.type === type);
  return { app, posted, states, marks, of, snapshot };
}
const flush = () => new Promise((r) => setImmediate(r));

test('ready, then a report: state saved, rendered reported once the page settled', async () => {
  const { app, of, states, marks } = setup();
  app.start();
  assert.deepEqual(of('ready'), [{ type: 'ready' }]);
  app.receive({ type: 'report', report: REPORT });
  await flush();
  assert.equal(app.store.getState().report, REPORT);
  assert.deepEqual(states.at(-1), { reportPath: '/r.json', label: 'run' });
  assert.deepEqual(of('rendered').map((r) => [r.phase, r.matching]), [['report', 2]]);
  assert.deepEqual(marks, ['report:1']);
});

test('malformed host messages are ignored', async () => {
  const { app, posted } = setup();
  for (const m of [null, { type: 'html', html: '<img>' }, { type: 'report', report: { controls: 'x', summary: {} } }, { type: 'request', id: 1, method: 'eval', params: {} }]) app.receive(m);
  await flush();
  assert.deepEqual(posted, []);
  assert.equal(app.store.getState().report, undefined);
});

test('selecting a control persists it and fetches its detail once', async () => {
  const { app, of, states } = setup();
  app.receive({ type: 'report', report: REPORT });
  app.receive({ type: 'select', id: 'fs-02' });
  app.receive({ type: 'setFilter', filter: { text: 'fs' } });
  await flush();
  const requests = of('request');
  assert.deepEqual(requests, [{ type: 'request', id: 1, method: 'getDetail', params: { key: 1 } }], 'one getDetail, not one per render');
  assert.deepEqual(of('persist').at(-1)?.state, { reportPath: '/r.json', label: 'run', filter: { sort: 'status', groupByFile: false, text: 'fs' }, selectedId: 'fs-02' });
  assert.deepEqual(states.at(-1), of('persist').at(-1)?.state);
  app.receive({ type: 'reply', id: 1, ok: true, result: { key: 1, descriptions: [], code: 'control', results: [] } });
  await flush();
  assert.deepEqual(app.store.getState().details.get(1), { detail: { key: 1, descriptions: [], code: 'control', results: [] } });
  assert.deepEqual(
    of('rendered').map((r) => r.phase),
    ['report', 'detail', 'filter', 'detail'],
  );
});

test('a click opens the source beside and notes the answer (or the failure) on the control', async () => {
  const { app, of } = setup();
  app.receive({ type: 'report', report: REPORT });
  app.choose(0);
  await flush();
  const open = of('request').find((r) => r.method === 'openSource')!;
  assert.deepEqual(open.params, { key: 0, resultIndex: undefined, preserveFocus: true });
  app.receive({ type: 'reply', id: open.id, ok: false, error: 'no workspace' });
  await flush();
  assert.deepEqual(app.store.getState().sourceNote, { key: 0, result: { opened: false, message: 'no workspace' } });
  app.dispose(); // the getDetail of the click is left unanswered
});

test("the host's inspect request is answered with the page's snapshot", async () => {
  const { app, of, snapshot } = setup();
  app.receive({ type: 'request', id: 41, method: 'inspect', params: {} });
  await flush();
  assert.deepEqual(of('reply'), [{ type: 'reply', id: 41, ok: true, result: snapshot }]);
});

test('the webview state saved before a reload restores the filter for the same report', async () => {
  const { app } = setup({ reportPath: '/r.json', filter: { text: 'fs-02' }, selectedId: 'fs-02' });
  app.receive({ type: 'report', report: REPORT });
  const s = app.store.getState();
  assert.deepEqual(s.matching, [1]);
  assert.equal(s.selectedKey, 1);
  app.dispose();
});
