// The explorer's core (client, model, classification) against the emulator's demo scenario: the exact
// classification of every demo container as demo-admin, Forbidden as demo-readonly, workload grouping,
// one probe per image, watches, 429/Retry-After, 401 and unreachable errors.
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ContainerClassification } from '../../src/core/cluster/types';
import { KubeError } from '../../src/core/cluster/errors';
import { ClusterPool } from '../../src/core/cluster/pool';
import { scratchDir } from '../emulator/kubectl-util';
import { startCluster, type Cluster } from '../emulator/index';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await cluster?.stop();
});

async function classifyNamespace(pool: ClusterPool, context: string, ns: string): Promise<Map<string, ContainerClassification>> {
  const s = pool.get(context);
  const contents = await s.model.namespace(ns);
  const out = new Map<string, ContainerClassification>();
  const all = await Promise.all(contents.pods.map((p) => s.classifier.classifyPod(p.pod)));
  for (const c of all.flat()) out.set(`${c.pod}/${c.container}`, c);
  return out;
}

// [pod/container (web-* matched by prefix), word, approach, sidecar] — from issue 3 §5 (the scenario) and issue 5
const ADMIN_EXPECTED: Array<[string, ContainerClassification['compatibility'], ContainerClassification['approach'], string?]> = [
  ['standard-app/app', 'Standard', 'kubernetes-api'],
  ['alpine-app/app', 'Alpine', 'kubernetes-api'],
  ['minimal-app/app', 'Minimal', 'kubernetes-api'],
  ['distroless-app/app', 'Distroless', 'debug-container'],
  ['multi-app/app', 'Standard', 'kubernetes-api'],
  ['multi-app/sidecar', 'Alpine', 'kubernetes-api'],
  ['shared-pid-app/app', 'Distroless', 'sidecar', 'scanner'],
  ['shared-pid-app/scanner', 'Standard', 'kubernetes-api'],
  ['stopped-app/app', 'Not running', undefined],
  ['windows-app/app', 'Windows', undefined],
  ['sandboxed-app/app', 'Sandboxed', undefined],
];

test('demo-admin: the exact classification of every container in namespace demo', async () => {
  const pool = new ClusterPool({ kubeconfig: cluster.kubeconfigPath });
  try {
    const got = await classifyNamespace(pool, 'demo-admin', 'demo');
    for (const [key, word, approach, sidecar] of ADMIN_EXPECTED) {
      const c = got.get(key);
      assert.ok(c, `${key} is classified`);
      assert.equal(c.compatibility, word, `${key}: ${c.reason}`);
      assert.equal(c.approach, approach, `${key} approach`);
      if (sidecar) assert.equal(c.sidecar, sidecar);
      assert.ok(c.reason.length > 20, `${key} says why`);
      if (!approach) assert.ok(c.missing, `${key} says what is missing`);
      assert.equal(c.context, 'demo-admin');
      assert.equal(c.namespace, 'demo');
    }
    const web = [...got.values()].filter((c) => c.pod.startsWith('web-'));
    assert.equal(web.length, 3, 'three web replicas');
    for (const c of web) assert.deepEqual([c.container, c.compatibility, c.approach], ['web', 'Standard', 'kubernetes-api']);
    assert.equal(got.size, ADMIN_EXPECTED.length + 3, 'no other containers');
    // the reasons carry the evidence
    assert.match(got.get('alpine-app/app')!.reason, /Alpine/);
    assert.match(got.get('minimal-app/app')!.missing ?? '', /cat and stat/);
    assert.match(got.get('distroless-app/app')!.reason, /executable file not found|no such file or directory/);
    assert.match(got.get('stopped-app/app')!.reason, /CrashLoopBackOff/);
    assert.match(got.get('windows-app/app')!.reason, /windows/i);
    assert.match(got.get('sandboxed-app/app')!.reason, /security profile/);
  } finally {
    pool.dispose();
  }
});

test('demo-admin: one probe per image digest; the web replicas share the standard image probe', async () => {
  const pool = new ClusterPool({ kubeconfig: cluster.kubeconfigPath });
  try {
    const { classifier, client } = pool.get('demo-admin');
    const got = await classifyNamespace(pool, 'demo-admin', 'demo');
    const execs = client.execCount;
    // images of the exec-able, running containers; sandboxed-app shares the standard image but its AppArmor profile
    // changes what exec does, so it is its own probe key
    const probedImages = new Set([...got.values()].filter((c) => c.probe || c.compatibility === 'Distroless' || c.compatibility === 'Sandboxed').map((c) => c.imageID));
    assert.equal(classifier.stats.probedImages.size, probedImages.size);
    assert.equal(classifier.stats.probes, probedImages.size + 1, 'one probe per image, plus sandboxed-app (same image, own security profile)');
    assert.equal(execs, classifier.stats.probes);
    // classifying again (a refresh of the tree) costs no exec and no access review
    const reviews = classifier.stats.accessReviews;
    await classifyNamespace(pool, 'demo-admin', 'demo');
    assert.equal(client.execCount, execs);
    assert.equal(classifier.stats.accessReviews, reviews);
    // the workload namespace reuses the cached alpine and minimal probes
    const wl = await classifyNamespace(pool, 'demo-admin', 'demo-workloads');
    assert.equal(client.execCount, execs);
    assert.equal(wl.get('db-0/db')?.compatibility, 'Alpine');
    assert.equal(wl.get('node-agent-x7k2p/agent')?.compatibility, 'Minimal');
  } finally {
    pool.dispose();
  }
});

test('demo-readonly: Forbidden for every exec-able container; no exec is attempted', async () => {
  const pool = new ClusterPool({ kubeconfig: cluster.kubeconfigPath });
  try {
    const got = await classifyNamespace(pool, 'demo-readonly', 'demo');
    const execable = ['standard-app/app', 'alpine-app/app', 'minimal-app/app', 'distroless-app/app', 'multi-app/app', 'multi-app/sidecar', 'shared-pid-app/app', 'shared-pid-app/scanner', 'sandboxed-app/app'];
    for (const key of execable) {
      const c = got.get(key)!;
      assert.equal(c.compatibility, 'Forbidden', key);
      assert.equal(c.approach, undefined);
      assert.match(c.missing ?? '', /pods\/exec/);
    }
    for (const c of [...got.values()].filter((x) => x.pod.startsWith('web-'))) assert.equal(c.compatibility, 'Forbidden');
    assert.equal(got.get('stopped-app/app')?.compatibility, 'Not running');
    assert.equal(got.get('windows-app/app')?.compatibility, 'Windows');
    assert.equal(pool.get('demo-readonly').client.execCount, 0);
  } finally {
    pool.dispose();
  }
});

test('workloads are grouped by kind through ownerReferences', async () => {
  const pool = new ClusterPool({ kubeconfig: cluster.kubeconfigPath });
  try {
    const { model } = pool.get('demo-admin');
    const ns = await model.namespaces();
    assert.ok(ns.names.includes('demo') && ns.names.includes('demo-workloads'));
    const demo = await model.namespace('demo');
    const dep = demo.groups.find((g) => g.kind === 'Deployment')!;
    assert.deepEqual(dep.workloads.map((w) => [w.name, w.pods.length, w.status]), [['web', 3, '3/3 ready']]);
    const standalone = demo.groups.find((g) => g.kind === 'Pod')!.workloads.map((w) => w.name);
    assert.deepEqual(standalone, ['alpine-app', 'distroless-app', 'minimal-app', 'multi-app', 'sandboxed-app', 'shared-pid-app', 'standard-app', 'stopped-app', 'windows-app']);
    const wl = await model.namespace('demo-workloads');
    assert.deepEqual(wl.groups.map((g) => g.kind), ['StatefulSet', 'DaemonSet', 'CronJob', 'Job']);
    const cron = wl.groups.find((g) => g.kind === 'CronJob')!.workloads[0];
    assert.equal(cron.name, 'nightly-report');
    assert.equal(cron.pods.length, 1, 'the CronJob shows the pod of its Job');
    assert.ok(!wl.groups.find((g) => g.kind === 'Job')!.workloads.some((w) => w.name.startsWith('nightly-report')), 'a CronJob job is not listed again under Jobs');
  } finally {
    pool.dispose();
  }
});

test('a watch on the namespace sees a pod change and invalidates the cached contents', async () => {
  const pool = new ClusterPool({ kubeconfig: cluster.kubeconfigPath });
  try {
    const { model } = pool.get('demo-admin');
    const before = await model.namespace('demo');
    let changes = 0;
    const w = model.watchNamespace('demo', before.resourceVersion, () => changes++);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(changes, 0, 'no spurious events when resuming from the list resourceVersion');
    await cluster.restartContainer('demo', 'standard-app', 'app');
    const deadline = Date.now() + 10000;
    while (!changes && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    w.dispose();
    assert.ok(changes > 0, 'the watch reported the restart');
    assert.equal(model.peek('demo'), undefined, 'the cache was invalidated');
  } finally {
    pool.dispose();
  }
});

test('429 with Retry-After from the API server is retried transparently', async () => {
  const pool = new ClusterPool({ kubeconfig: cluster.kubeconfigPath });
  try {
    cluster.setFaults({ throttleBurst: 2, retryAfterSeconds: 1 });
    const t0 = Date.now();
    const ns = await pool.get('demo-admin').model.namespaces();
    assert.ok(ns.names.includes('demo'));
    assert.ok(Date.now() - t0 >= 1900, 'waited Retry-After twice');
  } finally {
    cluster.setFaults({ throttleBurst: 0, retryAfterSeconds: 0 });
    pool.dispose();
  }
});

test('demo-expired: 401 is an unauthorized error that says how to refresh', async () => {
  const pool = new ClusterPool({ kubeconfig: cluster.kubeconfigPath });
  try {
    await assert.rejects(pool.get('demo-expired').model.namespaces(), (e: unknown) => {
      assert.ok(e instanceof KubeError);
      assert.equal(e.kind, 'unauthorized');
      assert.match(e.hint ?? '', /token/);
      assert.ok(!e.message.includes(cluster.tokens.expired) && !(e.hint ?? '').includes(cluster.tokens.expired));
      return true;
    });
  } finally {
    pool.dispose();
  }
});

test('API unreachable: the error names the server URL; the client works again once it is back', async () => {
  const pool = new ClusterPool({ kubeconfig: cluster.kubeconfigPath, timeoutMs: 3000 });
  try {
    await cluster.setUnreachable(true);
    await assert.rejects(pool.get('demo-admin').model.namespaces(), (e: unknown) => e instanceof KubeError && e.kind === 'unreachable' && e.message.includes(cluster.url));
    await cluster.setUnreachable(false);
    const ns = await pool.get('demo-admin').model.namespaces();
    assert.ok(ns.names.includes('demo'));
  } finally {
    await cluster.setUnreachable(false);
    pool.dispose();
  }
});

test('403 listing namespaces: the model falls back to the context namespace and says so; pods there still list', async () => {
  const pool = new ClusterPool({ kubeconfig: cluster.kubeconfigPath });
  try {
    const admin = pool.get('demo-admin').client;
    const ns = '/api/v1/namespaces/demo';
    await admin.request('POST', `${ns}/serviceaccounts`, { body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'pods-only' } } });
    await admin.request('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/demo/roles', {
      body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pods-only' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }] },
    });
    await admin.request('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/demo/rolebindings', {
      body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'pods-only' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pods-only' }, subjects: [{ kind: 'ServiceAccount', name: 'pods-only', namespace: 'demo' }] },
    });
    const tr = await admin.request<{ status: { token: string } }>('POST', `${ns}/serviceaccounts/pods-only/token`, { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } } });
    const f = join(mkdtempSync(join(scratchDir(), 'explorer-')), 'kubeconfig');
    writeFileSync(
      f,
      `apiVersion: v1\nkind: Config\ncurrent-context: pods-only\nclusters:\n- name: c\n  cluster: {server: "${cluster.url}", certificate-authority-data: ${Buffer.from(cluster.caPem).toString('base64')}}\nusers:\n- name: sa\n  user: {token: ${tr.status.token}}\ncontexts:\n- name: pods-only\n  context: {cluster: c, user: sa, namespace: demo}\n`,
      { mode: 0o600 },
    );
    const limited = new ClusterPool({ kubeconfig: f });
    try {
      const { model } = limited.get();
      const listing = await model.namespaces();
      assert.deepEqual(listing.names, ['demo']);
      assert.match(listing.fallback?.reason ?? '', /may not list namespaces.*"demo"/);
      const contents = await model.namespace('demo');
      assert.ok(contents.pods.some((p) => p.name === 'standard-app'));
      assert.ok(contents.warnings.some((w) => /Deployments could not be listed/.test(w)), 'workload kinds it may not list are reported');
      assert.ok(contents.groups.find((g) => g.kind === 'Deployment')?.workloads.some((w) => w.name === 'web'), 'pods are still grouped from their ownerReferences');
    } finally {
      limited.dispose();
    }
  } finally {
    pool.dispose();
  }
});
