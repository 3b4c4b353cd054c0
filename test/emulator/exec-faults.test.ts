// Exec faults through the real runtime: streams cut mid-command, a pod deleted during an exec (by the fault switch
// and by the startCluster handle), and the same switches through the admin endpoint of a running emulator.
import { strict as assert } from 'node:assert';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { startCluster, type Cluster } from './index';
import { kubectl } from './kubectl-util';

let cluster: Cluster;
let kc: k8s.KubeConfig;

before(async () => {
  cluster = await startCluster();
  assert.ok(cluster.hasRuntime, 'these tests need the container runtime (root + test/emulator/runtime)');
  kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
});
after(async () => {
  await cluster?.stop();
});

/** client-node exec; resolves with the status (or `closed-without-status`), output and elapsed ms. */
function exec(ns: string, pod: string, ctr: string, command: string[]): Promise<{ status: string; out: string; ms: number }> {
  let out = '';
  const t = Date.now();
  const stdout = new Writable({ write: (c, _e, cb) => ((out += c), cb()) });
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (status: string) => {
      if (done) return;
      done = true;
      resolve({ status, out, ms: Date.now() - t });
    };
    new k8s.Exec(kc).exec(ns, pod, ctr, command, stdout, null, null, false, (s) => finish(s.status ?? 'unknown')).then((ws) => ws.on('close', () => setTimeout(() => finish('closed-without-status'), 200)), reject);
  });
}

async function webPods(): Promise<string[]> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  return (await core.listNamespacedPod({ namespace: 'demo', labelSelector: 'app=web' })).items.map((p) => p.metadata!.name!);
}

test('cutExecAfterMs: the stream is cut mid-command, without a status', async () => {
  const normal = await exec('demo', 'standard-app', 'app', ['sh', '-c', 'echo start; sleep 1; echo done']);
  assert.equal(normal.status, 'Success');
  assert.equal(normal.out, 'start\ndone\n');

  cluster.setFaults({ cutExecAfterMs: 600 });
  try {
    const cut = await exec('demo', 'standard-app', 'app', ['sh', '-c', 'echo start; sleep 4; echo done']);
    assert.equal(cut.status, 'closed-without-status');
    assert.equal(cut.out, 'start\n');
    assert.ok(cut.ms < 3500, `cut after ${cut.ms} ms`);
    const k = await kubectl(cluster.kubeconfigPath, ['exec', 'standard-app', '-n', 'demo', '-c', 'app', '--', 'sh', '-c', 'sleep 4; echo done']);
    assert.notEqual(k.code, 0, 'kubectl reports the broken stream');
    assert.doesNotMatch(k.stdout, /done/);
  } finally {
    cluster.setFaults({ cutExecAfterMs: 0 });
  }
  assert.equal((await exec('demo', 'standard-app', 'app', ['true'])).status, 'Success', 'switch off: streams complete again');
});

test('deletePodDuringExecMs: the pod is deleted while the command runs', async () => {
  const [victim] = await webPods();
  cluster.setFaults({ deletePodDuringExecMs: 500 });
  let r;
  try {
    r = await exec('demo', victim, 'web', ['sh', '-c', 'echo begin; sleep 8; echo end']);
  } finally {
    cluster.setFaults({ deletePodDuringExecMs: 0 });
  }
  assert.equal(r.out.includes('end'), false);
  assert.ok(r.ms < 6000, `exec ended ${r.ms} ms after start`);
  assert.equal(cluster.get('pods', 'demo', victim), undefined);
  const g = await kubectl(cluster.kubeconfigPath, ['get', 'pod', victim, '-n', 'demo']);
  assert.match(g.stderr, new RegExp(`pods "${victim}" not found`));
});

test('the deletePod handle during an exec ends the stream and removes the pod', async () => {
  const [victim] = await webPods();
  const running = exec('demo', victim, 'web', ['sh', '-c', 'sleep 8; echo end']);
  await new Promise((r) => setTimeout(r, 700));
  await cluster.deletePod('demo', victim);
  const r = await running;
  assert.equal(r.out, '');
  assert.ok(r.ms < 6000, `exec ended ${r.ms} ms after start`);
  assert.ok(!(await webPods()).includes(victim));
});
