// Ephemeral containers and shared PID namespaces in the emulator, driven by the real kubectl: `kubectl debug --target`
// joins the target's PID namespace, so the chroot technique (scan-approaches.md §3) reads a shell-less target's root;
// capabilities follow containerd's defaults ± the debug profile; a restarted target kills its helpers (137); a
// shareProcessNamespace sidecar reaches its sibling's root. Needs root (real Linux namespaces).
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import type { KObject } from './contract';
import { startCluster, type Cluster } from './index';
import { kubectl } from './kubectl-util';

let cluster: Cluster;
const k = (args: string[], minor = 33, input?: string) => kubectl(cluster.kubeconfigPath, args, { minor, input, timeoutMs: 90_000 });

before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await cluster?.stop();
});

/** The chroot technique: the helper's own root via /proc/$$/root, the target's via /proc/T/root (outer shell kept alive). */
const TECHNIQUE = (t: string, cmd: string) => `h=/proc/$$/root; PATH=$h/bin chroot /proc/${t}/root "$h/bin/sh" -c '${cmd}'; echo "rc=$?"`;

async function waitFor<T>(what: string, fn: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ephemeralStatus = (pod: string, name: string): KObject | undefined =>
  (cluster.get('pods', 'demo', pod)?.status?.ephemeralContainerStatuses ?? []).find((s: KObject) => s.name === name);

async function debug(pod: string, args: string[], minor = 33): Promise<string> {
  const r = await k(['debug', pod, '-n', 'demo', '--image=busybox:1.36.1-musl', '--target=app', '--attach=false', ...args, '--', 'sleep', '2147483647'], minor);
  assert.equal(r.code, 0, r.stderr);
  const name = /Defaulting debug container name to (debugger-\w+)/.exec(r.stdout + r.stderr)?.[1];
  assert.ok(name, `no debug container name in:\n${r.stdout}${r.stderr}`);
  await waitFor(`${name} running`, () => ephemeralStatus(pod, name)?.state?.running);
  return name;
}

test('kubectl debug --target=app --profile=general: the helper reads distroless-app\'s root through the chroot technique', async () => {
  const name = await debug('distroless-app', ['--profile=general']);
  const r = await k(['exec', 'distroless-app', '-n', 'demo', '-c', name, '--', 'sh', '-c', `tr "\\0" " " < /proc/1/cmdline; echo; grep ^ID= /etc/os-release; grep CapEff /proc/self/status; ${TECHNIQUE('1', 'cat /etc/os-release; cat /app/TARGET-ONLY-marker.txt; test -e /bin/sh || echo no-shell-in-target')}`]);
  assert.equal(r.code, 0, r.stderr);
  const out = r.stdout;
  assert.match(out, /^\/app\/server \n/, 'PID 1 of the joined namespace is the target\'s entrypoint');
  assert.match(out, /^ID=busybox$/m, 'outside the chroot the helper sees its own image');
  assert.match(out, /^CapEff:\s+00000000a80c25fb$/m, 'containerd defaults + SYS_PTRACE (profile general)');
  assert.match(out, /^VARIANT_ID=distroless-demo$/m);
  assert.match(out, /^PRETTY_NAME="Distroless demo target \(demo\)"$/m);
  assert.match(out, /^This file exists only in the distroless demo target\.$/m);
  assert.match(out, /^no-shell-in-target$/m);
  assert.match(out, /^rc=0$/m);
  const st = ephemeralStatus('distroless-app', name)!;
  assert.match(st.containerID, /^containerd:\/\/[0-9a-f]{64}$/);
});

test('kubectl 1.27 debug with the legacy profile: no SYS_PTRACE, so the non-root target\'s root is refused by the kernel', async () => {
  const name = await debug('distroless-app', [], 27);
  const r = await k(['exec', 'distroless-app', '-n', 'demo', '-c', name, '--', 'sh', '-c', `grep CapEff /proc/self/status; ${TECHNIQUE('1', 'cat /etc/os-release')}`], 27);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^CapEff:\s+00000000a80425fb$/m, "containerd's 14 default capabilities");
  assert.match(r.stderr, /chroot: can't change root directory to '\/proc\/1\/root': Permission denied/);
  assert.match(r.stdout, /^rc=1$/m);
});

test('kubectl debug -i attaches to the helper: stdin in, output back, and the container\'s exit ends the session', async () => {
  const r = await k(['debug', '-i', 'standard-app', '-n', 'demo', '--image=busybox', '--target=app', '--profile=general', '--', 'sh', '-c', 'read line; echo "got $line"; cat /proc/1/cmdline | tr "\\0" " "; echo'], 33, 'hello\n');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^got hello$/m);
  assert.match(r.stdout, /^\/bin\/sh -c trap/m, "the target's PID 1 is visible");
  const name = /Defaulting debug container name to (debugger-\w+)/.exec(r.stdout + r.stderr)![1];
  const st = await waitFor('helper terminated', () => ephemeralStatus('standard-app', name)?.state?.terminated);
  assert.equal(st.exitCode, 0);
  assert.equal(st.reason, 'Completed');
});

test('restarting the target kills its helpers (137, never restarted); the target comes back in a new PID namespace', async () => {
  const name = await debug('distroless-app', ['--profile=general']);
  const before = cluster.get('pods', 'demo', 'distroless-app')!.status.containerStatuses.find((c: KObject) => c.name === 'app');
  await cluster.restartContainer('demo', 'distroless-app', 'app');
  const helper = await waitFor('helper terminated', () => ephemeralStatus('distroless-app', name)?.state?.terminated);
  assert.equal(helper.exitCode, 137);
  const after = cluster.get('pods', 'demo', 'distroless-app')!.status.containerStatuses.find((c: KObject) => c.name === 'app');
  assert.equal(after.restartCount, before.restartCount + 1);
  assert.ok(after.state.running);
  assert.equal(after.lastState.terminated.exitCode, 137);
  assert.notEqual(after.containerID, before.containerID);
  const old = await k(['exec', 'distroless-app', '-n', 'demo', '-c', name, '--', 'true']);
  assert.equal(old.code, 1);
  assert.match(old.stderr, /is in CONTAINER_EXITED state/);
  await new Promise((r) => setTimeout(r, 500));
  assert.ok(ephemeralStatus('distroless-app', name)?.state?.terminated, 'an ephemeral container is never restarted');
  const fresh = await debug('distroless-app', ['--profile=general']);
  const r = await k(['exec', 'distroless-app', '-n', 'demo', '-c', fresh, '--', 'sh', '-c', TECHNIQUE('1', 'grep VARIANT_ID /etc/os-release')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^VARIANT_ID=distroless-demo$/m);
});

test('shareProcessNamespace: PID 1 is the pause process and the scanner sidecar chroots into app\'s root', async () => {
  const findApp = 'for p in /proc/[0-9]*; do case "$(cat $p/cmdline 2>/dev/null | tr "\\0" " ")" in "/app/server ") T=${p#/proc/};; esac; done';
  const r = await k(['exec', 'shared-pid-app', '-n', 'demo', '-c', 'scanner', '--', 'sh', '-c', `tr "\\0" " " < /proc/1/cmdline; echo; ${findApp}; echo "T=$T"; ${TECHNIQUE('$T', 'grep -E "^(ID|VARIANT_ID)=" /etc/os-release; ls /app')}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^\/pause \n/);
  assert.match(r.stdout, /^T=\d+$/m);
  assert.doesNotMatch(r.stdout, /^T=1$/m, 'the target is not PID 1 under shareProcessNamespace');
  assert.match(r.stdout, /^ID=debian$/m);
  assert.match(r.stdout, /^VARIANT_ID=distroless-demo$/m);
  assert.match(r.stdout, /TARGET-ONLY-marker\.txt/);
  assert.match(r.stdout, /^rc=0$/m);
});

test('kubectl debug --profile=restricted: runAsNonRoot with a root image is a CreateContainerConfigError, not a process', async () => {
  const r = await k(['debug', 'standard-app', '-n', 'demo', '--image=busybox:1.36.1-musl', '--target=app', '--profile=restricted', '--attach=false', '--', 'sleep', '2147483647']);
  assert.equal(r.code, 0, r.stderr);
  const name = /Defaulting debug container name to (debugger-\w+)/.exec(r.stdout + r.stderr)![1];
  const waiting = await waitFor('helper waiting', () => ephemeralStatus('standard-app', name)?.state?.waiting);
  assert.equal(waiting.reason, 'CreateContainerConfigError');
  assert.match(waiting.message, /container has runAsNonRoot and image will run as root/);
});
