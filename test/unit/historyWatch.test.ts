import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { RescanPlanner, runningTargets, workloadOfPod, type RescanRequest } from '../../src/core/history/watch';

/** A pod as the API server returns it (the fields the planner reads). */
function pod(name: string, o: { hash?: string; digest?: string; running?: boolean; owner?: { kind: string; name: string }; deleting?: boolean } = {}) {
  return {
    metadata: {
      name,
      namespace: 'shop',
      labels: o.hash ? { app: 'web', 'pod-template-hash': o.hash } : { app: 'web' },
      ...(o.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: o.owner.kind, name: o.owner.name, controller: true }] } : {}),
      ...(o.deleting ? { deletionTimestamp: '2026-12-01T00:00:00Z' } : {}),
    },
    spec: { containers: [{ name: 'app', image: 'web:1' }] },
    status: { phase: 'Running', containerStatuses: [{ name: 'app', image: 'web:1', imageID: o.digest === undefined ? `docker-pullable://web@sha256:${'1'.repeat(64)}` : o.digest, ready: true, state: o.running === false ? { waiting: { reason: 'ContainerCreating' } } : { running: { startedAt: '2026-12-01T00:00:00Z' } } }] },
  };
}
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

/** Timers driven by hand. */
function fakeTimers() {
  let seq = 0;
  const timers = new Map<number, { fn: () => void; at: number }>();
  let now = 0;
  return {
    timers: { set: (fn: () => void, ms: number) => (timers.set(++seq, { fn, at: now + ms }), seq), clear: (h: unknown) => void timers.delete(h as number) },
    advance(ms: number) {
      now += ms;
      for (const [id, t] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
        if (t.at <= now) {
          timers.delete(id);
          t.fn();
        }
      }
    },
    get armed() {
      return timers.size;
    },
  };
}

test('a ReplicaSet pod belongs to its Deployment; running containers with a digest are targets, others are not', () => {
  const rs = { kind: 'ReplicaSet', name: 'web-7d9f' };
  assert.deepEqual(workloadOfPod(pod('web-7d9f-a', { hash: '7d9f', owner: rs })), { kind: 'Deployment', name: 'web' });
  assert.deepEqual(workloadOfPod(pod('db-0', { owner: { kind: 'StatefulSet', name: 'db' } })), { kind: 'StatefulSet', name: 'db' });
  assert.deepEqual(runningTargets('c', pod('web-7d9f-a', { hash: '7d9f', owner: rs })), [
    { context: 'c', namespace: 'shop', pod: 'web-7d9f-a', container: 'app', workload: { kind: 'Deployment', name: 'web' }, imageDigest: D1, podTemplateHash: '7d9f' },
  ]);
  assert.deepEqual(runningTargets('c', pod('x', { running: false })), []);
  assert.deepEqual(runningTargets('c', pod('x', { digest: '' })), [], 'no digest yet (image being pulled)');
  assert.deepEqual(runningTargets('c', pod('x', { deleting: true })), []);
});

test('a rollout (new template, new digest) queues one rescan of the workload, debounced, with the newest running pod', () => {
  const t = fakeTimers();
  const queued: RescanRequest[] = [];
  const p = new RescanPlanner('c', (r) => queued.push(r), 10_000, t.timers);
  const rs1 = { kind: 'ReplicaSet', name: 'web-7d9f' };
  const rs2 = { kind: 'ReplicaSet', name: 'web-5c8b' };
  // the initial list: a baseline, nothing queued
  p.observe('ADDED', pod('web-7d9f-a', { hash: '7d9f', owner: rs1 }));
  p.observe('ADDED', pod('web-7d9f-b', { hash: '7d9f', owner: rs1 }));
  assert.equal(t.armed, 0);
  // a new pod of the new template is created, then runs; a second one follows; old pods go
  p.observe('ADDED', pod('web-5c8b-x', { hash: '5c8b', owner: rs2, running: false }));
  assert.equal(t.armed, 0, 'not running yet');
  p.observe('MODIFIED', pod('web-5c8b-x', { hash: '5c8b', owner: rs2, digest: `docker-pullable://web@${D2}` }));
  t.advance(6_000);
  p.observe('ADDED', pod('web-5c8b-y', { hash: '5c8b', owner: rs2, digest: `docker-pullable://web@${D2}` }));
  p.observe('DELETED', pod('web-7d9f-a', { hash: '7d9f', owner: rs1 }));
  t.advance(6_000);
  assert.equal(queued.length, 0, 'the second pod restarted the debounce');
  t.advance(4_000);
  assert.deepEqual(queued.map((q) => [q.key, q.target.pod, q.why]), [['c/shop/Deployment/web/app', 'web-5c8b-y', `image digest ${D1} → ${D2}, pod template 7d9f → 5c8b`]]);
  // the new state is the baseline now: more events of the same pods queue nothing
  p.observe('MODIFIED', pod('web-5c8b-y', { hash: '5c8b', owner: rs2, digest: `docker-pullable://web@${D2}` }));
  t.advance(20_000);
  assert.equal(queued.length, 1);
});

test('the baseline comes from the history: a change since the last scan is rescanned; a rollback before the debounce ends cancels it', () => {
  const t = fakeTimers();
  const queued: RescanRequest[] = [];
  const p = new RescanPlanner('c', (r) => queued.push(r), 1_000, t.timers);
  const byStatus = { Passed: 1, Failed: 0, 'Not Applicable': 0, 'Not Reviewed': 0, 'Profile Error': 0 };
  p.seed([
    { id: 'r1', at: '2026-12-01T00:00:00Z', target: { context: 'c', namespace: 'shop', pod: 'db-0', container: 'app' }, workload: { kind: 'StatefulSet', name: 'db' }, imageDigest: D2, podTemplateHash: 'db-1', profile: { location: '/p' }, reportPath: 'r1.json', byStatus, compliance: 100, source: 'scan' },
  ]);
  const db = (digest: string) => ({ ...pod('db-0', { owner: { kind: 'StatefulSet', name: 'db' }, digest }), metadata: { ...pod('db-0').metadata, labels: { 'controller-revision-hash': 'db-1' }, ownerReferences: [{ kind: 'StatefulSet', name: 'db', controller: true }] } });
  // the initial list already differs from the last scan: queued
  p.observe('ADDED', db(`docker-pullable://db@${D1}`));
  assert.equal(p.waiting.length, 1);
  // ... but the pod goes back to the scanned image before the debounce ends: nothing to rescan
  p.observe('MODIFIED', db(`docker-pullable://db@${D2}`));
  assert.equal(p.waiting.length, 0);
  t.advance(5_000);
  assert.equal(queued.length, 0);
  p.observe('MODIFIED', db(`docker-pullable://db@${D1}`));
  t.advance(1_000);
  assert.deepEqual(queued.map((q) => q.why), [`image digest ${D2} → ${D1}`]);
  p.dispose();
});
