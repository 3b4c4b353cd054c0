import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { apiPath, sanitizeForDisplay } from '../../src/core/cluster/display';
import { describeRequest, formatRequest } from '../../src/core/cluster/errors';
import { Debouncer } from '../../src/core/cluster/model';

test('Show YAML: API paths per kind', () => {
  assert.equal(apiPath({ context: 'c', namespace: 'demo', kind: 'Pod', name: 'p' }), '/api/v1/namespaces/demo/pods/p');
  assert.equal(apiPath({ context: 'c', kind: 'Namespace', name: 'demo' }), '/api/v1/namespaces/demo');
  assert.equal(apiPath({ context: 'c', namespace: 'd', kind: 'CronJob', name: 'n' }), '/apis/batch/v1/namespaces/d/cronjobs/n');
  assert.equal(apiPath({ context: 'c', namespace: 'd', kind: 'Deployment', name: 'w' }), '/apis/apps/v1/namespaces/d/deployments/w');
  assert.equal(apiPath({ context: 'c', kind: 'Secret', name: 's' }), undefined, 'secrets are never shown');
});

test('Show YAML: managedFields, last-applied and literal env values are dropped; the input is untouched', () => {
  const pod = {
    metadata: { name: 'p', managedFields: [{ manager: 'kubectl' }], annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"secret":1}', keep: 'yes' } },
    spec: { containers: [{ name: 'c', env: [{ name: 'PASSWORD', value: 'hunter2' }, { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }] },
  };
  const out = sanitizeForDisplay(pod);
  assert.equal(out.metadata.managedFields, undefined);
  assert.deepEqual(out.metadata.annotations, { keep: 'yes' });
  assert.ok(!JSON.stringify(out).includes('hunter2'));
  assert.deepEqual(out.spec.containers[0].env[1].valueFrom, { secretKeyRef: { name: 's', key: 'k' } });
  assert.equal(pod.spec.containers[0].env[0].value, 'hunter2');
  const dep = { metadata: { name: 'd' }, spec: { template: { spec: { containers: [{ name: 'c', env: [{ name: 'T', value: 'tok' }] }] } } } };
  assert.ok(!JSON.stringify(sanitizeForDisplay(dep)).includes('"tok"'));
  const cron = { metadata: { name: 'c' }, spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', env: [{ name: 'T', value: 'tok' }] }] } } } } } };
  assert.ok(!JSON.stringify(sanitizeForDisplay(cron)).includes('"tok"'));
});

test('requests are described the way RBAC sees them', () => {
  assert.deepEqual(describeRequest('GET', '/api/v1/namespaces'), { verb: 'list', resource: 'namespaces', subresource: undefined, namespace: undefined, name: undefined, group: undefined });
  assert.equal(formatRequest(describeRequest('GET', '/api/v1/namespaces/demo/pods')), 'list pods in namespace "demo"');
  assert.equal(formatRequest(describeRequest('GET', '/api/v1/namespaces/demo/pods', { watch: true })), 'watch pods in namespace "demo"');
  assert.equal(formatRequest(describeRequest('PATCH', '/api/v1/namespaces/demo/pods/p/ephemeralcontainers')), 'patch pods/ephemeralcontainers "p" in namespace "demo"');
  assert.equal(describeRequest('GET', '/apis/apps/v1/namespaces/d/deployments').group, 'apps');
  assert.equal(formatRequest(describeRequest('GET', '/api/v1/nodes/n1')), 'get nodes "n1"');
});

test('Debouncer: a burst makes one call; a steady stream still calls at least every maxMs', async () => {
  let calls = 0;
  const d = new Debouncer(() => calls++, 50, 200);
  for (let i = 0; i < 10; i++) d.trigger();
  await new Promise((r) => setTimeout(r, 120));
  assert.equal(calls, 1);
  const t0 = Date.now();
  while (Date.now() - t0 < 450) {
    d.trigger();
    await new Promise((r) => setTimeout(r, 20));
  }
  d.dispose();
  assert.ok(calls >= 2 && calls <= 5, `calls ${calls}`);
});
