// The fleet scenario (fleet.ts; issue 15 §7) with the real kubectl: 200 running containers over 40 image digests in
// 10 namespaces, what `kubectl get pods -A` shows, label selectors, the imageIDs (several tags on one digest, one tag
// on two digests mid-rollout), exec into containers on different digests (each sees its own image's files), the
// containers that cannot be scanned and kubectl's message for each, a clean stop, and `npm run cluster -- --scenario
// fleet` with other sizes. Needs root (every container is a real process).
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { KObject } from './contract';
import { startCluster, type Cluster } from './index';
import { kubectl, scratchDir } from './kubectl-util';

let cluster: Cluster;
let stopped = false;
const k = (args: string[], opts: { minor?: number; kubeconfig?: string } = {}) => kubectl(opts.kubeconfig ?? cluster.kubeconfigPath, args, { minor: opts.minor ?? 33, timeoutMs: 90_000 });

async function json(args: string[]): Promise<KObject> {
  const r = await k([...args, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

interface Row { ns: string; pod: string; ctr: string; image: string; imageID: string; running: boolean; waiting?: KObject; shell: boolean }

/** Every container of every pod, as the list reports it. */
function containers(pods: KObject[]): Row[] {
  return pods.flatMap((p) =>
    (p.status.containerStatuses ?? []).map((s: KObject) => {
      const spec = p.spec.containers.find((c: KObject) => c.name === s.name);
      return { ns: p.metadata.namespace, pod: p.metadata.name, ctr: s.name, image: spec.image, imageID: s.imageID, running: !!s.state.running, waiting: s.state.waiting, shell: spec.securityContext?.runAsUser !== 65532 };
    }),
  );
}

/** Processes whose root or cwd lies under `dir`, and mount points under it. */
function leftovers(dir: string): { pids: number[]; mounts: string[] } {
  const pids: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    for (const link of ['root', 'cwd']) {
      try {
        if (readlinkSync(`/proc/${e}/${link}`).startsWith(dir)) pids.push(Number(e));
      } catch {}
    }
  }
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m && m.startsWith(dir));
  return { pids: [...new Set(pids)], mounts };
}

before(async () => {
  cluster = await startCluster({ scenario: 'fleet' });
  // The crashing containers are reported running only if their process outlived 250 ms (not under a loaded start):
  // wait until both reached CrashLoopBackOff.
  const crashing = [['identity', 'log-shipper'], ['messaging', 'notifier']];
  const deadline = Date.now() + 30_000;
  for (;;) {
    const list = await json(['get', 'pods', '-A', '-l', 'app in (sessions,notifier)']);
    const states = containers(list.items).filter((c) => crashing.some(([ns, ctr]) => c.ns === ns && c.ctr === ctr));
    if (states.length === 2 && states.every((s) => s.waiting?.reason === 'CrashLoopBackOff')) break;
    assert.ok(Date.now() < deadline, `the crashing containers never reached CrashLoopBackOff: ${JSON.stringify(states)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
});
after(async () => {
  if (!stopped) await cluster?.stop();
});

test('kubectl get pods -A: 10 namespaces, 200 ready containers, and the four that cannot run with their STATUS and phase', async () => {
  const r = await k(['get', 'pods', '-A', '--no-headers', '-L', 'app']);
  assert.equal(r.code, 0, r.stderr);
  // NAMESPACE NAME READY STATUS RESTARTS AGE APP
  const rows = r.stdout.trim().split('\n').map((l) => l.split(/\s+/));
  assert.equal(rows.length, 176, '27 pods of the fixed workloads + 149 generated');
  assert.equal(new Set(rows.map((x) => x[0])).size, 10);
  assert.equal(rows.reduce((a, x) => a + Number(x[2].split('/')[0]), 0), 200, 'READY: 200 containers');
  const byStatus: Record<string, string[]> = {};
  for (const x of rows) (byStatus[x[3]] ??= []).push(`${x[0]}/${x[x.length - 1]}`);
  assert.deepEqual(Object.keys(byStatus).sort(), ['Completed', 'CrashLoopBackOff', 'ImagePullBackOff', 'Running']);
  assert.deepEqual(byStatus.CrashLoopBackOff.sort(), ['identity/sessions', 'messaging/notifier']);
  assert.deepEqual(byStatus.ImagePullBackOff, ['search/indexer']);
  assert.deepEqual(byStatus.Completed, ['platform/cert-check']);
  assert.equal(rows.find((x) => x[1].startsWith('sessions-'))?.[2], '1/2', 'sessions: app ready, sidecar not');

  const list = await json(['get', 'pods', '-A']);
  const phases: Record<string, number> = {};
  for (const p of list.items) phases[p.status.phase] = (phases[p.status.phase] ?? 0) + 1;
  assert.deepEqual(phases, { Running: 174, Pending: 1, Succeeded: 1 });
  const all = containers(list.items);
  assert.equal(all.filter((c) => c.running).length, 200);
  assert.equal(all.length, 204);
  assert.equal(new Set(list.items.map((p: KObject) => p.spec.nodeName)).size, 3, 'spread over the three Linux nodes');
});

test('label selectors: app/tier/team on every pod, selections as the labels say, owner chains pod → ReplicaSet → Deployment', async () => {
  const list = await json(['get', 'pods', '-A']);
  for (const p of list.items) {
    for (const key of ['app', 'tier', 'team']) assert.ok(p.metadata.labels?.[key], `${p.metadata.namespace}/${p.metadata.name} has label ${key}`);
    assert.equal(p.metadata.labels.team, p.metadata.namespace);
    assert.equal(p.metadata.ownerReferences?.filter((o: KObject) => o.controller).length, 1, `${p.metadata.name} has one controller`);
  }
  const names = (items: KObject[]) => items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort();
  const expect = (pred: (l: Record<string, string>, ns: string) => boolean) => names(list.items.filter((p: KObject) => pred(p.metadata.labels, p.metadata.namespace)));
  const cases: [string[], (l: Record<string, string>, ns: string) => boolean][] = [
    [['-A', '-l', 'tier=frontend'], (l) => l.tier === 'frontend'],
    [['-A', '-l', 'team in (payments,identity),tier!=worker'], (l) => ['payments', 'identity'].includes(l.team) && l.tier !== 'worker'],
    [['-A', '-l', '!pod-template-hash'], (l) => !('pod-template-hash' in l)],
    [['-n', 'observability', '-l', 'tier=infra'], (l, ns) => ns === 'observability' && l.tier === 'infra'],
  ];
  for (const [args, pred] of cases) {
    const got = await json(['get', 'pods', ...args]);
    const want = expect(pred);
    assert.ok(want.length > 0, `${args.join(' ')} selects something`);
    assert.deepEqual(names(got.items), want, `kubectl get pods ${args.join(' ')}`);
  }
  const exporters = await json(['get', 'pods', '-A', '-l', 'app=node-exporter']);
  assert.deepEqual(exporters.items.map((p: KObject) => p.spec.nodeName).sort(), ['demo-linux-1', 'demo-linux-2', 'demo-linux-3'], 'a DaemonSet: one pod per Linux node');

  const rollout = (await json(['get', 'pods', '-n', 'checkout', '-l', 'app=checkout-api'])).items;
  assert.equal(rollout.length, 4);
  const rsets = (await json(['get', 'replicasets', '-n', 'checkout', '-l', 'app=checkout-api'])).items;
  const dep = (await json(['get', 'deployment', 'checkout-api', '-n', 'checkout']));
  assert.equal(rsets.length, 2);
  assert.deepEqual(rsets.map((r: KObject) => r.metadata.annotations['deployment.kubernetes.io/revision']).sort(), ['1', '2']);
  for (const p of rollout) {
    const rs = rsets.find((r: KObject) => r.metadata.uid === p.metadata.ownerReferences[0].uid);
    assert.ok(rs, 'owned by one of the two ReplicaSets');
    assert.equal(p.metadata.labels['pod-template-hash'], rs.metadata.labels['pod-template-hash']);
    assert.equal(rs.metadata.ownerReferences[0].uid, dep.metadata.uid);
  }
  assert.equal(dep.status.updatedReplicas, 2, 'mid-rollout: 2 of 4 updated');
});

test('imageIDs: 40 distinct digests (containerd form), several tags on one digest, one tag on two digests mid-rollout', async () => {
  const r = await k(['get', 'pods', '-A', '-o', 'jsonpath={range .items[*]}{range .status.containerStatuses[*]}{.imageID}{"\\n"}{end}{end}']);
  assert.equal(r.code, 0, r.stderr);
  const ids = r.stdout.split('\n').filter(Boolean);
  assert.equal(ids.length, 203, '204 containers, one never pulled (imageID "")');
  for (const id of ids) assert.match(id, /^fleet\.local\/[a-z0-9/-]+@sha256:[0-9a-f]{64}$/);
  assert.equal(new Set(ids).size, 40);
  assert.equal(new Set(ids.map((i) => i.split('@')[1])).size, 40);

  const all = containers((await json(['get', 'pods', '-A'])).items);
  assert.equal(new Set(all.filter((c) => c.running).map((c) => c.imageID)).size, 40, 'every digest has a running container');
  const tagsPerDigest = new Map<string, Set<string>>();
  for (const c of all) if (c.imageID) tagsPerDigest.set(c.imageID, (tagsPerDigest.get(c.imageID) ?? new Set()).add(c.image));
  const web = [...tagsPerDigest.entries()].find(([id]) => id.startsWith('fleet.local/storefront/web@'));
  assert.deepEqual([...(web?.[1] ?? [])].sort(), ['fleet.local/storefront/web:5.2', 'fleet.local/storefront/web:latest']);
  const shipper = [...tagsPerDigest.entries()].find(([id]) => id.startsWith('fleet.local/observability/log-shipper@'));
  assert.ok(shipper && shipper[1].size >= 3, `log-shipper runs under several references: ${[...(shipper?.[1] ?? [])].join(', ')}`);
  assert.ok([...shipper[1]].some((ref) => ref === shipper[0]), 'one of them pinned by digest');
  const digestsPerTag = new Map<string, Set<string>>();
  for (const c of all) if (c.imageID) digestsPerTag.set(c.image, (digestsPerTag.get(c.image) ?? new Set()).add(c.imageID));
  const twoDigests = [...digestsPerTag.entries()].filter(([, ds]) => ds.size > 1).map(([tag]) => tag);
  assert.deepEqual(twoDigests, ['fleet.local/checkout/api:2.4'], 'deduplicating by tag would be wrong here');
});

test('kubectl exec into containers on different digests: each sees its own image (build-info, app.conf and its mode)', async () => {
  const all = containers((await json(['get', 'pods', '-A'])).items).filter((c) => c.running);
  const seen = new Set<string>();
  const sample: Row[] = [];
  // both digests of the rollout, the web digest under two tags, then one container per further digest and namespace
  for (const c of all.filter((x) => x.pod.startsWith('checkout-api-'))) if (!seen.has(c.imageID) && seen.add(c.imageID)) sample.push(c);
  sample.push(...all.filter((c) => c.pod.startsWith('web-')).filter((c, i, a) => a.findIndex((x) => x.image === c.image) === i));
  const nsSeen = new Set<string>();
  for (const c of all) if (c.shell && !seen.has(c.imageID) && !nsSeen.has(c.ns) && seen.add(c.imageID) && nsSeen.add(c.ns)) sample.push(c);
  assert.ok(sample.length >= 12, `a sample across digests and namespaces (${sample.length})`);
  const outputs = new Map<string, string>();
  for (const c of sample) {
    const r = await k(['exec', '-n', c.ns, c.pod, '-c', c.ctr, '--', 'sh', '-c', 'cat /etc/build-info /etc/app/app.conf; stat -c %a /etc/app/app.conf; hostname']);
    assert.equal(r.code, 0, `${c.ns}/${c.pod}/${c.ctr}: ${r.stderr}`);
    const image = cluster.images.byImageID(c.imageID);
    assert.ok(image, `the registry knows ${c.imageID}`);
    const files = Object.fromEntries(image.files.map((f) => [f.path, f]));
    const conf = files['/etc/app/app.conf'];
    assert.equal(r.stdout, `${files['/etc/build-info'].content}${conf.content}${(conf.mode ?? 0o644).toString(8)}\n${c.pod}\n`, `${c.ns}/${c.pod}: the files of ${c.imageID}`);
    assert.match(r.stdout, new RegExp(`^IMAGE=${c.imageID.split('@')[0]}$`, 'm'));
    outputs.set(c.imageID, r.stdout.replace(/\n[^\n]+\n$/, ''));
  }
  const rollout = sample.slice(0, 2).map((c) => outputs.get(c.imageID) as string);
  const old = rollout.find((o) => /^VERSION=2\.4\.0$/m.test(o)) as string;
  const cur = rollout.find((o) => /^VERSION=2\.4\.1$/m.test(o)) as string;
  assert.ok(old && cur, `the rollout's two digests are builds 2.4.0 and 2.4.1: ${rollout.join('\n---\n')}`);
  assert.match(old, /^tls_min_version = 1\.0$/m);
  assert.match(old, /^666$/m, 'the legacy build has a world-writable config');
  assert.match(cur, /^tls_min_version = 1\.2$/m);
  assert.match(cur, /^644$/m);

  const os = await k(['exec', '-n', 'data', 'redis-0', '--', 'cat', '/etc/os-release']);
  assert.match(os.stdout, /^ID=alpine$/m, 'alpine-based images run on the alpine template');
  const ledger = all.find((c) => c.pod.startsWith('ledger-')) as Row;
  const shellless = await k(['exec', '-n', ledger.ns, ledger.pod, '--', 'cat', '/etc/build-info']);
  assert.equal(shellless.code, 1);
  assert.match(shellless.stderr, /OCI runtime exec failed: exec failed: unable to start container process: exec: "cat": executable file not found in \$PATH: unknown/);
});

test('containers that cannot be scanned: each refuses exec with the message kubectl prints for it', async () => {
  const list = (await json(['get', 'pods', '-A'])).items;
  const podOf = (ns: string, prefix: string) => list.find((p: KObject) => p.metadata.namespace === ns && p.metadata.name.startsWith(prefix)) as KObject;
  const status = (p: KObject, ctr: string) => p.status.containerStatuses.find((s: KObject) => s.name === ctr);

  const indexer = podOf('search', 'indexer-');
  const pull = status(indexer, 'indexer');
  assert.equal(pull.imageID, '', 'never pulled');
  assert.equal(pull.state.waiting.reason, 'ImagePullBackOff');
  assert.equal(pull.state.waiting.message, 'Back-off pulling image "fleet.local/search/indexer:5.0-rc1": ErrImagePull: rpc error: code = NotFound desc = failed to pull and unpack image "fleet.local/search/indexer:5.0-rc1": failed to resolve reference "fleet.local/search/indexer:5.0-rc1": fleet.local/search/indexer:5.0-rc1: not found');
  const notifier = podOf('messaging', 'notifier-');
  assert.equal(status(notifier, 'notifier').state.waiting.reason, 'CrashLoopBackOff');
  assert.equal(status(notifier, 'notifier').lastState.terminated.exitCode, 1);
  const sessions = podOf('identity', 'sessions-');
  assert.equal(status(sessions, 'log-shipper').state.waiting.reason, 'CrashLoopBackOff');
  assert.ok(status(sessions, 'sessions').state.running);

  for (const [ns, pod, ctr] of [['search', indexer.metadata.name, 'indexer'], ['messaging', notifier.metadata.name, 'notifier'], ['identity', sessions.metadata.name, 'log-shipper']]) {
    for (const minor of [33, 27]) {
      const r = await k(['exec', '-n', ns, pod, '-c', ctr, '--', 'sh', '-c', 'echo hi'], { minor });
      assert.equal(r.code, 1, `${pod}/${ctr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, new RegExp(`^error: unable to upgrade connection: container not found \\("${ctr}"\\)`), `kubectl 1.${minor}, ${pod}/${ctr}`);
    }
  }
  const app = await k(['exec', '-n', 'identity', sessions.metadata.name, '-c', 'sessions', '--', 'sh', '-c', 'echo hi']);
  assert.equal(app.stdout, 'hi\n', 'the running container of the same pod answers');
  const completed = podOf('platform', 'cert-check-');
  const done = await k(['exec', '-n', 'platform', completed.metadata.name, '--', 'sh', '-c', 'echo hi']);
  assert.equal(done.code, 1);
  assert.match(done.stderr, /^error: cannot exec into a container in a completed pod; current phase is Succeeded/);

  const events = await k(['get', 'events', '-n', 'search', '--field-selector', `involvedObject.name=${indexer.metadata.name}`, '-o', 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}']);
  assert.match(events.stdout, /^Failed: Failed to pull image "fleet\.local\/search\/indexer:5\.0-rc1": rpc error: code = NotFound/m);
  assert.match(events.stdout, /^BackOff: Back-off pulling image "fleet\.local\/search\/indexer:5\.0-rc1"$/m);
});

test('stop: no container process, no mount, no work dir left', async () => {
  const dir = cluster.workDir;
  assert.ok(leftovers(dir).pids.length >= 200, 'the containers run chrooted under the work dir');
  await cluster.stop();
  stopped = true;
  assert.deepEqual(leftovers(dir), { pids: [], mounts: [] });
  assert.equal(existsSync(dir), false);
});

test('npm run cluster -- --scenario fleet with other sizes; sizes it cannot make exit 2 with the reason', async () => {
  const main = join(__dirname, 'main.ts');
  const file = join(mkdtempSync(join(scratchDir(), 'fleet-cli-')), 'kubeconfig');
  const child = spawn(process.execPath, ['--import', 'tsx', main, '--kubeconfig', file, '--scenario', 'fleet', '--namespaces', '3', '--containers', '40', '--digests', '16'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  try {
    const deadline = Date.now() + 120_000;
    while (!/READY https/.test(out)) {
      assert.ok(Date.now() < deadline && child.exitCode === null, `no READY:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const workDir = /work dir (\S+)/.exec(out)![1];
    const pods = JSON.parse((await k(['get', 'pods', '-A', '-o', 'json'], { kubeconfig: file })).stdout).items;
    const rows = containers(pods);
    assert.equal(new Set(pods.map((p: KObject) => p.metadata.namespace)).size, 3);
    assert.equal(rows.filter((c) => c.running).length, 40);
    assert.equal(new Set(rows.filter((c) => c.running).map((c) => c.imageID)).size, 16);
    const ex = await k(['exec', '-n', 'checkout', rows.find((c) => c.pod.startsWith('checkout-api-'))!.pod, '--', 'cat', '/etc/build-info'], { kubeconfig: file });
    assert.match(ex.stdout, /^IMAGE=fleet\.local\/checkout\/api$/m, ex.stderr);
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.deepEqual(leftovers(workDir), { pids: [], mounts: [] });
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  const bad = spawn(process.execPath, ['--import', 'tsx', main, '--kubeconfig', file, '--scenario', 'fleet', '--containers', '20', '--digests', '16'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  bad.stderr.on('data', (d) => (err += d));
  assert.equal(await new Promise((r) => bad.once('exit', r)), 2);
  assert.match(err, /fleet scenario: 16 digests need at least 30 running containers/);
});
