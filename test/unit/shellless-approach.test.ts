import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { ExecResult } from '../../src/core/cluster/client';
import {
  HELPER_NAME,
  ShelllessError,
  decideHelper,
  ephemeralContainerPatch,
  helperContainer,
  helperIndex,
  helperName,
  prepareDebugContainer,
  verifyHelper,
  type HelperCluster,
  type PodChange,
} from '../../src/core/scan/debugContainer';
import { startupScript } from '../../src/core/scan/helperScript';
import { enforcedLevel, preflightDebug, preflightMessage, preflightSidecar, requiredPermissions, targetUser, type Json } from '../../src/core/scan/shelllessPreflight';
import { SIDECAR_NAME, applyJsonPatch, prepareSidecar, sidecarPatch, sidecarRefusal } from '../../src/core/scan/sidecar';

// --- fixtures -----------------------------------------------------------------------------------------------

function pod(o: { eph?: Json[]; ephStatus?: Json[]; app?: Json; podSec?: Json; shared?: boolean; extra?: Json[]; appState?: Json; os?: string; runtimeClassName?: string } = {}): Json {
  return {
    metadata: { name: 'distroless-app', namespace: 'demo', uid: 'uid-1' },
    spec: {
      containers: [{ name: 'app', image: 'gcr.io/distroless/static', ...o.app }, ...(o.extra ?? [])],
      ephemeralContainers: o.eph ?? [],
      ...(o.podSec ? { securityContext: o.podSec } : {}),
      ...(o.shared ? { shareProcessNamespace: true } : {}),
      ...(o.os ? { os: { name: o.os } } : {}),
      ...(o.runtimeClassName ? { runtimeClassName: o.runtimeClassName } : {}),
    },
    status: {
      containerStatuses: [
        { name: 'app', state: o.appState ?? { running: { startedAt: 'x' } }, containerID: 'containerd://' + 'a'.repeat(64) },
        ...(o.extra ?? []).map((c) => ({ name: c.name, state: { running: {} } })),
      ],
      ephemeralContainerStatuses: o.ephStatus ?? [],
    },
  };
}
const eph = (name: string, target = 'app', image = 'busybox:1.36.1-musl') => ({ name, targetContainerName: target, image });
const running = (name: string) => ({ name, state: { running: { startedAt: 'x' } } });
const terminated = (name: string) => ({ name, state: { terminated: { exitCode: 137, reason: 'Error' } } });
const waiting = (name: string, reason = 'ContainerCreating') => ({ name, state: { waiting: { reason } } });
const IMG = 'busybox:1.36.1-musl';
const allow = { 'get pods': true, 'get pods/exec': true, 'create pods/exec': true, 'patch pods/ephemeralcontainers': true };

// --- naming and reuse ---------------------------------------------------------------------------------------

test('helper names: kc-scan-helper, then kc-scan-helper-2, -3 …; other names are not ours', () => {
  assert.equal(helperName(1), 'kc-scan-helper');
  assert.equal(helperName(2), 'kc-scan-helper-2');
  assert.equal(helperIndex('kc-scan-helper'), 1);
  assert.equal(helperIndex('kc-scan-helper-12'), 12);
  for (const n of ['debugger-xl2pq', 'kc-scan-helper-', 'kc-scan-helper-0', 'kc-scan-helper-02', 'xkc-scan-helper']) assert.equal(helperIndex(n), undefined, n);
});

test('no helper yet → create kc-scan-helper', () => {
  assert.deepEqual(decideHelper(pod(), 'app', IMG), { action: 'create', name: HELPER_NAME });
  // someone else's debug container does not count and is not reused
  assert.deepEqual(decideHelper(pod({ eph: [eph('debugger-abc')], ephStatus: [running('debugger-abc')] }), 'app', IMG), { action: 'create', name: HELPER_NAME });
});

test('our running helper for the same target is reused', () => {
  assert.deepEqual(decideHelper(pod({ eph: [eph('kc-scan-helper')], ephStatus: [running('kc-scan-helper')] }), 'app', IMG), { action: 'reuse', name: 'kc-scan-helper' });
});

test('a terminated helper (target restarted) → a new helper under the next name, never a reused one', () => {
  const d = decideHelper(pod({ eph: [eph('kc-scan-helper')], ephStatus: [terminated('kc-scan-helper')] }), 'app', IMG);
  assert.equal(d.action, 'create');
  assert.equal(d.name, 'kc-scan-helper-2');
  assert.match((d as { previous?: { why: string } }).previous?.why ?? '', /kc-scan-helper terminated.*app restarted/);
  // with -2 also terminated: -3; the newest helper decides, older terminated ones are history
  const d3 = decideHelper(pod({ eph: [eph('kc-scan-helper'), eph('kc-scan-helper-2')], ephStatus: [terminated('kc-scan-helper'), terminated('kc-scan-helper-2')] }), 'app', IMG);
  assert.equal(d3.name, 'kc-scan-helper-3');
  const r2 = decideHelper(pod({ eph: [eph('kc-scan-helper'), eph('kc-scan-helper-2')], ephStatus: [terminated('kc-scan-helper'), running('kc-scan-helper-2')] }), 'app', IMG);
  assert.deepEqual(r2, { action: 'reuse', name: 'kc-scan-helper-2' });
});

test('numbering is per pod: a helper for another target takes a number too', () => {
  const p = pod({ extra: [{ name: 'side', image: 'x' }], eph: [eph('kc-scan-helper', 'side')], ephStatus: [running('kc-scan-helper')] });
  assert.deepEqual(decideHelper(p, 'app', IMG), { action: 'create', name: 'kc-scan-helper-2' });
  assert.deepEqual(decideHelper(p, 'side', IMG), { action: 'reuse', name: 'kc-scan-helper' });
});

test('a helper still starting is waited for; one stuck on its image is reported, or replaced when the image setting changed', () => {
  assert.deepEqual(decideHelper(pod({ eph: [eph('kc-scan-helper')], ephStatus: [waiting('kc-scan-helper')] }), 'app', IMG), { action: 'wait', name: 'kc-scan-helper' });
  assert.deepEqual(decideHelper(pod({ eph: [eph('kc-scan-helper')] }), 'app', IMG), { action: 'wait', name: 'kc-scan-helper' }, 'no status yet');
  const stuck = pod({ eph: [eph('kc-scan-helper', 'app', 'typo:1')], ephStatus: [waiting('kc-scan-helper', 'ImagePullBackOff')] });
  assert.equal(decideHelper(stuck, 'app', 'typo:1').action, 'failed');
  assert.deepEqual(decideHelper(stuck, 'app', IMG), { action: 'create', name: 'kc-scan-helper-2', previous: { name: 'kc-scan-helper', why: 'kc-scan-helper cannot start: ImagePullBackOff' } });
});

// --- patch body ---------------------------------------------------------------------------------------------

test('the ephemeral-container patch adds exactly one helper targeting the container, running the startup script', () => {
  const c = helperContainer({ name: 'kc-scan-helper', target: 'app', image: IMG, selector: { mode: 'pid1' }, capabilities: ['SYS_CHROOT', 'SYS_PTRACE'], runAsRoot: false });
  const body = ephemeralContainerPatch(c);
  assert.deepEqual(Object.keys(body), ['spec']);
  assert.equal(body.spec.ephemeralContainers.length, 1);
  const h = body.spec.ephemeralContainers[0];
  assert.equal(h.name, 'kc-scan-helper');
  assert.equal(h.targetContainerName, 'app');
  assert.equal(h.image, IMG);
  assert.deepEqual(h.command, ['/bin/busybox', 'sh', '-c', startupScript({ mode: 'pid1' })]);
  assert.deepEqual(h.securityContext, { capabilities: { add: ['SYS_CHROOT', 'SYS_PTRACE'] } });
  assert.equal(h.stdin, false);
  // a root target: no SYS_PTRACE; a pod forcing non-root: the helper says runAsUser 0
  const root = helperContainer({ name: 'kc-scan-helper-2', target: 'app', image: IMG, selector: { mode: 'pid1' }, capabilities: ['SYS_CHROOT'], runAsRoot: true });
  assert.deepEqual(root.securityContext, { capabilities: { add: ['SYS_CHROOT'] }, runAsUser: 0, runAsNonRoot: false });
});

// --- target user, PSA, RBAC -----------------------------------------------------------------------------------

test('targetUser: container runAsUser, else the pod\'s, else runAsNonRoot, else the image tag, else unknown', () => {
  assert.deepEqual(targetUser(pod({ app: { securityContext: { runAsUser: 65532 } }, podSec: { runAsUser: 0 } }), 'app').nonRoot, true);
  assert.deepEqual(targetUser(pod({ app: { securityContext: { runAsUser: 0 } }, podSec: { runAsUser: 1000 } }), 'app').nonRoot, false);
  assert.equal(targetUser(pod({ podSec: { runAsUser: 1000 } }), 'app').uid, 1000);
  assert.equal(targetUser(pod({ podSec: { runAsNonRoot: true } }), 'app').nonRoot, true);
  assert.equal(targetUser(pod({ app: { image: 'gcr.io/distroless/static:nonroot' } }), 'app').nonRoot, true);
  assert.equal(targetUser(pod(), 'app').nonRoot, undefined);
});

test('enforcedLevel reads pod-security.kubernetes.io/enforce only', () => {
  assert.equal(enforcedLevel({ metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } }), 'baseline');
  assert.equal(enforcedLevel({ metadata: { labels: { 'pod-security.kubernetes.io/warn': 'restricted' } } }), undefined);
  assert.equal(enforcedLevel(undefined), undefined);
});

const nsWith = (level?: string) => ({ metadata: { name: 'demo', labels: level ? { 'pod-security.kubernetes.io/enforce': level } : {} } });

test('debug preflight: privileged/unlabelled namespace, non-root target → SYS_CHROOT + SYS_PTRACE', () => {
  const r = preflightDebug({ pod: pod({ app: { securityContext: { runAsUser: 65532 } } }), namespace: nsWith(), target: 'app', access: allow });
  assert.ok(r.ok);
  assert.deepEqual(r.addCapabilities, ['SYS_CHROOT', 'SYS_PTRACE']);
});

test('debug preflight: a root target needs no SYS_PTRACE', () => {
  const r = preflightDebug({ pod: pod({ app: { securityContext: { runAsUser: 0 } } }), namespace: nsWith('baseline'), target: 'app', access: allow });
  assert.ok(r.ok);
  assert.deepEqual(r.addCapabilities, ['SYS_CHROOT']);
});

test('debug preflight: baseline forbids SYS_PTRACE → a non-root target is refused, an unknown user gets a warning', () => {
  const r = preflightDebug({ pod: pod({ app: { securityContext: { runAsUser: 65532 } } }), namespace: nsWith('baseline'), target: 'app', access: allow });
  assert.ok(!r.ok);
  assert.deepEqual(r.blockers.map((b) => b.code), ['psa-baseline-nonroot']);
  assert.match(r.blockers[0].message, /CAP_SYS_PTRACE.*"baseline" forbids/);
  assert.match(r.alternative ?? '', /exemption|privileged/);
  const u = preflightDebug({ pod: pod(), namespace: nsWith('baseline'), target: 'app', access: allow });
  assert.ok(u.ok);
  assert.deepEqual(u.addCapabilities, ['SYS_CHROOT']);
  assert.match(u.warnings.join('\n'), /baseline.*non-root user, the helper cannot read it/);
});

test('debug preflight: restricted → no chroot at all, whatever the user', () => {
  const r = preflightDebug({ pod: pod({ app: { securityContext: { runAsUser: 0 } } }), namespace: nsWith('restricted'), target: 'app', access: allow });
  assert.deepEqual(r.blockers.map((b) => b.code), ['psa-restricted']);
  assert.match(preflightMessage(r), /restricted.*drop ALL.*chroot[\s\S]*Nothing was changed/);
});

test('debug preflight: RBAC without patch on pods/ephemeralcontainers → refused, the sidecar named when the pod has one', () => {
  const access = { ...allow, 'patch pods/ephemeralcontainers': false };
  const r = preflightDebug({ pod: pod(), namespace: nsWith(), target: 'app', access });
  assert.deepEqual(r.blockers.map((b) => b.code), ['rbac-patch']);
  assert.match(r.alternative ?? '', /Add Scanner Sidecar/);
  const side = preflightDebug({ pod: pod({ shared: true, extra: [{ name: 'scanner', image: 'busybox' }] }), namespace: nsWith(), target: 'app', access });
  assert.match(side.alternative ?? '', /sidecar approach through scanner/);
  // reusing a running helper needs no patch
  assert.ok(preflightDebug({ pod: pod(), namespace: nsWith(), target: 'app', access, needPatch: false }).ok);
});

test('debug preflight: no exec, not running, Windows, Sandboxed are each refused with their own reason', () => {
  const noExec = preflightDebug({ pod: pod(), namespace: nsWith(), target: 'app', access: { ...allow, 'create pods/exec': false } });
  assert.deepEqual(noExec.blockers.map((b) => b.code), ['rbac-exec']);
  assert.equal(noExec.alternative, undefined);
  const stopped = preflightDebug({ pod: pod({ appState: { waiting: { reason: 'CrashLoopBackOff' } } }), namespace: nsWith(), target: 'app', access: allow });
  assert.deepEqual(stopped.blockers.map((b) => b.code), ['not-running']);
  assert.match(stopped.blockers[0].message, /waiting: CrashLoopBackOff/);
  const win = preflightDebug({ pod: pod({ os: 'windows' }), namespace: nsWith(), target: 'app', access: allow });
  assert.equal(win.blockers[0].code, 'windows');
  assert.match(win.blockers[0].message, /Windows containers .*\/proc\/<pid>\/root and chroot/);
  const sb = preflightDebug({
    pod: pod(),
    namespace: nsWith(),
    target: 'app',
    access: allow,
    classification: { compatibility: 'Sandboxed', reason: 'exec refused: AppArmor profile kc-deny denies exec' },
  });
  assert.equal(sb.blockers[0].code, 'sandboxed');
  assert.match(sb.blockers[0].message, /AppArmor profile kc-deny denies exec.*refused by the same security profile/);
  assert.equal(preflightDebug({ pod: pod({ runtimeClassName: 'gvisor' }), namespace: nsWith(), target: 'app', access: allow }).blockers[0].code, 'sandboxed');
});

test('required permissions: debug adds patch on pods/ephemeralcontainers only when a helper must be added', () => {
  const keys = (ps: ReturnType<typeof requiredPermissions>) => ps.map((p) => `${p.verb} ${p.resource}${p.subresource ? '/' + p.subresource : ''}`);
  assert.deepEqual(keys(requiredPermissions('debug-container', 'demo', 'p', true)), ['get pods', 'get pods/exec', 'create pods/exec', 'patch pods/ephemeralcontainers']);
  assert.deepEqual(keys(requiredPermissions('debug-container', 'demo', 'p', false)), ['get pods', 'get pods/exec', 'create pods/exec']);
  assert.deepEqual(keys(requiredPermissions('sidecar', 'demo', 'p', true)), ['get pods', 'get pods/exec', 'create pods/exec']);
  for (const p of requiredPermissions('sidecar', 'demo', 'p', true)) assert.equal(p.name, 'p');
});

test('sidecar preflight: needs shareProcessNamespace and a running scanner sidecar', () => {
  const ok = preflightSidecar({ pod: pod({ shared: true, extra: [{ name: 'scanner', image: 'busybox' }] }), namespace: nsWith(), target: 'app', access: allow });
  assert.ok(ok.ok);
  assert.equal(ok.sidecar, 'scanner');
  const noShare = preflightSidecar({ pod: pod({ extra: [{ name: 'scanner', image: 'busybox' }] }), namespace: nsWith(), target: 'app', access: allow });
  assert.deepEqual(noShare.blockers.map((b) => b.code), ['no-shared-pid']);
  assert.match(noShare.alternative ?? '', /debug-container/);
  const none = preflightSidecar({ pod: pod({ shared: true }), namespace: nsWith(), target: 'app', access: allow });
  assert.deepEqual(none.blockers.map((b) => b.code), ['sidecar-missing']);
});

// --- sidecar JSON patch -----------------------------------------------------------------------------------------

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'demo', resourceVersion: '42' },
  spec: { replicas: 3, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } },
};

test('the sidecar JSON patch: test resourceVersion, shareProcessNamespace: true, the kc-scanner container', () => {
  const ops = sidecarPatch(deployment);
  assert.deepEqual(
    ops.map((o) => [o.op, o.path]),
    [
      ['test', '/metadata/resourceVersion'],
      ['add', '/spec/template/spec/shareProcessNamespace'],
      ['add', '/spec/template/spec/containers/-'],
    ],
  );
  assert.equal(ops[0].value, '42');
  assert.equal(ops[1].value, true);
  const c = ops[2].value as Json;
  assert.equal(c.name, SIDECAR_NAME);
  assert.equal(c.image, 'busybox:1.36.1-musl');
  assert.deepEqual(c.command, ['/bin/busybox', 'sh', '-c', startupScript({ mode: 'shared' })]);
  assert.deepEqual(c.securityContext.capabilities.add, ['SYS_CHROOT', 'SYS_PTRACE'], 'the web container\'s user is unknown');
  const after = applyJsonPatch(deployment as Json, ops);
  assert.equal(after.spec.template.spec.shareProcessNamespace, true);
  assert.deepEqual(after.spec.template.spec.containers.map((x: Json) => x.name), ['web', 'kc-scanner']);
  assert.equal(deployment.spec.template.spec.containers.length, 1, 'the original is not modified');
  assert.throws(() => applyJsonPatch({ ...deployment, metadata: { ...deployment.metadata, resourceVersion: '43' } }, ops), /test failed/);
});

test('the sidecar patch honours Pod Security: no SYS_PTRACE under baseline, refused under restricted; root-only templates get no SYS_PTRACE', () => {
  assert.deepEqual((sidecarPatch(deployment, { psaLevel: 'baseline' })[2].value as Json).securityContext.capabilities.add, ['SYS_CHROOT']);
  assert.throws(() => sidecarPatch(deployment, { psaLevel: 'restricted' }), /restricted/);
  const rootOnly = structuredClone(deployment);
  (rootOnly.spec.template.spec.containers[0] as Json).securityContext = { runAsUser: 0 };
  assert.deepEqual((sidecarPatch(rootOnly)[2].value as Json).securityContext.capabilities.add, ['SYS_CHROOT']);
});

test('the sidecar is refused for bare pods, Jobs and CronJobs, and added only once', () => {
  assert.match(sidecarRefusal('Pod') ?? '', /bare pod cannot get a scanner sidecar/);
  assert.match(sidecarRefusal('Job') ?? '', /run to completion/);
  assert.equal(sidecarRefusal('StatefulSet'), undefined);
  assert.equal(sidecarRefusal('DaemonSet'), undefined);
  assert.throws(() => sidecarPatch({ ...deployment, kind: 'Pod' }), ShelllessError);
  const twice = applyJsonPatch(deployment, sidecarPatch(deployment));
  assert.throws(() => sidecarPatch(twice), /already has the scanner sidecar/);
});

// --- orchestration against a fake cluster ------------------------------------------------------------------

class FakeCluster implements HelperCluster {
  calls: string[] = [];
  patches: Json[][] = [];
  deny = new Set<string>();
  execReply: (container: string, command: string[]) => Partial<ExecResult> = () => ({ exitCode: 0, stdout: 'kc-ok:7\n' });
  constructor(public pod: Json, public ns: Json = nsWith()) {}
  async getPodJson() {
    this.calls.push('get pod');
    return structuredClone(this.pod);
  }
  async request<T>(method: string, path: string): Promise<T> {
    this.calls.push(`${method} ${path}`);
    return structuredClone(this.ns) as T;
  }
  async patchEphemeralContainers(_ns: string, _pod: string, containers: Json[]) {
    this.calls.push('patch');
    this.patches.push(containers);
    this.pod.spec.ephemeralContainers.push(...containers);
    for (const c of containers) this.pod.status.ephemeralContainerStatuses.push(running(c.name));
    return this.pod;
  }
  async exec(_ns: string, _pod: string, container: string, command: string[]): Promise<ExecResult> {
    this.calls.push(`exec ${container} ${command.slice(0, 2).join(' ')}`);
    const r = this.execReply(container, command);
    return { stdout: '', stderr: '', truncated: false, end: { kind: 'exit', exitCode: r.exitCode ?? 0, status: {} }, ...r } as ExecResult;
  }
  async selfSubjectAccessReview(a: { verb: string; resource: string; subresource?: string }) {
    const key = `${a.verb} ${a.resource}${a.subresource ? '/' + a.subresource : ''}`;
    return { allowed: !this.deny.has(key) };
  }
}

test('prepareDebugContainer: asks, adds one helper, waits, verifies through /bin/sh, and plans -t …/kc-scan-helper', async () => {
  const c = new FakeCluster(pod());
  const asked: PodChange[] = [];
  const plan = await prepareDebugContainer(c, { namespace: 'demo', pod: 'distroless-app', container: 'app' }, { confirm: async (ch) => (asked.push(ch), true), pollMs: 1 });
  assert.equal(asked.length, 1);
  assert.equal(asked[0].podUid, 'uid-1');
  assert.match(asked[0].summary, /cannot be removed: it stays in the pod spec until the pod is replaced/);
  assert.equal(c.patches.length, 1);
  assert.equal(c.patches[0].length, 1);
  assert.deepEqual(plan.transportTarget, { namespace: 'demo', pod: 'distroless-app', container: 'kc-scan-helper' });
  assert.equal(plan.kind, 'debug-container');
  assert.equal(plan.description, 'debug container kc-scan-helper → app');
  assert.ok(plan.created);
  assert.ok(c.calls.includes('exec kc-scan-helper /bin/sh -c'));
  // second time: reused, nothing asked, nothing patched
  const again = await prepareDebugContainer(c, { namespace: 'demo', pod: 'distroless-app', container: 'app' }, { confirm: async () => assert.fail('must not ask again'), pollMs: 1 });
  assert.equal(again.transportTarget.container, 'kc-scan-helper');
  assert.ok(!again.created);
  assert.equal(c.patches.length, 1);
});

test('prepareDebugContainer: a declined confirmation or a failed preflight changes nothing', async () => {
  const c = new FakeCluster(pod());
  await assert.rejects(prepareDebugContainer(c, { namespace: 'demo', pod: 'distroless-app', container: 'app' }, { confirm: async () => false }), (e: ShelllessError) => e.code === 'declined' && /Nothing was changed/.test(e.message));
  const ro = new FakeCluster(pod());
  ro.deny = new Set(['patch pods/ephemeralcontainers', 'create pods/exec']);
  await assert.rejects(prepareDebugContainer(ro, { namespace: 'demo', pod: 'distroless-app', container: 'app' }, { confirm: async () => assert.fail('must not ask') }), (e: ShelllessError) => e.code === 'preflight' && /pods\/exec/.test(e.message));
  assert.equal(c.patches.length + ro.patches.length, 0);
});

test('prepareDebugContainer: a helper that cannot read the target reports the wrapper\'s reason', async () => {
  const c = new FakeCluster(pod({ eph: [eph('kc-scan-helper')], ephStatus: [running('kc-scan-helper')] }));
  c.execReply = () => ({ exitCode: 126, stderr: 'kube-compliance helper: cannot access /proc/1/root: the target app runs as another user or with capabilities this helper lacks; the helper needs CAP_SYS_PTRACE\n' });
  await assert.rejects(prepareDebugContainer(c, { namespace: 'demo', pod: 'distroless-app', container: 'app' }, { confirm: async () => true }), (e: ShelllessError) => e.code === 'unreachable' && /^Cannot access \/proc\/1\/root.*CAP_SYS_PTRACE/.test(e.message));
});

test('prepareSidecar: installs the wrapper once (after asking), points it at the target, plans -t …/scanner', async () => {
  const c = new FakeCluster(pod({ shared: true, extra: [{ name: 'scanner', image: 'busybox' }] }));
  let installed = false;
  const scripts: string[] = [];
  c.execReply = (_ctr, cmd) => {
    const script = cmd[3] ?? '';
    scripts.push(script);
    if (cmd[0] === '/bin/busybox' && script.startsWith('cat ')) return { exitCode: 0, stdout: installed ? '1\n' : '' };
    if (cmd[0] === '/bin/busybox' && script.includes('KC_WRAPPER')) installed = true;
    return { exitCode: 0, stdout: 'kc-ok:7\n' };
  };
  let asked = 0;
  const plan = await prepareSidecar(c, { namespace: 'demo', pod: 'distroless-app', container: 'app' }, { confirm: async () => (asked++, true) });
  assert.equal(asked, 1);
  assert.ok(installed);
  assert.deepEqual(plan.transportTarget, { namespace: 'demo', pod: 'distroless-app', container: 'scanner' });
  assert.equal(plan.description, 'sidecar scanner → app');
  assert.ok(scripts.some((s) => s.includes('/opt/kube-compliance/target') && s.includes('KC_NAME')), 'the target is written');
  await prepareSidecar(c, { namespace: 'demo', pod: 'distroless-app', container: 'app' }, { confirm: async () => assert.fail('installed already: no question') });
  assert.equal(c.patches.length, 0, 'the sidecar approach never patches the pod');
});

test('verifyHelper: a helper whose /bin/sh is not the wrapper yet is retried, not taken for ready', async () => {
  const c = new FakeCluster(pod({ eph: [eph('kc-scan-helper')], ephStatus: [running('kc-scan-helper')] }));
  let n = 0;
  // the first two answers come from the image's own shell (the startup script is still installing the wrapper)
  c.execReply = () => (++n <= 2 ? { exitCode: 0, stdout: 'kc-ok:\n' } : { exitCode: 0, stdout: 'kc-ok:1\n' });
  await prepareDebugContainer(c, { namespace: 'demo', pod: 'distroless-app', container: 'app' }, { confirm: async () => true });
  assert.equal(n, 3);
  const never = new FakeCluster(pod({ eph: [eph('kc-scan-helper')], ephStatus: [running('kc-scan-helper')] }));
  never.execReply = () => ({ exitCode: 0, stdout: 'kc-ok:\n' });
  await assert.rejects(verifyHelper(never, 'demo', 'distroless-app', 'kc-scan-helper', undefined, 300), /did not install the wrapper/);
});

test('sidecar preflight: a sidecar without CAP_SYS_PTRACE cannot read a non-root sibling → refused, debug container suggested', () => {
  const p = pod({ shared: true, podSec: undefined, app: { securityContext: { runAsUser: 65532 } }, extra: [{ name: 'scanner', image: 'busybox' }] });
  const r = preflightSidecar({ pod: p, namespace: nsWith(), target: 'app', access: allow });
  assert.deepEqual(r.blockers.map((b) => b.code), ['sidecar-capabilities']);
  assert.match(r.blockers[0].message, /scanner has no CAP_SYS_PTRACE/);
  assert.match(r.alternative ?? '', /debug-container approach/);
  const withCap = pod({ shared: true, app: { securityContext: { runAsUser: 65532 } }, extra: [{ name: 'scanner', image: 'busybox', securityContext: { capabilities: { add: ['SYS_PTRACE'] } } }] });
  assert.ok(preflightSidecar({ pod: withCap, namespace: nsWith(), target: 'app', access: allow }).ok);
  const unknownUser = preflightSidecar({ pod: pod({ shared: true, extra: [{ name: 'scanner', image: 'busybox' }] }), namespace: nsWith(), target: 'app', access: allow });
  assert.ok(unknownUser.ok);
  assert.match(unknownUser.warnings.join('\n'), /no CAP_SYS_PTRACE/);
});
