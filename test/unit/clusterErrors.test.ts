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
  assert.match(e.message, /^Pod Security admission refused to patch pods\/ephemeralcontainers .*the namespace enforces the "baseline" level/);
  assert.ok(e.message.includes(message), 'the server message is kept');
  assert.doesNotMatch(e.message, /you may not/);
  assert.match(e.hint ?? '', /pod-security\.kubernetes\.io\/enforce label is "baseline"/);
  assert.doesNotMatch(e.hint ?? '', /RBAC permission/);
});

test('403 from a validating admission webhook: names the webhook', () => {
  const e = httpError(403, { kind: 'Status', reason: 'Forbidden', message: 'admission webhook "validation.gatekeeper.sh" denied the request: [no-ephemeral] ephemeral containers are not allowed' }, ctx);
  assert.match(e.message, /^The admission webhook "validation\.gatekeeper\.sh" refused to patch pods\/ephemeralcontainers/);
  assert.match(e.hint ?? '', /webhook validation\.gatekeeper\.sh/);
});
