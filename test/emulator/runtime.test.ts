// The emulator's container runtime through @kubernetes/client-node's Exec (WebSocket, v5 negotiated): exit codes as
// V1Status, stdin end, runtime errors; fault injection (stream cut mid-command, pod deleted during an exec);
// crash-looping and restarted containers; and cleanup: stop() leaves no process and no mount behind.
import { Exec, KubeConfig, type V1Status } from '@kubernetes/client-node';
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import type { KObject } from './contract';
import { startCluster, type Cluster } from './index';
import { kubectl } from './kubectl-util';

let cluster: Cluster;
let kc: KubeConfig;

before(async () => {
  cluster = await startCluster();
  kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  kc.setCurrentContext('demo-admin');
});
after(async () => {
  await cluster?.stop();
});

interface ExecOutcome { status?: V1Status; stdout: string; stderr: string; protocol: string; closedAfterMs: number }

/** One client-node exec; resolves when the socket closes (with or without a status). */
async function nodeExec(pod: string, container: string, command: string[], stdin?: string, onOpen?: () => void): Promise<ExecOutcome> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d) => (stdout += d));
  err.on('data', (d) => (stderr += d));
  let status: V1Status | undefined;
  const started = Date.now();
  const ws = (await new Exec(kc).exec('demo', pod, container, command, out, err, stdin === undefined ? null : Readable.from([stdin]), false, (s) => (status = s))) as unknown as {
    protocol: string;
    readyState: number;
    on(ev: 'close', cb: () => void): void;
  };
  onOpen?.();
  await new Promise<void>((resolve) => (ws.readyState === 3 ? resolve() : ws.on('close', () => resolve())));
  await new Promise((r) => setImmediate(r));
  return { status, stdout, stderr, protocol: ws.protocol, closedAfterMs: Date.now() - started };
}

/** Exit code from a V1Status the way a client must read it (kubernetes-wire-protocol.md §6). */
function exitCode(s: V1Status | undefined): number | 'runtime-error' | 'no-status' {
  if (!s) return 'no-status';
  if (s.status === 'Success') return 0;
  const c = s.details?.causes?.find((x) => x.reason === 'ExitCode');
  return c?.message !== undefined ? Number(c.message) : 'runtime-error';
}

test('client-node Exec: v5 is negotiated; exit codes 0 and 3 and a runtime error come back as V1Status', async () => {
  const ok = await nodeExec('standard-app', 'app', ['sh', '-c', 'echo out; echo err >&2']);
  assert.equal(ok.protocol, 'v5.channel.k8s.io');
  assert.equal(exitCode(ok.status), 0);
  assert.equal(ok.stdout, 'out\n');
  assert.equal(ok.stderr, 'err\n');
  const three = await nodeExec('alpine-app', 'app', ['sh', '-c', 'exit 3']);
  assert.equal(exitCode(three.status), 3);
  assert.equal(three.status?.reason, 'NonZeroExitCode');
  const missing = await nodeExec('distroless-app', 'app', ['sh', '-c', 'true']);
  assert.equal(exitCode(missing.status), 'runtime-error');
  assert.equal(missing.status?.reason, 'InternalError');
  assert.equal(missing.status?.code, 500);
  assert.match(missing.status?.message ?? '', /exec: "sh": executable file not found in \$PATH: unknown$/);
});

test('client-node Exec: stdin arrives whole and its end ([255,0]) lets the command finish', async () => {
  const text = 'a'.repeat(100_000) + '\nlast line without newline';
  const r = await nodeExec('standard-app', 'app', ['sh', '-c', 'wc -c; echo done'], text);
  assert.equal(exitCode(r.status), 0);
  assert.deepEqual(r.stdout.trim().split(/\s+/), [String(Buffer.byteLength(text)), 'done']);
});

test('fault: exec streams are cut mid-command (no status) and the cut process is killed', async () => {
  cluster.setFaults({ cutExecAfterMs: 400 });
  try {
    const r = await nodeExec('multi-app', 'sidecar', ['sh', '-c', 'echo started; sleep 7777; echo never']);
    assert.equal(r.status, undefined, 'a cut stream has no status frame');
    assert.equal(r.stdout, 'started\n');
    assert.ok(r.closedAfterMs < 5000, `cut after ${r.closedAfterMs} ms`);
    const k = await kubectl(cluster.kubeconfigPath, ['exec', 'multi-app', '-n', 'demo', '-c', 'sidecar', '--', 'sleep', '5'], { minor: 33 });
    assert.notEqual(k.code, 0, 'kubectl sees the cut too');
  } finally {
    cluster.setFaults({ cutExecAfterMs: null });
  }
  const ps = await nodeExec('multi-app', 'sidecar', ['ps', '-o', 'args']);
  assert.equal(exitCode(ps.status), 0);
  assert.doesNotMatch(ps.stdout, /sleep 7777/, 'the process of the cut stream was killed');
});

test('fault: a pod deleted during an exec ends the stream with an error status (137: killed)', async () => {
  const web = (cluster.get('pods', 'demo', 'web-7c9d8f6b5d-4xkqp') ? 'web-7c9d8f6b5d-4xkqp' : undefined) ?? assert.fail('Deployment web pod missing');
  let deleting: Promise<void> | undefined;
  const r = await nodeExec(web, 'web', ['sh', '-c', 'echo before; sleep 60'], undefined, () => {
    deleting = new Promise((res) => setTimeout(res, 300)).then(() => cluster.deletePod('demo', web));
  });
  await deleting;
  assert.equal(r.stdout, 'before\n');
  assert.equal(exitCode(r.status), 137);
  assert.ok(r.closedAfterMs < 10_000);
  assert.equal(cluster.get('pods', 'demo', web), undefined);
});

test('stopped-app crash-loops: waiting CrashLoopBackOff with the last exit code, never running', async () => {
  const st = cluster.get('pods', 'demo', 'stopped-app')!.status.containerStatuses[0];
  assert.equal(st.state.waiting?.reason, 'CrashLoopBackOff');
  assert.match(st.state.waiting.message, /^back-off \d+s restarting failed container=app pod=stopped-app_demo\(/);
  assert.equal(st.lastState.terminated.exitCode, 1);
  assert.equal(st.lastState.terminated.reason, 'Error');
  assert.equal(st.ready, false);
  assert.equal(st.state.running, undefined);
});

test('restartContainer: a new first process and a fresh writable layer, restartCount + 1, lastState terminated 137', async () => {
  const mark = await nodeExec('alpine-app', 'app', ['sh', '-c', 'echo before > /tmp/marker; cut -d" " -f22 /proc/1/stat']);
  assert.equal(exitCode(mark.status), 0, mark.stderr);
  const startBefore = mark.stdout.trim();
  const before = cluster.get('pods', 'demo', 'alpine-app')!.status.containerStatuses[0] as KObject;
  await cluster.restartContainer('demo', 'alpine-app', 'app');
  const after = cluster.get('pods', 'demo', 'alpine-app')!.status.containerStatuses[0] as KObject;
  assert.equal(after.restartCount, before.restartCount + 1);
  assert.ok(after.state.running);
  assert.equal(after.lastState.terminated.exitCode, 137);
  const again = await nodeExec('alpine-app', 'app', ['sh', '-c', 'cut -d" " -f22 /proc/1/stat; test -e /tmp/marker && echo marker-survived || echo fresh-layer']);
  assert.equal(exitCode(again.status), 0, again.stderr);
  const [startAfter, layer] = again.stdout.trim().split('\n');
  assert.notEqual(startAfter, startBefore, 'PID 1 is a new process');
  assert.equal(layer, 'fresh-layer', 'a restarted container starts from the image again');
});

/** Host processes whose root directory is inside `dir` (i.e. chrooted container processes of this emulator). */
function processesRootedIn(dir: string): number[] {
  const pids: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (readlinkSync(`/proc/${p}/root`).startsWith(dir)) pids.push(Number(p));
    } catch {}
  }
  return pids;
}

test('stop() kills every container process, leaves no mount and removes the work directory', async () => {
  const dir = cluster.workDir;
  assert.ok(dir && existsSync(dir));
  const running = processesRootedIn(dir);
  assert.ok(running.length >= 10, `expected the demo containers' processes, found ${running.length}`);
  // Mounts live in the containers' private mount namespaces: none in the host's, some in a container's.
  assert.equal(readFileSync('/proc/self/mounts', 'utf8').split('\n').filter((l) => l.includes(dir)).length, 0);
  assert.ok(readFileSync(`/proc/${running[0]}/mounts`, 'utf8').includes(' proc '), 'the container has its own /proc mount');
  await cluster.stop();
  assert.deepEqual(processesRootedIn(dir), []);
  for (const pid of running) assert.equal(existsSync(`/proc/${pid}`), false, `process ${pid} still alive`);
  assert.equal(readFileSync('/proc/self/mounts', 'utf8').split('\n').filter((l) => l.includes(dir)).length, 0);
  assert.equal(existsSync(dir), false);
});

test('an emulator killed with SIGKILL (no cleanup code runs) takes every container process with it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kc-emu-killed-'));
  try {
    const script = `require(${JSON.stringify(join(__dirname, 'index.ts'))}).startCluster({ workDir: ${JSON.stringify(dir)} }).then(() => console.log('UP'), (e) => { console.error(e); process.exit(1); }); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`emulator did not come up:\n${output}`)), 90_000);
      child.stdout.on('data', (d) => { output += d; if (output.includes('UP')) { clearTimeout(t); resolve(); } });
      child.stderr.on('data', (d) => (output += d));
      child.on('exit', (code) => { clearTimeout(t); reject(new Error(`emulator exited ${code}:\n${output}`)); });
    });
    const running = processesRootedIn(dir);
    assert.ok(running.length >= 10, `expected the demo containers' processes, found ${running.length}`);
    child.kill('SIGKILL');
    const end = Date.now() + 5000;
    while (processesRootedIn(dir).length && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(processesRootedIn(dir), [], 'container processes outlived the killed emulator');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
