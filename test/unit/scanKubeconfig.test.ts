import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { KubeconfigError, minimiseKubeconfig, sweepStaleKubeconfigs, TEMP_PREFIX, writePrivateKubeconfig } from '../../src/core/scan/kubeconfig';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2VuLXBheWxvYWQ.c2lnbmF0dXJlLXBhcnQ';
const KEY_DATA = 'LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCnNlY3JldAo=';

function fixture(): { dir: string; main: string; extra: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kc-kubeconfig-'));
  mkdirSync(join(dir, 'certs'));
  const main = join(dir, 'config');
  const extra = join(dir, 'extra.yaml');
  writeFileSync(
    main,
    `apiVersion: v1
kind: Config
current-context: token-ctx
clusters:
- name: prod
  cluster:
    server: https://prod.example:6443
    certificate-authority: certs/ca.crt
    proxy-url: socks5://proxy.example:1080
    tls-server-name: api.prod.example
- name: lab
  cluster:
    server: https://lab.example:6443
    insecure-skip-tls-verify: true
contexts:
- name: token-ctx
  context: { cluster: prod, user: token-user, namespace: payments }
- name: cert-ctx
  context: { cluster: lab, user: cert-user }
- name: certfile-ctx
  context: { cluster: prod, user: certfile-user, namespace: team-a }
- name: exec-ctx
  context: { cluster: prod, user: exec-user }
- name: broken-ctx
  context: { cluster: nowhere, user: token-user }
users:
- name: token-user
  user: { token: ${TOKEN} }
- name: cert-user
  user:
    client-certificate-data: Y2VydA==
    client-key-data: ${KEY_DATA}
- name: certfile-user
  user:
    client-certificate: certs/client.crt
    client-key: /abs/client.key
- name: exec-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: ./bin/get-token
      args: [--cluster, prod]
      env: [{ name: AWS_PROFILE, value: ops }]
      interactiveMode: Never
`,
  );
  writeFileSync(
    extra,
    `apiVersion: v1
kind: Config
current-context: other
clusters:
- name: prod
  cluster: { server: https://shadowed.example }
contexts:
- name: other
  context: { cluster: prod, user: plain-exec }
users:
- name: plain-exec
  user: { exec: { apiVersion: client.authentication.k8s.io/v1, command: kubelogin, args: [get-token] } }
`,
  );
  return { dir, main, extra };
}

test('a token context keeps its cluster TLS and proxy settings, its namespace and its token; nothing else', () => {
  const { dir, main, extra } = fixture();
  try {
    const m = minimiseKubeconfig([main, extra]);
    assert.equal(m.context, 'token-ctx', 'default is the merged current-context (first file wins)');
    const doc = parse(m.yaml);
    assert.equal(doc['current-context'], 'token-ctx');
    assert.equal(doc.clusters.length, 1);
    assert.equal(doc.contexts.length, 1);
    assert.equal(doc.users.length, 1);
    assert.deepEqual(doc.contexts[0], { name: 'token-ctx', context: { cluster: 'prod', user: 'token-user', namespace: 'payments' } });
    assert.deepEqual(doc.clusters[0].cluster, {
      server: 'https://prod.example:6443',
      'certificate-authority': join(dir, 'certs/ca.crt'),
      'proxy-url': 'socks5://proxy.example:1080',
      'tls-server-name': 'api.prod.example',
    });
    assert.deepEqual(doc.users[0].user, { token: TOKEN });
    assert.equal(m.namespace, 'payments');
    assert.ok(!m.yaml.includes('lab.example') && !m.yaml.includes(KEY_DATA), 'other clusters and users are left out');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('client certificates as data and as file paths; insecure-skip-tls-verify kept', () => {
  const { dir, main } = fixture();
  try {
    const data = parse(minimiseKubeconfig([main], 'cert-ctx').yaml);
    assert.deepEqual(data.users[0].user, { 'client-certificate-data': 'Y2VydA==', 'client-key-data': KEY_DATA });
    assert.equal(data.clusters[0].cluster['insecure-skip-tls-verify'], true);
    assert.equal(data.contexts[0].context.namespace, undefined);
    const files = parse(minimiseKubeconfig([main], 'certfile-ctx').yaml);
    assert.deepEqual(files.users[0].user, { 'client-certificate': join(dir, 'certs/client.crt'), 'client-key': '/abs/client.key' });
    assert.equal(files.contexts[0].context.namespace, 'team-a');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('exec plugins are kept whole; a relative command with a slash resolves against its kubeconfig, a bare name stays for PATH', () => {
  const { dir, main, extra } = fixture();
  try {
    const e = parse(minimiseKubeconfig([main, extra], 'exec-ctx').yaml).users[0].user.exec;
    assert.deepEqual(e, {
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      command: join(dir, 'bin/get-token'),
      args: ['--cluster', 'prod'],
      env: [{ name: 'AWS_PROFILE', value: 'ops' }],
      interactiveMode: 'Never',
    });
    const other = parse(minimiseKubeconfig([main, extra], 'other').yaml);
    assert.equal(other.users[0].user.exec.command, 'kubelogin');
    assert.equal(other.clusters[0].cluster.server, 'https://prod.example:6443', 'the first file defining a cluster name wins, as in kubectl');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('unknown contexts and dangling references are clear errors without file contents', () => {
  const { dir, main } = fixture();
  try {
    assert.throws(() => minimiseKubeconfig([main], 'nope'), (e: unknown) => e instanceof KubeconfigError && /"nope" is not in the kubeconfig/.test(e.message) && !e.message.includes(TOKEN));
    assert.throws(() => minimiseKubeconfig([main], 'broken-ctx'), /cluster "nowhere"/);
    assert.throws(() => minimiseKubeconfig([]), /No kubeconfig/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the private kubeconfig is mode 0600 in a 0700 folder, holds the secret, and is gone after dispose', () => {
  const { dir, main } = fixture();
  try {
    const m = minimiseKubeconfig([main], 'token-ctx');
    const f = writePrivateKubeconfig(m.yaml, dir);
    assert.equal(statSync(f.path).mode & 0o777, 0o600);
    assert.equal(statSync(f.dir).mode & 0o777, 0o700);
    assert.ok(readFileSync(f.path, 'utf8').includes(TOKEN), 'the secret is in the file (and only there)');
    assert.ok(!f.path.includes(TOKEN));
    f.dispose();
    f.dispose();
    assert.ok(!existsSync(f.path) && !existsSync(f.dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('leftover folders of dead processes are swept, live ones kept', () => {
  const parent = mkdtempSync(join(tmpdir(), 'kc-sweep-'));
  try {
    const mine = writePrivateKubeconfig('x', parent);
    const dead = join(parent, `${TEMP_PREFIX}999999999-abc`);
    mkdirSync(dead);
    writeFileSync(join(dead, 'kubeconfig'), 'secret');
    assert.equal(sweepStaleKubeconfigs(parent), 1);
    assert.ok(!existsSync(dead));
    assert.ok(existsSync(mine.path));
    mine.dispose();
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});
