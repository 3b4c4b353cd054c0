import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, test } from 'node:test';
import { ClusterClient, credentialHint, listContexts, loadDefaultKubeconfig, loadKubeconfig } from '../../src/core/cluster/client';
import { KubeError } from '../../src/core/cluster/errors';

const dir = mkdtempSync(join(tmpdir(), 'kc-kubeconfig-'));
after(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const A = file(
  'a.yaml',
  `apiVersion: v1
kind: Config
clusters:
- name: shared
  cluster: {server: https://a.example:6443, certificate-authority: ca-a.crt}
- name: only-a
  cluster: {server: https://only-a.example}
users:
- name: shared-user
  user: {token: token-from-a}
contexts:
- name: shared-ctx
  context: {cluster: shared, user: shared-user, namespace: from-a}
- name: a-ctx
  context: {cluster: only-a, user: shared-user}
`,
);
const B = file(
  'b.yaml',
  `apiVersion: v1
kind: Config
current-context: b-ctx
clusters:
- name: shared
  cluster: {server: https://b.example:6443}
- name: only-b
  cluster: {server: https://only-b.example, proxy-url: http://proxy.example:3128, insecure-skip-tls-verify: true}
users:
- name: shared-user
  user: {token: token-from-b}
- name: plugin-user
  user:
    exec: {apiVersion: client.authentication.k8s.io/v1, command: gke-gcloud-auth-plugin, args: [--verbose]}
contexts:
- name: shared-ctx
  context: {cluster: only-b, user: plugin-user, namespace: from-b}
- name: b-ctx
  context: {cluster: only-b, user: plugin-user, namespace: team-b}
`,
);
const C = file('c.yaml', `apiVersion: v1\nkind: Config\ncurrent-context: c-ctx\ncontexts: []\n`);

test('kubectl merge rules: first file wins per name; current-context from the first file that sets it', () => {
  const load = loadKubeconfig([A, B, C]);
  assert.deepEqual(load.files, [A, B, C]);
  assert.equal(load.currentContext, 'b-ctx', 'A sets none, B is the first that does (C is ignored)');
  const ctxs = listContexts(load);
  assert.deepEqual(ctxs.map((c) => c.name), ['shared-ctx', 'a-ctx', 'b-ctx']);
  const shared = ctxs.find((c) => c.name === 'shared-ctx')!;
  assert.equal(shared.namespace, 'from-a');
  assert.equal(shared.server, 'https://a.example:6443', 'cluster "shared" from A');
  assert.equal(load.config.getUser('shared-user')?.token, 'token-from-a');
  assert.ok(load.config.getCluster('only-b'));
  assert.equal(ctxs.find((c) => c.name === 'b-ctx')?.current, true);
});

test('relative certificate paths resolve against the file that names them', () => {
  const load = loadKubeconfig([A, B]);
  assert.equal(load.config.getCluster('shared')?.caFile, join(dir, 'ca-a.crt'));
});

test('order matters: B first makes B win', () => {
  const load = loadKubeconfig([B, A]);
  assert.equal(load.config.getCluster('shared')?.server, 'https://b.example:6443');
  assert.equal(listContexts(load).find((c) => c.name === 'shared-ctx')?.namespace, 'from-b');
});

test('KUBECONFIG with several files and the kubeCompliance.kubeconfig override', () => {
  const viaEnv = loadDefaultKubeconfig(undefined, { KUBECONFIG: [A, join(dir, 'missing.yaml'), B].join(delimiter) });
  assert.deepEqual(viaEnv.files, [A, B], 'missing files are skipped like kubectl does');
  const viaOverride = loadDefaultKubeconfig(B, { KUBECONFIG: A });
  assert.deepEqual(viaOverride.files, [B]);
  assert.equal(viaOverride.currentContext, 'b-ctx');
});

test('an unreadable file is a warning without secrets, the others still load', () => {
  const bad = file('bad.yaml', 'clusters: [ {name: x\n  token: super-secret-token-value\n');
  const load = loadKubeconfig([bad, A]);
  assert.deepEqual(load.files, [A]);
  assert.equal(load.warnings.length, 1);
  assert.match(load.warnings[0], /bad\.yaml/);
  assert.ok(!load.warnings[0].includes('super-secret-token-value'));
});

test('a client for a chosen context leaves the files and the merged current-context untouched', () => {
  const before = readFileSync(B, 'utf8');
  const load = loadKubeconfig([A, B]);
  const client = ClusterClient.forContext(load, 'a-ctx', { qps: 5, burst: 7 });
  assert.equal(client.contextName, 'a-ctx');
  assert.equal(client.server, 'https://only-a.example');
  assert.equal(client.namespace, 'default', 'no namespace in the context → default');
  assert.equal(client.kubeConfig.getCurrentContext(), 'a-ctx');
  assert.equal(load.config.getCurrentContext(), 'b-ctx');
  assert.equal(readFileSync(B, 'utf8'), before);
  assert.equal(client.limiter.qps, 5);
  assert.equal(client.limiter.burst, 7);
  const def = ClusterClient.forContext(load);
  assert.equal(def.contextName, 'b-ctx');
  assert.equal(def.namespace, 'team-b');
  assert.equal(def.kubeConfig.getCurrentCluster()?.proxyUrl, 'http://proxy.example:3128', 'proxy-url reaches client-node');
  client.dispose();
  def.dispose();
});

test('unknown context / dangling cluster are config errors', () => {
  const load = loadKubeconfig([A, B]);
  assert.throws(() => ClusterClient.forContext(load, 'nope'), (e: unknown) => e instanceof KubeError && e.kind === 'config' && /nope/.test(e.message));
  const dangling = loadKubeconfig([file('d.yaml', 'contexts:\n- name: d\n  context: {cluster: ghost, user: u}\ncurrent-context: d\n')]);
  assert.throws(() => ClusterClient.forContext(dangling), (e: unknown) => e instanceof KubeError && /ghost/.test(e.message));
});

test('credential hints name the way to refresh, never the secret', () => {
  const load = loadKubeconfig([A, B]);
  const plugin = credentialHint(load.config.getUser('plugin-user'), 'b-ctx');
  assert.match(plugin, /gke-gcloud-auth-plugin --verbose/);
  const token = credentialHint(load.config.getUser('shared-user'));
  assert.match(token, /token/);
  assert.ok(!token.includes('token-from-a'));
  assert.match(credentialHint({ name: 'o', authProvider: { name: 'oidc', config: {} } }), /OIDC/);
  assert.match(credentialHint({ name: 'c', certData: 'x', keyData: 'y' }), /certificate/);
});
