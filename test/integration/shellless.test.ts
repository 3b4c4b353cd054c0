// Shell-less scans against the emulator's real namespaces: the debug-container approach on demo/distroless-app and
// the sidecar approach on demo/shared-pid-app, run end to end with the test-double auditor in both transport styles.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ClusterClient, loadKubeconfig } from '../../src/core/cluster/client';
import type { KubeError } from '../../src/core/cluster/errors';
import { DEFAULT_HELPER_IMAGE, HELPER_NAME, ShelllessError, helperContainer, prepareDebugContainer, type PodChange } from '../../src/core/scan/debugContainer';
import { podTargetSelector, preflightDebug, type Json } from '../../src/core/scan/shelllessPreflight';
import { TARGET_PID_VARIABLE } from '../../src/core/scan/helperScript';
import { SIDECAR_NAME, applySidecar, prepareSidecar, proposeSidecar } from '../../src/core/scan/sidecar';
import { startCluster, type Cluster } from '../emulator/index';
import { targetUri } from '../../src/core/cluster/types';

const root = join(__dirname, '..', '..');
const DOUBLE = join(root, 'test', 'fixtures', 'test-double-auditor.mjs');
const PROFILE = join(root, 'test', 'fixtures', 'profiles', 'distroless-target');

let cluster: Cluster;
let admin: ClusterClient;
let readonly: ClusterClient;
let work: string;

before(async () => {
  cluster = await startCluster();
  const load = loadKubeconfig([cluster.kubeconfigPath]);
  admin = ClusterClient.forContext(load, 'demo-admin');
  readonly = ClusterClient.forContext(load, 'demo-readonly');
  work = mkdtempSync(join(tmpdir(), 'kc-shellless-cluster-'));
});

after(async () => {
  admin?.dispose();
  readonly?.dispose();
  await cluster?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Scan {
  status: number;
  report: { platform: { name: string; release: string }; profiles: Array<{ controls: Array<{ id: string; results: Array<{ status: string; code_desc: string; message?: string }> }> }> };
  execs: Array<{ argv?: string[]; stdin?: string; session?: boolean; instruction?: string; sessionLost?: string }>;
  stderr: string;
}

let scanNo = 0;
/**
 * Runs the test-double auditor against the product's target URI the way the scan task does. Asynchronously:
 * the emulator answers from this process's event loop.
 */
async function scan(ns: string, pod: string, container: string, env: Record<string, string>): Promise<Scan> {
  const n = ++scanNo;
  const out = join(work, `report-${n}.json`);
  const log = join(work, `execs-${n}.jsonl`);
  writeFileSync(log, '');
  const child = spawn(process.execPath, [DOUBLE, 'exec', PROFILE, '-t', targetUri({ namespace: ns, pod, container }), '--reporter', 'cli', `json:${out}`], {
    env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath, KUBECACHEDIR: join(work, 'kubecache'), KC_DOUBLE_EXEC_LOG: log, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout.resume();
  const timer = setTimeout(() => child.kill('SIGKILL'), 240000);
  const status = await new Promise<number>((res) => child.on('close', (code) => res(code ?? -1)));
  clearTimeout(timer);
  const execs = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  return { status, report: JSON.parse(readFileSync(out, 'utf8')), execs, stderr };
}

/** Every result of every control passed, and the report describes the distroless target. */
function assertTargetRead(s: Scan, label: string): void {
  assert.equal(s.report.platform.name, 'debian', `${label}: platform from the target's os-release (the helper's is ID=busybox)\n${s.stderr}`);
  assert.equal(s.report.platform.release, '12');
  const controls = s.report.profiles[0].controls;
  assert.deepEqual(controls.map((c) => c.id).sort(), ['command-reads-target', 'helper-files-invisible', 'os-release-is-target', 'target-app-dir', 'target-only-file']);
  for (const c of controls) for (const r of c.results) assert.equal(r.status, 'passed', `${label}: ${c.id}: ${r.code_desc}: ${r.message ?? ''}`);
  const marker = controls.find((c) => c.id === 'target-only-file')!;
  assert.equal(marker.results.length, 5);
  const invisible = controls.find((c) => c.id === 'helper-files-invisible')!;
  assert.ok(invisible.results.some((r) => /File \/bin\/sh/.test(r.code_desc)), 'file(/bin/sh) was checked (and does not exist)');
  assert.equal(s.status, 0, `${label}: exit 0 (nothing failed)\n${s.stderr}`);
}

const distroless = { namespace: 'demo', pod: 'distroless-app', container: 'app' };
const changes: PodChange[] = [];
const confirm = async (c: PodChange) => (changes.push(c), true);

/** The helper the product adds to `pod` when no Pod Security level stops it (its own preflight, namespace unlabelled). */
async function wouldAddHelper(pod: string): Promise<Json & { name: string }> {
  const p = await admin.getPodJson('demo', pod);
  const pre = preflightDebug({ pod: p, namespace: { metadata: { name: 'demo', labels: {} } }, target: 'app', access: {} });
  return { ...helperContainer({ name: HELPER_NAME, target: 'app', image: DEFAULT_HELPER_IMAGE, selector: podTargetSelector(p, 'app', false), capabilities: pre.addCapabilities, runAsRoot: pre.helperRunsAsRoot }), name: HELPER_NAME };
}

async function ephemeralNames(): Promise<string[]> {
  const p = await admin.getPodJson('demo', 'distroless-app');
  return (p.spec?.ephemeralContainers ?? []).map((c: { name: string }) => c.name);
}

test('demo-readonly gets a clear refusal before anything is changed', async () => {
  await assert.rejects(
    prepareDebugContainer(readonly, distroless, { confirm: async () => assert.fail('must not ask: the preflight refuses first') }),
    (e: ShelllessError) => e.code === 'preflight' && /pods\/ephemeralcontainers/.test(e.message) && /pods\/exec/.test(e.message) && /Nothing was changed/.test(e.message),
  );
  await assert.rejects(
    prepareSidecar(readonly, { namespace: 'demo', pod: 'shared-pid-app', container: 'app' }, { confirm: async () => assert.fail('must not ask') }),
    (e: ShelllessError) => e.code === 'preflight' && /pods\/exec/.test(e.message),
  );
  assert.deepEqual(await ephemeralNames(), []);
});

test('Pod Security: a namespace enforcing baseline or restricted is refused before anything changes', async () => {
  const label = (level: string | null) =>
    admin.request('PATCH', '/api/v1/namespaces/demo', { body: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': level } } }, contentType: 'application/merge-patch+json' });
  try {
    await label('baseline');
    // distroless-app runs as uid 65532: reading it needs SYS_PTRACE, which baseline forbids
    await assert.rejects(
      prepareDebugContainer(admin, distroless, { confirm: async () => assert.fail('must not ask') }),
      (e: ShelllessError) => e.code === 'preflight' && /CAP_SYS_PTRACE.*"baseline" forbids/.test(e.message) && /Would work instead: .*exemption/.test(e.message),
    );
    // …and the refusal is right, not merely cautious: the emulator enforces Pod Security, and the helper the product
    // adds where nothing stops it (SYS_CHROOT + SYS_PTRACE) is refused by the API server with the PodSecurity message
    const would = await wouldAddHelper('distroless-app');
    assert.deepEqual(would.securityContext.capabilities.add, ['SYS_CHROOT', 'SYS_PTRACE']);
    await assert.rejects(
      admin.patchEphemeralContainers('demo', 'distroless-app', [would]),
      (e: KubeError) =>
        e.code === 403 &&
        e.details.reason === 'Forbidden' &&
        e.message.includes('pods "distroless-app" is forbidden: violates PodSecurity "baseline:latest": non-default capabilities (container "kc-scan-helper" must not include "SYS_PTRACE" in securityContext.capabilities.add)'),
    );
    await label('restricted');
    await assert.rejects(
      prepareSidecar(admin, { namespace: 'demo', pod: 'shared-pid-app', container: 'app' }, { confirm: async () => assert.fail('must not ask') }),
      (e: ShelllessError) => e.code === 'preflight' && /"restricted"/.test(e.message),
    );
    await assert.rejects(
      prepareDebugContainer(admin, distroless, { confirm: async () => assert.fail('must not ask') }),
      (e: ShelllessError) => e.code === 'preflight' && /"restricted"/.test(e.message),
    );
    await assert.rejects(admin.patchEphemeralContainers('demo', 'distroless-app', [would]), (e: KubeError) => e.code === 403 && /violates PodSecurity "restricted:latest": /.test(e.message));
  } finally {
    await label(null);
  }
  assert.deepEqual(await ephemeralNames(), []);
});

test('Pod Security baseline, enforced by the emulator: for a root shell-less target the product adds a SYS_CHROOT-only helper, which is admitted and reads the target', async () => {
  const label = (level: string | null) =>
    admin.request('PATCH', '/api/v1/namespaces/demo', { body: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': level } } }, contentType: 'application/merge-patch+json' });
  const ref = { namespace: 'demo', pod: 'root-distroless-app', container: 'app' };
  try {
    await label('baseline');
    // the distroless image run as root (runAsUser 0 is allowed by baseline): created under enforcement
    await admin.request('POST', '/api/v1/namespaces/demo/pods', {
      body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: ref.pod }, spec: { containers: [{ name: 'app', image: 'demo.local/distroless:nonroot', securityContext: { runAsUser: 0 } }] } },
    });
    for (const deadline = Date.now() + 30000; ; ) {
      const p = await admin.getPodJson('demo', ref.pod);
      if ((p.status?.containerStatuses ?? []).some((c: { state?: { running?: unknown } }) => c.state?.running)) break;
      assert.ok(Date.now() < deadline, `root-distroless-app not running: ${JSON.stringify(p.status)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const asked: PodChange[] = [];
    const plan = await prepareDebugContainer(admin, ref, { confirm: async (c) => (asked.push(c), true), pollMs: 100 });
    assert.equal(asked.length, 1);
    assert.deepEqual(asked[0].capabilities, ['SYS_CHROOT'], 'a root target needs no SYS_PTRACE');
    assert.ok(plan.created);
    const p = await admin.getPodJson('demo', ref.pod);
    assert.deepEqual((p.spec?.ephemeralContainers ?? []).map((c: { name: string }) => c.name), ['kc-scan-helper'], 'admitted');
    const who = await admin.exec('demo', ref.pod, 'kc-scan-helper', ['/bin/sh', '-c', `echo $${TARGET_PID_VARIABLE}; cat /etc/os-release`]);
    assert.match(who.stdout, /VARIANT_ID=distroless-demo/, who.stderr);
  } finally {
    await label(null);
    // the pod and its helper's processes go, so the rest of the file sees the demo namespace as it was
    await admin.request('DELETE', `/api/v1/namespaces/demo/pods/${ref.pod}`).catch(() => undefined);
  }
});

test('debug container: scanning distroless-app/app with the inspec-v1 transport reads the target', async () => {
  const plan = await prepareDebugContainer(admin, distroless, { confirm, pollMs: 100 });
  assert.equal(changes.length, 1, 'asked once before adding the helper');
  assert.deepEqual(changes[0].capabilities, ['SYS_CHROOT', 'SYS_PTRACE'], 'distroless-app runs as uid 65532');
  assert.deepEqual(plan.transportTarget, { namespace: 'demo', pod: 'distroless-app', container: 'kc-scan-helper' });
  assert.deepEqual(await ephemeralNames(), ['kc-scan-helper']);
  const s = await scan('demo', 'distroless-app', 'kc-scan-helper', { KC_DOUBLE_TRANSPORT: 'inspec-v1' });
  assertTargetRead(s, 'inspec-v1');
  assert.ok(s.execs.length > 5);
  // inspec 1.3.1: one command string per exec, run by the local /bin/sh
  for (const e of s.execs) assert.ok(e.instruction!.startsWith('kubectl exec --stdin distroless-app -n demo -c kc-scan-helper -- /bin/sh -c "'), e.instruction);
});

test('debug container: a second scan reuses the same helper; the MITRE transport (probe, then /bin/bash one-off) reads the target too', async () => {
  const before = changes.length;
  const plan = await prepareDebugContainer(admin, distroless, { confirm, pollMs: 100 });
  assert.equal(plan.transportTarget.container, 'kc-scan-helper');
  assert.ok(!plan.created);
  assert.equal(changes.length, before, 'not asked again');
  assert.deepEqual(await ephemeralNames(), ['kc-scan-helper'], 'no second ephemeral container');
  const s = await scan('demo', 'distroless-app', 'kc-scan-helper', { KC_DOUBLE_TRANSPORT: 'mitre', TRAIN_K8S_SESSION_MODE: 'false' });
  assertTargetRead(s, 'mitre one-off');
  // MITRE's shell detection: `echo test`, then the bash probe, answered OK by the helper, so every later command runs
  // through /bin/bash (argv in kubectl_command_builder.rb's order)
  assert.deepEqual(s.execs[0].argv, ['exec', '--stdin', 'distroless-app', '-n', 'demo', '-c', 'kc-scan-helper', '--', '/bin/sh', '-c', 'echo test']);
  assert.deepEqual(s.execs[1].argv!.slice(-3), ['/bin/sh', '-c', 'test -x /bin/bash && echo OK']);
  for (const e of s.execs.slice(2)) assert.deepEqual(e.argv!.slice(-3, -1), ['/bin/bash', '-c']);
});

test('debug container: MITRE session mode (commands written to one shell\'s stdin) reads the target, but loses stat metadata as 2.2.0 does', async () => {
  const s = await scan('demo', 'distroless-app', 'kc-scan-helper', { KC_DOUBLE_TRANSPORT: 'mitre', TRAIN_K8S_SESSION_MODE: 'true' });
  // MITRE 2.2.0's PTY session (pty_session.rb) removes the echo of a command only when it is one line, so Train's
  // multi-line stat (lib/train/extras/stat.rb) comes back with the echo in it and is read as "no stat": type, mode and
  // owner are nil. That is why kubeCompliance.transport.sessionMode is off by default. Contents and commands are read.
  assert.equal(s.report.platform.name, 'debian', s.stderr);
  const byId = Object.fromEntries(s.report.profiles[0].controls.map((c) => [c.id, c.results]));
  for (const id of ['os-release-is-target', 'command-reads-target']) for (const r of byId[id]) assert.equal(r.status, 'passed', `${id}: ${r.code_desc}`);
  const marker = Object.fromEntries(byId['target-only-file'].map((r) => [r.code_desc.replace('File /app/TARGET-ONLY-marker.txt ', ''), r.status]));
  assert.equal(marker['is expected to exist'], 'passed', 'test -e is one line');
  assert.equal(marker['is expected to be file'], 'failed', 'stat lost in the session');
  assert.equal(marker['mode is expected to cmp == "0600"'], 'failed');
  const sessions = s.execs.filter((e) => e.session);
  // one session for the whole run; MITRE reconnects once when its session is lost (kubectl_exec_client.rb
  // execute_via_pty rescues SessionClosedError), and the double logs each loss with its reason
  const losses = s.execs.filter((e) => e.sessionLost);
  assert.ok(losses.length <= 1, `at most one reconnect: ${JSON.stringify(losses)}`);
  assert.equal(sessions.length, 1 + losses.length, `one session, plus one per logged loss: ${JSON.stringify(losses)}`);
  assert.deepEqual(sessions[0].argv!.slice(-2), ['--', '/bin/bash']);
  assert.ok(s.execs.filter((e) => e.stdin).length > 5, 'commands went through stdin');
  assert.equal(s.execs.filter((e) => e.argv && !e.session).length, 2, 'only the two shell probes ran as their own execs');
});

test('debug container: after the target restarts, a new helper (kc-scan-helper-2) is added and scans', async () => {
  await cluster.restartContainer('demo', 'distroless-app', 'app');
  // the kernel killed the helper with its target's PID namespace
  const deadline = Date.now() + 30000;
  for (;;) {
    const p = await admin.getPodJson('demo', 'distroless-app');
    const st = (p.status?.ephemeralContainerStatuses ?? []).find((x: { name: string }) => x.name === 'kc-scan-helper');
    const app = (p.status?.containerStatuses ?? []).find((x: { name: string }) => x.name === 'app');
    if (st?.state?.terminated && app?.state?.running) break;
    assert.ok(Date.now() < deadline, `helper not terminated / app not running again: ${JSON.stringify(p.status)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const asked = changes.length;
  const plan = await prepareDebugContainer(admin, distroless, { confirm, pollMs: 100 });
  assert.equal(plan.transportTarget.container, 'kc-scan-helper-2');
  assert.ok(plan.created);
  assert.equal(changes.length, asked + 1);
  assert.match(changes.at(-1)!.summary, /kc-scan-helper terminated/);
  assert.deepEqual(await ephemeralNames(), ['kc-scan-helper', 'kc-scan-helper-2']);
  assertTargetRead(await scan('demo', 'distroless-app', 'kc-scan-helper-2', { KC_DOUBLE_TRANSPORT: 'inspec-v1' }), 'after restart');
});

test('sidecar: shared-pid-app/app is scanned through scanner (both transports)', async () => {
  const asked = changes.length;
  const plan = await prepareSidecar(admin, { namespace: 'demo', pod: 'shared-pid-app', container: 'app' }, { confirm });
  assert.equal(changes.length, asked + 1, 'asked before installing the wrapper in scanner');
  assert.deepEqual(plan.transportTarget, { namespace: 'demo', pod: 'shared-pid-app', container: 'scanner' });
  assert.equal(plan.description, 'sidecar scanner → app');
  // the wrapper picked app's process (not pause, not scanner's own)
  const who = await admin.exec('demo', 'shared-pid-app', 'scanner', ['/bin/sh', '-c', `echo $${TARGET_PID_VARIABLE}; cat /etc/os-release`]);
  assert.match(who.stdout, /^\d+\n/);
  assert.notEqual(who.stdout.split('\n')[0], '1');
  assert.match(who.stdout, /VARIANT_ID=distroless-demo/);
  assertTargetRead(await scan('demo', 'shared-pid-app', 'scanner', { KC_DOUBLE_TRANSPORT: 'inspec-v1' }), 'sidecar inspec-v1');
  assertTargetRead(await scan('demo', 'shared-pid-app', 'scanner', { KC_DOUBLE_TRANSPORT: 'mitre', TRAIN_K8S_SESSION_MODE: 'false' }), 'sidecar mitre');
  // prepared again: installed already, no question
  await prepareSidecar(admin, { namespace: 'demo', pod: 'shared-pid-app', container: 'app' }, { confirm: async () => assert.fail('must not ask again') });
  const p = await admin.getPodJson('demo', 'shared-pid-app');
  assert.equal((p.spec?.ephemeralContainers ?? []).length, 0, 'the sidecar approach does not change the pod spec');
});

test('debug container in a shareProcessNamespace pod: the helper finds app among pause, scanner and itself', async () => {
  const plan = await prepareDebugContainer(admin, { namespace: 'demo', pod: 'shared-pid-app', container: 'app' }, { confirm, pollMs: 100 });
  assert.deepEqual(plan.transportTarget, { namespace: 'demo', pod: 'shared-pid-app', container: 'kc-scan-helper' });
  const who = await admin.exec('demo', 'shared-pid-app', 'kc-scan-helper', ['/bin/sh', '-c', `echo $${TARGET_PID_VARIABLE}; cat /etc/os-release`]);
  assert.notEqual(who.stdout.split('\n')[0], '1', 'not the pause process');
  assert.match(who.stdout, /VARIANT_ID=distroless-demo/, who.stderr);
  assertTargetRead(await scan('demo', 'shared-pid-app', 'kc-scan-helper', { KC_DOUBLE_TRANSPORT: 'mitre', TRAIN_K8S_SESSION_MODE: 'false' }), 'debug container, shared PID namespace');
  // app restarts (new PID, new container ID); in the pod's shared PID namespace the helper lives on and is reused
  const oldPid = who.stdout.split('\n')[0];
  await cluster.restartContainer('demo', 'shared-pid-app', 'app');
  const deadline = Date.now() + 30000;
  for (;;) {
    const p = await admin.getPodJson('demo', 'shared-pid-app');
    const app = (p.status?.containerStatuses ?? []).find((x: { name: string }) => x.name === 'app');
    if (app?.restartCount >= 1 && app?.state?.running) break;
    assert.ok(Date.now() < deadline, 'app running again');
    await new Promise((r) => setTimeout(r, 200));
  }
  const again = await prepareDebugContainer(admin, { namespace: 'demo', pod: 'shared-pid-app', container: 'app' }, { confirm: async () => assert.fail('reused: no question') });
  assert.equal(again.transportTarget.container, 'kc-scan-helper');
  assert.ok(!again.created);
  const now = await admin.exec('demo', 'shared-pid-app', 'kc-scan-helper', ['/bin/sh', '-c', `echo $${TARGET_PID_VARIABLE}; cat /etc/os-release`]);
  assert.notEqual(now.stdout.split('\n')[0], oldPid, 'the restarted app\'s new process');
  assert.match(now.stdout, /VARIANT_ID=distroless-demo/, now.stderr);
});

test('Add scanner sidecar: the JSON patch applies to Deployment web; bare pods are refused', async () => {
  // demo-readonly may read the workload (so it sees the proposal) but the PATCH is forbidden
  const roProposal = await proposeSidecar(readonly, 'Deployment', 'demo', 'web');
  await assert.rejects(applySidecar(readonly, roProposal), (e: { kind?: string }) => e.kind === 'forbidden');
  const proposal = await proposeSidecar(admin, 'Deployment', 'demo', 'web');
  assert.equal(proposal.after.spec.template.spec.shareProcessNamespace, true);
  const updated = await applySidecar(admin, proposal);
  assert.equal(updated.spec.template.spec.shareProcessNamespace, true);
  assert.ok(updated.spec.template.spec.containers.some((c: { name: string }) => c.name === SIDECAR_NAME));
  // the test op: a proposal made from an older version is refused by the server, not applied blindly
  await assert.rejects(applySidecar(admin, proposal));
  await assert.rejects(proposeSidecar(admin, 'Pod', 'demo', 'distroless-app'), /bare pod cannot get a scanner sidecar/);
});
