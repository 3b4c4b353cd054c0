// The in-cluster runner (src/core/incluster/runner.ts) against the emulator's demo cluster: the scan Job runs the
// emulator's auditor image (test/emulator/auditor-image.ts: the TEST DOUBLE auditor with real kubectl and MITRE's
// transport style), which reaches the API through the pod's service-account token, scans standard-app through
// pods/exec allowed by the Role's resourceNames only, and streams the sealed report back through the pod's log.
// Then the bad inputs: an auditor image that cannot be pulled, a Job over its deadline, a log that was cut or altered
// (the emulator's cut-log-after-bytes / corrupt-log-at faults), a refusal to create the Job (RBAC, as a quota would)
// — each a per-target error, no report, and nothing labelled left behind.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ClusterClient, loadKubeconfig } from '../../src/core/cluster/client';
import { archiveFolder } from '../../src/core/incluster/archive';
import { RUN_LABEL, type ScanUnitSpec } from '../../src/core/incluster/manifests';
import { runInClusterUnit } from '../../src/core/incluster/runner';
import { AUDITOR_DOUBLE_IMAGE } from '../emulator/auditor-image';
import { labelledObjects } from '../emulator/labelled';
import { startCluster, type Cluster } from '../emulator/index';

const PROFILE = join(__dirname, '..', 'fixtures', 'profiles', 'demo-baseline');
let cluster: Cluster;
let admin: ClusterClient;
let runs = 0;

before(async () => {
  cluster = await startCluster();
  admin = ClusterClient.forContext(loadKubeconfig([cluster.kubeconfigPath]), 'demo-admin');
});
after(async () => {
  admin?.dispose();
  await cluster?.stop();
});

function unit(over: Partial<ScanUnitSpec> = {}): ScanUnitSpec {
  return {
    runId: `it${++runs}${Date.now().toString(36).slice(-4)}`,
    index: 0,
    target: { namespace: 'demo', pod: 'standard-app', container: 'app' },
    auditorImage: AUDITOR_DOUBLE_IMAGE,
    profile: { kind: 'archive', fileName: 'profile.tar.gz', data: archiveFolder(PROFILE) },
    activeDeadlineSeconds: 120,
    ...over,
  };
}

/** Every object the run labelled, in the scanner namespace (all kinds the runner creates). */
async function labelled(runId: string): Promise<string[]> {
  return labelledObjects(admin, 'demo', `${RUN_LABEL}=${runId}`);
}

test('a full in-cluster scan: Job with the auditor image, token-authenticated exec into the target, verified report, everything deleted', async () => {
  const spec = unit();
  const seen: Record<string, unknown> = {};
  const started = Date.now();
  const r = await runInClusterUnit(admin, spec, {
    pollMs: 200,
    onPhase: (phase) => {
      if (phase === 'running' && !seen.role) {
        // while the Job runs: the objects exist, labelled, and the Role names the one pod
        void Promise.all([
          admin.request<{ rules: unknown[] }>('GET', `/apis/rbac.authorization.k8s.io/v1/namespaces/demo/roles/kc-scan-${spec.runId}-0`).then((x) => (seen.role = x.rules)),
          labelled(spec.runId).then((l) => (seen.during = l)),
        ]);
      }
    },
  });
  assert.equal(r.outcome, 'done', r.message);
  assert.match(r.message!, /sha256 verified/);
  assert.deepEqual(r.leftBehind, []);
  const report = JSON.parse(r.report!.toString());
  assert.equal(report.platform.name, 'debian', 'the double read the TARGET\'s os-release through kubectl exec');
  const controls = report.profiles[0].controls as { id: string; results: { status: string }[] }[];
  assert.ok(controls.length >= 2);
  assert.ok(controls.flatMap((c) => c.results).some((x) => x.status === 'passed'), JSON.stringify(controls.map((c) => [c.id, c.results.map((x) => x.status)])));
  assert.deepEqual(seen.role, [
    { apiGroups: [''], resources: ['pods'], resourceNames: ['standard-app'], verbs: ['get'] },
    { apiGroups: [''], resources: ['pods/exec'], resourceNames: ['standard-app'], verbs: ['get', 'create'] },
  ]);
  assert.ok((seen.during as string[]).includes(`Job/kc-scan-${spec.runId}-0`), String(seen.during));
  assert.deepEqual(await labelled(spec.runId), [], 'nothing labelled is left');
  console.log(`in-cluster scan of demo/standard-app/app: ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

test('an auditor image that cannot be pulled fails the target at once with what to check, nothing left', async () => {
  const spec = unit({ auditorImage: 'fleet.local/kube-compliance/no-such-auditor:1' });
  const started = Date.now();
  const r = await runInClusterUnit(admin, spec, { pollMs: 200 });
  assert.equal(r.outcome, 'failed');
  assert.match(r.message!, /The auditor image fleet.local\/kube-compliance\/no-such-auditor:1 cannot be pulled \(ImagePullBackOff: Back-off pulling image/);
  assert.match(r.message!, /kubeCompliance.inCluster.auditorImage/);
  assert.equal(r.report, undefined);
  assert.ok(Date.now() - started < 20000, 'not left to the deadline');
  assert.deepEqual(await labelled(spec.runId), []);
});

test('a Job over activeDeadlineSeconds is reported as such; no report, nothing left', async () => {
  const spec = unit({ activeDeadlineSeconds: 1 });
  const r = await runInClusterUnit(admin, spec, { pollMs: 200 });
  assert.equal(r.outcome, 'failed', r.message);
  assert.match(r.message!, /did not finish within activeDeadlineSeconds \(1 s\)/);
  assert.equal(r.report, undefined);
  assert.deepEqual(await labelled(spec.runId), []);
});

test('a cut log and an altered log are refused against the seal; nothing left', async () => {
  try {
    cluster.setFaults({ cutLogAfterBytes: 300 });
    const cut = unit();
    const r1 = await runInClusterUnit(admin, cut, { pollMs: 200 });
    assert.equal(r1.outcome, 'failed');
    assert.match(r1.message!, /log was cut/);
    assert.equal(r1.report, undefined);
    assert.deepEqual(await labelled(cut.runId), []);

    cluster.setFaults({ cutLogAfterBytes: null as unknown as number, corruptLogAt: 120 });
    const bad = unit();
    const r2 = await runInClusterUnit(admin, bad, { pollMs: 200 });
    assert.equal(r2.outcome, 'failed');
    assert.match(r2.message!, /not accepted/);
    assert.equal(r2.report, undefined);
    assert.deepEqual(await labelled(bad.runId), []);
  } finally {
    cluster.setFaults({ cutLogAfterBytes: null as unknown as number, corruptLogAt: null as unknown as number });
  }
});

test('a refused Job (the user may not create Jobs, as a quota would refuse it) fails the target and deletes what was created', async () => {
  // demo-readonly may create nothing: the first object is refused
  const ro = ClusterClient.forContext(loadKubeconfig([cluster.kubeconfigPath]), 'demo-readonly');
  try {
    const spec = unit();
    const r = await runInClusterUnit(ro, spec, { pollMs: 200 });
    assert.equal(r.outcome, 'failed');
    assert.match(r.message!, /The cluster refused to create the scan's ServiceAccount demo\/kc-scan-/);
    assert.match(r.message!, /README "In-cluster runner"/);
    assert.deepEqual(await labelled(spec.runId), []);
  } finally {
    ro.dispose();
  }
});

test('Cancel mid-run stops the Job and deletes every labelled object', async () => {
  const spec = unit();
  const ac = new AbortController();
  const p = runInClusterUnit(admin, spec, { pollMs: 100, signal: ac.signal, onPhase: (ph) => (ph === 'pending' || ph === 'running' ? ac.abort() : undefined) });
  const r = await p;
  assert.equal(r.outcome, 'cancelled');
  assert.equal(r.report, undefined);
  assert.deepEqual(await labelled(spec.runId), []);
});

test('a ResourceQuota that refuses the Job: a per-target error naming the quota, and the objects made before it are deleted', async () => {
  await admin.request('POST', '/api/v1/namespaces', { body: { metadata: { name: 'scans-quota' } } });
  await admin.request('POST', '/api/v1/namespaces/scans-quota/resourcequotas', { body: { metadata: { name: 'no-jobs' }, spec: { hard: { 'count/jobs.batch': '0' } } } });
  try {
    const spec = unit({ scannerNamespace: 'scans-quota' });
    const r = await runInClusterUnit(admin, spec, { pollMs: 200 });
    assert.equal(r.outcome, 'failed');
    assert.match(r.message!, /refused to create the scan's Job scans-quota\/kc-scan-/);
    assert.match(r.message!, /exceeded quota: no-jobs, requested: count\/jobs\.batch=1, used: count\/jobs\.batch=0, limited: count\/jobs\.batch=0/);
    assert.deepEqual(await labelled(spec.runId), [], 'Role and RoleBinding in demo deleted');
    const left = await admin.list<{ metadata: { name: string } }>('/api/v1/namespaces/scans-quota/configmaps', { query: { labelSelector: `${RUN_LABEL}=${spec.runId}` } });
    assert.deepEqual(left.items, [], 'ConfigMap in the scanner namespace deleted');
    const sas = await admin.list<{ metadata: { name: string } }>('/api/v1/namespaces/scans-quota/serviceaccounts', { query: { labelSelector: `${RUN_LABEL}=${spec.runId}` } });
    assert.deepEqual(sas.items, []);
  } finally {
    await admin.request('DELETE', '/api/v1/namespaces/scans-quota');
  }
});

test('a scanner namespace whose Pod Security level refuses the scan pod: the Job controller\'s FailedCreate becomes the per-target error', async () => {
  await admin.request('POST', '/api/v1/namespaces', { body: { metadata: { name: 'scans-restricted', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } } });
  try {
    const spec = unit({ scannerNamespace: 'scans-restricted' });
    const r = await runInClusterUnit(admin, spec, { pollMs: 200 });
    assert.equal(r.outcome, 'failed');
    assert.match(r.message!, /The Job controller could not create the scan pod for demo\/standard-app: Error creating: pods "kc-scan-[a-z0-9]+-0-[a-z0-9]{5}" is forbidden: violates PodSecurity "restricted:latest"/);
    const jobs = await admin.list<{ metadata: { name: string } }>('/apis/batch/v1/namespaces/scans-restricted/jobs', { query: { labelSelector: `${RUN_LABEL}=${spec.runId}` } });
    assert.deepEqual(jobs.items, [], 'no Job left');
  } finally {
    await admin.request('DELETE', '/api/v1/namespaces/scans-restricted');
  }
});
