// transport.ts and watch.ts on their own: every request, watches included, is sent by Transport.open.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { KubeError, describeRequest } from '../../src/core/cluster/errors';
import { contextConfig, loadKubeconfig } from '../../src/core/cluster/kubeconfig';
import { Transport, buildQuery } from '../../src/core/cluster/transport';
import { Watches } from '../../src/core/cluster/watch';

const dir = mkdtempSync(join(tmpdir(), 'kc-transport-'));
const servers: http.Server[] = [];
after(() => {
  servers.forEach((s) => s.close());
  rmSync(dir, { recursive: true, force: true });
});

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

async function serve(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const s = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      answer(req, res);
    });
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, seen };
}

function transportFor(server: string, opts: ConstructorParameters<typeof Transport>[2] = {}): Transport {
  const f = join(dir, `kc-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(f, `apiVersion: v1\nkind: Config\ncurrent-context: t\nclusters:\n- name: c\n  cluster: {server: "${server}/", insecure-skip-tls-verify: true}\nusers:\n- name: u\n  user: {token: transport-token-42}\ncontexts:\n- name: t\n  context: {cluster: c, user: u}\n`);
  const { name, kubeConfig } = contextConfig(loadKubeconfig([f]));
  return new Transport(kubeConfig, name, opts);
}

const ok = (_req: http.IncomingMessage, res: http.ServerResponse) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');

test('buildQuery drops undefined and empty values', () => {
  assert.equal(buildQuery(), '');
  assert.equal(buildQuery({ a: undefined, b: '' }), '');
  assert.equal(buildQuery({ limit: 500, watch: true, labelSelector: 'app=x,tier in (a b)', continue: undefined }), '?limit=500&watch=true&labelSelector=app%3Dx%2Ctier+in+%28a+b%29');
});

test('the server URL loses its trailing slash; open sends the defaults, the credentials and the body', async () => {
  const { url, seen } = await serve(ok);
  const t = transportFor(url);
  assert.equal(t.server, url);
  const res = await t.send('POST', '/api/v1/namespaces/demo/pods?dryRun=All', { headers: { 'Content-Type': 'application/json' }, body: '{"é":1}', request: describeRequest('POST', '/api/v1/namespaces/demo/pods') });
  assert.equal(res.status, 200);
  assert.deepEqual(JSON.parse(res.body.toString()), { ok: true });
  const [s] = seen;
  assert.equal(s.url, '/api/v1/namespaces/demo/pods?dryRun=All');
  assert.deepEqual([s.headers.accept, s.headers['user-agent'], s.headers.authorization, s.headers['content-type'], s.headers['content-length']], ['application/json', 'kube-compliance', 'Bearer transport-token-42', 'application/json', '8']);
  assert.equal(s.body, '{"é":1}');
  assert.equal(t.requestCount, 1);
  t.dispose();
});

test('authApplied: credentials the caller already set are kept; ours only fill the gaps', async () => {
  const { url, seen } = await serve(ok);
  const t = transportFor(url);
  const request = describeRequest('GET', '/version');
  await t.send('GET', '/version', { headers: { Authorization: 'Bearer from-client-node' }, authApplied: true, request });
  await t.send('GET', '/version', { headers: { Authorization: 'Bearer overridden' }, request });
  assert.deepEqual(seen.map((s) => s.headers.authorization), ['Bearer from-client-node', 'Bearer transport-token-42']);
  t.dispose();
});

test('a closed transport and an aborted signal send nothing', async () => {
  const { url, seen } = await serve(ok);
  const t = transportFor(url);
  await assert.rejects(t.request('GET', '/version', { signal: AbortSignal.abort() }), (e: unknown) => e instanceof KubeError && e.kind === 'cancelled');
  t.dispose();
  await assert.rejects(t.request('GET', '/version'), (e: unknown) => e instanceof KubeError && e.kind === 'cancelled' && /closed/.test(e.message));
  assert.equal(seen.length, 0);
  assert.equal(t.requestCount, 0);
});

test('watch requests go through the transport: limiter, credentials, headers and the request count', async () => {
  const { url, seen } = await serve((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write(JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'p', resourceVersion: '8' } } }) + '\n');
    setTimeout(() => res.end(), 50);
  });
  const t = transportFor(url, { qps: 1, burst: 1 });
  await t.request('GET', '/version'); // takes the only token: the watch waits about a second for the next
  const watches = new Watches(t);
  const t0 = Date.now();
  const got = await new Promise<string>((resolve) => watches.watch('/api/v1/namespaces/demo/pods', (type, o) => resolve(`${type} ${(o as { metadata: { name: string } }).metadata.name}`), { resourceVersion: '7', timeoutSeconds: 60 }));
  assert.equal(got, 'ADDED p');
  assert.ok(Date.now() - t0 >= 800, `the watch waited for the limiter (${Date.now() - t0} ms)`);
  const w = seen[1];
  const q = new URL(w.url, url).searchParams;
  assert.deepEqual([q.get('watch'), q.get('allowWatchBookmarks'), q.get('timeoutSeconds'), q.get('resourceVersion')], ['true', 'true', '60', '7']);
  assert.deepEqual([w.headers.accept, w.headers['user-agent'], w.headers.authorization], ['application/json', 'kube-compliance', 'Bearer transport-token-42']);
  assert.equal(t.requestCount, 2);
  watches.dispose();
  t.dispose();
});

test('a watch disposed while it waits for the limiter sends nothing', async () => {
  const { url, seen } = await serve(ok);
  const t = transportFor(url, { qps: 1, burst: 1 });
  await t.request('GET', '/version');
  const watches = new Watches(t);
  const h = watches.watch('/api/v1/pods', () => undefined);
  h.dispose();
  assert.equal(h.stopped, true);
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal(seen.length, 1);
  assert.equal(t.requestCount, 1);
  t.dispose();
});
