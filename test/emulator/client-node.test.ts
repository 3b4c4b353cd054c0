// The emulator with @kubernetes/client-node (1.4, the extension's client): paging with limit/continue over the
// metadata-only scale scenario, selectors, a watch that sees changes, and the API faults (429 + Retry-After,
// slow responses, unreachable and back), switched through the startCluster handle and the admin endpoint.
import { strict as assert } from 'node:assert';
import * as https from 'node:https';
import { after, before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { startCluster, type Cluster } from './index';

let cluster: Cluster;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;
const NAMESPACES = 4;
const PODS = 1234;

before(async () => {
  cluster = await startCluster({ scenario: 'scale', namespaces: NAMESPACES, pods: PODS });
  kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  core = kc.makeApiClient(k8s.CoreV1Api);
});
after(async () => {
  await cluster?.stop();
});

test('list all pods with limit/continue: every pod exactly once, in key order', async () => {
  const names: string[] = [];
  let cont: string | undefined;
  let pages = 0;
  let firstRemaining: number | undefined;
  do {
    const page = await core.listPodForAllNamespaces({ limit: 100, _continue: cont });
    if (pages === 0) firstRemaining = page.metadata?.remainingItemCount;
    pages++;
    for (const p of page.items) names.push(`${p.metadata!.namespace}/${p.metadata!.name}`);
    cont = page.metadata?._continue || undefined;
  } while (cont);
  assert.equal(names.length, PODS);
  assert.equal(new Set(names).size, PODS);
  assert.equal(pages, Math.ceil(PODS / 100));
  assert.equal(firstRemaining, PODS - 100);
  assert.deepEqual([...names].sort(), names, 'ordered like etcd keys');
  const nsCounts = new Map<string, number>();
  for (const n of names) nsCounts.set(n.split('/')[0], (nsCounts.get(n.split('/')[0]) ?? 0) + 1);
  assert.equal(nsCounts.size, NAMESPACES);
  for (const c of nsCounts.values()) assert.ok(c === Math.floor(PODS / NAMESPACES) || c === Math.ceil(PODS / NAMESPACES));

  const ns = names[0].split('/')[0];
  const inNs = await core.listNamespacedPod({ namespace: ns });
  assert.equal(inNs.items.length, nsCounts.get(ns));
  assert.ok(inNs.items.every((p) => p.status?.phase === 'Running' && p.status.containerStatuses?.[0].ready));
});

test('field and label selectors through client-node', async () => {
  const ns = (await core.listNamespace()).items.map((n) => n.metadata!.name!).find((n) => n.startsWith('scale-'))!;
  const all = await core.listNamespacedPod({ namespace: ns });
  const target = all.items[7].metadata!.name!;
  const one = await core.listNamespacedPod({ namespace: ns, fieldSelector: `metadata.name=${target}` });
  assert.deepEqual(one.items.map((p) => p.metadata?.name), [target]);
  const running = await core.listNamespacedPod({ namespace: ns, fieldSelector: 'status.phase=Running,spec.nodeName=demo-linux-1' });
  assert.equal(running.items.length, all.items.length);
  const none = await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=svc,pod-template-hash notin (' + all.items[0].metadata!.labels!['pod-template-hash'] + ')' });
  assert.equal(none.items.length, 0);
  const nodes = await core.listNode({ labelSelector: 'kubernetes.io/os=windows' });
  assert.deepEqual(nodes.items.map((n) => n.metadata?.name), ['demo-windows-1']);
});

test('a watch from the list resourceVersion sees MODIFIED, DELETED and ADDED', async () => {
  const ns = 'scale-0002';
  const list = await core.listNamespacedPod({ namespace: ns, limit: 5 });
  const rv = list.metadata!.resourceVersion!;
  const victim = list.items[0].metadata!.name!;
  const changed = list.items[1].metadata!.name!;
  const events: { type: string; name: string; labels?: Record<string, string>; phase?: string }[] = [];
  const watch = new k8s.Watch(kc);
  const ctrl = await watch.watch(
    `/api/v1/namespaces/${ns}/pods`,
    { resourceVersion: rv, allowWatchBookmarks: true },
    (type, obj: k8s.V1Pod) => events.push({ type, name: obj.metadata!.name!, labels: obj.metadata?.labels, phase: obj.status?.phase }),
    () => {},
  );
  try {
    await core.patchNamespacedPod({ namespace: ns, name: changed, body: [{ op: 'add', path: '/metadata/labels/scanned', value: 'yes' }] });
    await core.deleteNamespacedPod({ namespace: ns, name: victim });
    await core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'late-arrival' }, spec: { containers: [{ name: 'app', image: 'demo.local/standard:12' }] } } });
    const deadline = Date.now() + 5000;
    while (events.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  } finally {
    ctrl.abort();
  }
  // The new pod is added Pending, then (metadata-only: no runtime) reported Running.
  assert.deepEqual(events.map((e) => `${e.type} ${e.name} ${e.phase}`), [`MODIFIED ${changed} Running`, `DELETED ${victim} Running`, 'ADDED late-arrival Pending', 'MODIFIED late-arrival Running']);
  assert.equal(events[0].labels?.scanned, 'yes');
  await assert.rejects(core.readNamespacedPod({ namespace: ns, name: victim }), (e: { code?: number }) => e.code === 404);
});

test('a watch with a resourceVersion older than the history gets 410 Expired', async () => {
  const got: unknown[] = [];
  await new Promise<void>((resolve) => {
    void new k8s.Watch(kc).watch('/api/v1/pods', { resourceVersion: '1' }, (type, obj) => got.push({ type, obj }), () => resolve());
  });
  assert.equal(got.length, 1);
  const ev = got[0] as { type: string; obj: { code: number; reason: string } };
  assert.equal(ev.type, 'ERROR');
  assert.equal(ev.obj.code, 410);
  assert.equal(ev.obj.reason, 'Expired');
});

test('429 with Retry-After reaches the client (burst, then every Nth request)', async () => {
  cluster.setFaults({ throttleBurst: 2, retryAfterSeconds: 7 });
  for (let i = 0; i < 2; i++) {
    await assert.rejects(core.listNamespace(), (e: { code?: number; headers?: Record<string, string>; body?: string }) => {
      assert.equal(e.code, 429);
      assert.equal(e.headers?.['retry-after'], '7');
      assert.equal(JSON.parse(e.body!).reason, 'TooManyRequests');
      return true;
    });
  }
  assert.ok((await core.listNamespace()).items.length >= NAMESPACES, 'the burst is over');

  cluster.setFaults({ throttleEvery: 3, retryAfterSeconds: 1 });
  const outcomes: number[] = [];
  for (let i = 0; i < 9; i++) outcomes.push(await core.listNamespace().then(() => 200, (e: { code?: number }) => e.code ?? -1));
  cluster.setFaults({ throttleEvery: 0 });
  assert.deepEqual(outcomes, [200, 200, 429, 200, 200, 429, 200, 200, 429]);
  assert.equal(cluster.faults.throttleEvery, undefined);
});

test('slow responses: every request is delayed by delayMs', async () => {
  cluster.setFaults({ delayMs: 1500 });
  try {
    const t = Date.now();
    await core.readNamespace({ name: 'default' });
    assert.ok(Date.now() - t >= 1490, `took ${Date.now() - t} ms`);
  } finally {
    cluster.setFaults({ delayMs: 0 });
  }
  const t = Date.now();
  await core.readNamespace({ name: 'default' });
  assert.ok(Date.now() - t < 1400, `undelayed request took ${Date.now() - t} ms`);
});

test('API unreachable: connections refused, then back on the same port', async () => {
  await cluster.setUnreachable(true);
  await assert.rejects(core.listNamespace(), (e: { code?: string; message?: string }) => /ECONNREFUSED/.test(`${e.code} ${e.message}`));
  await cluster.setUnreachable(false);
  assert.ok((await core.listNamespace()).items.length > 0);
});

function admin(method: string, path: string, token: string, body?: object): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${cluster.url}${path}`, { method, ca: cluster.caPem, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } }, (res) => {
      let data = '';
      res.on('data', (d) => (data += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: data ? JSON.parse(data) : {} }));
    });
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

test('admin endpoint /emulator/faults: admin only; switches faults and a timed outage at run time', async () => {
  const denied = await admin('POST', '/emulator/faults', cluster.tokens.readonly, { throttleBurst: 1 });
  assert.equal(denied.status, 403);
  const set = await admin('POST', '/emulator/faults', cluster.tokens.admin, { throttleBurst: 1, retryAfterSeconds: 3 });
  assert.equal(set.status, 200);
  assert.equal(set.json.throttleBurst, 1);
  await assert.rejects(core.listNamespace(), (e: { code?: number; headers?: Record<string, string> }) => e.code === 429 && e.headers?.['retry-after'] === '3');
  const cur = await admin('GET', '/emulator/faults', cluster.tokens.admin);
  assert.equal(cur.json.throttleBurst, undefined);

  const setAt = Date.now();
  const down = await admin('POST', '/emulator/faults', cluster.tokens.admin, { unreachableForMs: 1500 });
  assert.equal(down.status, 200);
  await new Promise((r) => setTimeout(r, 300));
  await assert.rejects(core.listNamespace());
  const downAt = Date.now();
  let back = false;
  while (!back && Date.now() - downAt < 15000) {
    back = await core.listNamespace().then((l) => l.items.length > 0, () => false);
    if (!back) await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(back, 'reachable again');
  assert.ok(Date.now() - setAt >= 1500, 'the outage lasted unreachableForMs');

  const clock = await admin('POST', '/emulator/clock', cluster.tokens.admin, { advanceSeconds: 60 });
  assert.equal(clock.json.offsetSeconds, 60);
});

test('SelfSubjectAccessReview and SelfSubjectRulesReview in JSON (client-node)', async () => {
  const ro = new k8s.KubeConfig();
  ro.loadFromFile(cluster.kubeconfigPath);
  ro.setCurrentContext('demo-readonly');
  const authz = ro.makeApiClient(k8s.AuthorizationV1Api);
  const review = (verb: string, subresource?: string) =>
    authz.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: { namespace: 'scale-0001', verb, resource: 'pods', ...(subresource ? { subresource } : {}), name: 'any' } } } });
  assert.equal((await review('get')).status?.allowed, true);
  assert.equal((await review('create', 'exec')).status?.allowed, false);
  assert.equal((await review('get', 'exec')).status?.allowed, false);
  const nonResource = await authz.createSelfSubjectAccessReview({ body: { spec: { nonResourceAttributes: { path: '/version', verb: 'get' } } } });
  assert.equal(nonResource.status?.allowed, true);
  const rules = await authz.createSelfSubjectRulesReview({ body: { spec: { namespace: 'scale-0001' } } });
  const podRule = rules.status?.resourceRules.find((r) => r.resources?.includes('pods'));
  assert.deepEqual(podRule?.verbs, ['get', 'list', 'watch']);
  assert.ok(!rules.status?.resourceRules.some((r) => r.resources?.includes('pods/exec')));
  const adminAuthz = kc.makeApiClient(k8s.AuthorizationV1Api);
  const adminReview = await adminAuthz.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: { namespace: 'scale-0001', verb: 'create', resource: 'pods', subresource: 'exec' } } } });
  assert.equal(adminReview.status?.allowed, true);
});
