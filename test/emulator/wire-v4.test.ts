// Issue 3 §1 and §3, checked on the wire: `/version` reports a current Kubernetes, and exec over WebSocket works
// with a client that offers only `v4.channel.k8s.io` (older client-go and other clients; kubectl 1.30+ and
// client-node negotiate v5, tested elsewhere): stdout/stderr on channels 1/2, the exit code in the JSON status on
// channel 3, and a missing executable as the runtime's error.
import { strict as assert } from 'node:assert';
import { get } from 'node:https';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { startCluster, type Cluster } from './index';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await cluster?.stop();
});

function getJson(path: string, token: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    get(`${cluster.url}${path}`, { ca: cluster.caPem, headers: { Authorization: `Bearer ${token}` } }, (res) => {
      let s = '';
      res.on('data', (d) => (s += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(s) }));
    }).on('error', reject);
  });
}

interface WsExec { protocol: string; stdout: string; stderr: string; status?: { status: string; reason?: string; message?: string; details?: { causes?: Array<{ reason: string; message: string }> } } }

function execV4(pod: string, container: string, command: string[]): Promise<WsExec> {
  const q = new URLSearchParams({ container, stdout: 'true', stderr: 'true' });
  for (const c of command) q.append('command', c);
  const url = `${cluster.url.replace(/^https/, 'wss')}/api/v1/namespaces/demo/pods/${pod}/exec?${q}`;
  const ws = new WebSocket(url, ['v4.channel.k8s.io'], { ca: cluster.caPem, headers: { Authorization: `Bearer ${cluster.tokens.admin}` } });
  const r: WsExec = { protocol: '', stdout: '', stderr: '' };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`exec into ${pod} did not end within 20 s`)), 20000);
    ws.on('open', () => (r.protocol = ws.protocol));
    ws.on('message', (data: Buffer) => {
      const body = data.subarray(1).toString('utf8');
      if (data[0] === 1) r.stdout += body;
      else if (data[0] === 2) r.stderr += body;
      else if (data[0] === 3) r.status = JSON.parse(body);
    });
    ws.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    ws.on('close', () => {
      clearTimeout(timer);
      resolve(r);
    });
  });
}

test('/version reports a current Kubernetes (1.27 or newer)', async () => {
  const { status, body } = await getJson('/version', cluster.tokens.readonly);
  assert.equal(status, 200);
  assert.equal(body.major, '1');
  assert.ok(Number(String(body.minor).replace(/\D/g, '')) >= 27, `minor ${body.minor}`);
  assert.match(String(body.gitVersion), /^v1\.\d+\.\d+/);
});

test('WebSocket exec offering only v4.channel.k8s.io: v4 is negotiated, output on channels 1 and 2, exit code in the status', async () => {
  const r = await execV4('standard-app', 'app', ['sh', '-c', 'echo hi; echo oops >&2; exit 3']);
  assert.equal(r.protocol, 'v4.channel.k8s.io');
  assert.equal(r.stdout, 'hi\n');
  assert.equal(r.stderr, 'oops\n');
  assert.equal(r.status?.status, 'Failure');
  assert.equal(r.status?.reason, 'NonZeroExitCode');
  assert.equal(r.status?.details?.causes?.find((c) => c.reason === 'ExitCode')?.message, '3');
  const ok = await execV4('alpine-app', 'app', ['sh', '-c', 'true']);
  assert.equal(ok.status?.status, 'Success');
});

test('WebSocket v4 exec into the shell-less container: the runtime\'s executable-not-found error in the status', async () => {
  const r = await execV4('distroless-app', 'app', ['sh', '-c', 'true']);
  assert.equal(r.status?.status, 'Failure');
  assert.match(r.status?.message ?? '', /executable file not found in \$PATH/);
});
