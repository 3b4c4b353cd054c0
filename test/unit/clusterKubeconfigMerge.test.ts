// kubeconfig.ts on its own (clusterKubeconfig.test.ts covers the same rules through the ClusterClient facade).
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as facade from '../../src/core/cluster/client';
import { KubeError } from '../../src/core/cluster/errors';
import { contextConfig, credentialHint, listContexts, loadDefaultKubeconfig, loadKubeconfig } from '../../src/core/cluster/kubeconfig';

const dir = mkdtempSync(join(tmpdir(), 'kc-merge-'));
after(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

// 1: no current-context; defines the user every context uses and a cluster that 2 redefines
const ONE = file(
  'one.yaml',
  `apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster: {server: https://prod-from-one.example}
users:
- name: me
  user: {token: one-token}
contexts:
- name: prod
  context: {cluster: prod, user: me, namespace: apps}
`,
);
// 2: sets current-context to a context defined only in 3; redefines prod (ignored), adds staging
const TWO = file(
  'two.yaml',
  `apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: prod
  cluster: {server: https://prod-from-two.example}
- name: staging
  cluster: {server: https://staging.example}
users:
- name: me
  user: {token: two-token}
contexts:
- name: prod
  context: {cluster: staging, user: me, namespace: from-two}
- name: staging
  context: {cluster: staging, user: me}
`,
);
// 3: sets another current-context (ignored: 2 set one first); the context dev, whose cluster only 3 defines
const THREE = file(
  'three.yaml',
  `apiVersion: v1
kind: Config
current-context: staging
clusters:
- name: dev
  cluster: {server: https://dev.example:6443}
contexts:
- name: dev
  context: {cluster: dev, user: me, namespace: sandbox}
- name: orphan
  context: {cluster: nowhere, user: me}
`,
);

test('merge: names from the first file that defines them, entries of every file, in merge order', () => {
  const load = loadKubeconfig([ONE, TWO, THREE]);
  assert.deepEqual(load.files, [ONE, TWO, THREE]);
  assert.deepEqual(load.warnings, []);
  assert.deepEqual(load.config.getClusters().map((c) => c.name), ['prod', 'staging', 'dev']);
  assert.deepEqual(load.config.getUsers().map((u) => u.name), ['me']);
  assert.deepEqual(load.config.getContexts().map((c) => c.name), ['prod', 'staging', 'dev', 'orphan']);
  assert.equal(load.config.getCluster('prod')?.server, 'https://prod-from-one.example');
  assert.equal(load.config.getUser('me')?.token, 'one-token');
  assert.equal(load.config.getContextObject('prod')?.namespace, 'apps');
});

test('merge: current-context comes from the first file that sets one, even when a later file defines that context', () => {
  assert.equal(loadKubeconfig([ONE, TWO, THREE]).currentContext, 'dev');
  assert.equal(loadKubeconfig([ONE, THREE, TWO]).currentContext, 'staging');
  assert.equal(loadKubeconfig([ONE]).currentContext, undefined, 'no file sets one');
});

test('merge: no files, or only unreadable ones, is an empty configuration', () => {
  const none = loadKubeconfig([]);
  assert.deepEqual([none.files, none.currentContext, none.warnings, none.config.getContexts()], [[], undefined, [], []]);
  const missing = loadKubeconfig([join(dir, 'absent.yaml')]);
  assert.deepEqual(missing.files, []);
  assert.equal(missing.warnings.length, 1);
  assert.match(missing.warnings[0], /absent\.yaml/);
  assert.deepEqual(loadDefaultKubeconfig(undefined, { KUBECONFIG: join(dir, 'absent.yaml') }).files, [], 'files that do not exist are not even tried');
});

test('listContexts: the server of each context\'s merged cluster and the current flag', () => {
  const ctxs = listContexts(loadKubeconfig([ONE, TWO, THREE]));
  assert.deepEqual(
    ctxs.map((c) => [c.name, c.cluster, c.user, c.namespace, c.server, c.current]),
    [
      ['prod', 'prod', 'me', 'apps', 'https://prod-from-one.example', false],
      ['staging', 'staging', 'me', undefined, 'https://staging.example', false],
      ['dev', 'dev', 'me', 'sandbox', 'https://dev.example:6443', true],
      ['orphan', 'nowhere', 'me', undefined, undefined, false],
    ],
  );
});

test('context choice: the default is the current context; the copy has every entry and that context as current', () => {
  const load = loadKubeconfig([ONE, TWO, THREE]);
  const { name, kubeConfig } = contextConfig(load);
  assert.equal(name, 'dev');
  assert.equal(kubeConfig.getCurrentContext(), 'dev');
  assert.equal(kubeConfig.getCurrentCluster()?.server, 'https://dev.example:6443');
  assert.equal(kubeConfig.getCurrentUser()?.token, 'one-token', 'the user comes from another file than the context');
  assert.deepEqual(kubeConfig.getContexts().map((c) => c.name), ['prod', 'staging', 'dev', 'orphan']);
  assert.notEqual(kubeConfig, load.config);
});

test('context choice: a named context; the merged configuration and the files are left alone', () => {
  const before = [ONE, TWO, THREE].map((f) => readFileSync(f, 'utf8'));
  const load = loadKubeconfig([ONE, TWO, THREE]);
  const prod = contextConfig(load, 'prod');
  assert.equal(prod.name, 'prod');
  assert.equal(prod.kubeConfig.getCurrentContext(), 'prod');
  assert.equal(prod.kubeConfig.getCurrentCluster()?.server, 'https://prod-from-one.example', 'the first file\'s prod, not the second\'s');
  assert.equal(load.config.getCurrentContext(), 'dev');
  assert.equal(contextConfig(load, 'staging').kubeConfig.getCurrentCluster()?.server, 'https://staging.example');
  assert.deepEqual([ONE, TWO, THREE].map((f) => readFileSync(f, 'utf8')), before);
});

test('context choice: no current context, an unknown context and a dangling cluster are config errors', () => {
  const isConfig = (re: RegExp) => (e: unknown) => e instanceof KubeError && e.kind === 'config' && re.test(e.message);
  assert.throws(() => contextConfig(loadKubeconfig([ONE])), (e: unknown) => isConfig(/no current context/)(e) && /Use Context/.test((e as KubeError).hint ?? ''));
  assert.throws(() => contextConfig(loadKubeconfig([ONE, TWO, THREE]), 'nope'), isConfig(/no context named "nope"/));
  assert.throws(() => contextConfig(loadKubeconfig([ONE, TWO, THREE]), 'orphan'), isConfig(/cluster "nowhere"/));
  assert.throws(() => contextConfig(loadKubeconfig([ONE, TWO]), 'dev'), isConfig(/no context named "dev"/), 'TWO names dev as current, but only THREE defines it');
});

test('credential hints for a user without credentials and for a missing user', () => {
  assert.match(credentialHint({ name: 'bare' }, 'ctx'), /User "bare" has no credentials for context ctx/);
  assert.match(credentialHint(undefined, 'ctx'), /no user for context ctx/);
  assert.match(credentialHint({ name: 'basic', username: 'u', password: 'secret-password' }), /username\/password/);
  assert.ok(!credentialHint({ name: 'basic', username: 'u', password: 'secret-password' }).includes('secret-password'));
});

test('the ClusterClient facade exports these very functions', () => {
  assert.equal(facade.loadKubeconfig, loadKubeconfig);
  assert.equal(facade.loadDefaultKubeconfig, loadDefaultKubeconfig);
  assert.equal(facade.listContexts, listContexts);
  assert.equal(facade.credentialHint, credentialHint);
  const client = facade.ClusterClient.forContext(loadKubeconfig([ONE, TWO, THREE]), 'prod');
  assert.deepEqual([client.contextName, client.server, client.namespace, client.userName], ['prod', 'https://prod-from-one.example', 'apps', 'me']);
  client.dispose();
});
