import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { AccessAttributes, ExecResult, RawPod } from '../../src/core/cluster/client';
import { Classifier, outcomeOfProbe, type ClassifierBackend } from '../../src/core/cluster/classify';
import { KubeError } from '../../src/core/cluster/errors';
import { PROBE_TOOLS } from '../../src/core/cluster/probe';

// A probe report as the probe script prints it (the format is defined by PROBE_SCRIPT: markers, shell=, os:, tool:).
function report(os: Record<string, string>, missing: string[] = [], shell = '/bin/sh'): string {
  const lines = ['KCPROBE-BEGIN v1', `shell=${shell}`];
  for (const [k, v] of Object.entries(os)) lines.push(`os:${k}="${v}"`);
  for (const t of PROBE_TOOLS) lines.push(`tool:${t}=${missing.includes(t) ? '' : `/bin/${t}`}`);
  lines.push('KCPROBE-END');
  return lines.join('\n') + '\n';
}
const DEBIAN = report({ ID: 'debian', VERSION_ID: '12', PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)' });
const ALPINE = report({ ID: 'alpine', VERSION_ID: '3.20.3', PRETTY_NAME: 'Alpine Linux v3.20' });
const MINIMAL = report({ ID: 'debian', PRETTY_NAME: 'Minimal' }, ['cat', 'stat', 'find', 'grep', 'sha256sum', 'head', 'sed', 'awk', 'ls', 'uname', 'readlink', 'id', 'ps']);

function ok(stdout: string): ExecResult {
  return { stdout, stderr: '', end: { kind: 'exit', exitCode: 0, status: { status: 'Success' } }, exitCode: 0, truncated: false };
}
function runtimeError(message: string): ExecResult {
  return { stdout: '', stderr: '', end: { kind: 'runtime-error', message, status: { status: 'Failure', reason: 'InternalError', message, code: 500 } }, truncated: false };
}
const NO_SHELL =
  'Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "abc": OCI runtime exec failed: exec failed: unable to start container process: exec: "/bin/sh": stat /bin/sh: no such file or directory: unknown';
const EXEC_NOT_FOUND = 'OCI runtime exec failed: exec failed: unable to start container process: exec: "/bin/sh": executable file not found in $PATH: unknown';
const BLOCKED = 'OCI runtime exec failed: exec failed: unable to start container process: exec /bin/sh: permission denied (apparmor="DENIED" profile="demo-deny-exec")';

interface FakeOpts {
  allow?: (a: AccessAttributes) => boolean;
  exec?: (ns: string, pod: string, ctr: string) => ExecResult | Error;
  nodes?: Record<string, string>;
}
function fake(o: FakeOpts = {}) {
  const calls = { ssar: [] as AccessAttributes[], exec: [] as string[], nodes: [] as string[] };
  const backend: ClassifierBackend = {
    context: 'ctx',
    canI: async (a) => {
      calls.ssar.push(a);
      return o.allow ? o.allow(a) : true;
    },
    nodeOs: async (n) => {
      calls.nodes.push(n);
      return o.nodes?.[n];
    },
    exec: async (ns, pod, ctr) => {
      calls.exec.push(`${ns}/${pod}/${ctr}`);
      const r = o.exec ? o.exec(ns, pod, ctr) : ok(DEBIAN);
      if (r instanceof Error) throw r;
      return r;
    },
  };
  return { backend, calls };
}

function running(name: string, image: string, extra: Record<string, unknown> = {}) {
  return { name, ready: true, restartCount: 0, image, imageID: `docker-pullable://${image}@sha256:${image.length}${name.length}`, state: { running: { startedAt: '2026-01-01T00:00:00Z' } }, ...extra };
}
function pod(name: string, containers: Array<{ name: string; image: string; status?: Record<string, unknown> }>, spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): RawPod {
  return {
    metadata: { name, namespace: 'demo', uid: `uid-${name}`, ...meta },
    spec: { nodeName: 'linux-node', containers: containers.map((c) => ({ name: c.name, image: c.image })), ...spec },
    status: { phase: 'Running', containerStatuses: containers.map((c) => c.status ?? running(c.name, c.image)) },
  };
}

test('Standard: a shell, os-release and the transport tools → Kubernetes API approach', async () => {
  const { backend } = fake();
  const [c] = await new Classifier(backend).classifyPod(pod('standard-app', [{ name: 'app', image: 'demo/standard:1' }]));
  assert.equal(c.compatibility, 'Standard');
  assert.equal(c.approach, 'kubernetes-api');
  assert.equal(c.role, 'app');
  assert.equal(c.probe?.osId, 'debian');
  assert.match(c.reason, /Debian GNU\/Linux 12/);
  assert.equal(c.missing, undefined);
  assert.deepEqual([c.context, c.namespace, c.pod, c.container], ['ctx', 'demo', 'standard-app', 'app']);
});

test('Alpine: os-release ID=alpine → Alpine, Kubernetes API approach', async () => {
  const { backend } = fake({ exec: () => ok(ALPINE) });
  const [c] = await new Classifier(backend).classifyPod(pod('alpine-app', [{ name: 'app', image: 'demo/alpine:1' }]));
  assert.equal(c.compatibility, 'Alpine');
  assert.equal(c.approach, 'kubernetes-api');
  assert.equal(c.probe?.osVersion, '3.20.3');
});

test('Minimal: a shell but no cat/stat → Minimal, says which tools are missing', async () => {
  const { backend } = fake({ exec: () => ok(MINIMAL) });
  const [c] = await new Classifier(backend).classifyPod(pod('minimal-app', [{ name: 'app', image: 'demo/minimal:1' }]));
  assert.equal(c.compatibility, 'Minimal');
  assert.match(c.missing ?? '', /cat and stat/);
  assert.match(c.reason, /cat and stat are missing/);
});

test('Distroless ("no such file or directory") with ephemeral-container patch allowed → debug container', async () => {
  const { backend, calls } = fake({ exec: () => runtimeError(NO_SHELL) });
  const [c] = await new Classifier(backend).classifyPod(pod('distroless-app', [{ name: 'app', image: 'demo/distroless:1' }]));
  assert.equal(c.compatibility, 'Distroless');
  assert.equal(c.approach, 'debug-container');
  assert.match(c.reason, /No shell/);
  assert.ok(calls.ssar.some((a) => a.subresource === 'ephemeralcontainers' && a.verb === 'patch'), 'asked about pods/ephemeralcontainers patch');
});

test('Distroless ("executable file not found") without patch permission → no approach, says what is missing', async () => {
  const { backend } = fake({ exec: () => runtimeError(EXEC_NOT_FOUND), allow: (a) => a.subresource !== 'ephemeralcontainers' });
  const [c] = await new Classifier(backend).classifyPod(pod('distroless-app', [{ name: 'app', image: 'demo/distroless:1' }]));
  assert.equal(c.compatibility, 'Distroless');
  assert.equal(c.approach, undefined);
  assert.match(c.missing ?? '', /patch pods\/ephemeralcontainers/);
});

test('shareProcessNamespace: shell-less app is scanned through the sibling with a shell (sidecar), the sibling is Standard', async () => {
  const { backend, calls } = fake({ exec: (_ns, _p, ctr) => (ctr === 'app' ? runtimeError(NO_SHELL) : ok(DEBIAN)) });
  const cs = await new Classifier(backend).classifyPod(
    pod('shared-pid-app', [{ name: 'app', image: 'demo/distroless:1' }, { name: 'scanner', image: 'demo/standard:1' }], { shareProcessNamespace: true }),
  );
  const app = cs.find((c) => c.container === 'app')!;
  const scanner = cs.find((c) => c.container === 'scanner')!;
  assert.equal(app.compatibility, 'Distroless');
  assert.equal(app.approach, 'sidecar');
  assert.equal(app.sidecar, 'scanner');
  assert.equal(scanner.compatibility, 'Standard');
  assert.equal(scanner.approach, 'kubernetes-api');
  assert.ok(!calls.ssar.some((a) => a.subresource === 'ephemeralcontainers'), 'a sidecar needs no ephemeral-container permission check');
});

test('without shareProcessNamespace a sibling with a shell is not a sidecar', async () => {
  const { backend } = fake({ exec: (_ns, _p, ctr) => (ctr === 'app' ? runtimeError(NO_SHELL) : ok(DEBIAN)) });
  const cs = await new Classifier(backend).classifyPod(pod('multi', [{ name: 'app', image: 'demo/distroless:1' }, { name: 'side', image: 'demo/standard:1' }]));
  assert.equal(cs[0].approach, 'debug-container');
});

test('Forbidden: SelfSubjectAccessReview denies pods/exec → Forbidden without any exec', async () => {
  const { backend, calls } = fake({ allow: (a) => a.subresource !== 'exec' });
  const [c] = await new Classifier(backend).classifyPod(pod('standard-app', [{ name: 'app', image: 'demo/standard:1' }]));
  assert.equal(c.compatibility, 'Forbidden');
  assert.equal(c.approach, undefined);
  assert.match(c.missing ?? '', /pods\/exec.*get and create/);
  assert.equal(calls.exec.length, 0);
});

test('Forbidden: exec create denied alone is enough (API servers ≥1.35 check both verbs)', async () => {
  const { backend } = fake({ allow: (a) => !(a.subresource === 'exec' && a.verb === 'create') });
  const [c] = await new Classifier(backend).classifyPod(pod('standard-app', [{ name: 'app', image: 'demo/standard:1' }]));
  assert.equal(c.compatibility, 'Forbidden');
  assert.match(c.reason, /may not create pods\/exec/);
});

test('Forbidden: the exec upgrade answered 403 although the review allowed it', async () => {
  const { backend } = fake({ exec: () => new KubeError('forbidden', 'Forbidden: you may not create pods/exec', { status: 403 }) });
  const [c] = await new Classifier(backend).classifyPod(pod('standard-app', [{ name: 'app', image: 'demo/standard:1' }]));
  assert.equal(c.compatibility, 'Forbidden');
});

test('RBAC is asked namespace-wide first; per pod only when that is denied (resourceNames roles)', async () => {
  const { backend, calls } = fake({ allow: (a) => a.subresource !== 'exec' || a.name === 'standard-app' });
  const cl = new Classifier(backend);
  const [c] = await cl.classifyPod(pod('standard-app', [{ name: 'app', image: 'demo/standard:1' }]));
  assert.equal(c.compatibility, 'Standard');
  const execReviews = calls.ssar.filter((a) => a.subresource === 'exec');
  assert.deepEqual(execReviews.map((a) => `${a.verb}:${a.name ?? '*'}`).sort(), ['create:*', 'create:standard-app', 'get:*', 'get:standard-app']);
  // a second pod in the same namespace: the namespace-wide denial is cached, only the pod is asked
  await cl.classifyPod(pod('other', [{ name: 'app', image: 'demo/standard:1' }]));
  assert.equal(calls.ssar.filter((a) => a.subresource === 'exec' && !a.name).length, 2);
});

for (const [reason, extra] of [
  ['CrashLoopBackOff', { state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' } }, ready: false, restartCount: 7 }],
  ['ImagePullBackOff', { state: { waiting: { reason: 'ImagePullBackOff' } }, ready: false }],
  ['CreateContainerError', { state: { waiting: { reason: 'CreateContainerError' } }, ready: false }],
  ['Error', { state: { terminated: { reason: 'Error', exitCode: 2 } }, ready: false }],
] as const) {
  test(`Not running: ${reason} → Not running, no RBAC question, no exec`, async () => {
    const { backend, calls } = fake();
    const [c] = await new Classifier(backend).classifyPod(
      pod('stopped-app', [{ name: 'app', image: 'demo/standard:1', status: { name: 'app', image: 'demo/standard:1', imageID: "", ...extra } }]),
    );
    assert.equal(c.compatibility, 'Not running');
    assert.match(c.reason, new RegExp(reason));
    assert.equal(c.approach, undefined);
    assert.equal(calls.exec.length + calls.ssar.length, 0);
  });
}

test('Not running: a pending pod whose container has no status yet', async () => {
  const { backend } = fake();
  const p = pod('pending', [{ name: 'app', image: 'x' }]);
  p.status = { phase: 'Pending' };
  const [c] = await new Classifier(backend).classifyPod(p);
  assert.equal(c.compatibility, 'Not running');
  assert.match(c.reason, /pending/);
});

test('Not running: the exec says the container is not running (race with the status)', async () => {
  const { backend } = fake({ exec: () => runtimeError('container not running (app)') });
  const [c] = await new Classifier(backend).classifyPod(pod('racy', [{ name: 'app', image: 'demo/x:1' }]));
  assert.equal(c.compatibility, 'Not running');
});

test('Windows: the node label kubernetes.io/os=windows (one node lookup, cached)', async () => {
  const { backend, calls } = fake({ nodes: { 'win-node': 'windows' } });
  const cl = new Classifier(backend);
  const [c] = await cl.classifyPod(pod('windows-app', [{ name: 'app', image: 'demo/iis:1' }], { nodeName: 'win-node' }));
  assert.equal(c.compatibility, 'Windows');
  assert.match(c.reason, /win-node/);
  await cl.classifyPod(pod('windows-app-2', [{ name: 'app', image: 'demo/iis:1' }], { nodeName: 'win-node' }));
  assert.deepEqual(calls.nodes, ['win-node']);
  assert.equal(calls.exec.length, 0);
});

test('Windows: spec.os.name or the nodeSelector decide without any request', async () => {
  const { backend, calls } = fake();
  const cl = new Classifier(backend);
  const [a] = await cl.classifyPod(pod('w1', [{ name: 'app', image: 'x' }], { os: { name: 'windows' } }));
  const [b] = await cl.classifyPod(pod('w2', [{ name: 'app', image: 'x' }], { nodeSelector: { 'kubernetes.io/os': 'windows' } }));
  const [d] = await cl.classifyPod(pod('w3', [{ name: 'app', image: 'mcr.microsoft.com/windows/nanoserver:ltsc2022' }], { nodeSelector: { 'kubernetes.io/os': 'linux' } }));
  assert.deepEqual([a.compatibility, b.compatibility, d.compatibility], ['Windows', 'Windows', 'Windows']);
  assert.equal(calls.nodes.length + calls.exec.length + calls.ssar.length, 0);
});

test('Sandboxed: runtimeClassName gvisor / kata decides from the spec', async () => {
  for (const rc of ['gvisor', 'kata-qemu', 'runsc']) {
    const { backend, calls } = fake();
    const [c] = await new Classifier(backend).classifyPod(pod('sandboxed-app', [{ name: 'app', image: 'x' }], { runtimeClassName: rc }));
    assert.equal(c.compatibility, 'Sandboxed', rc);
    assert.match(c.reason, new RegExp(rc));
    assert.equal(calls.exec.length, 0);
  }
  const { backend } = fake();
  const [n] = await new Classifier(backend).classifyPod(pod('normal', [{ name: 'app', image: 'x' }], { runtimeClassName: 'runc' }));
  assert.equal(n.compatibility, 'Standard');
});

test('Sandboxed: exec refused by a security profile (permission denied / apparmor) → Sandboxed with the verbatim error', async () => {
  const { backend } = fake({ exec: () => runtimeError(BLOCKED) });
  const [c] = await new Classifier(backend).classifyPod(pod('sandboxed-app', [{ name: 'app', image: 'demo/sandboxed:1' }]));
  assert.equal(c.compatibility, 'Sandboxed');
  assert.match(c.reason, /apparmor="DENIED"/);
  assert.equal(c.approach, undefined);
});

test('one probe per image: three replicas of one image are probed once, concurrently or not', async () => {
  const { backend, calls } = fake();
  const cl = new Classifier(backend);
  const replicas = ['web-1', 'web-2', 'web-3'].map((n) => pod(n, [{ name: 'web', image: 'demo/web:1' }]));
  const out = await Promise.all(replicas.map((p) => cl.classifyPod(p)));
  await cl.classifyPod(pod('web-4', [{ name: 'web', image: 'demo/web:1' }]));
  assert.deepEqual(out.map(([c]) => c.compatibility), ['Standard', 'Standard', 'Standard']);
  assert.equal(calls.exec.length, 1);
  assert.equal(cl.stats.probes, 1);
  assert.equal(cl.stats.probedImages.size, 1);
});

test('the probe cache keys on the security profile too: same image with an AppArmor profile is probed again', async () => {
  const { backend, calls } = fake({ exec: (_n, p) => (p === 'locked' ? runtimeError(BLOCKED) : ok(DEBIAN)) });
  const cl = new Classifier(backend);
  const [a] = await cl.classifyPod(pod('open', [{ name: 'app', image: 'demo/standard:1' }]));
  const locked = pod('locked', [{ name: 'app', image: 'demo/standard:1' }]);
  (locked.spec.containers[0] as Record<string, unknown>).securityContext = { appArmorProfile: { type: 'Localhost', localhostProfile: 'deny-exec' } };
  const [b] = await cl.classifyPod(locked);
  assert.equal(a.compatibility, 'Standard');
  assert.equal(b.compatibility, 'Sandboxed');
  assert.equal(calls.exec.length, 2);
});

test('init and ephemeral containers are classified and marked with their role', async () => {
  const { backend } = fake();
  const p = pod('with-init', [{ name: 'app', image: 'demo/standard:1' }]);
  p.spec.initContainers = [{ name: 'setup', image: 'demo/standard:1' }];
  p.spec.ephemeralContainers = [{ name: 'kc-helper', image: 'busybox:1.36.1-musl', targetContainerName: 'app' }];
  p.status.initContainerStatuses = [{ name: 'setup', image: 'demo/standard:1', state: { terminated: { reason: 'Completed', exitCode: 0 } } }];
  p.status.ephemeralContainerStatuses = [running('kc-helper', 'busybox:1.36.1-musl')];
  const cs = await new Classifier(backend).classifyPod(p);
  assert.deepEqual(cs.map((c) => [c.container, c.role, c.compatibility]), [
    ['setup', 'init', 'Not running'],
    ['app', 'app', 'Standard'],
    ['kc-helper', 'ephemeral', 'Standard'],
  ]);
});

test('a probe that fails for an unknown reason is not cached and says so', async () => {
  let n = 0;
  const { backend } = fake({ exec: () => (n++ === 0 ? new KubeError('unreachable', 'Cannot reach the API server at https://x (ECONNRESET)') : ok(DEBIAN)) });
  const cl = new Classifier(backend);
  const [a] = await cl.classifyPod(pod('flaky', [{ name: 'app', image: 'demo/standard:1' }]));
  assert.match(a.reason, /probe failed/);
  const [b] = await cl.classifyPod(pod('flaky', [{ name: 'app', image: 'demo/standard:1' }]));
  assert.equal(b.compatibility, 'Standard');
  assert.equal(b.missing, undefined);
});

test('outcomeOfProbe: exit 127 from the shell = no shell, 126 = blocked, garbage output = failed', () => {
  const exit = (code: number, stdout = '', stderr = ''): ExecResult => ({
    stdout,
    stderr,
    end: { kind: 'exit', exitCode: code, status: { status: 'Failure', details: { causes: [{ reason: 'ExitCode', message: String(code) }] } } },
    exitCode: code,
    truncated: false,
  });
  assert.equal(outcomeOfProbe(exit(127, '', 'sh: not found')).kind, 'no-shell');
  assert.equal(outcomeOfProbe(exit(126, '', 'permission denied')).kind, 'blocked');
  assert.equal(outcomeOfProbe(exit(0, '\u0000\u0001 garbage \n')).kind, 'failed');
  assert.equal(outcomeOfProbe({ stdout: '', stderr: '', end: { kind: 'closed', message: 'the exec stream closed without a status (code 1006)' }, truncated: false }).kind, 'failed');
  assert.equal(outcomeOfProbe(runtimeError(NO_SHELL)).kind, 'no-shell');
  assert.equal(outcomeOfProbe(runtimeError(EXEC_NOT_FOUND)).kind, 'no-shell');
  assert.equal(outcomeOfProbe(runtimeError(BLOCKED)).kind, 'blocked');
  assert.equal(outcomeOfProbe(runtimeError('OCI runtime exec failed: write /proc/self/attr/exec: operation not permitted (seccomp)')).kind, 'blocked');
});
