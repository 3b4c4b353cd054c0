import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ClusterClient, loadKubeconfig } from '../../src/core/cluster/client';
import { KubeError } from '../../src/core/cluster/errors';

const dir = mkdtempSync(join(tmpdir(), 'kc-client-'));
type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;
const servers: Array<http.Server> = [];
after(() => {
  servers.forEach((s) => s.close());
  rmSync(dir, { recursive: true, force: true });
});

async function serve(handler: Handler, tls?: { key: string; cert: string }): Promise<string> {
  const fn = (req: http.IncomingMessage, res: http.ServerResponse) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => handler(req, res, body));
  };
  const s = tls ? https.createServer(tls, fn) : http.createServer(fn);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `${tls ? 'https' : 'http'}://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

function clientFor(server: string, opts: ConstructorParameters<typeof ClusterClient>[2] = {}, clusterExtra = 'insecure-skip-tls-verify: true'): ClusterClient {
  const f = join(dir, `kc-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    f,
    `apiVersion: v1\nkind: Config\ncurrent-context: t\nclusters:\n- name: c\n  cluster:\n    server: ${server}\n    ${clusterExtra}\nusers:\n- name: u\n  user: {token: secret-token-123456}\ncontexts:\n- name: t\n  context: {cluster: c, user: u, namespace: demo}\n`,
  );
  return ClusterClient.forContext(loadKubeconfig([f]), 't', opts);
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

test('sends the bearer token and pages through limit/continue', async () => {
  const seen: string[] = [];
  const url = await serve((req, res) => {
    assert.equal(req.headers.authorization, 'Bearer secret-token-123456');
    const u = new URL(req.url!, 'http://x');
    seen.push(`${u.searchParams.get('limit')}:${u.searchParams.get('continue') ?? ''}`);
    const page = Number(u.searchParams.get('continue') ?? 0);
    const items = [0, 1].map((i) => ({ metadata: { name: `ns-${page * 2 + i}` } }));
    json(res, 200, { kind: 'NamespaceList', metadata: { resourceVersion: '77', continue: page < 2 ? String(page + 1) : undefined }, items });
  });
  const c = clientFor(url);
  const { items, resourceVersion } = await c.list<{ metadata: { name: string } }>('/api/v1/namespaces', { limit: 2 });
  assert.deepEqual(items.map((i) => i.metadata.name), ['ns-0', 'ns-1', 'ns-2', 'ns-3', 'ns-4', 'ns-5']);
  assert.deepEqual(seen, ['2:', '2:1', '2:2']);
  assert.equal(resourceVersion, '77');
  c.dispose();
});

test('429 with Retry-After is retried after the given time (bounded), then succeeds', async () => {
  let n = 0;
  const times: number[] = [];
  const url = await serve((_req, res) => {
    times.push(Date.now());
    if (n++ < 2) return json(res, 429, { kind: 'Status', reason: 'TooManyRequests' }, { 'Retry-After': '1' });
    json(res, 200, { ok: true });
  });
  const c = clientFor(url);
  assert.deepEqual(await c.request('GET', '/version'), { ok: true });
  assert.equal(n, 3);
  assert.ok(times[1] - times[0] >= 950, `waited ${times[1] - times[0]} ms`);
  c.dispose();
});

test('429 forever: rate-limited error after maxRetries', async () => {
  let n = 0;
  const url = await serve((_req, res) => {
    n++;
    json(res, 429, { kind: 'Status' }, { 'Retry-After': '0' });
  });
  const c = clientFor(url, { maxRetries: 2 });
  await assert.rejects(c.request('GET', '/api/v1/pods'), (e: unknown) => e instanceof KubeError && e.kind === 'rate-limited' && e.code === 429);
  assert.equal(n, 3);
  c.dispose();
});

test('403 says which verb on which resource; 401 says how to refresh credentials; no token in messages', async () => {
  const url = await serve((req, res) => {
    if (req.url!.startsWith('/api/v1/namespaces/demo/pods')) return json(res, 403, { kind: 'Status', reason: 'Forbidden', message: 'pods is forbidden: User "ro" cannot list resource "pods"' });
    json(res, 401, { kind: 'Status', reason: 'Unauthorized', message: 'Unauthorized' });
  });
  const c = clientFor(url);
  await assert.rejects(c.list('/api/v1/namespaces/demo/pods'), (e: unknown) => {
    assert.ok(e instanceof KubeError);
    assert.equal(e.kind, 'forbidden');
    assert.deepEqual([e.request?.verb, e.request?.resource, e.request?.namespace], ['list', 'pods', 'demo']);
    assert.match(e.message, /may not list pods in namespace "demo"/);
    return true;
  });
  await assert.rejects(c.request('GET', '/api/v1/namespaces'), (e: unknown) => {
    assert.ok(e instanceof KubeError && e.kind === 'unauthorized');
    assert.match(e.hint ?? '', /token of user "u" expired/);
    assert.ok(!`${e.message} ${e.hint}`.includes('secret-token-123456'));
    return true;
  });
  c.dispose();
});

test('unreachable server: the error names the server URL', async () => {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  const c = clientFor(`http://127.0.0.1:${port}`);
  await assert.rejects(c.request('GET', '/version'), (e: unknown) => e instanceof KubeError && e.kind === 'unreachable' && e.message.includes(`http://127.0.0.1:${port}`) && /ECONNREFUSED/.test(e.message));
  c.dispose();
});

test('request timeout', async () => {
  const url = await serve(() => undefined /* never answers */);
  const c = clientFor(url, { timeoutMs: 300 });
  const t0 = Date.now();
  await assert.rejects(c.request('GET', '/api/v1/pods'), (e: unknown) => e instanceof KubeError && e.kind === 'timeout');
  assert.ok(Date.now() - t0 < 2000);
  c.dispose();
});

test('TLS: an unknown CA is a tls error; the right CA works', async () => {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' });
  const url = await serve((_q, res) => json(res, 200, { ok: 1 }), { key: readFileSync(join(dir, 'k.pem'), 'utf8'), cert: readFileSync(join(dir, 'c.pem'), 'utf8') });
  const bad = clientFor(url, {}, 'certificate-authority-data: ""');
  await assert.rejects(bad.request('GET', '/version'), (e: unknown) => e instanceof KubeError && e.kind === 'tls' && /certificate-authority/.test(e.hint ?? ''));
  bad.dispose();
  const good = clientFor(url, {}, `certificate-authority: ${join(dir, 'c.pem')}`);
  assert.deepEqual(await good.request('GET', '/version'), { ok: 1 });
  good.dispose();
});

test('the rate limiter spaces requests: qps 10, burst 2 → 6 requests take ≥ 350 ms', async () => {
  const url = await serve((_q, res) => json(res, 200, {}));
  const c = clientFor(url, { qps: 10, burst: 2 });
  const t0 = Date.now();
  await Promise.all(Array.from({ length: 6 }, () => c.request('GET', '/version')));
  assert.ok(Date.now() - t0 >= 350, `${Date.now() - t0} ms`);
  c.dispose();
});

test('watch: events arrive, the stream reopens from the last resourceVersion after the server ends it', async () => {
  const rvs: Array<string | null> = [];
  let calls = 0;
  const url = await serve((req, res) => {
    const u = new URL(req.url!, 'http://x');
    assert.equal(u.searchParams.get('watch'), 'true');
    rvs.push(u.searchParams.get('resourceVersion'));
    res.writeHead(200, { 'Content-Type': 'application/json' });
    const n = ++calls;
    res.write(JSON.stringify({ type: 'ADDED', object: { metadata: { name: `p${n}`, resourceVersion: String(10 + n) } } }) + '\n');
    setTimeout(() => res.end(), 1100); // a server-side timeout ends the stream
  });
  const c = clientFor(url);
  const names: string[] = [];
  const w = c.watch('/api/v1/namespaces/demo/pods', (_t, o) => names.push((o as { metadata: { name: string } }).metadata.name), { resourceVersion: '5' });
  const deadline = Date.now() + 6000;
  while (names.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  w.dispose();
  assert.deepEqual(names.slice(0, 2), ['p1', 'p2']);
  assert.deepEqual(rvs.slice(0, 2), ['5', '11']);
  c.dispose();
});

test('watch stops (no retry storm) on 403 and reports it', async () => {
  let calls = 0;
  const url = await serve((_q, res) => {
    calls++;
    json(res, 403, { kind: 'Status', reason: 'Forbidden', message: 'no watch for you' });
  });
  const c = clientFor(url);
  const stopped = await new Promise<KubeError>((resolve) => c.watch('/api/v1/namespaces/demo/pods', () => undefined, { onStop: resolve }));
  assert.equal(stopped.kind, 'forbidden');
  assert.equal(stopped.request?.verb, 'watch');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(calls, 1);
  c.dispose();
});

test('SelfSubjectAccessReview posts JSON resourceAttributes and reads allowed', async () => {
  let got: { spec?: { resourceAttributes?: Record<string, string> } } = {};
  const url = await serve((req, res, body) => {
    assert.equal(req.method, 'POST');
    assert.equal(req.url, '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews');
    got = JSON.parse(body);
    json(res, 201, { ...got, status: { allowed: got.spec?.resourceAttributes?.verb === 'get' } });
  });
  const c = clientFor(url);
  assert.deepEqual(await c.selfSubjectAccessReview({ namespace: 'demo', verb: 'get', resource: 'pods', subresource: 'exec', name: 'p' }), { allowed: true, denied: undefined, reason: undefined });
  assert.deepEqual(got.spec?.resourceAttributes, { namespace: 'demo', verb: 'get', group: '', resource: 'pods', subresource: 'exec', name: 'p' });
  assert.equal((await c.selfSubjectAccessReview({ namespace: 'demo', verb: 'create', resource: 'pods', subresource: 'exec' })).allowed, false);
  c.dispose();
});

test('the generated API clients go through the same limiter and typed errors', async () => {
  const url = await serve((req, res) => {
    if (req.url!.includes('/pods/gone')) return json(res, 404, { kind: 'Status', reason: 'NotFound', message: 'pods "gone" not found' });
    json(res, 200, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'demo', creationTimestamp: '2026-01-01T00:00:00Z' } });
  });
  const c = clientFor(url);
  const p = await c.getPod('demo', 'p');
  assert.equal(p.metadata?.name, 'p');
  assert.ok(p.metadata?.creationTimestamp instanceof Date, 'typed model from client-node');
  await assert.rejects(c.core.readNamespacedPod({ namespace: 'demo', name: 'gone' }), (e: unknown) => e instanceof KubeError && e.kind === 'not-found' && e.code === 404);
  assert.equal(c.requestCount, 2);
  c.dispose();
});

test('proxy-url: requests tunnel through the proxy named in the kubeconfig (CONNECT)', async () => {
  const backend = await serve((req, res) => json(res, 200, { via: 'proxy', path: req.url }));
  const backendPort = Number(new URL(backend).port);
  const tunnels: string[] = [];
  const proxy = http.createServer((_q, res) => res.writeHead(405).end());
  proxy.on('connect', (req, socket: import('node:net').Socket, head) => {
    tunnels.push(String(req.url)); // the API server the client asked for; this proxy routes every tunnel to the backend
    const upstream = net.connect(backendPort, '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  servers.push(proxy);
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const c = clientFor('http://kube.invalid:6443', {}, `insecure-skip-tls-verify: true\n    proxy-url: http://127.0.0.1:${(proxy.address() as AddressInfo).port}`);
  assert.deepEqual(await c.request('GET', '/version'), { via: 'proxy', path: '/version' });
  assert.deepEqual(tunnels, ['kube.invalid:6443']);
  c.dispose();
});

test('exec-plugin users: the token the credential plugin prints is sent (client-node ExecAuth)', async () => {
  const auths: string[] = [];
  const url = await serve((req, res) => {
    auths.push(String(req.headers.authorization));
    json(res, 200, { ok: true });
  });
  const plugin = join(dir, 'plugin.sh');
  writeFileSync(plugin, '#!/bin/sh\necho \'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"from-plugin-987654"}}\'\n', { mode: 0o755 });
  const f = join(dir, 'exec-user.yaml');
  writeFileSync(
    f,
    `apiVersion: v1\nkind: Config\ncurrent-context: t\nclusters:\n- name: c\n  cluster: {server: "${url}", insecure-skip-tls-verify: true}\nusers:\n- name: u\n  user:\n    exec: {apiVersion: client.authentication.k8s.io/v1, command: ${plugin}, interactiveMode: Never}\ncontexts:\n- name: t\n  context: {cluster: c, user: u}\n`,
  );
  const c = ClusterClient.forContext(loadKubeconfig([f]), 't');
  await c.request('GET', '/version');
  assert.deepEqual(auths, ['Bearer from-plugin-987654']);
  c.dispose();
});
