import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import { ClusterClient, execEndFromStatus, loadKubeconfig } from '../../src/core/cluster/client';
import { KubeError } from '../../src/core/cluster/errors';

// A minimal exec endpoint speaking v5.channel.k8s.io (kubernetes-wire-protocol.md §4): channel byte + payload.
type Behaviour = (ws: WebSocket, url: URL) => void;
const servers: http.Server[] = [];
const dirs: string[] = [];
after(() => {
  servers.forEach((s) => (s.closeAllConnections(), s.close()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function execServer(behaviour: Behaviour, upgradeStatus?: number): Promise<ClusterClient> {
  const server = http.createServer((_q, res) => res.end('{}'));
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (p) => (p.has('v5.channel.k8s.io') ? 'v5.channel.k8s.io' : false) });
  server.on('upgrade', (req, socket, head) => {
    if (upgradeStatus === 0) return; // never answer the upgrade
    if (upgradeStatus) {
      socket.end(`HTTP/1.1 ${upgradeStatus} Nope\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => behaviour(ws, new URL(req.url!, 'http://x')));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const dir = mkdtempSync(join(tmpdir(), 'kc-exec-'));
  dirs.push(dir);
  const f = join(dir, 'kc.yaml');
  writeFileSync(
    f,
    `apiVersion: v1\nkind: Config\ncurrent-context: t\nclusters:\n- name: c\n  cluster: {server: "http://127.0.0.1:${(server.address() as AddressInfo).port}", insecure-skip-tls-verify: true}\nusers:\n- name: u\n  user: {token: tok-123456}\ncontexts:\n- name: t\n  context: {cluster: c, user: u}\n`,
  );
  return ClusterClient.forContext(loadKubeconfig([f]), 't', { timeoutMs: 1500 });
}

const frame = (ch: number, data: string | object) => Buffer.concat([Buffer.from([ch]), Buffer.from(typeof data === 'string' ? data : JSON.stringify(data))]);

test('exec: stdout, stderr and the exit code from the status channel; the command arrives as query values', async () => {
  let cmd: string[] = [];
  const c = await execServer((ws, url) => {
    cmd = url.searchParams.getAll('command');
    ws.send(frame(1, 'out\n'));
    ws.send(frame(2, 'err\n'));
    ws.send(frame(3, { metadata: {}, status: 'Failure', reason: 'NonZeroExitCode', message: 'exit 3', details: { causes: [{ reason: 'ExitCode', message: '3' }] } }));
    ws.close(1000);
  });
  const r = await c.exec('demo', 'p', 'app', ['/bin/sh', '-c', 'echo out; echo err >&2; exit 3']);
  assert.deepEqual(cmd, ['/bin/sh', '-c', 'echo out; echo err >&2; exit 3']);
  assert.equal(r.stdout, 'out\n');
  assert.equal(r.stderr, 'err\n');
  assert.equal(r.exitCode, 3);
  assert.equal(r.end.kind, 'exit');
  assert.equal(c.execCount, 1);
  c.dispose();
});

test('exec: a runtime error (InternalError, no exit code) is told apart from an exit code', async () => {
  const c = await execServer((ws) => {
    ws.send(frame(3, { status: 'Failure', reason: 'InternalError', code: 500, message: 'exec: "/bin/sh": executable file not found in $PATH' }));
    ws.close(1000);
  });
  const r = await c.exec('demo', 'p', 'app', ['/bin/sh']);
  assert.equal(r.end.kind, 'runtime-error');
  assert.equal(r.exitCode, undefined);
  assert.match(r.end.kind === 'runtime-error' ? r.end.message : '', /executable file not found/);
  c.dispose();
});

test('exec: a stream that closes without a status is "closed", with what arrived so far', async () => {
  const c = await execServer((ws) => {
    ws.send(frame(1, 'partial'));
    setTimeout(() => ws.terminate(), 50);
  });
  const r = await c.exec('demo', 'p', 'app', ['cat']);
  assert.equal(r.end.kind, 'closed');
  assert.equal(r.stdout, 'partial');
  c.dispose();
});

test('exec: a command that never ends is cut at the timeout', async () => {
  const c = await execServer(() => undefined);
  const t0 = Date.now();
  const r = await c.exec('demo', 'p', 'app', ['sleep', '1000'], { timeoutMs: 300 });
  assert.equal(r.end.kind, 'closed');
  assert.match(r.end.kind === 'closed' ? r.end.message : '', /did not finish/);
  assert.ok(Date.now() - t0 < 2000);
  c.dispose();
});

test('exec: upgrade refusals are typed (403 forbidden names pods/exec, 404 not found)', async () => {
  const forbidden = await execServer(() => undefined, 403);
  await assert.rejects(forbidden.exec('demo', 'p', 'app', ['sh']), (e: unknown) => e instanceof KubeError && e.kind === 'forbidden' && e.request?.subresource === 'exec' && e.request.namespace === 'demo');
  forbidden.dispose();
  const gone = await execServer(() => undefined, 404);
  await assert.rejects(gone.exec('demo', 'p', 'app', ['sh']), (e: unknown) => e instanceof KubeError && e.kind === 'not-found');
  gone.dispose();
});

test('exec: an upgrade that is never answered times out instead of hanging', async () => {
  const c = await execServer(() => undefined, 0);
  const t0 = Date.now();
  await assert.rejects(c.openExec('demo', 'p', 'app', ['sh'], { openTimeoutMs: 400 }), (e: unknown) => e instanceof KubeError && e.kind === 'timeout');
  assert.ok(Date.now() - t0 < 3000);
  c.dispose();
});

test('execEndFromStatus reads Success, ExitCode causes and runtime errors', () => {
  assert.deepEqual(execEndFromStatus({ status: 'Success' }).kind, 'exit');
  const e = execEndFromStatus({ status: 'Failure', details: { causes: [{ reason: 'ExitCode', message: '127' }] } });
  assert.equal(e.kind === 'exit' && e.exitCode, 127);
  assert.equal(execEndFromStatus({ status: 'Failure', reason: 'InternalError', message: 'boom' }).kind, 'runtime-error');
});
