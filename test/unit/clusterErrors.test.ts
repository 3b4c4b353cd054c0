import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { httpError } from '../../src/core/cluster/errors';

const ctx = { server: 'https://127.0.0.1:6443', context: 'demo-admin', request: { verb: 'patch', resource: 'pods', subresource: 'ephemeralcontainers', namespace: 'demo', name: 'distroless-app' } };

test('403 from RBAC: names the verb and resource and asks for RBAC permission', () => {
  const e = httpError(403, { kind: 'Status', reason: 'Forbidden', message: 'pods "distroless-app" is forbidden: User "ro" cannot patch resource "pods/ephemeralcontainers" in API group "" in the namespace "demo"' }, ctx);
  assert.equal(e.kind, 'forbidden');
  assert.match(e.message, /^Forbidden: you may not patch pods\/ephemeralcontainers/);
  assert.match(e.hint ?? '', /RBAC permission/);
});

test('403 from Pod Security admission: says so, names the level, and does not send the user after RBAC', () => {
  const message =
    'pods "distroless-app" is forbidden: violates PodSecurity "baseline:latest": non-default capabilities (container "kc-scan-helper" must not include "SYS_PTRACE" in securityContext.capabilities.add)';
  const e = httpError(403, { kind: 'Status', reason: 'Forbidden', message }, ctx);
  assert.equal(e.kind, 'forbidden');
  assert.match(e.message, /^Pod Security admission refused to patch pods\/ephemeralcontainers .*the namespace is held to the "baseline" level/);
  assert.ok(e.message.includes(message), 'the server message is kept');
  assert.doesNotMatch(e.message, /you may not/);
  assert.match(e.hint ?? '', /held to Pod Security level "baseline" \(by its pod-security\.kubernetes\.io\/enforce label or the cluster's default\)/);
  assert.doesNotMatch(e.hint ?? '', /RBAC permission/);
});

test('403 from a validating admission webhook: names the webhook', () => {
  const e = httpError(403, { kind: 'Status', reason: 'Forbidden', message: 'admission webhook "validation.gatekeeper.sh" denied the request: [no-ephemeral] ephemeral containers are not allowed' }, ctx);
  assert.match(e.message, /^The admission webhook "validation\.gatekeeper\.sh" refused to patch pods\/ephemeralcontainers/);
  assert.match(e.hint ?? '', /webhook validation\.gatekeeper\.sh/);
});

test('403 from another policy (a quota, a ValidatingAdmissionPolicy): the server\'s words, no RBAC advice', () => {
  const message = 'pods "x" is forbidden: exceeded quota: compute-resources, requested: pods=1, used: pods=10, limited: pods=10';
  const e = httpError(403, { kind: 'Status', reason: 'Forbidden', message }, { ...ctx, request: { verb: 'create', resource: 'pods', namespace: 'demo' } });
  assert.equal(e.kind, 'forbidden');
  assert.equal(e.message, `The API server refused to create pods in namespace "demo": ${message}`);
  assert.doesNotMatch(e.hint ?? '', /RBAC permission to/);
});

test('403 without a message, or a bare one, is treated as RBAC (the usual case)', () => {
  for (const body of [undefined, 'Forbidden']) {
    const e = httpError(403, body, ctx);
    assert.match(e.message, /^Forbidden: you may not patch/);
    assert.match(e.hint ?? '', /RBAC permission/);
  }
});
