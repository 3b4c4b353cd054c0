import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { Classifier, type ClassifierBackend } from '../../src/core/cluster/classify';
import type { ExecResult, RawObject, RawPod } from '../../src/core/cluster/client';
import { KubeError } from '../../src/core/cluster/errors';
import { groupWorkloads, summarizePod, type ClusterModel } from '../../src/core/cluster/model';
import { PROBE_TOOLS } from '../../src/core/cluster/probe';
import { matchesSelector, parseSelector } from '../../src/core/fleet/selector';
import { FleetSelectionError, clusterSource, expandSelection, isScannableTarget, runningDigest, skipApproaches, type FleetSource } from '../../src/core/fleet/targets';

// Probe output in the probe script's format (see clusterClassify.test.ts); exec errors as containerd prints them.
const DEBIAN = ['KCPROBE-BEGIN v1', 'shell=/bin/sh', 'os:ID="debian"', 'os:PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"', ...PROBE_TOOLS.map((t) => `tool:${t}=/bin/${t}`), 'KCPROBE-END', ''].join('\n');
const ok = (stdout: string): ExecResult => ({ stdout, stderr: '', end: { kind: 'exit', exitCode: 0, status: { status: 'Success' } }, exitCode: 0, truncated: false });
const NO_SHELL = 'OCI runtime exec failed: exec failed: unable to start container process: exec: "/bin/sh": stat /bin/sh: no such file or directory: unknown';
const noShell = (): ExecResult => ({ stdout: '', stderr: '', end: { kind: 'runtime-error', message: NO_SHELL, status: { status: 'Failure', reason: 'InternalError', message: NO_SHELL, code: 500 } }, truncated: false });

const hex = (n: number) => n.toString(16).padStart(64, '0');
const owner = (kind: string, name: string) => [{ kind, name, controller: true }];
interface C {
  name: string;
  image: string;
  digest?: number;
  state?: RawObject;
  role?: 'init' | 'ephemeral';
  target?: string;
}
function pod(ns: string, name: string, cs: C[], meta: RawObject = {}, spec: RawObject = {}): RawPod {
  const status = (c: C) => ({ name: c.name, ready: true, restartCount: 0, image: c.image, imageID: c.digest === undefined ? '' : `docker-pullable://${c.image}@sha256:${hex(c.digest)}`, state: c.state ?? { running: {} } });
  const of = (role?: string) => cs.filter((c) => c.role === role);
  return {
    metadata: { name, namespace: ns, uid: `uid-${name}`, ...meta },
    spec: { nodeName: 'n1', containers: of(undefined).map((c) => ({ name: c.name, image: c.image })), initContainers: of('init').map((c) => ({ name: c.name, image: c.image })), ephemeralContainers: of('ephemeral').map((c) => ({ name: c.name, image: c.image, targetContainerName: c.target })), ...spec },
    status: { phase: 'Running', containerStatuses: of(undefined).map(status), initContainerStatuses: of('init').map(status), ephemeralContainerStatuses: of('ephemeral').map(status) },
  };
}

const RAW: RawPod[] = [
  ...['a', 'b', 'c'].map((s) => pod('demo', `web-7d9f-${s}`, [{ name: 'app', image: 'demo.local/standard:12', digest: 1 }], { ownerReferences: owner('ReplicaSet', 'web-7d9f'), labels: { app: 'web', 'pod-template-hash': '7d9f' } })),
  pod('demo', 'distroless-app', [{ name: 'app', image: 'demo.local/distroless:1', digest: 2 }, { name: 'kc-scan-helper', image: 'busybox:1.36.1-musl', digest: 3, role: 'ephemeral', target: 'app' }], { labels: { app: 'distroless' } }),
  pod('demo', 'crashy', [{ name: 'app', image: 'demo.local/standard:12', digest: 1, state: { waiting: { reason: 'CrashLoopBackOff' } } }, { name: 'setup', image: 'demo.local/standard:12', digest: 1, role: 'init', state: { terminated: { reason: 'Completed', exitCode: 0 } } }], { labels: { app: 'crashy' } }),
  pod('demo', 'win', [{ name: 'app', image: 'mcr.microsoft.com/windows/nanoserver:ltsc2022', digest: 4 }], { labels: { app: 'win' } }, { os: { name: 'windows' } }),
  pod('shop', 'api-0', [{ name: 'api', image: 'shop/api:2', digest: 5 }], { ownerReferences: owner('StatefulSet', 'api'), labels: { app: 'api', tier: 'backend' } }),
  pod('shop', 'report-29000-x', [{ name: 'job', image: 'shop/report:1' }], { ownerReferences: owner('Job', 'report-29000'), labels: { app: 'report' } }),
];
const WORKLOADS: Record<string, RawObject[]> = {
  deployments: [{ metadata: { name: 'web', namespace: 'demo' } }],
  replicasets: [{ metadata: { name: 'web-7d9f', namespace: 'demo', ownerReferences: owner('Deployment', 'web') } }],
  statefulsets: [{ metadata: { name: 'api', namespace: 'shop' } }],
  daemonsets: [],
  jobs: [{ metadata: { name: 'report-29000', namespace: 'shop', ownerReferences: owner('CronJob', 'report') } }],
  cronjobs: [{ metadata: { name: 'report', namespace: 'shop' } }],
};

function classifier(): Classifier {
  const backend: ClassifierBackend = {
    context: 'kind-demo',
    canI: async () => true,
    nodeOs: async () => 'linux',
    exec: async (_ns, p, ctr) => (p === 'distroless-app' && ctr === 'app' ? noShell() : ok(DEBIAN)),
  };
  return new Classifier(backend);
}

/** The model's view of a namespace: pods summarised and grouped with every workload list. */
function fakeSource(): FleetSource & { namespaceCalls: string[] } {
  const c = classifier();
  const namespaceCalls: string[] = [];
  return {
    context: 'kind-demo',
    namespaceCalls,
    namespacePods: async (ns) => {
      namespaceCalls.push(ns);
      const pods = RAW.filter((p) => p.metadata.namespace === ns).map(summarizePod);
      const of = (k: string) => WORKLOADS[k].filter((o) => o.metadata.namespace === ns);
      groupWorkloads(ns, pods, { deployments: of('deployments'), replicaSets: of('replicasets'), statefulSets: of('statefulsets'), daemonSets: [], jobs: of('jobs'), cronJobs: of('cronjobs') });
      return pods;
    },
    listPods: async () => assert.fail('not used'),
    classifyPod: (p) => c.classifyPod(p),
  };
}

const row = (t: { namespace: string; pod: string; container: string }) => `${t.namespace}/${t.pod}/${t.container}`;

test('runningDigest: the sha256 digest from every imageID form; others kept as they are', () => {
  assert.equal(runningDigest(`docker-pullable://demo.local/standard:12@sha256:${hex(1).toUpperCase()}`), `sha256:${hex(1)}`);
  assert.equal(runningDigest(`docker.io/library/nginx@sha256:${hex(2)}`), `sha256:${hex(2)}`);
  assert.equal(runningDigest(`sha256:${hex(3)}`), `sha256:${hex(3)}`);
  assert.equal(runningDigest(`docker://sha256:${hex(4)}`), `sha256:${hex(4)}`);
  assert.equal(runningDigest('  '), undefined);
  assert.equal(runningDigest(undefined), undefined);
  assert.equal(runningDigest('some-runtime-id'), 'some-runtime-id');
});

test('a namespace: every container, scannable ones with their approach, the others with their reason', async () => {
  const e = await expandSelection(fakeSource(), { kind: 'namespace', namespace: 'demo' });
  assert.equal(e.context, 'kind-demo');
  const shape = e.targets.map((t) => [row(t), t.workload.kind, t.workload.name, t.approach ?? '-', t.compatibility ?? '-']);
  assert.deepEqual(shape, [
    ['demo/crashy/setup', 'Pod', 'crashy', '-', 'Not running'],
    ['demo/crashy/app', 'Pod', 'crashy', '-', 'Not running'],
    ['demo/distroless-app/app', 'Pod', 'distroless-app', 'debug-container', 'Distroless'],
    ['demo/distroless-app/kc-scan-helper', 'Pod', 'distroless-app', '-', 'Standard'],
    ['demo/web-7d9f-a/app', 'Deployment', 'web', 'kubernetes-api', 'Standard'],
    ['demo/web-7d9f-b/app', 'Deployment', 'web', 'kubernetes-api', 'Standard'],
    ['demo/web-7d9f-c/app', 'Deployment', 'web', 'kubernetes-api', 'Standard'],
    ['demo/win/app', 'Pod', 'win', '-', 'Windows'],
  ]);
  const by = new Map(e.targets.map((t) => [row(t), t]));
  assert.equal(by.get('demo/web-7d9f-a/app')!.imageDigest, `sha256:${hex(1)}`, 'the running digest, not the tag');
  assert.match(by.get('demo/crashy/app')!.reason, /waiting \(CrashLoopBackOff\).*Needs: a running container\./);
  assert.match(by.get('demo/crashy/setup')!.reason, /init container finished \(Completed, exit code 0\)/);
  assert.match(by.get('demo/win/app')!.reason, /Windows container \(spec\.os\.name=windows\)/);
  assert.match(by.get('demo/distroless-app/kc-scan-helper')!.reason, /Kube Compliance's own scan helper for app/);
  assert.equal(e.targets.filter(isScannableTarget).length, 4);
  assert.deepEqual(e.notes, []);
});

test('a workload: only its pods; a workload without pods is a note', async () => {
  const e = await expandSelection(fakeSource(), { kind: 'workload', namespace: 'demo', workload: { kind: 'Deployment', name: 'web' } });
  assert.deepEqual(e.targets.map(row), ['demo/web-7d9f-a/app', 'demo/web-7d9f-b/app', 'demo/web-7d9f-c/app']);
  const none = await expandSelection(fakeSource(), { kind: 'workload', namespace: 'demo', workload: { kind: 'StatefulSet', name: 'db' } });
  assert.deepEqual([none.targets.length, none.notes], [0, ['StatefulSet db in namespace demo has no pods.']]);
  const empty = await expandSelection(fakeSource(), { kind: 'namespace', namespace: 'gone' });
  assert.deepEqual(empty.notes, ['Namespace gone has no pods (or does not exist).']);
});

test('explicit containers: picks once each, a whole pod, and rows for a pod or container that is gone', async () => {
  const src = fakeSource();
  const e = await expandSelection(src, {
    kind: 'containers',
    containers: [
      { namespace: 'demo', pod: 'web-7d9f-a', container: 'app' },
      { namespace: 'demo', pod: 'web-7d9f-a', container: 'app' },
      { namespace: 'demo', pod: 'crashy' },
      { namespace: 'demo', pod: 'web-7d9f-zzz', container: 'app' },
      { namespace: 'demo', pod: 'web-7d9f-b', container: 'sidecar' },
      { namespace: 'shop', pod: 'api-0', container: 'api' },
    ],
  });
  assert.deepEqual(e.targets.map((t) => [row(t), t.approach ?? '-']), [
    ['demo/crashy/setup', '-'],
    ['demo/crashy/app', '-'],
    ['demo/web-7d9f-a/app', 'kubernetes-api'],
    ['demo/web-7d9f-b/sidecar', '-'],
    ['demo/web-7d9f-zzz/app', '-'],
    ['shop/api-0/api', 'kubernetes-api'],
  ]);
  const by = new Map(e.targets.map((t) => [row(t), t]));
  assert.match(by.get('demo/web-7d9f-zzz/app')!.reason, /Pod web-7d9f-zzz was not found in namespace demo: it was deleted or replaced/);
  assert.match(by.get('demo/web-7d9f-b/sidecar')!.reason, /has no container sidecar/);
  assert.deepEqual(by.get('demo/web-7d9f-b/sidecar')!.workload, { kind: 'Deployment', name: 'web' });
  assert.deepEqual(by.get('shop/api-0/api')!.workload, { kind: 'StatefulSet', name: 'api' });
  assert.deepEqual(src.namespaceCalls, ['demo', 'shop'], 'one model read per namespace');
});

test('"skip shell-less": helper approaches become unscannable with the reason kept', async () => {
  const e = await expandSelection(fakeSource(), { kind: 'namespace', namespace: 'demo' });
  const t = skipApproaches(e.targets, ['debug-container', 'sidecar'], 'Skipped: shell-less containers were excluded from this run');
  const d = t.find((x) => row(x) === 'demo/distroless-app/app')!;
  assert.equal(d.approach, undefined);
  assert.match(d.reason, /^Skipped: shell-less containers were excluded from this run \(No shell in the container/);
  assert.equal(t.filter(isScannableTarget).length, 3);
});

/** A client whose lists answer from RAW and WORKLOADS, honouring labelSelector as the API server does. */
function fakeModel(o: { forbid?: string[] } = {}) {
  const requests: string[] = [];
  const answer = (path: string, query?: Record<string, unknown>) => {
    requests.push(`${path}${query?.labelSelector ? `?labelSelector=${String(query.labelSelector)}` : ''}`);
    const m = /^\/apis?\/(?:[a-z.]+\/)?v1(?:\/namespaces\/([^/]+))?\/([a-z]+)$/.exec(path)!;
    const [, ns, plural] = m;
    if (o.forbid?.includes(plural)) throw new KubeError('forbidden', `${plural} is forbidden: User "u" cannot list resource "${plural}"`, { status: 403 });
    const all = plural === 'pods' ? RAW : WORKLOADS[plural];
    const reqs = parseSelector(String(query?.labelSelector ?? ''));
    return all.filter((x) => (!ns || x.metadata.namespace === ns) && matchesSelector(reqs, x.metadata.labels));
  };
  const client = {
    async *listPages(path: string, opts: { query?: Record<string, unknown> } = {}) {
      yield { items: answer(path, opts.query), resourceVersion: '1' };
    },
    async list(path: string, opts: { query?: Record<string, unknown> } = {}) {
      return { items: answer(path, opts.query) };
    },
  };
  const model = { client, context: 'kind-demo' } as unknown as ClusterModel;
  return { source: clusterSource(model, classifier()), requests };
}

test('a label selector: sent to the API server once, workloads resolved from the lists in the same scope', async () => {
  const { source, requests } = fakeModel();
  const e = await expandSelection(source, { kind: 'selector', selector: 'app in (web, report),tier!=frontend' });
  assert.deepEqual(e.targets.map((t) => [row(t), `${t.workload.kind}/${t.workload.name}`]), [
    ['demo/web-7d9f-a/app', 'Deployment/web'],
    ['demo/web-7d9f-b/app', 'Deployment/web'],
    ['demo/web-7d9f-c/app', 'Deployment/web'],
    ['shop/report-29000-x/job', 'CronJob/report'],
  ]);
  assert.equal(e.targets[3].imageDigest, undefined, 'no imageID in the status: no digest');
  assert.deepEqual(requests.filter((r) => r.includes('pods')), ['/api/v1/pods?labelSelector=app in (web,report),tier!=frontend']);
  assert.equal(requests.length, 7, 'one pod list and six workload lists for the whole cluster');
  const inNs = await expandSelection(source, { kind: 'selector', selector: 'tier=backend', namespace: 'shop' });
  assert.deepEqual(inNs.targets.map(row), ['shop/api-0/api']);
  assert.ok(requests.includes('/api/v1/namespaces/shop/pods?labelSelector=tier=backend'));
});

test('a selector that matches nothing, every namespace, refused lists', async () => {
  const { source } = fakeModel();
  const none = await expandSelection(source, { kind: 'selector', selector: 'app=nothing', namespace: 'demo' });
  assert.deepEqual([none.targets.length, none.notes], [0, ['The label selector "app=nothing" matched no pod in namespace demo.']]);
  const all = await expandSelection(source, { kind: 'all-namespaces' });
  assert.equal(all.targets.length, 10);
  const partial = await expandSelection(fakeModel({ forbid: ['replicasets'] }).source, { kind: 'all-namespaces' });
  assert.deepEqual(partial.notes, ['ReplicaSet objects could not be listed (forbidden); pods are grouped from their ownerReferences.']);
  assert.equal(partial.targets.find((t) => t.pod === 'web-7d9f-a')!.workload.name, 'web', 'grouped by pod-template-hash instead');
  await assert.rejects(expandSelection(fakeModel({ forbid: ['pods'] }).source, { kind: 'all-namespaces' }), (e: unknown) => e instanceof FleetSelectionError && /may not list pods in all namespaces.*Choose a namespace instead/.test(e.message));
  await assert.rejects(expandSelection(source, { kind: 'selector', selector: 'app=web,' }), /Invalid label selector "app=web,": a "," is not followed by a requirement/);
  await assert.rejects(expandSelection(source, { kind: 'selector', selector: ' ' }), /The label selector is empty/);
});

test('a pod whose classification fails: its containers are listed with the error, the rest go on', async () => {
  const src = fakeSource();
  const real = src.classifyPod;
  src.classifyPod = async (p) => {
    if (p.metadata.name === 'win') throw new KubeError('unreachable', 'connect ECONNREFUSED 127.0.0.1:6443');
    return real(p);
  };
  const e = await expandSelection(src, { kind: 'namespace', namespace: 'demo' });
  const win = e.targets.find((t) => t.pod === 'win')!;
  assert.equal(win.approach, undefined);
  assert.match(win.reason, /could not be classified: connect ECONNREFUSED/);
  assert.equal(e.targets.filter(isScannableTarget).length, 4);
});
