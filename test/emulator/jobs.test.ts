// batch/v1 Jobs in the emulator (jobs.ts) against real kubectl 1.33 and 1.27: Job → pod with the job controller's
// labels, status counts and conditions (Complete; Failed with BackoffLimitExceeded / DeadlineExceeded), the logs
// subresource with follow, the terminated state's termination message (File and FallbackToLogsOnError), TTL deletion.
// What each check expects is what a real cluster shows; the sources are cited in jobs.ts, runtime/index.ts
// (termination messages), server/subresources.ts (logs) and tables.ts (printJob).
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import type { KObject } from './contract';
import { startCluster, type Cluster } from './index';
import { kubectl } from './kubectl-util';

let cluster: Cluster;
let kc: string;
const k = (args: string[], minor = 33, input?: string) => kubectl(kc, args, { minor, input });

before(async () => {
  cluster = await startCluster();
  kc = cluster.kubeconfigPath;
});
after(async () => {
  await cluster?.stop();
});

function jobYaml(name: string, script: string, spec: KObject = {}, ctr: KObject = {}): string {
  return JSON.stringify({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'demo', labels: { 'app.kubernetes.io/managed-by': 'jobs-test' } },
    spec: { backoffLimit: 0, ...spec, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'demo.local/standard:12', command: ['sh', '-c', script], ...ctr }] } } },
  });
}

async function waitFor<T>(what: string, f: () => T | undefined, ms = 30000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const job = (name: string) => cluster.get('jobs', 'demo', name);
const condition = (name: string, type: string) => (job(name)?.status?.conditions ?? []).find((c: KObject) => c.type === type && c.status === 'True');

test('a Job runs to Complete: pod labels and owner, status, get/describe/logs in kubectl 1.33 and 1.27, termination message, TTL', async () => {
  const created = await k(['create', '-f', '-'], 33, jobYaml('hello', 'echo line one; echo line two; printf "result sha256=abc bytes=3" > /dev/termination-log', { ttlSecondsAfterFinished: 30 }));
  assert.equal(created.code, 0, created.stderr);
  assert.equal(created.stdout.trim(), 'job.batch/hello created');
  const j = job('hello')!;
  assert.deepEqual(j.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': j.metadata.uid } });
  const wait = await k(['wait', '--for=condition=complete', 'job/hello', '-n', 'demo', '--timeout=60s']);
  assert.equal(wait.code, 0, wait.stderr);

  const pods = JSON.parse((await k(['get', 'pods', '-n', 'demo', '-l', 'batch.kubernetes.io/job-name=hello', '-o', 'json'])).stdout).items as KObject[];
  assert.equal(pods.length, 1);
  const pod = pods[0];
  assert.match(pod.metadata.name, /^hello-[a-z0-9]{5}$/);
  assert.equal(pod.metadata.labels['controller-uid'], j.metadata.uid);
  assert.equal(pod.metadata.labels['job-name'], 'hello');
  assert.deepEqual(pod.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'Job', name: 'hello', uid: j.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  assert.equal(pod.metadata.finalizers, undefined, 'the tracking finalizer comes off once the pod is counted');
  assert.equal(pod.status.phase, 'Succeeded');
  const term = pod.status.containerStatuses[0].state.terminated;
  assert.equal(term.exitCode, 0);
  assert.equal(term.reason, 'Completed');
  assert.equal(term.message, 'result sha256=abc bytes=3');

  const st = job('hello')!.status;
  assert.equal(st.succeeded, 1);
  assert.equal(st.failed, undefined);
  assert.equal(st.active, undefined);
  assert.ok(st.completionTime && st.startTime);
  assert.deepEqual(st.conditions.map((c: KObject) => [c.type, c.reason]), [['SuccessCriteriaMet', 'CompletionsReached'], ['Complete', 'CompletionsReached']]);

  for (const minor of [33, 27]) {
    const get = await k(['get', 'job', 'hello', '-n', 'demo'], minor);
    assert.equal(get.code, 0, get.stderr);
    assert.match(get.stdout, /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\n/);
    assert.match(get.stdout, /\nhello\s+Complete\s+1\/1\s+\d+s\s+\d+s\n/);
    const logs = await k(['logs', 'job/hello', '-n', 'demo'], minor);
    assert.equal(logs.code, 0, logs.stderr);
    assert.equal(logs.stdout, 'line one\nline two\n');
    const d = await k(['describe', 'job', 'hello', '-n', 'demo'], minor);
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stdout, /Pods Statuses:\s+0 Active \(0 Ready\) \/ 1 Succeeded \/ 0 Failed/);
    assert.match(d.stdout, /Normal\s+SuccessfulCreate\s+.*job-controller\s+Created pod: hello-[a-z0-9]{5}/);
    assert.match(d.stdout, /Normal\s+Completed\s+.*job-controller\s+Job completed/);
    const gp = await k(['get', 'pods', '-n', 'demo', '-l', 'job-name=hello'], minor);
    assert.match(gp.stdout, /hello-[a-z0-9]{5}\s+0\/1\s+Completed\s+0\s+/);
  }

  // ttlSecondsAfterFinished: 30 — not before, and the Job and its pod are gone after
  cluster.advanceClock(20_000);
  await new Promise((r) => setTimeout(r, 600));
  assert.ok(job('hello'), 'still there 20 s after finishing');
  cluster.advanceClock(11_000);
  await waitFor('TTL deletion', () => !job('hello'), 5000);
  const gone = await k(['get', 'job,pods', '-n', 'demo', '-l', 'job-name=hello', '-o', 'name']);
  assert.equal(gone.stdout.trim(), '');
  const after = await k(['get', 'pods', '-n', 'demo', '-o', 'name']);
  assert.doesNotMatch(after.stdout, /pod\/hello-/);
});

test('a failing pod with backoffLimit 0 fails the Job (BackoffLimitExceeded); FallbackToLogsOnError puts the log tail in the message', async () => {
  const r = await k(['create', '-f', '-'], 33, jobYaml('broken', 'echo about to fail; echo "no auditor here" >&2; exit 3', {}, { terminationMessagePolicy: 'FallbackToLogsOnError' }));
  assert.equal(r.code, 0, r.stderr);
  await waitFor('Failed', () => condition('broken', 'Failed'));
  const st = job('broken')!.status;
  assert.equal(st.failed, 1);
  assert.equal(st.succeeded, undefined);
  assert.deepEqual(st.conditions.map((c: KObject) => [c.type, c.reason, c.message]), [
    ['FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
    ['Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
  ]);
  const pods = await podsOf('broken');
  assert.equal(pods.length, 1, 'no retry with backoffLimit 0');
  const term = pods[0].status.containerStatuses[0].state.terminated;
  assert.equal(term.exitCode, 3);
  assert.equal(term.reason, 'Error');
  assert.equal(term.message, 'about to fail\nno auditor here\n');
  for (const minor of [33, 27]) {
    const get = await k(['get', 'job', 'broken', '-n', 'demo'], minor);
    assert.match(get.stdout, /\nbroken\s+Failed\s+0\/1\s+/);
    const d = await k(['describe', 'job', 'broken', '-n', 'demo'], minor);
    assert.match(d.stdout, /Pods Statuses:\s+0 Active \(0 Ready\) \/ 0 Succeeded \/ 1 Failed/);
    assert.match(d.stdout, /Warning\s+BackoffLimitExceeded\s+.*job-controller\s+Job has reached the specified backoff limit/);
  }
  await k(['delete', 'job', 'broken', '-n', 'demo']);
  await waitFor('pods deleted with the Job', () => !cluster.get('pods', 'demo', pods[0].metadata.name));
});

test('activeDeadlineSeconds: the running pod is deleted and the Job fails with DeadlineExceeded', async () => {
  const r = await k(['create', '-f', '-'], 33, jobYaml('slow', 'echo started; sleep 60', { activeDeadlineSeconds: 2 }));
  assert.equal(r.code, 0, r.stderr);
  let podName = '';
  const until = Date.now() + 20000;
  while (!podName && Date.now() < until) podName = (await podsOf('slow')).find((p) => p.status.phase === 'Running')?.metadata.name ?? '';
  assert.ok(podName, 'the Job pod runs');
  await waitFor('DeadlineExceeded', () => condition('slow', 'Failed'), 15000);
  const st = job('slow')!.status;
  assert.equal(condition('slow', 'Failed').reason, 'DeadlineExceeded');
  assert.equal(condition('slow', 'Failed').message, 'Job was active longer than specified deadline');
  assert.equal(st.failed, 1);
  assert.equal(st.active, undefined);
  assert.equal(cluster.get('pods', 'demo', podName), undefined, 'the active pod was deleted');
  const d = await k(['describe', 'job', 'slow', '-n', 'demo']);
  assert.match(d.stdout, /Warning\s+DeadlineExceeded\s+.*job-controller\s+Job was active longer than specified deadline/);
  assert.match(d.stdout, /Normal\s+SuccessfulDelete\s+.*job-controller\s+Deleted pod: slow-/);
  const get = await k(['get', 'job', 'slow', '-n', 'demo'], 27);
  assert.match(get.stdout, /\nslow\s+Failed\s+0\/1\s+/);
  await k(['delete', 'job', 'slow', '-n', 'demo']);
});

async function podsOf(jobName: string): Promise<KObject[]> {
  const r = await k(['get', 'pods', '-n', 'demo', '-l', `job-name=${jobName}`, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout).items;
}

test('kubectl logs -f follows a Job pod until its container ends; a pod that cannot pull has no log', async () => {
  const r = await k(['create', '-f', '-'], 33, jobYaml('counter', 'for i in 1 2 3 4 5; do echo tick $i; sleep 0.3; done'));
  assert.equal(r.code, 0, r.stderr);
  await k(['wait', '--for=condition=Ready', 'pod', '-l', 'job-name=counter', '-n', 'demo', '--timeout=30s']);
  for (const minor of [33, 27]) {
    const started = Date.now();
    const f = await k(['logs', '-f', 'job/counter', '-n', 'demo'], minor);
    assert.equal(f.code, 0, f.stderr);
    assert.equal(f.stdout, 'tick 1\ntick 2\ntick 3\ntick 4\ntick 5\n');
    assert.ok(Date.now() - started < 20000);
  }
  const bad = await k(['create', '-f', '-'], 33, jobYaml('nopull', 'true', {}, { image: 'fleet.local/no-such/auditor:9.9' }));
  assert.equal(bad.code, 0, bad.stderr);
  let pulled: KObject | undefined;
  const deadline = Date.now() + 20000;
  while (!pulled && Date.now() < deadline) {
    pulled = (await podsOf('nopull')).find((p) => p.status.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff');
  }
  assert.ok(pulled, 'the pod waits in ImagePullBackOff');
  assert.match(pulled.status.containerStatuses[0].state.waiting.message, /^Back-off pulling image "fleet.local\/no-such\/auditor:9.9": ErrImagePull: /);
  const logs = await k(['logs', 'job/nopull', '-n', 'demo']);
  assert.notEqual(logs.code, 0);
  assert.match(logs.stderr, /container "work" in pod "nopull-[a-z0-9]{5}" is waiting to start: trying and failing to pull image/);
  assert.equal(job('nopull')!.status.active, 1, 'a pod that cannot pull stays active (only the deadline ends it)');
  await k(['delete', 'job', 'counter', 'nopull', '-n', 'demo']);
});

test('inside a Job pod kubectl needs no kubeconfig: the service-account token, and RBAC by resourceNames allows exec into the named pod only', async () => {
  const sa = 'exec-one';
  const rbac = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa, namespace: 'demo' } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: sa, namespace: 'demo' }, rules: [{ apiGroups: [''], resources: ['pods'], resourceNames: ['standard-app'], verbs: ['get'] }, { apiGroups: [''], resources: ['pods/exec'], resourceNames: ['standard-app'], verbs: ['get', 'create'] }] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: sa, namespace: 'demo' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: sa }, subjects: [{ kind: 'ServiceAccount', name: sa, namespace: 'demo' }] },
  ];
  for (const o of rbac) assert.equal((await k(['create', '-f', '-'], 33, JSON.stringify(o))).code, 0);
  const script = 'ls /var/run/secrets/kubernetes.io/serviceaccount; kubectl exec standard-app -n demo -- cat /etc/os-release | head -1; kubectl exec alpine-app -n demo -- true; echo "exit=$?"';
  const r = await k(['create', '-f', '-'], 33, jobYaml('in-pod', script, {}, { image: 'fleet.local/kube-compliance/cinc-auditor-double:test', env: [{ name: 'HOME', value: '/tmp' }] }).replace('"restartPolicy":"Never"', `"restartPolicy":"Never","serviceAccountName":"${sa}"`));
  assert.equal(r.code, 0, r.stderr);
  await waitFor('Complete', () => condition('in-pod', 'Complete'), 60000);
  const logs = await k(['logs', 'job/in-pod', '-n', 'demo']);
  assert.match(logs.stdout, /^ca\.crt\nnamespace\ntoken\n/);
  assert.match(logs.stdout, /PRETTY_NAME="Debian GNU\/Linux 12 \(bookworm\)"/);
  assert.match(logs.stdout, /pods "alpine-app" is forbidden: User "system:serviceaccount:demo:exec-one" cannot (get|create) resource "pods(\/exec)?" in API group "" in the namespace "demo"/);
  assert.match(logs.stdout, /exit=1/);
  await k(['delete', 'job/in-pod', 'role/exec-one', 'rolebinding/exec-one', 'serviceaccount/exec-one', '-n', 'demo']);
});
