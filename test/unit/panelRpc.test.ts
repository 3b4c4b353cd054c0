// The request/reply helper both ends of the results panel use (src/protocol/rpc.ts): replies matched by id,
// errors, timeouts, malformed messages ignored, and the host ⇄ panel pair wired back to back.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { HostRequests, PanelRequests, PanelSnapshot } from '../../src/protocol/messages';
import { RpcEndpoint, isRpcReply, isRpcRequest, type RpcReply, type RpcRequest } from '../../src/protocol/rpc';

type Sent = RpcRequest<PanelRequests> | RpcReply;

/** A panel-side endpoint whose messages are collected. */
function panelEnd(timeoutMs = 1000) {
  const sent: Sent[] = [];
  const rpc = new RpcEndpoint<PanelRequests, HostRequests>((m) => sent.push(m), { peer: 'the extension', timeoutMs });
  return { rpc, sent };
}

const snapshot: PanelSnapshot = { text: 'x', imgElements: 0, rendered: 'report:1', visibleRows: 3, matchingControls: 3 };
const tick = () => new Promise((r) => setImmediate(r));

test('requests get increasing ids and resolve with the reply of the same id, in any order', async () => {
  const { rpc, sent } = panelEnd();
  const a = rpc.request('openSource', { key: 1 });
  const b = rpc.request('getDetail', { key: 2 });
  assert.deepEqual(sent, [
    { type: 'request', id: 1, method: 'openSource', params: { key: 1 } },
    { type: 'request', id: 2, method: 'getDetail', params: { key: 2 } },
  ]);
  assert.equal(rpc.waiting, 2);
  await rpc.receive({ type: 'reply', id: 2, ok: true, result: { key: 2, descriptions: [], code: 'c', results: [] } });
  await rpc.receive({ type: 'reply', id: 1, ok: true, result: { opened: true, path: '/p.rb', line: 4 } });
  assert.deepEqual(await a, { opened: true, path: '/p.rb', line: 4 });
  assert.equal((await b).code, 'c');
  assert.equal(rpc.waiting, 0);
});

test('an error reply rejects with its message; a second reply for the same id is ignored', async () => {
  const { rpc } = panelEnd();
  const p = rpc.request('getDetail', { key: 9 });
  await rpc.receive({ type: 'reply', id: 1, ok: false, error: 'no control #9 in the report shown' });
  await assert.rejects(p, /no control #9 in the report shown/);
  assert.equal(await rpc.receive({ type: 'reply', id: 1, ok: true, result: 'late' }), undefined);
});

test('a request with no reply rejects after its timeout, naming the method; the late reply is ignored', async () => {
  const { rpc } = panelEnd(30);
  const started = Date.now();
  await assert.rejects(rpc.request('openSource', { key: 0 }), /the extension did not answer 'openSource' within 30 ms/);
  assert.ok(Date.now() - started >= 25);
  assert.equal(rpc.waiting, 0);
  await rpc.receive({ type: 'reply', id: 1, ok: true, result: { opened: true } });
  // a per-call timeout overrides the endpoint's; 0 waits for ever
  await assert.rejects(rpc.request('openSource', { key: 0 }, 5), /within 5 ms/);
  const forever = rpc.request('getDetail', { key: 0 }, 0);
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(rpc.waiting, 1);
  rpc.dispose('closed for the test');
  await assert.rejects(forever, /closed for the test/);
});

test('malformed messages and unknown replies are ignored: nothing settles, nothing is sent', async () => {
  const { rpc, sent } = panelEnd();
  rpc.handle('inspect', () => snapshot);
  const p = rpc.request('openSource', { key: 1 });
  sent.length = 0;
  const malformed: unknown[] = [
    null,
    'reply',
    [],
    {},
    { type: 'reply' },
    { type: 'reply', id: '1', ok: true, result: {} },
    { type: 'reply', id: -1, ok: true, result: {} },
    { type: 'reply', id: 1.5, ok: true, result: {} },
    { type: 'reply', id: 1, ok: false },
    { type: 'reply', id: 1, ok: 'yes', result: {} },
    { type: 'reply', id: 2, ok: true, result: {} }, // nobody waits for id 2
    { type: 'request', method: 'inspect', params: {} },
    { type: 'request', id: 'x', method: 'inspect', params: {} },
    { type: 'request', id: 1, method: 'inspect' },
    { type: 'request', id: 1, method: 'inspect', params: [] },
    { type: 'request', id: 1, method: 42, params: {} },
  ];
  for (const m of malformed) assert.equal(await rpc.receive(m), undefined, JSON.stringify(m));
  assert.deepEqual(sent, [], 'no reply to a malformed request');
  assert.equal(rpc.waiting, 1, 'the real request still waits');
  await rpc.receive({ type: 'reply', id: 1, ok: true, result: { opened: false, message: 'not found' } });
  assert.deepEqual(await p, { opened: false, message: 'not found' });
  assert.ok(!isRpcRequest({ type: 'reply', id: 1, ok: true }) && !isRpcReply({ type: 'request', id: 1, method: 'x', params: {} }));
});

test('handle: the result is the reply and the return value; a throw or rejection is an error reply; no handler is an error', async () => {
  const sent: Array<RpcRequest<HostRequests> | RpcReply> = [];
  const errors: string[] = [];
  const host = new RpcEndpoint<HostRequests, PanelRequests>((m) => sent.push(m), { peer: 'the results panel', onHandlerError: (m, e) => errors.push(`${m}: ${e}`) });
  host.handle('getDetail', ({ key }) => {
    if (key > 0) throw new Error(`no control #${key}`);
    return { key, descriptions: [], code: 'control 0', results: [] };
  });
  assert.deepEqual(await host.receive({ type: 'request', id: 5, method: 'getDetail', params: { key: 0 } }), { key: 0, descriptions: [], code: 'control 0', results: [] });
  assert.equal(await host.receive({ type: 'request', id: 6, method: 'getDetail', params: { key: 3 } }), undefined);
  assert.equal(await host.receive({ type: 'request', id: 7, method: 'openSource', params: { key: 3 } }), undefined);
  const off = host.handle('openSource', async ({ key }) => Promise.reject(new Error(`cannot open #${key}`)));
  await host.receive({ type: 'request', id: 8, method: 'openSource', params: { key: 4 } });
  off();
  await host.receive({ type: 'request', id: 9, method: 'openSource', params: { key: 4 } });
  assert.deepEqual(sent, [
    { type: 'reply', id: 5, ok: true, result: { key: 0, descriptions: [], code: 'control 0', results: [] } },
    { type: 'reply', id: 6, ok: false, error: 'no control #3' },
    { type: 'reply', id: 7, ok: false, error: "no handler for 'openSource'" },
    { type: 'reply', id: 8, ok: false, error: 'cannot open #4' },
    { type: 'reply', id: 9, ok: false, error: "no handler for 'openSource'" },
  ]);
  assert.deepEqual(errors, ['getDetail: no control #3', "openSource: no handler for 'openSource'", 'openSource: cannot open #4', "openSource: no handler for 'openSource'"]);
});

test('dispose rejects what waits, refuses new requests and sends nothing more', async () => {
  const { rpc, sent } = panelEnd();
  rpc.handle('inspect', () => snapshot);
  const p = rpc.request('getDetail', { key: 1 });
  rpc.dispose('the results panel was closed');
  await assert.rejects(p, /the results panel was closed/);
  await assert.rejects(rpc.request('getDetail', { key: 2 }), /the results panel was closed/);
  const before = sent.length;
  await rpc.receive({ type: 'request', id: 3, method: 'inspect', params: {} });
  assert.equal(sent.length, before);
});

test('host and panel wired back to back: both directions, each with its own ids', async () => {
  // each side's messages are delivered to the other asynchronously, like postMessage
  const host: RpcEndpoint<HostRequests, PanelRequests> = new RpcEndpoint<HostRequests, PanelRequests>((m) => setImmediate(() => void panel.receive(structuredClone(m))), {
    peer: 'the results panel',
  });
  const panel: RpcEndpoint<PanelRequests, HostRequests> = new RpcEndpoint<PanelRequests, HostRequests>((m) => setImmediate(() => void host.receive(structuredClone(m))), {
    peer: 'the extension',
  });
  host.handle('openSource', async ({ key, preserveFocus }) => ({ opened: true, path: `/k${key}.rb`, line: preserveFocus ? 1 : 2 }));
  host.handle('getDetail', ({ key }) => ({ key, descriptions: [{ label: 'default', data: `d${key}` }], code: '', results: [] }));
  panel.handle('inspect', async () => {
    await tick();
    return snapshot;
  });
  const [src, det, snap] = await Promise.all([panel.request('openSource', { key: 3, preserveFocus: true }), panel.request('getDetail', { key: 4 }), host.request('inspect', {})]);
  assert.deepEqual(src, { opened: true, path: '/k3.rb', line: 1 });
  assert.equal(det.descriptions[0].data, 'd4');
  assert.deepEqual(snap, snapshot);
  assert.equal(host.waiting + panel.waiting, 0);
});
