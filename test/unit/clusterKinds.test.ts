// The one kind → API table (kinds.ts) and the three places that build paths from it: the explorer's model,
// Show YAML and Add Scanner Sidecar.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { ClusterClient, RawObject } from '../../src/core/cluster/client';
import { apiPath } from '../../src/core/cluster/display';
import { KubeError } from '../../src/core/cluster/errors';
import { KIND_API, collectionPath, groupVersionPath, isApiKind, objectPath, type ApiKind } from '../../src/core/cluster/kinds';
import { ClusterModel, WORKLOAD_KINDS } from '../../src/core/cluster/model';
import { SIDECAR_KINDS, workloadPath } from '../../src/core/scan/sidecar';

// Written out from the Kubernetes API reference (not derived from the table under test).
const EXPECTED: Record<ApiKind, [group: string, version: string, plural: string, namespaced: boolean]> = {
  Namespace: ['', 'v1', 'namespaces', false],
  Pod: ['', 'v1', 'pods', true],
  Deployment: ['apps', 'v1', 'deployments', true],
  ReplicaSet: ['apps', 'v1', 'replicasets', true],
  StatefulSet: ['apps', 'v1', 'statefulsets', true],
  DaemonSet: ['apps', 'v1', 'daemonsets', true],
  Job: ['batch', 'v1', 'jobs', true],
  CronJob: ['batch', 'v1', 'cronjobs', true],
};

test('every kind the explorer shows (its workload groups and namespaces) maps to its group, version and plural', () => {
  const shown = [...WORKLOAD_KINDS, 'Namespace'];
  for (const kind of shown) {
    assert.ok(isApiKind(kind), `${kind} is in the table`);
    const k = KIND_API[kind];
    assert.deepEqual([k.group, k.version, k.plural, k.namespaced], EXPECTED[kind], kind);
  }
  assert.deepEqual(Object.keys(KIND_API).sort(), Object.keys(EXPECTED).sort(), 'no kind the product does not use');
});

test('isApiKind: only the table\'s own kinds (no secrets, no prototype names)', () => {
  for (const k of ['Secret', 'ConfigMap', 'pod', 'toString', 'constructor', '__proto__', '']) assert.equal(isApiKind(k), false, k);
});

test('paths: core group under /api/v1, named groups under /apis/GROUP/VERSION; names and namespaces are escaped', () => {
  assert.equal(groupVersionPath('Pod'), '/api/v1');
  assert.equal(groupVersionPath('CronJob'), '/apis/batch/v1');
  assert.equal(collectionPath('Deployment', 'demo'), '/apis/apps/v1/namespaces/demo/deployments');
  assert.equal(collectionPath('Pod'), '/api/v1/pods', 'all namespaces');
  assert.equal(collectionPath('Namespace'), '/api/v1/namespaces');
  assert.equal(collectionPath('Namespace', 'ignored'), '/api/v1/namespaces', 'cluster-scoped');
  assert.equal(objectPath('Namespace', 'ignored', 'demo'), '/api/v1/namespaces/demo');
  assert.equal(objectPath('Job', 'a b', 'x/y'), '/apis/batch/v1/namespaces/a%20b/jobs/x%2Fy');
});

test('Show YAML builds every explorer kind\'s path from the table; other kinds have none', () => {
  for (const kind of WORKLOAD_KINDS) {
    const [group, version, plural] = EXPECTED[kind];
    const prefix = group ? `/apis/${group}/${version}` : `/api/${version}`;
    assert.equal(apiPath({ context: 'c', namespace: 'demo', kind, name: 'n' }), `${prefix}/namespaces/demo/${plural}/n`, kind);
  }
  assert.equal(apiPath({ context: 'c', kind: 'Pod', name: 'p' }), '/api/v1/namespaces/default/pods/p', 'no namespace: default, as before');
  assert.equal(apiPath({ context: 'c', kind: 'Namespace', name: 'demo' }), '/api/v1/namespaces/demo');
  assert.equal(apiPath({ context: 'c', kind: 'Secret', namespace: 'demo', name: 's' }), undefined);
});

test('Add Scanner Sidecar patches the apps/v1 path of each workload kind that takes a sidecar', () => {
  assert.deepEqual(
    SIDECAR_KINDS.map((k) => workloadPath(k, 'demo', 'web')),
    ['/apis/apps/v1/namespaces/demo/deployments/web', '/apis/apps/v1/namespaces/demo/statefulsets/web', '/apis/apps/v1/namespaces/demo/daemonsets/web'],
  );
});

test('the explorer model lists pods and every workload kind of a namespace at the table\'s paths, and says which lists were refused', async () => {
  const listed: string[] = [];
  const client = {
    contextName: 'c',
    namespace: 'default',
    async list(path: string) {
      listed.push(path);
      if (path.endsWith('/cronjobs')) throw new KubeError('forbidden', 'cronjobs is forbidden');
      return { items: [] as RawObject[] };
    },
    async *listPages(path: string) {
      listed.push(path);
      yield { items: [] as RawObject[], resourceVersion: '1' };
    },
  } as unknown as ClusterClient;
  const model = new ClusterModel(client);
  const contents = await model.namespace('team a');
  assert.deepEqual(listed.sort(), [
    '/api/v1/namespaces/team%20a/pods',
    '/apis/apps/v1/namespaces/team%20a/daemonsets',
    '/apis/apps/v1/namespaces/team%20a/deployments',
    '/apis/apps/v1/namespaces/team%20a/replicasets',
    '/apis/apps/v1/namespaces/team%20a/statefulsets',
    '/apis/batch/v1/namespaces/team%20a/cronjobs',
    '/apis/batch/v1/namespaces/team%20a/jobs',
  ]);
  assert.deepEqual(contents.warnings, ['CronJobs could not be listed (forbidden); their pods are grouped from ownerReferences.']);
  listed.length = 0;
  await model.namespaces();
  await model.loadAll();
  assert.deepEqual(listed, ['/api/v1/namespaces', '/api/v1/pods']);
});
