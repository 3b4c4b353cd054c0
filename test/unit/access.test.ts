// Access (issue 8), pure parts: what each approach needs (scan-approaches.md §6: pods get; pods/exec get AND create;
// pods/ephemeralcontainers patch for the debug helper), refusals that name verb/resource/namespace/pod, the scanner
// identity's objects (exact rules: resourceNames, both exec verbs, nothing else), the YAML export, rollback and
// label-only cleanup, the identity kubeconfig (0600, single context) and redaction of its token.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import {
  AccessDeniedError,
  CredentialsRejectedError,
  DEFAULT_TOKEN_MINUTES,
  IdentityError,
  clusterEntry,
  createIdentity,
  describePermission,
  expiredTokenText,
  expiryText,
  identityFor,
  identityKubeconfigYaml,
  identityManifests,
  identityRules,
  isExpired,
  manifestYaml,
  newIdentityId,
  refusalText,
  removeIdentity,
  requiredPermissions,
  requirePermissions,
  tokenSeconds,
  writeIdentityKubeconfig,
  type IdentityBackend,
  type IdentityKind,
  type IdentityRecord,
  type Manifest,
} from '../../src/core/access';
import { KubeError } from '../../src/core/cluster/errors';
import { containsSecret, redact } from '../../src/core/redact';
import { requiredPermissions as shelllessRequired } from '../../src/core/scan/shelllessPreflight';

const key = (p: { verb: string; resource: string; subresource?: string; name?: string; namespace: string }) => `${p.verb} ${p.resource}${p.subresource ? `/${p.subresource}` : ''} ${p.namespace}/${p.name ?? '*'}`;

test('requirements per approach: get pods, get AND create pods/exec on the pod; patch ephemeralcontainers only for a new debug helper', () => {
  const t = { namespace: 'demo', pod: 'standard-app' };
  assert.deepEqual(requiredPermissions('kubernetes-api', t).map(key), ['get pods demo/standard-app', 'get pods/exec demo/standard-app', 'create pods/exec demo/standard-app']);
  assert.deepEqual(requiredPermissions('sidecar', t).map(key), ['get pods demo/standard-app', 'get pods/exec demo/standard-app', 'create pods/exec demo/standard-app']);
  assert.deepEqual(requiredPermissions('debug-container', t).map(key), [
    'get pods demo/standard-app',
    'get pods/exec demo/standard-app',
    'create pods/exec demo/standard-app',
    'patch pods/ephemeralcontainers demo/standard-app',
  ]);
  assert.deepEqual(requiredPermissions('debug-container', t, { needPatch: false }).map(key), ['get pods demo/standard-app', 'get pods/exec demo/standard-app', 'create pods/exec demo/standard-app']);
  for (const p of requiredPermissions('debug-container', t)) assert.equal(p.group, undefined, 'core API group');
});

test('the shell-less preflight asks the same module (one owner of "what does approach X need")', () => {
  assert.deepEqual(shelllessRequired('debug-container', 'demo', 'p', true), requiredPermissions('debug-container', { namespace: 'demo', pod: 'p' }));
  assert.deepEqual(shelllessRequired('debug-container', 'demo', 'p', false), requiredPermissions('debug-container', { namespace: 'demo', pod: 'p' }, { needPatch: false }));
  assert.deepEqual(shelllessRequired('sidecar', 'demo', 'p', true), requiredPermissions('sidecar', { namespace: 'demo', pod: 'p' }));
});

test('a refusal names who, the verb, the resource, the pod and the namespace, and the next step', () => {
  const exec = { verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'demo', name: 'standard-app' };
  assert.equal(describePermission(exec), 'create pods/exec on pod standard-app in namespace demo');
  const get = { ...exec, verb: 'get' };
  const t = refusalText('demo-readonly', 'the Kubernetes API scan of demo/standard-app/app', [get, exec]);
  assert.match(t.summary, /demo-readonly may not get pods\/exec on pod standard-app in namespace demo/);
  assert.match(t.summary, /demo-readonly may not create pods\/exec on pod standard-app in namespace demo/);
  assert.match(t.summary, /Nothing was started/);
  assert.match(t.detail, /both get and create on pods\/exec/);
  assert.match(t.detail, /Create Scanner Identity/);
  assert.match(t.detail, /Export RBAC Manifest/);
  assert.match(t.detail, /another context/);
  const patch = refusalText('scanner identity kc-scanner-1', 'x', [{ verb: 'patch', resource: 'pods', subresource: 'ephemeralcontainers', namespace: 'demo', name: 'd' }], { identity: true });
  assert.match(patch.summary, /scanner identity kc-scanner-1 may not patch pods\/ephemeralcontainers on pod d in namespace demo/);
  assert.match(patch.detail, /new scanner identity that covers this pod/);
});

test('requirePermissions: refused → AccessDeniedError listing exactly the refused ones; 401 → CredentialsRejectedError; unknown passes', async () => {
  const asked: string[] = [];
  const reviewer = (allowed: (a: { verb: string; subresource?: string }) => boolean | Error) => ({
    async selfSubjectAccessReview(a: { verb: string; resource: string; subresource?: string; name?: string; namespace?: string }) {
      asked.push(`${a.verb} ${a.resource}/${a.subresource ?? ''} ${a.namespace}/${a.name}`);
      const r = allowed(a);
      if (r instanceof Error) throw r;
      return { allowed: r };
    },
  });
  const perms = requiredPermissions('kubernetes-api', { namespace: 'demo', pod: 'standard-app' });
  await assert.rejects(
    requirePermissions(reviewer((a) => a.subresource !== 'exec'), perms, { subject: 'demo-readonly', what: 'the scan' }),
    (e: unknown) => {
      assert.ok(e instanceof AccessDeniedError);
      assert.deepEqual(e.missing.map(key), ['get pods/exec demo/standard-app', 'create pods/exec demo/standard-app']);
      assert.match(e.message, /demo-readonly may not create pods\/exec on pod standard-app in namespace demo/);
      return true;
    },
  );
  assert.deepEqual(asked.sort(), ['create pods/exec demo/standard-app', 'get pods/ demo/standard-app', 'get pods/exec demo/standard-app']);
  // only create is missing (an API server < 1.35 role with get only): named alone
  await assert.rejects(requirePermissions(reviewer((a) => a.verb !== 'create'), perms, { subject: 'ctx', what: 'x' }), (e: AccessDeniedError) => e.missing.length === 1 && /ctx may not create pods\/exec/.test(e.summary));
  await assert.rejects(requirePermissions(reviewer(() => new KubeError('unauthorized', 'Unauthorized (401)', { status: 401 })), perms, { subject: 's', what: 'x' }), CredentialsRejectedError);
  const checks = await requirePermissions(reviewer((a) => (a.verb === 'get' && !a.subresource ? new KubeError('server', 'boom') : true)), perms, { subject: 's', what: 'x' });
  assert.equal(checks.find((c) => !c.permission.subresource)?.allowed, undefined, 'unknown, not refused');
});

test('pod-scoped identity: exactly SA + Role + RoleBinding, rules with resourceNames, both exec verbs, nothing else; all labelled', () => {
  const m = identityManifests({ id: 'kc-scanner-0a1b2c3d', namespace: 'demo', scope: 'pods', pods: ['standard-app'] });
  const labels = { 'app.kubernetes.io/managed-by': 'kube-compliance', 'kube-compliance.io/identity': 'kc-scanner-0a1b2c3d' };
  const metadata = { name: 'kc-scanner-0a1b2c3d', namespace: 'demo', labels };
  assert.deepEqual(m.serviceAccount, { apiVersion: 'v1', kind: 'ServiceAccount', metadata, automountServiceAccountToken: false });
  assert.deepEqual(m.role, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata,
    rules: [
      { apiGroups: [''], resources: ['pods'], verbs: ['get'], resourceNames: ['standard-app'] },
      { apiGroups: [''], resources: ['pods/exec'], verbs: ['get', 'create'], resourceNames: ['standard-app'] },
    ],
  });
  assert.deepEqual(m.roleBinding, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata,
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'kc-scanner-0a1b2c3d' },
    subjects: [{ kind: 'ServiceAccount', name: 'kc-scanner-0a1b2c3d', namespace: 'demo' }],
  });
  // several pods: one name list, duplicates once
  assert.deepEqual(identityRules({ id: 'x', namespace: 'demo', scope: 'pods', pods: ['a', 'b', 'a'] })[1].resourceNames, ['a', 'b']);
});

test('namespace-scoped identity: no resourceNames, pods get only (the transport lists nothing), exec get+create; debug only when opted in', () => {
  assert.deepEqual(identityRules({ id: 'x', namespace: 'demo', scope: 'namespace' }), [
    { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
    { apiGroups: [''], resources: ['pods/exec'], verbs: ['get', 'create'] },
  ]);
  assert.deepEqual(identityRules({ id: 'x', namespace: 'demo', scope: 'namespace', debug: true })[2], { apiGroups: [''], resources: ['pods/ephemeralcontainers'], verbs: ['patch'] });
  assert.deepEqual(identityRules({ id: 'x', namespace: 'demo', scope: 'pods', pods: ['d'], debug: true }), [
    { apiGroups: [''], resources: ['pods'], verbs: ['get'], resourceNames: ['d'] },
    { apiGroups: [''], resources: ['pods/exec'], verbs: ['get', 'create'], resourceNames: ['d'] },
    { apiGroups: [''], resources: ['pods/ephemeralcontainers'], verbs: ['patch'], resourceNames: ['d'] },
  ]);
  const all = identityRules({ id: 'x', namespace: 'demo', scope: 'namespace', debug: true });
  for (const r of all) {
    assert.ok(!r.verbs.some((v) => ['list', 'watch', 'delete', 'update', '*'].includes(v)), `no extra verbs: ${r.verbs}`);
    assert.ok(!r.resources.some((x) => ['pods/log', 'secrets', '*'].includes(x)), `no extra resources: ${r.resources}`);
  }
});

test('invalid specs are refused with a reason; ids are valid object names', () => {
  assert.throws(() => identityManifests({ id: 'Bad_Name', namespace: 'demo', scope: 'namespace' }), IdentityError);
  assert.throws(() => identityManifests({ id: 'ok', namespace: 'demo', scope: 'pods', pods: [] }), /at least one pod/);
  const id = newIdentityId();
  assert.match(id, /^kc-scanner-[0-9a-f]{8}$/);
  assert.notEqual(newIdentityId(), id);
});

test('Export RBAC Manifest: multi-document YAML of exactly the three objects, with apply/token/remove hints', () => {
  const spec = { id: 'kc-scanner-0a1b2c3d', namespace: 'demo', scope: 'pods' as const, pods: ['standard-app'] };
  const yaml = manifestYaml(spec, { tokenMinutes: 15 });
  const docs = parseAllDocuments(yaml).map((d) => d.toJS());
  const m = identityManifests(spec);
  assert.deepEqual(docs, [m.serviceAccount, m.role, m.roleBinding]);
  assert.match(yaml, /^# Kube Compliance scanner identity kc-scanner-0a1b2c3d/);
  assert.match(yaml, /kubectl create token kc-scanner-0a1b2c3d -n demo --duration=15m/);
  assert.match(yaml, /kubectl delete rolebinding,role,serviceaccount -n demo -l app\.kubernetes\.io\/managed-by=kube-compliance,kube-compliance\.io\/identity=kc-scanner-0a1b2c3d/);
});

/** An in-memory backend; `failOn` makes one create fail. */
function fakeBackend(failOn?: IdentityKind) {
  const store = new Map<string, { kind: IdentityKind; ns: string; name: string; labels: Record<string, string> }>();
  const calls: string[] = [];
  const backend: IdentityBackend = {
    async create(kind, ns, body: Manifest) {
      calls.push(`create ${kind}`);
      if (kind === failOn) throw new KubeError('forbidden', `Forbidden: you may not create ${kind.toLowerCase()}s in namespace ${ns}`, { status: 403 });
      store.set(`${kind}/${ns}/${body.metadata.name}`, { kind, ns, name: body.metadata.name, labels: body.metadata.labels ?? {} });
    },
    async list(kind, ns, selector) {
      const want = selector.split(',').map((s) => s.split('='));
      return [...store.values()].filter((o) => o.kind === kind && o.ns === ns && want.every(([k, v]) => (v === undefined ? k in o.labels : o.labels[k] === v))).map((o) => ({ name: o.name, labels: o.labels }));
    },
    async delete(kind, ns, name) {
      calls.push(`delete ${kind} ${name}`);
      store.delete(`${kind}/${ns}/${name}`);
    },
    async requestToken() {
      return { token: 't', expiresAt: new Date() };
    },
  };
  return { backend, store, calls };
}

test('createIdentity leaves nothing half-way: a failing Role deletes the ServiceAccount again and says so', async () => {
  const f = fakeBackend('Role');
  await assert.rejects(createIdentity(f.backend, { id: 'kc-scanner-1', namespace: 'demo', scope: 'namespace' }), (e: Error) => {
    assert.match(e.message, /Could not create the Role demo\/kc-scanner-1: Forbidden/);
    assert.match(e.message, /ServiceAccount created before it was deleted again/);
    assert.ok(e instanceof IdentityError && e.forbidden, 'a 403 is marked as forbidden');
    assert.match(e.message, /export the RBAC manifest for a cluster admin/);
    return true;
  });
  assert.equal(f.store.size, 0);
  assert.deepEqual(f.calls, ['create ServiceAccount', 'create Role', 'delete ServiceAccount kc-scanner-1']);
});

test('removeIdentity deletes only objects with both labels of that identity, binding first', async () => {
  const f = fakeBackend();
  await createIdentity(f.backend, { id: 'kc-scanner-1', namespace: 'demo', scope: 'namespace' });
  await createIdentity(f.backend, { id: 'kc-scanner-2', namespace: 'demo', scope: 'namespace' });
  // a look-alike someone else made: same identity label, not managed by us
  f.store.set('Role/demo/impostor', { kind: 'Role', ns: 'demo', name: 'impostor', labels: { 'kube-compliance.io/identity': 'kc-scanner-1' } });
  f.calls.length = 0;
  const r = await removeIdentity(f.backend, 'demo', 'kc-scanner-1');
  assert.deepEqual(r.deleted, ['RoleBinding kc-scanner-1', 'Role kc-scanner-1', 'ServiceAccount kc-scanner-1']);
  assert.deepEqual(f.calls, ['delete RoleBinding kc-scanner-1', 'delete Role kc-scanner-1', 'delete ServiceAccount kc-scanner-1']);
  assert.deepEqual([...f.store.keys()].sort(), ['Role/demo/impostor', 'Role/demo/kc-scanner-2', 'RoleBinding/demo/kc-scanner-2', 'ServiceAccount/demo/kc-scanner-2']);
  assert.deepEqual((await removeIdentity(f.backend, 'demo', 'kc-scanner-1')).deleted, [], 'again: nothing left to delete');
});

test('token lifetimes: minutes → seconds; shorter than the API server accepts (10 min) or longer than a day is refused', () => {
  assert.equal(tokenSeconds(15), 900);
  assert.equal(tokenSeconds(10), 600);
  assert.throws(() => tokenSeconds(5), /at least 10 minutes/);
  assert.throws(() => tokenSeconds(25 * 60), /at most 24 hours/);
  assert.equal(tokenSeconds(0.05, 2), 3, 'a lower minimum (test clusters) is honoured');
});

test('the default token lifetime is 15 minutes (issue 8): preselected when asked, and in the exported manifest\'s token hint', () => {
  assert.equal(DEFAULT_TOKEN_MINUTES, 15);
  assert.equal(tokenSeconds(DEFAULT_TOKEN_MINUTES), 15 * 60);
  const yaml = manifestYaml({ id: 'kc-scanner-0a1b2c3d', namespace: 'demo', scope: 'namespace' });
  assert.match(yaml, /kubectl create token kc-scanner-0a1b2c3d -n demo --duration=15m$/m);
});

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVtbzprYy1zY2FubmVyIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
const BASE = `apiVersion: v1
kind: Config
current-context: demo-admin
clusters:
  - name: kube-compliance-demo
    cluster:
      server: https://127.0.0.1:6443
      certificate-authority-data: LS0tQ0EtLS0=
contexts:
  - name: demo-admin
    context: { cluster: kube-compliance-demo, user: demo-admin, namespace: demo }
users:
  - name: demo-admin
    user: { token: admin-secret-token }
`;

test('the identity kubeconfig: one cluster (server and CA copied), one context with the namespace, one token user; 0600 in a 0700 folder, rewritten atomically', () => {
  const yaml = identityKubeconfigYaml(clusterEntry(BASE), 'kc-scanner-1', 'demo', TOKEN);
  const doc = parse(yaml);
  assert.equal(doc['current-context'], 'kc-scanner-1');
  assert.deepEqual(doc.clusters, [{ name: 'kube-compliance-demo', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': 'LS0tQ0EtLS0=' } }]);
  assert.deepEqual(doc.contexts, [{ name: 'kc-scanner-1', context: { cluster: 'kube-compliance-demo', user: 'kc-scanner-1', namespace: 'demo' } }]);
  assert.deepEqual(doc.users, [{ name: 'kc-scanner-1', user: { token: TOKEN } }]);
  assert.ok(!yaml.includes('admin-secret-token'), "the user's own credentials are not copied");

  const base = mkdtempSync(join(tmpdir(), 'kc-access-'));
  const dir = join(base, 'access', 'kc-scanner-1');
  after(() => rmSync(base, { recursive: true, force: true }));
  const p = writeIdentityKubeconfig(dir, yaml);
  assert.equal(statSync(p).mode & 0o777, 0o600);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  const p2 = writeIdentityKubeconfig(dir, identityKubeconfigYaml(clusterEntry(BASE), 'kc-scanner-1', 'demo', `${TOKEN}x`));
  assert.equal(p2, p);
  assert.equal(statSync(p).mode & 0o777, 0o600);
  assert.equal(parse(readFileSync(p, 'utf8')).users[0].user.token, `${TOKEN}x`);
  assert.deepEqual(readdirSync(dir), ['kubeconfig'], 'no temporary file left behind');
});

test('redaction: the identity kubeconfig, the token and a TokenRequest answer never survive redact()', () => {
  const yaml = identityKubeconfigYaml(clusterEntry(BASE), 'kc-scanner-1', 'demo', TOKEN);
  assert.ok(containsSecret(yaml));
  const r = redact(yaml);
  assert.ok(!r.includes(TOKEN), r);
  assert.ok(!redact(`KUBECONFIG=/x token=${TOKEN}`).includes(TOKEN));
  assert.ok(!redact(JSON.stringify({ status: { token: TOKEN, expirationTimestamp: '2026-01-01T00:00:00Z' } })).includes(TOKEN));
  assert.ok(!redact(`Authorization: Bearer ${TOKEN}`).includes(TOKEN));
  // an opaque (non-JWT) token in a kubeconfig is caught by its key
  assert.ok(!redact(identityKubeconfigYaml(clusterEntry(BASE), 'k', 'demo', 'opaque-0123456789abcdef')).includes('opaque-0123456789abcdef'));
});

test('records: which identity covers a target, expiry in words', () => {
  const now = Date.parse('2026-11-27T12:00:00Z');
  const rec = (id: string, o: Partial<IdentityRecord>): IdentityRecord => ({
    id,
    context: 'demo-admin',
    namespace: 'demo',
    scope: 'pods',
    pods: ['standard-app'],
    debug: false,
    dir: '/d',
    kubeconfigPath: '/d/kubeconfig',
    tokenSeconds: 900,
    createdAt: '2026-11-27T11:50:00Z',
    expiresAt: '2026-11-27T12:05:00Z',
    ...o,
  });
  const pod = rec('a', {});
  const ns = rec('b', { scope: 'namespace', pods: undefined, createdAt: '2026-11-27T11:40:00Z' });
  const expired = rec('c', { createdAt: '2026-11-27T11:55:00Z', expiresAt: '2026-11-27T11:58:00Z' });
  const t = { context: 'demo-admin', namespace: 'demo', pod: 'standard-app' };
  assert.equal(identityFor([pod, ns, expired], t, now)?.id, 'a', 'the newest valid one');
  assert.equal(identityFor([pod, ns], { ...t, pod: 'alpine-app' }, now)?.id, 'b', 'namespace scope covers every pod');
  assert.equal(identityFor([pod], { ...t, pod: 'alpine-app' }, now), undefined);
  assert.equal(identityFor([pod, ns], { ...t, context: 'demo-readonly' }, now), undefined, 'another context is another identity');
  assert.equal(identityFor([expired], t, now)?.id, 'c', 'an expired one is still found (to offer renewal)');
  assert.ok(isExpired(expired, now));
  assert.equal(expiryText(pod, now), 'expires 12:05 UTC (in 5 min)');
  assert.equal(expiryText(expired, now), 'expired 11:58 UTC (2 min ago)');
  assert.equal(
    expiredTokenText(expired, now),
    'The token of scanner identity c expired 11:58 UTC (2 min ago). Nothing was started. Renew it (a new TokenRequest; the kubeconfig is rewritten) or remove the identity.',
  );
});
