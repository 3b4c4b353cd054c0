// Watch mode's decision (src/core/history/watch.ts) fed by a real pod watch through the product's cluster client
// (same transport, rate limiter and credentials as every other request) against the emulator's demo cluster. The
// emulator has no controllers (test/emulator/README.md), so the test does what the Deployment controller does in a
// rollout: it creates a ReplicaSet named `web-<new hash>` and a pod of it labelled with that `pod-template-hash`
// (kubernetes.io/docs/concepts/workloads/controllers/deployment/#pod-template-hash-label), then removes an old pod.
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { ClusterPool } from '../../src/core/cluster/pool';
import type { RawPod } from '../../src/core/cluster/client';
import { RescanPlanner, type RescanRequest } from '../../src/core/history/watch';
import { startCluster, type Cluster } from '../emulator/index';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await cluster?.stop();
});

const until = async (what: string, fn: () => boolean, ms = 30000) => {
  const deadline = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

test('a rollout of the demo Deployment web queues one debounced rescan of web/web with the new pod', async (t) => {
  if (!cluster.hasRuntime) {
    t.skip('the emulator runs no containers here (no runtime): new pods never become running');
    return;
  }
  const pool = new ClusterPool({ kubeconfig: cluster.kubeconfigPath });
  const { client } = pool.get('demo-admin');
  const queued: RescanRequest[] = [];
  const planner = new RescanPlanner('demo-admin', (r) => queued.push(r), 1500);
  try {
    // the initial list is the baseline; the watch resumes from its resourceVersion
    const list = await client.list<RawPod>('/api/v1/namespaces/demo/pods');
    for (const p of list.items) planner.observe('ADDED', p);
    const events: string[] = [];
    const w = client.watch('/api/v1/namespaces/demo/pods', (type, obj) => {
      events.push(`${type} ${(obj as RawPod).metadata?.name}`);
      planner.observe(type, obj as RawPod);
    }, { resourceVersion: list.resourceVersion });
    try {
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(queued.length, 0, 'the initial state queues nothing');
      const dep = cluster.get('deployments', 'demo', 'web')!;
      const hash = '6b7c8d9f5e';
      const labels = { app: 'web', 'pod-template-hash': hash };
      const template = (dep as { spec: { template: { spec: unknown } } }).spec.template.spec;
      const rs = await client.request<{ metadata: { name: string; uid: string } }>('POST', '/apis/apps/v1/namespaces/demo/replicasets', {
        body: { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: `web-${hash}`, labels, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: (dep as { metadata: { uid: string } }).metadata.uid, controller: true }] }, spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: template } } },
      });
      await client.request('POST', '/api/v1/namespaces/demo/pods', {
        body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: `web-${hash}-r0l1o`, labels, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid, controller: true }] }, spec: template },
      });
      await cluster.deletePod('demo', 'web-7c9d8f6b5d-4xkqp');
      await until('the rescan to be queued', () => queued.length > 0);
      // debounced: the new pod's ADDED and MODIFIED events (created, then running) led to one request
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal(queued.length, 1, `events: ${events.join(', ')}`);
      assert.equal(queued[0].key, 'demo-admin/demo/Deployment/web/web');
      assert.equal(queued[0].target.pod, `web-${hash}-r0l1o`);
      assert.match(queued[0].why, /pod template 7c9d8f6b5d → 6b7c8d9f5e/);
      assert.ok(events.filter((e) => e.endsWith(`web-${hash}-r0l1o`)).length >= 2, `the pod was seen created and then running: ${events.join(', ')}`);
      // a container restart of an unchanged pod is no reason to rescan
      await cluster.restartContainer('demo', 'standard-app', 'app');
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal(queued.length, 1);
    } finally {
      w.dispose();
    }
  } finally {
    planner.dispose();
    pool.dispose();
  }
});
