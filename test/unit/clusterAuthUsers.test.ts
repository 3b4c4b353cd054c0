// Issue 5 §1: client-certificate and OIDC users work through client-node (the token and exec-plugin users are in
// clusterClient.test.ts). A local HTTPS server checks what the client presents.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ClusterClient, loadKubeconfig } from '../../src/core/cluster/client';
import { KubeError } from '../../src/core/cluster/errors';

const dir = mkdtempSync(join(tmpdir(), 'kc-auth-users-'));
const b64 = (f: string) => readFileSync(join(dir, f)).toString('base64');
let server: https.Server;
let url = '';
const seen: Array<{ cn?: string; authorized: boolean; authorization?: string }> = [];

function openssl(args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

before(async () => {
  // server certificate (for 127.0.0.1) and a client CA that signs one client certificate
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', 'server.key', '-out', 'server.crt']);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=client-ca', '-keyout', 'ca.key', '-out', 'ca.crt']);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=jane/O=devs', '-keyout', 'jane.key', '-out', 'jane.csr']);
  openssl(['x509', '-req', '-in', 'jane.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-out', 'jane.crt']);
  server = https.createServer(
    { key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.crt')), ca: readFileSync(join(dir, 'ca.crt')), requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const sock = req.socket as TLSSocket;
      const peer = sock.getPeerCertificate();
      seen.push({ cn: [peer?.subject?.CN].flat()[0], authorized: sock.authorized, authorization: req.headers.authorization });
      const ok = sock.authorized || !!req.headers.authorization;
      res.writeHead(ok ? 200 : 401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(ok ? { gitVersion: 'v1.33.0' } : { kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401, message: 'Unauthorized' }));
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

function kubeconfig(name: string, user: string): string {
  const f = join(dir, `${name}.yaml`);
  writeFileSync(
    f,
    `apiVersion: v1\nkind: Config\ncurrent-context: t\nclusters:\n- name: c\n  cluster: {server: "${url}", certificate-authority-data: ${b64('server.crt')}}\nusers:\n- name: u\n  user:\n${user}\ncontexts:\n- name: t\n  context: {cluster: c, user: u}\n`,
  );
  return f;
}

test('client-certificate users: the certificate (data or file path) is presented in the TLS handshake', async () => {
  for (const [name, user] of [
    ['cert-data', `    client-certificate-data: ${b64('jane.crt')}\n    client-key-data: ${b64('jane.key')}`],
    ['cert-files', `    client-certificate: jane.crt\n    client-key: jane.key`],
  ] as const) {
    seen.length = 0;
    const c = ClusterClient.forContext(loadKubeconfig([kubeconfig(name, user)]), 't');
    try {
      assert.deepEqual(await c.request('GET', '/version'), { gitVersion: 'v1.33.0' }, name);
      assert.deepEqual(seen, [{ cn: 'jane', authorized: true, authorization: undefined }], name);
    } finally {
      c.dispose();
    }
  }
});

test('a user without credentials is a 401 unauthorized error (so the certificate above is what authenticated)', async () => {
  seen.length = 0;
  const c = ClusterClient.forContext(loadKubeconfig([kubeconfig('nobody', '    {}')]), 't');
  try {
    await assert.rejects(c.request('GET', '/version'), (e: unknown) => e instanceof KubeError && e.kind === 'unauthorized');
    assert.equal(seen[0]?.authorized, false);
  } finally {
    c.dispose();
  }
});

test('OIDC users (auth-provider oidc): a valid id-token is sent as the bearer token', async () => {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const idToken = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iss: 'https://issuer.invalid', sub: 'jane', aud: 'kubernetes', exp: Math.floor(Date.now() / 1000) + 3600 })}.c2lnbmF0dXJl`;
  seen.length = 0;
  const user = `    auth-provider:\n      name: oidc\n      config:\n        client-id: kubernetes\n        idp-issuer-url: https://issuer.invalid\n        id-token: ${idToken}`;
  const c = ClusterClient.forContext(loadKubeconfig([kubeconfig('oidc', user)]), 't');
  try {
    assert.deepEqual(await c.request('GET', '/version'), { gitVersion: 'v1.33.0' });
    assert.equal(seen.length, 1);
    assert.equal(seen[0].authorization, `Bearer ${idToken}`);
  } finally {
    c.dispose();
  }
});
