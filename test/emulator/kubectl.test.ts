// The emulator's API server against the real kubectl (1.33, and 1.27 for an older client): tables, JSON, selectors,
// workloads, authentication, RBAC on exec/debug, SelfSubjectAccessReview (protobuf) and SelfSubjectRulesReview.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { KObject } from './contract';
import { startCluster, type Cluster } from './index';
import { kubectl, scratchDir } from './kubectl-util';

let cluster: Cluster;
let kc: string;
const k = (args: string[], minor?: number) => kubectl(kc, args, { minor });

before(async () => {
  cluster = await startCluster();
  kc = cluster.kubeconfigPath;
});
after(async () => {
  await cluster?.stop();
});

const DEMO_PODS = ['standard-app', 'alpine-app', 'minimal-app', 'distroless-app', 'multi-app', 'shared-pid-app', 'stopped-app', 'windows-app', 'sandboxed-app'];

test('kubectl get pods -n demo prints the server-side table with every demo pod', async () => {
  const r = await k(['get', 'pods', '-n', 'demo']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0], /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
  const rows = new Map(lines.slice(1).map((l) => [l.split(/\s+/)[0], l.split(/\s+/)]));
  for (const p of DEMO_PODS) assert.ok(rows.has(p), `${p} missing from\n${r.stdout}`);
  assert.equal([...rows.keys()].filter((n) => n.startsWith('web-')).length, 3, 'Deployment web has 3 pods');
  assert.equal(rows.get('stopped-app')![2], 'CrashLoopBackOff');
  assert.equal(rows.get('stopped-app')![1], '0/1');
  assert.equal(rows.get('standard-app')![2], 'Running');
  assert.equal(rows.get('multi-app')![1].split('/')[1], '2');

  const wide = await k(['get', 'pods', '-n', 'demo', '-o', 'wide']);
  assert.match(wide.stdout.split('\n')[0], /IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES/);
  assert.match(wide.stdout, /windows-app\s.*demo-windows-1/);
});

test('kubectl get pods -o json returns complete pod objects with deterministic image digests', async () => {
  const r = await k(['get', 'pods', '-n', 'demo', '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const list = JSON.parse(r.stdout);
  assert.equal(list.kind, 'List');
  const pods = new Map(list.items.map((p: { metadata: { name: string } }) => [p.metadata.name, p]));
  const std = pods.get('standard-app') as KObject;
  assert.match(std.metadata.uid, /^[0-9a-f-]{36}$/);
  assert.ok(Date.parse(std.metadata.creationTimestamp));
  assert.equal(std.spec.containers[0].terminationMessagePolicy, 'File');
  assert.equal(std.spec.nodeName, 'demo-linux-1');
  assert.ok(std.status.conditions.some((c: { type: string }) => c.type === 'Ready'));
  const cs = std.status.containerStatuses[0];
  assert.equal(cs.image, 'demo.local/standard:12');
  const digest = createHash('sha256').update('demo.local/standard:12').digest('hex');
  assert.equal(cs.imageID, `docker-pullable://demo.local/standard:12@sha256:${digest}`);
  assert.ok(cs.state.running, 'standard-app is running');
  assert.match(cs.containerID, /^\w+:\/\/[0-9a-f]+$/);
  const multi = pods.get('multi-app') as KObject;
  assert.equal(multi.status.containerStatuses.find((c: { name: string }) => c.name === 'app').imageID, cs.imageID, 'equal images share a digest');
  const shared = pods.get('shared-pid-app') as KObject;
  assert.equal(shared.spec.shareProcessNamespace, true);
  assert.deepEqual(shared.spec.containers.map((c: { name: string }) => c.name), ['app', 'scanner']);
  const win = pods.get('windows-app') as KObject;
  assert.equal(win.spec.nodeName, 'demo-windows-1');
  const one = JSON.parse((await k(['get', 'pod', 'distroless-app', '-n', 'demo', '-o', 'json'])).stdout);
  assert.equal(one.kind, 'Pod');
  assert.equal(one.spec.containers[0].image, 'demo.local/distroless:nonroot');
});

test('nodes carry the standard kubernetes.io/os labels', async () => {
  const r = await k(['get', 'nodes', '-L', 'kubernetes.io/os']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /demo-linux-1\s+Ready\s.*\slinux\s*$/m);
  assert.match(r.stdout, /demo-windows-1\s+Ready\s.*\swindows\s*$/m);
});

test('workloads: Deployment → ReplicaSet → Pod ownerReferences, and the demo-workloads controllers', async () => {
  const dep = JSON.parse((await k(['get', 'deployment', 'web', '-n', 'demo', '-o', 'json'])).stdout);
  assert.equal(dep.spec.replicas, 3);
  const rsList = JSON.parse((await k(['get', 'rs', '-n', 'demo', '-o', 'json'])).stdout).items;
  const rs = rsList.find((x: { metadata: { ownerReferences?: { uid: string }[] } }) => x.metadata.ownerReferences?.[0]?.uid === dep.metadata.uid);
  assert.ok(rs, 'a ReplicaSet owned by web');
  const pods = JSON.parse((await k(['get', 'pods', '-n', 'demo', '-l', 'app=web', '-o', 'json'])).stdout).items;
  assert.equal(pods.length, 3);
  for (const p of pods) assert.equal(p.metadata.ownerReferences[0].uid, rs.metadata.uid);

  const all = await k(['get', 'statefulsets,daemonsets,jobs,cronjobs', '-n', 'demo-workloads', '-o', 'json']);
  assert.equal(all.code, 0, all.stderr);
  const kinds = JSON.parse(all.stdout).items.map((o: { kind: string }) => o.kind);
  for (const kind of ['StatefulSet', 'DaemonSet', 'Job', 'CronJob']) assert.ok(kinds.includes(kind), `${kind} in ${kinds}`);
  const cron = JSON.parse(all.stdout).items.find((o: { kind: string }) => o.kind === 'CronJob');
  const cronJob = JSON.parse(all.stdout).items.find((o: { kind: string; metadata: { ownerReferences?: { uid: string }[] } }) => o.kind === 'Job' && o.metadata.ownerReferences?.[0]?.uid === cron.metadata.uid);
  assert.ok(cronJob, 'a Job owned by the CronJob');
  const table = await k(['get', 'deploy', '-n', 'demo']);
  assert.match(table.stdout, /^web\s+3\/3\s+3\s+3\s/m);
});

test('field and label selectors, all namespaces, NotFound', async () => {
  const done = await k(['get', 'pods', '-A', '--field-selector', 'status.phase=Succeeded', '-o', 'name']);
  assert.equal(done.code, 0, done.stderr);
  assert.deepEqual(done.stdout.trim().split('\n').sort(), ['pod/migrate-q8r5t', 'pod/nightly-report-29410560-hb6wd']);
  const byName = await k(['get', 'pods', '-n', 'demo', '--field-selector', 'metadata.name=alpine-app', '-o', 'name']);
  assert.equal(byName.stdout.trim(), 'pod/alpine-app');
  const onWindows = await k(['get', 'pods', '-A', '--field-selector', 'spec.nodeName=demo-windows-1', '-o', 'name']);
  assert.equal(onWindows.stdout.trim(), 'pod/windows-app');
  const notIn = await k(['get', 'pods', '-n', 'demo-workloads', '-l', 'app notin (db),app', '-o', 'name']);
  assert.deepEqual(notIn.stdout.trim().split('\n'), ['pod/node-agent-x7k2p']);
  const bad = await k(['get', 'pods', '-n', 'demo', '--field-selector', 'spec.bogus=1']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /field label not supported: spec\.bogus/);
  const missing = await k(['get', 'pod', 'nope', '-n', 'demo']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /Error from server \(NotFound\): pods "nope" not found/);
});

test('kubectl 1.27 lists the same table', async () => {
  const r = await k(['get', 'pods', '-n', 'demo'], 27);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^standard-app\s+1\/1\s+Running/m);
});

test('auth can-i (protobuf SelfSubjectAccessReview): demo-admin yes, demo-readonly no', async () => {
  const admin = await k(['auth', 'can-i', 'create', 'pods', '--subresource=exec', '-n', 'demo']);
  assert.equal(admin.stdout.trim(), 'yes');
  assert.equal(admin.code, 0);
  const ro = await k(['--context', 'demo-readonly', 'auth', 'can-i', 'create', 'pods', '--subresource=exec', '-n', 'demo']);
  assert.equal(ro.stdout.trim(), 'no');
  assert.equal(ro.code, 1);
  const roGet = await k(['--context', 'demo-readonly', 'auth', 'can-i', 'list', 'pods', '-n', 'demo']);
  assert.equal(roGet.stdout.trim(), 'yes');
  const roPatch = await k(['--context', 'demo-readonly', 'auth', 'can-i', 'patch', 'pods', '--subresource=ephemeralcontainers', '-n', 'demo']);
  assert.equal(roPatch.stdout.trim(), 'no');
});

test('auth can-i --list (SelfSubjectRulesReview) and auth whoami (SelfSubjectReview)', async () => {
  const list = await k(['--context', 'demo-readonly', 'auth', 'can-i', '--list', '-n', 'demo']);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^pods\s+\[\]\s+\[\]\s+\[get list watch\]/m);
  assert.doesNotMatch(list.stdout, /pods\/exec/);
  const who = await k(['--context', 'demo-readonly', 'auth', 'whoami', '-o', 'json']);
  assert.equal(who.code, 0, who.stderr);
  assert.equal(JSON.parse(who.stdout).status.userInfo.username, 'demo-readonly');
});

test('demo-expired is Unauthorized', async () => {
  const r = await k(['--context', 'demo-expired', 'get', 'pods', '-n', 'demo']);
  assert.equal(r.code, 1);
  // With a cold discovery cache kubectl reports the 401 of discovery; with a warm one the 401 of the list.
  assert.match(r.stderr, /You must be logged in to the server \((Unauthorized|the server has asked for the client to provide credentials)\)/);
  const cacheDir = mkdtempSync(join(scratchDir(), 'cache-'));
  assert.equal((await kubectl(kc, ['get', 'ns'], { cacheDir })).code, 0);
  const warm = await kubectl(kc, ['--context', 'demo-expired', 'get', 'pods', '-n', 'demo'], { cacheDir });
  assert.equal(warm.code, 1);
  assert.equal(warm.stderr.trim(), 'error: You must be logged in to the server (Unauthorized)');
});

test('demo-readonly: exec and kubectl debug are Forbidden', async () => {
  const ex = await k(['--context', 'demo-readonly', 'exec', 'standard-app', '-n', 'demo', '-c', 'app', '--', 'true']);
  assert.equal(ex.code, 1);
  assert.match(ex.stderr, /pods "standard-app" is forbidden: User "demo-readonly" cannot (create|get) resource "pods\/exec" in API group "" in the namespace "demo"/);
  const dbg = await k(['--context', 'demo-readonly', 'debug', 'distroless-app', '-n', 'demo', '--image=busybox:1.36.1-musl', '--target=app', '--attach=false', '--', 'sleep', '3600']);
  assert.equal(dbg.code, 1);
  assert.match(dbg.stderr, /pods "distroless-app" is forbidden: User "demo-readonly" cannot patch resource "pods\/ephemeralcontainers" in API group "" in the namespace "demo"/);
  const pod = cluster.get('pods', 'demo', 'distroless-app')!;
  assert.equal((pod.spec.ephemeralContainers ?? []).length, 0, 'no ephemeral container was added');
});

test('exec into an unknown container or a completed pod fails like a real API server', async () => {
  const nope = await k(['exec', 'standard-app', '-n', 'demo', '-c', 'nope', '--', 'true']);
  assert.notEqual(nope.code, 0);
  assert.match(nope.stderr, /container nope is not valid for pod standard-app/);
  const done = await k(['exec', 'migrate-q8r5t', '-n', 'demo-workloads', '--', 'true']);
  assert.notEqual(done.code, 0);
  assert.match(done.stderr, /cannot exec into a container in a completed pod; current phase is Succeeded/);
});

test('kubectl apply (client-side and --server-side), delete -f', async () => {
  const dir = mkdtempSync(join(scratchDir(), 'apply-'));
  const file = join(dir, 'cm.yaml');
  const write = (v: string) => writeFileSync(file, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n  namespace: demo\ndata:\n  key: "${v}"\n`);
  write('1');
  const a1 = await k(['apply', '-f', file]);
  assert.equal(a1.code, 0, a1.stderr);
  assert.equal(a1.stdout.trim(), 'configmap/applied created');
  write('2');
  const a2 = await k(['apply', '-f', file]);
  assert.equal(a2.stdout.trim(), 'configmap/applied configured');
  write('3');
  const a3 = await k(['apply', '--server-side', '-f', file]);
  assert.equal(a3.code, 0, a3.stderr);
  const got = await k(['get', 'configmap', 'applied', '-n', 'demo', '-o', 'jsonpath={.data.key}']);
  assert.equal(got.stdout, '3');
  const del = await k(['delete', '-f', file]);
  assert.equal(del.stdout.trim(), 'configmap "applied" deleted');
  assert.equal(cluster.get('configmaps', 'demo', 'applied'), undefined);
});

test('pod lifecycle events: kubectl describe shows Scheduled and the BackOff of stopped-app; get events prints a table', async () => {
  const deadline = Date.now() + 30000;
  let out = '';
  while (Date.now() < deadline) {
    out = (await k(['describe', 'pod', 'stopped-app', '-n', 'demo'])).stdout;
    if (/BackOff/.test(out)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.match(out, /Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned demo\/stopped-app to demo-linux-1/);
  assert.match(out, /Warning\s+BackOff\s+\S+.*kubelet\s+Back-off restarting failed container app in pod stopped-app_demo\(/);
  const std = (await k(['describe', 'pod', 'standard-app', '-n', 'demo'])).stdout;
  assert.match(std, /Normal\s+Started\s+\S+\s+kubelet\s+Started container app/);
  const ev = await k(['get', 'events', '-n', 'demo', '--field-selector', 'involvedObject.name=standard-app']);
  assert.equal(ev.code, 0, ev.stderr);
  assert.match(ev.stdout.split('\n')[0], /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
  assert.match(ev.stdout, /Normal\s+Started\s+pod\/standard-app\s+Started container app/);
});

test('impersonation (--as): allowed for demo-admin and evaluated as the impersonated user; refused for demo-readonly', async () => {
  const asRo = await k(['auth', 'can-i', 'create', 'pods', '--subresource=exec', '-n', 'demo', '--as=demo-readonly']);
  assert.equal(asRo.stdout.trim(), 'no');
  const asRoList = await k(['get', 'pods', '-n', 'demo', '-o', 'name', '--as=demo-readonly']);
  assert.equal(asRoList.code, 0, asRoList.stderr);
  const asRoDelete = await k(['delete', 'pod', 'standard-app', '-n', 'demo', '--as=demo-readonly']);
  assert.match(asRoDelete.stderr, /pods "standard-app" is forbidden: User "demo-readonly" cannot delete resource "pods" in API group "" in the namespace "demo"/);
  const asMasters = await k(['auth', 'can-i', 'create', 'pods', '--subresource=exec', '-n', 'demo', '--as=someone', '--as-group=system:masters']);
  assert.equal(asMasters.stdout.trim(), 'yes');
  const cacheDir = mkdtempSync(join(scratchDir(), 'cache-'));
  assert.equal((await kubectl(kc, ['--context', 'demo-readonly', 'get', 'ns'], { cacheDir })).code, 0);
  const byRo = await kubectl(kc, ['--context', 'demo-readonly', 'get', 'pods', '-n', 'demo', '--as=demo-admin'], { cacheDir });
  assert.equal(byRo.code, 1);
  assert.match(byRo.stderr, /users "demo-admin" is forbidden: User "demo-readonly" cannot impersonate resource "users" in API group "" at the cluster scope/);
});

test('kubectl logs: the container output kept by the runtime, --tail, --previous, CrashLoopBackOff', async () => {
  assert.ok(cluster.hasRuntime, 'needs the container runtime');
  const run = await k(['run', 'printer', '-n', 'demo', '--image=demo.local/alpine:3.20', '--restart=Never', '--', 'sh', '-c', 'echo line-1; echo line-2; echo line-3']);
  assert.equal(run.code, 0, run.stderr);
  const deadline = Date.now() + 30000;
  while (cluster.get('pods', 'demo', 'printer')?.status?.phase !== 'Succeeded' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 300));
  assert.equal(cluster.get('pods', 'demo', 'printer')?.status?.phase, 'Succeeded');
  assert.equal((await k(['logs', 'printer', '-n', 'demo'])).stdout, 'line-1\nline-2\nline-3\n');
  assert.equal((await k(['logs', 'printer', '-n', 'demo', '--tail=2'])).stdout, 'line-2\nline-3\n');
  const crash = await k(['logs', 'stopped-app', '-n', 'demo']);
  assert.equal(crash.code, 0, crash.stderr);
  assert.match(crash.stdout, /config file \/etc\/app\/config\.yaml not found/);
  const noPrev = await k(['logs', 'standard-app', '-n', 'demo', '--previous']);
  assert.equal(noPrev.code, 1);
  assert.match(noPrev.stderr, /previous terminated container "app" in pod "standard-app" not found/);
});
