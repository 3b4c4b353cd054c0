import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { ContainerClassification } from '../../src/core/cluster/types';
import type { ContainerNode, NamespaceNode, PodNode, WorkloadNode } from '../../src/features/explorer/nodes';
import { containerArg, nodeArg, runIdArg, scopeArg, workloadArg } from '../../src/platform/commandArgs';

// The one parser of command arguments (issue 14): the explorer's node types are imported, so these fixtures are
// checked by the compiler against the real node shapes.
const classification: ContainerClassification = {
  context: 'demo-admin',
  namespace: 'demo',
  pod: 'distroless-app',
  container: 'app',
  compatibility: 'Distroless',
  reason: 'no shell',
  approach: 'debug-container',
  role: 'app',
  image: 'demo.local/distroless:1',
};
const containerNode = { kind: 'container', id: 'c1', context: 'demo-admin', namespace: 'demo', pod: 'distroless-app', name: 'app', summary: {} as ContainerNode['summary'], classification } satisfies ContainerNode;
const podNode = { kind: 'pod', id: 'p1', context: 'demo-admin', namespace: 'demo', name: 'web-1', summary: {} as PodNode['summary'] } satisfies PodNode;
const nsNode = { kind: 'namespace', id: 'n1', context: 'demo-admin', namespace: 'demo', favourite: false } satisfies NamespaceNode;
const workloadNode = { kind: 'workload', id: 'w1', context: 'demo-admin', namespace: 'demo', workloadKind: 'Deployment', name: 'web', status: '3/3', pods: [] } satisfies WorkloadNode;

test('a container: from its tree node, from a classification, from a plain reference; nothing else', () => {
  assert.deepEqual(containerArg(containerNode), classification);
  assert.deepEqual(containerArg({ classification }), classification);
  assert.deepEqual(containerArg({ namespace: 'demo', pod: 'p', container: 'c' }), { namespace: 'demo', pod: 'p', container: 'c', context: '' });
  assert.equal(containerArg(podNode), undefined, 'a pod node is not a container');
  assert.equal(containerArg(undefined), undefined);
  assert.equal(containerArg({ namespace: 'demo', pod: 'p' }), undefined);
});

test('a scope: container (with its approach), pod, namespace; workloads scope their namespace', () => {
  assert.deepEqual(scopeArg(containerNode), { context: 'demo-admin', namespace: 'demo', pod: 'distroless-app', container: 'app', approach: 'debug-container' });
  assert.deepEqual(scopeArg(podNode), { context: 'demo-admin', namespace: 'demo', pod: 'web-1' });
  assert.deepEqual(scopeArg(nsNode), { context: 'demo-admin', namespace: 'demo' });
  assert.deepEqual(scopeArg(workloadNode), { context: 'demo-admin', namespace: 'demo' });
  assert.deepEqual(scopeArg({ namespace: 'demo', pod: 'x', container: 'y', context: 'c' }), { context: 'c', namespace: 'demo', pod: 'x', container: 'y', approach: undefined });
  assert.equal(scopeArg({ kind: 'context', id: 'x', context: 'c', info: {} }), undefined);
});

test('a workload for Add Scanner Sidecar: workload nodes with their kind, pods as kind Pod', () => {
  assert.deepEqual(workloadArg(workloadNode), { context: 'demo-admin', namespace: 'demo', kind: 'Deployment', name: 'web' });
  assert.deepEqual(workloadArg(podNode), { context: 'demo-admin', namespace: 'demo', kind: 'Pod', name: 'web-1' });
  assert.equal(workloadArg(nsNode), undefined);
  assert.deepEqual(workloadArg({ namespace: 'demo', kind: 'StatefulSet', name: 'db' }), { context: undefined, namespace: 'demo', kind: 'StatefulSet', name: 'db' });
});

test('a run id from an id, a run item or a record; nodes only when they are nodes', () => {
  assert.equal(runIdArg('run-1'), 'run-1');
  assert.equal(runIdArg({ run: { id: 'run-2' } }), 'run-2');
  assert.equal(runIdArg({ id: 'run-3' }), 'run-3');
  assert.equal(runIdArg(7), undefined);
  assert.equal(nodeArg(nsNode), nsNode);
  assert.equal(nodeArg({ kind: 'namespace' }), undefined);
});
