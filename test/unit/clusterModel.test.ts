import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { RawObject } from '../../src/core/cluster/client';
import { arrangeNamespaces, groupWorkloads, namespaceMatcher, slimPod, summarizePod } from '../../src/core/cluster/model';

const owner = (kind: string, name: string) => [{ apiVersion: 'v1', kind, name, uid: `${kind}-${name}`, controller: true }];
function pod(name: string, owners?: unknown, extra: RawObject = {}): RawObject {
  return {
    metadata: { name, namespace: 'ns', uid: `u-${name}`, ownerReferences: owners, labels: extra.labels },
    spec: { containers: [{ name: 'c', image: 'img:1', env: [{ name: 'X', value: 'y' }] }], nodeName: 'n1' },
    status: { phase: 'Running', containerStatuses: [{ name: 'c', ready: true, restartCount: 1, image: 'img:1', imageID: 'id', state: { running: {} } }] },
  };
}
const obj = (name: string, extra: RawObject = {}) => ({ metadata: { name, ...(extra.metadata ?? {}) }, spec: extra.spec ?? {}, status: extra.status ?? {} });

test('Deployment → ReplicaSet → Pod and CronJob → Job → Pod through ownerReferences', () => {
  const pods = [
    pod('web-7d9f-abc', owner('ReplicaSet', 'web-7d9f')),
    pod('web-7d9f-def', owner('ReplicaSet', 'web-7d9f')),
    pod('db-0', owner('StatefulSet', 'db')),
    pod('agent-x1', owner('DaemonSet', 'agent')),
    pod('once-q2', owner('Job', 'once')),
    pod('nightly-28800-z', owner('Job', 'nightly-28800')),
    pod('lonely'),
  ].map(summarizePod);
  const groups = groupWorkloads('ns', pods, {
    deployments: [obj('web', { spec: { replicas: 2 }, status: { readyReplicas: 2 } }), obj('idle', { spec: { replicas: 0 } })],
    replicaSets: [obj('web-7d9f', { metadata: { ownerReferences: owner('Deployment', 'web') } })],
    statefulSets: [obj('db', { spec: { replicas: 1 }, status: { readyReplicas: 1 } })],
    daemonSets: [obj('agent', { status: { numberReady: 1, desiredNumberScheduled: 1 } })],
    jobs: [obj('once', { spec: { completions: 1 }, status: { succeeded: 1 } }), obj('nightly-28800', { metadata: { ownerReferences: owner('CronJob', 'nightly') } })],
    cronJobs: [obj('nightly', { spec: { schedule: '0 3 * * *' } })],
  });
  const shape = groups.map((g) => [g.kind, g.workloads.map((w) => `${w.name}:${w.pods.map((p) => p.name).join(',')}`)]);
  assert.deepEqual(shape, [
    ['Deployment', ['idle:', 'web:web-7d9f-abc,web-7d9f-def']],
    ['StatefulSet', ['db:db-0']],
    ['DaemonSet', ['agent:agent-x1']],
    ['CronJob', ['nightly:nightly-28800-z']],
    ['Job', ['once:once-q2']],
    ['Pod', ['lonely:lonely']],
  ]);
  const web = groups[0].workloads[1];
  assert.equal(web.status, '2/2 ready');
  assert.equal(groups[4].workloads[0].status, '1/1 complete');
  assert.match(groups[3].workloads[0].status, /0 3 \* \* \*/);
});

test('without ReplicaSet/Job lists (403) pods are still grouped by pod-template-hash and the CronJob job-name pattern', () => {
  const pods = [pod('web-5f6b-aaa', owner('ReplicaSet', 'web-5f6b'), { labels: { 'pod-template-hash': '5f6b' } }), pod('report-29000-x', owner('Job', 'report-29000'))].map(summarizePod);
  const groups = groupWorkloads('ns', pods, { cronJobs: [obj('report')] });
  assert.deepEqual(groups.map((g) => [g.kind, g.workloads.map((w) => w.name)]), [
    ['Deployment', ['web']],
    ['CronJob', ['report']],
  ]);
});

test('a ReplicaSet without a Deployment stays a ReplicaSet; unknown owner kinds count as standalone pods', () => {
  const pods = [pod('rs-x', owner('ReplicaSet', 'bare')), pod('crd-x', owner('MyOperatorThing', 'thing'))].map(summarizePod);
  const groups = groupWorkloads('ns', pods, { replicaSets: [obj('bare')], deployments: [] });
  assert.deepEqual(groups.map((g) => [g.kind, g.workloads.map((w) => w.name)]), [
    ['ReplicaSet', ['bare']],
    ['Pod', ['crd-x']],
  ]);
});

test('pod summary: phase with kubectl-like reasons, readiness, restarts, containers by role', () => {
  const p = pod('x');
  p.spec.initContainers = [{ name: 'init', image: 'i:1' }];
  p.status.initContainerStatuses = [{ name: 'init', state: { terminated: { reason: 'Completed', exitCode: 0 } } }];
  const s = summarizePod(p);
  assert.equal(s.phase, 'Running');
  assert.equal(`${s.ready}/${s.total}`, '1/1');
  assert.equal(s.restarts, 1);
  assert.deepEqual(s.containers.map((c) => [c.name, c.role, c.state]), [
    ['init', 'init', 'terminated'],
    ['c', 'app', 'running'],
  ]);
  const crash = pod('y');
  crash.status.containerStatuses[0] = { name: 'c', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } } };
  assert.equal(summarizePod(crash).phase, 'CrashLoopBackOff');
});

test('slim pods drop env, volumes and the rest but keep what classification reads', () => {
  const p = pod('x');
  p.spec.runtimeClassName = 'gvisor';
  p.spec.shareProcessNamespace = true;
  p.spec.nodeSelector = { 'kubernetes.io/os': 'windows', team: 'a' };
  p.spec.volumes = [{ name: 'v', secret: { secretName: 's' } }];
  p.metadata.annotations = { 'container.apparmor.security.beta.kubernetes.io/c': 'localhost/deny', 'kubectl.kubernetes.io/last-applied-configuration': '{…}' };
  const s = slimPod(p);
  assert.equal(s.spec.runtimeClassName, 'gvisor');
  assert.equal(s.spec.shareProcessNamespace, true);
  assert.deepEqual(s.spec.nodeSelector, { 'kubernetes.io/os': 'windows' });
  assert.equal(s.spec.volumes, undefined);
  assert.equal(s.spec.containers[0].env, undefined);
  assert.deepEqual(Object.keys(s.metadata.annotations), ['container.apparmor.security.beta.kubernetes.io/c']);
  assert.equal(s.status.containerStatuses[0].imageID, 'id');
  assert.ok(JSON.stringify(s).length < JSON.stringify(p).length);
});

test('namespace filter: substrings, globs, negation; favourites first even when filtered out', () => {
  const all = ['default', 'demo', 'demo-workloads', 'kube-system', 'kube-public', 'team-a'];
  assert.deepEqual(all.filter(namespaceMatcher('')), all);
  assert.deepEqual(all.filter(namespaceMatcher('demo')), ['demo', 'demo-workloads']);
  assert.deepEqual(all.filter(namespaceMatcher('kube-*')), ['kube-system', 'kube-public']);
  assert.deepEqual(all.filter(namespaceMatcher('demo, team-?')), ['demo', 'demo-workloads', 'team-a']);
  assert.deepEqual(all.filter(namespaceMatcher('!kube-*')), ['default', 'demo', 'demo-workloads', 'team-a']);
  const arranged = arrangeNamespaces(all, { filter: 'kube-*', favourites: ['team-a', 'gone'] });
  assert.deepEqual(arranged, [
    { name: 'team-a', favourite: true },
    { name: 'kube-public', favourite: false },
    { name: 'kube-system', favourite: false },
  ]);
});
