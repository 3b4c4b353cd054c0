// Least privilege really is least privilege: a ServiceAccount with a Role scoped by resourceNames to one pod and a
// TokenRequest token may exec into that pod only; exec over WebSocket needs `get` and `create` on pods/exec; bindings
// are evaluated on every request; tokens expire (401) and die with their ServiceAccount.
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { startCluster, type Cluster } from './index';
import { kubectl, tokenKubeconfig } from './kubectl-util';

let cluster: Cluster;
const admin = (args: string[]) => kubectl(cluster.kubeconfigPath, args);

before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await cluster?.stop();
});

async function token(sa: string, duration = '10m'): Promise<string> {
  const r = await admin(['create', 'token', sa, '-n', 'demo', `--duration=${duration}`]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

function clientFor(tok: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(tokenKubeconfig(cluster.url, cluster.caPem, tok, 'demo'));
  return kc;
}

/** client-node exec (always WebSocket); resolves with the channel-3 status or rejects with the upgrade error. */
function clientExec(kc: k8s.KubeConfig, pod: string, command: string[]): Promise<{ status: k8s.V1Status; out: string }> {
  let out = '';
  const stdout = new Writable({ write: (c, _e, cb) => ((out += c), cb()) });
  return new Promise((resolve, reject) => {
    new k8s.Exec(kc).exec('demo', pod, 'app', command, stdout, null, null, false, (status) => resolve({ status, out })).then((ws) => ws.on('close', () => setTimeout(() => resolve({ status: { status: 'closed-without-status' } as k8s.V1Status, out }), 500)), (e: { message?: string }) => reject(new Error(e.message ?? String(e))));
  });
}

test('a Role with resourceNames limits exec to the chosen pod (kubectl auth can-i and real exec)', async () => {
  for (const args of [
    ['create', 'serviceaccount', 'scanner', '-n', 'demo'],
    ['label', 'serviceaccount', 'scanner', '-n', 'demo', 'kc-run=r1'],
    ['create', 'role', 'scan-standard', '-n', 'demo', '--verb=get', '--verb=create', '--resource=pods', '--resource=pods/exec', '--resource-name=standard-app'],
    ['create', 'rolebinding', 'scan-standard', '-n', 'demo', '--role=scan-standard', '--serviceaccount=demo:scanner'],
  ]) {
    const r = await admin(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  }
  const role = JSON.parse((await admin(['get', 'role', 'scan-standard', '-n', 'demo', '-o', 'json'])).stdout);
  assert.deepEqual(role.rules[0].resourceNames, ['standard-app']);

  const kc = tokenKubeconfig(cluster.url, cluster.caPem, await token('scanner'), 'demo');
  const sa = (args: string[], minor?: number) => kubectl(kc, args, { minor });
  assert.equal((await sa(['auth', 'can-i', 'create', 'pods/standard-app', '--subresource=exec'])).stdout.trim(), 'yes');
  assert.equal((await sa(['auth', 'can-i', 'get', 'pods/standard-app', '--subresource=exec'])).stdout.trim(), 'yes');
  assert.equal((await sa(['auth', 'can-i', 'create', 'pods/alpine-app', '--subresource=exec'])).stdout.trim(), 'no');
  assert.equal((await sa(['auth', 'can-i', 'create', 'pods', '--subresource=exec'])).stdout.trim(), 'no', 'not for every pod');
  assert.equal((await sa(['auth', 'can-i', 'list', 'pods'])).stdout.trim(), 'no');
  const who = await sa(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
  assert.equal(who.stdout, 'system:serviceaccount:demo:scanner');

  const listed = await sa(['get', 'pods']);
  assert.equal(listed.code, 1);
  assert.match(listed.stderr, /pods is forbidden: User "system:serviceaccount:demo:scanner" cannot list resource "pods" in API group "" in the namespace "demo"/);
  const other = await sa(['exec', 'alpine-app', '-c', 'app', '--', 'true']);
  assert.equal(other.code, 1);
  assert.match(other.stderr, /pods "alpine-app" is forbidden: User "system:serviceaccount:demo:scanner" cannot get resource "pods" in API group "" in the namespace "demo"/);

  assert.ok(cluster.hasRuntime, 'this test needs the container runtime (root + test/emulator/runtime)');
  for (const minor of [33, 27]) {
    const ok = await sa(['exec', 'standard-app', '-c', 'app', '--', 'sh', '-c', 'echo least-privilege'], minor);
    assert.equal(ok.code, 0, `kubectl 1.${minor}: ${ok.stderr}`);
    assert.equal(ok.stdout.trim(), 'least-privilege');
  }
});

test('WebSocket exec needs get AND create on pods/exec; SPDY exec needs create', async () => {
  await admin(['create', 'serviceaccount', 'create-only', '-n', 'demo']);
  await admin(['create', 'role', 'exec-create-only', '-n', 'demo', '--verb=create', '--resource=pods/exec', '--resource-name=standard-app']);
  await admin(['create', 'role', 'pod-get', '-n', 'demo', '--verb=get', '--resource=pods', '--resource-name=standard-app']);
  await admin(['create', 'rolebinding', 'create-only', '-n', 'demo', '--role=exec-create-only', '--serviceaccount=demo:create-only']);
  await admin(['create', 'rolebinding', 'create-only-get', '-n', 'demo', '--role=pod-get', '--serviceaccount=demo:create-only']);
  const tok = await token('create-only');
  await assert.rejects(clientExec(clientFor(tok), 'standard-app', ['true']), /403/, 'the WebSocket GET upgrade is refused without get on pods/exec');
  const spdy = await kubectl(tokenKubeconfig(cluster.url, cluster.caPem, tok, 'demo'), ['exec', 'standard-app', '-c', 'app', '--', 'sh', '-c', 'echo spdy'], { minor: 27 });
  assert.equal(spdy.code, 0, spdy.stderr);
  assert.equal(spdy.stdout.trim(), 'spdy');

  // Adding `get` on pods/exec makes the WebSocket path work; RBAC is read on every request.
  await admin(['create', 'role', 'exec-get', '-n', 'demo', '--verb=get', '--resource=pods/exec', '--resource-name=standard-app']);
  await admin(['create', 'rolebinding', 'exec-get', '-n', 'demo', '--role=exec-get', '--serviceaccount=demo:create-only']);
  const r = await clientExec(clientFor(tok), 'standard-app', ['sh', '-c', 'echo ws; exit 4']);
  assert.equal(r.out.trim(), 'ws');
  assert.equal(r.status.status, 'Failure');
  assert.equal(r.status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message, '4');

  // Removing the binding revokes at once.
  assert.equal((await admin(['delete', 'rolebinding', 'exec-get', '-n', 'demo'])).code, 0);
  await assert.rejects(clientExec(clientFor(tok), 'standard-app', ['true']), /403/);
});

test('TokenRequest: expirationSeconds honoured and validated; roles/bindings listed and deleted by label', async () => {
  const short = await admin(['create', 'token', 'scanner', '-n', 'demo', '--duration=5m']);
  assert.equal(short.code, 1);
  assert.match(short.stderr, /spec\.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes/);

  const core = clientFor(cluster.tokens.admin).makeApiClient(k8s.CoreV1Api);
  const before = Date.now();
  const tr = await core.createNamespacedServiceAccountToken({ name: 'scanner', namespace: 'demo', body: { spec: { audiences: [], expirationSeconds: 900 } } });
  assert.ok(tr.status?.token);
  const exp = new Date(tr.status!.expirationTimestamp!).getTime();
  assert.ok(exp >= before + 899_000 && exp <= Date.now() + 901_000, `expiration ${tr.status?.expirationTimestamp}`);
  await assert.rejects(core.createNamespacedServiceAccountToken({ name: 'nobody', namespace: 'demo', body: { spec: { audiences: [] } } }), (e: { code?: number }) => e.code === 404);

  const rbac = clientFor(cluster.tokens.admin).makeApiClient(k8s.RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({ namespace: 'demo', body: { metadata: { name: 'tmp-a', labels: { 'kc-run': 'r2' } }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] } });
  await rbac.createNamespacedRole({ namespace: 'demo', body: { metadata: { name: 'tmp-b', labels: { 'kc-run': 'r2' } }, rules: [] } });
  await assert.rejects(rbac.createNamespacedRole({ namespace: 'demo', body: { metadata: { name: 'tmp-a' }, rules: [] } }), (e: { code?: number }) => e.code === 409);
  const labelled = await rbac.listNamespacedRole({ namespace: 'demo', labelSelector: 'kc-run=r2' });
  assert.deepEqual(labelled.items.map((r) => r.metadata?.name).sort(), ['tmp-a', 'tmp-b']);
  await rbac.deleteCollectionNamespacedRole({ namespace: 'demo', labelSelector: 'kc-run=r2' });
  assert.equal((await rbac.listNamespacedRole({ namespace: 'demo', labelSelector: 'kc-run=r2' })).items.length, 0);
  const sas = await core.listNamespacedServiceAccount({ namespace: 'demo', labelSelector: 'kc-run=r1' });
  assert.deepEqual(sas.items.map((s) => s.metadata?.name), ['scanner']);
});

test('tokens die with their ServiceAccount', async () => {
  await admin(['create', 'serviceaccount', 'short-lived', '-n', 'demo']);
  await admin(['create', 'rolebinding', 'short-lived', '-n', 'demo', '--clusterrole=demo-readonly', '--serviceaccount=demo:short-lived']);
  const kc = tokenKubeconfig(cluster.url, cluster.caPem, await token('short-lived'), 'demo');
  assert.equal((await kubectl(kc, ['get', 'pods', '-o', 'name'])).code, 0);
  assert.equal((await admin(['delete', 'serviceaccount', 'short-lived', '-n', 'demo'])).code, 0);
  const r = await kubectl(kc, ['get', 'pods']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /You must be logged in to the server/);
});

test('tokens really expire: 401 once the emulator clock passes expirationSeconds', async () => {
  const kc = tokenKubeconfig(cluster.url, cluster.caPem, await token('scanner', '10m'), 'demo');
  assert.equal((await kubectl(kc, ['auth', 'can-i', 'create', 'pods/standard-app', '--subresource=exec'])).stdout.trim(), 'yes');
  cluster.advanceClock(9 * 60_000);
  assert.equal((await kubectl(kc, ['auth', 'can-i', 'create', 'pods/standard-app', '--subresource=exec'])).stdout.trim(), 'yes', 'still valid after 9 minutes');
  cluster.advanceClock(61_000);
  const r = await kubectl(kc, ['auth', 'can-i', 'create', 'pods/standard-app', '--subresource=exec']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /You must be logged in to the server|Unauthorized/);
  await assert.rejects(clientExec(clientFor(readToken(kc)), 'standard-app', ['true']), /401/);
});

function readToken(kcPath: string): string {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kcPath);
  return kc.getCurrentUser()!.token!;
}
