// Access (issue 8) against the emulator with RBAC enforced, through src/core/access and the product's cluster client
// (client-node underneath; no kubectl): the preflight refuses demo-readonly naming the exact missing permission; a
// scanner identity scoped to one pod may exec into that pod (real WebSocket exec, exit 0) and is refused (403) on any
// other; its token really expires when its lifetime ends; cleanup leaves no labelled object behind.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  AccessDeniedError,
  CredentialsRejectedError,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  clusterEntry,
  createIdentity,
  findIdentities,
  identityBackend,
  identityKubeconfigYaml,
  identitySelector,
  newIdentityId,
  removeIdentity,
  requiredPermissions,
  requirePermissions,
  reviewPermissions,
  writeIdentityKubeconfig,
  type IdentitySpec,
} from '../../src/core/access';
import { ClusterClient, loadKubeconfig } from '../../src/core/cluster/client';
import { KubeError } from '../../src/core/cluster/errors';
import { minimiseKubeconfig } from '../../src/core/scan/kubeconfig';
import { startCluster, type Cluster } from '../emulator/index';

const MIN_TOKEN_SECONDS = 2;
let cluster: Cluster;
let admin: ClusterClient;
let readonly: ClusterClient;
let work: string;
const clients: ClusterClient[] = [];

before(async () => {
  cluster = await startCluster({ tokenMinExpirationSeconds: MIN_TOKEN_SECONDS });
  const load = loadKubeconfig([cluster.kubeconfigPath]);
  admin = ClusterClient.forContext(load, 'demo-admin');
  readonly = ClusterClient.forContext(load, 'demo-readonly');
  clients.push(admin, readonly);
  work = mkdtempSync(join(tmpdir(), 'kc-access-cluster-'));
});
after(async () => {
  for (const c of clients) c.dispose();
  await cluster?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** Creates the identity with demo-admin, requests a token and returns a client that uses only the written kubeconfig. */
async function identityClient(spec: IdentitySpec, seconds: number): Promise<{ client: ClusterClient; expiresAt: Date; kubeconfigPath: string }> {
  const backend = identityBackend(admin);
  await createIdentity(backend, spec);
  const { token, expiresAt } = await backend.requestToken(spec.namespace, spec.id, seconds);
  const cluster0 = clusterEntry(minimiseKubeconfig([cluster.kubeconfigPath], 'demo-admin').yaml);
  const kubeconfigPath = writeIdentityKubeconfig(join(work, spec.id), identityKubeconfigYaml(cluster0, spec.id, spec.namespace, token));
  const client = ClusterClient.forContext(loadKubeconfig([kubeconfigPath]));
  clients.push(client);
  return { client, expiresAt, kubeconfigPath };
}

test('preflight: demo-readonly is refused before anything starts, with the exact missing permissions named; demo-admin passes', async () => {
  const perms = requiredPermissions('kubernetes-api', { namespace: 'demo', pod: 'standard-app' });
  await assert.rejects(requirePermissions(readonly, perms, { subject: readonly.contextName, what: 'the Kubernetes API scan of demo/standard-app/app' }), (e: unknown) => {
    assert.ok(e instanceof AccessDeniedError, String(e));
    // demo-readonly may get pods, but neither verb of pods/exec
    assert.deepEqual(
      e.missing.map((p) => `${p.verb} ${p.resource}/${p.subresource} ${p.namespace}/${p.name}`),
      ['get pods/exec demo/standard-app', 'create pods/exec demo/standard-app'],
    );
    assert.match(e.message, /demo-readonly may not create pods\/exec on pod standard-app in namespace demo/);
    assert.match(e.message, /demo-readonly may not get pods\/exec on pod standard-app in namespace demo/);
    return true;
  });
  const debug = requiredPermissions('debug-container', { namespace: 'demo', pod: 'distroless-app' });
  await assert.rejects(requirePermissions(readonly, debug, { subject: 'demo-readonly', what: 'x' }), (e: AccessDeniedError) => /demo-readonly may not patch pods\/ephemeralcontainers on pod distroless-app in namespace demo/.test(e.message));
  const ok = await requirePermissions(admin, debug, { subject: 'demo-admin', what: 'x' });
  assert.deepEqual(
    ok.map((c) => c.allowed),
    [true, true, true, true],
  );
});

test('a pod-scoped identity execs into the chosen pod (client-node WebSocket exec, exit 0) and is refused (403) on any other pod', async () => {
  const spec: IdentitySpec = { id: newIdentityId(), namespace: 'demo', scope: 'pods', pods: ['standard-app'] };
  const { client, expiresAt } = await identityClient(spec, 900);
  try {
    const lifetime = expiresAt.getTime() - Date.now();
    assert.ok(lifetime > 880_000 && lifetime <= 901_000, `token lifetime ${lifetime} ms`);
    // what the cluster stored is exactly what we generated
    const role = await admin.rbac.readNamespacedRole({ namespace: 'demo', name: spec.id });
    assert.deepEqual(
      (role.rules ?? []).map((r) => ({ apiGroups: r.apiGroups, resources: r.resources, verbs: r.verbs, resourceNames: r.resourceNames })),
      [
        { apiGroups: [''], resources: ['pods'], verbs: ['get'], resourceNames: ['standard-app'] },
        { apiGroups: [''], resources: ['pods/exec'], verbs: ['get', 'create'], resourceNames: ['standard-app'] },
      ],
    );
    assert.deepEqual(await findIdentities(identityBackend(admin), 'demo'), [spec.id]);

    // preflight as the identity
    await requirePermissions(client, requiredPermissions('kubernetes-api', { namespace: 'demo', pod: 'standard-app' }), { subject: `scanner identity ${spec.id}`, what: 'x', identity: true });
    await assert.rejects(
      requirePermissions(client, requiredPermissions('kubernetes-api', { namespace: 'demo', pod: 'alpine-app' }), { subject: `scanner identity ${spec.id}`, what: 'x', identity: true }),
      (e: AccessDeniedError) => e.missing.length === 3 && new RegExp(`scanner identity ${spec.id} may not create pods/exec on pod alpine-app in namespace demo`).test(e.message),
    );

    // real exec with the token
    const r = await client.exec('demo', 'standard-app', 'app', ['sh', '-c', 'echo scanned-by-identity'], { timeoutMs: 20000 });
    assert.equal(r.exitCode, 0, JSON.stringify(r.end));
    assert.equal(r.stdout.trim(), 'scanned-by-identity');
    for (const pod of ['alpine-app', 'multi-app']) {
      await assert.rejects(client.exec('demo', pod, 'app', ['true'], { timeoutMs: 20000 }), (e: unknown) => e instanceof KubeError && e.kind === 'forbidden' && e.code === 403, `exec into ${pod}`);
    }
    // nothing beyond the rules: no listing pods, no secrets
    await assert.rejects(client.core.listNamespacedPod({ namespace: 'demo' }), (e: KubeError) => e.code === 403);
    await assert.rejects(client.core.listNamespacedSecret({ namespace: 'demo' }), (e: KubeError) => e.code === 403);
  } finally {
    await removeIdentity(identityBackend(admin), 'demo', spec.id);
  }
});

test('opting into the debug approach adds patch on pods/ephemeralcontainers for the chosen pod only', async () => {
  const spec: IdentitySpec = { id: newIdentityId(), namespace: 'demo', scope: 'pods', pods: ['distroless-app'], debug: true };
  const { client } = await identityClient(spec, 900);
  try {
    const checks = await reviewPermissions(client, [
      ...requiredPermissions('debug-container', { namespace: 'demo', pod: 'distroless-app' }),
      { verb: 'patch', resource: 'pods', subresource: 'ephemeralcontainers', namespace: 'demo', name: 'standard-app' },
      { verb: 'delete', resource: 'pods', namespace: 'demo', name: 'distroless-app' },
    ]);
    assert.deepEqual(
      checks.map((c) => c.allowed),
      [true, true, true, true, false, false],
    );
  } finally {
    await removeIdentity(identityBackend(admin), 'demo', spec.id);
  }
});

test('the token expires when its lifetime ends (401, told apart from a refusal)', async () => {
  const spec: IdentitySpec = { id: newIdentityId(), namespace: 'demo', scope: 'pods', pods: ['standard-app'] };
  const seconds = MIN_TOKEN_SECONDS + 1;
  const { client, expiresAt } = await identityClient(spec, seconds);
  try {
    const perms = requiredPermissions('kubernetes-api', { namespace: 'demo', pod: 'standard-app' });
    assert.ok(expiresAt.getTime() - Date.now() <= seconds * 1000 + 1000);
    await requirePermissions(client, perms, { subject: spec.id, what: 'x' });
    assert.equal((await client.exec('demo', 'standard-app', 'app', ['true'], { timeoutMs: 20000 })).exitCode, 0, 'valid before its end');
    // wait the lifetime out on the real clock
    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt.getTime() - Date.now()) + 1500));
    await assert.rejects(reviewPermissions(client, perms), CredentialsRejectedError);
    await assert.rejects(client.exec('demo', 'standard-app', 'app', ['true'], { timeoutMs: 20000 }), (e: unknown) => e instanceof KubeError && e.kind === 'unauthorized' && e.code === 401);
  } finally {
    await removeIdentity(identityBackend(admin), 'demo', spec.id);
  }
});

test('cleanup deletes exactly the labelled objects (and the token dies with them); nothing labelled is left behind', async () => {
  const a: IdentitySpec = { id: newIdentityId(), namespace: 'demo', scope: 'namespace' };
  const b: IdentitySpec = { id: newIdentityId(), namespace: 'demo', scope: 'pods', pods: ['alpine-app'] };
  const { client } = await identityClient(a, 900);
  await identityClient(b, 900);
  // an object that is not ours but looks similar: must survive
  await admin.rbac.createNamespacedRole({ namespace: 'demo', body: { metadata: { name: `${a.id}-manual`, labels: { 'kube-compliance.io/identity': a.id } }, rules: [] } });
  try {
    assert.equal((await client.exec('demo', 'alpine-app', 'app', ['true'], { timeoutMs: 20000 })).exitCode, 0, 'namespace scope: any pod');
    const removed = await removeIdentity(identityBackend(admin), 'demo', a.id);
    assert.deepEqual(removed.deleted, [`RoleBinding ${a.id}`, `Role ${a.id}`, `ServiceAccount ${a.id}`]);
    for (const sel of [identitySelector(a.id)]) {
      assert.equal((await admin.core.listNamespacedServiceAccount({ namespace: 'demo', labelSelector: sel })).items.length, 0);
      assert.equal((await admin.rbac.listNamespacedRole({ namespace: 'demo', labelSelector: sel })).items.length, 0);
      assert.equal((await admin.rbac.listNamespacedRoleBinding({ namespace: 'demo', labelSelector: sel })).items.length, 0);
    }
    assert.ok(await admin.rbac.readNamespacedRole({ namespace: 'demo', name: `${a.id}-manual` }), 'the unmanaged look-alike is untouched');
    assert.deepEqual(await findIdentities(identityBackend(admin), 'demo'), [b.id], 'the other identity stays');
    await assert.rejects(client.exec('demo', 'standard-app', 'app', ['true'], { timeoutMs: 20000 }), (e: KubeError) => e.code === 401, 'the token died with its ServiceAccount');

    await removeIdentity(identityBackend(admin), 'demo', b.id);
    const managed = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;
    assert.equal((await admin.core.listNamespacedServiceAccount({ namespace: 'demo', labelSelector: managed })).items.length, 0);
    assert.equal((await admin.rbac.listNamespacedRole({ namespace: 'demo', labelSelector: managed })).items.length, 0);
    assert.equal((await admin.rbac.listNamespacedRoleBinding({ namespace: 'demo', labelSelector: managed })).items.length, 0);
  } finally {
    await admin.rbac.deleteNamespacedRole({ namespace: 'demo', name: `${a.id}-manual` });
  }
});
