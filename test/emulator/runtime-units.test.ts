// Pure parts of the emulator's container runtime: capability sets (containerd's defaults, per kubernetes-wire-protocol
// and distroless-helper.md: CapEff a80425fb, a80c25fb with SYS_PTRACE), image name mapping, and command resolution
// inside a container root (symlinks resolve against the container's root, never the host's).
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { capabilitySet, capsArgument, DEFAULT_CAPS, resolveExecutable, resolveInRoot } from './runtime/containers';
import { imageKind } from './runtime/rootfs';

test('containerd default capabilities are the 14 of the runtime spec; the bounding mask matches CapEff on a node', () => {
  assert.equal(DEFAULT_CAPS.length, 14);
  assert.equal(capsArgument(capabilitySet(undefined)), 'a80425fb');
  assert.equal(capsArgument(capabilitySet({ capabilities: { add: ['SYS_PTRACE'] } })), 'a80c25fb', 'kubectl debug --profile=general');
  assert.equal(capsArgument(capabilitySet({ capabilities: { add: ['CAP_SYS_PTRACE'] } })), 'a80c25fb', 'CAP_ prefix accepted');
  assert.equal(capabilitySet({ privileged: true }), 'privileged');
  assert.deepEqual(capabilitySet({ capabilities: { drop: ['ALL'] } }), []);
  assert.deepEqual(capabilitySet({ capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } }), ['NET_BIND_SERVICE'], 'restricted profile');
  assert.ok(!(capabilitySet({ capabilities: { drop: ['SYS_CHROOT'] } }) as string[]).includes('SYS_CHROOT'));
});

test('image references map to the emulator\'s templates', () => {
  assert.equal(imageKind('demo.local/standard:12'), 'standard');
  assert.equal(imageKind('demo.local/alpine:3.20'), 'alpine');
  assert.equal(imageKind('demo.local/minimal:1'), 'minimal');
  assert.equal(imageKind('demo.local/distroless:nonroot'), 'distroless');
  assert.equal(imageKind('gcr.io/distroless/static-debian12:nonroot'), 'distroless');
  assert.equal(imageKind('busybox'), 'busybox');
  assert.equal(imageKind('busybox:1.36.1-musl'), 'busybox');
  assert.equal(imageKind('docker.io/library/busybox@sha256:abc'), 'busybox');
  assert.equal(imageKind('nginx:1.27'), 'standard', 'unknown images run on the standard template');
});

const root = mkdtempSync(join(tmpdir(), 'kc-rootfs-unit-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('commands resolve inside the container root like runc: PATH lookup, absolute links re-rooted, executability', () => {
  mkdirSync(join(root, 'bin'), { recursive: true });
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  writeFileSync(join(root, 'bin/busybox'), '', { mode: 0o755 });
  symlinkSync('busybox', join(root, 'bin/sh'));
  symlinkSync('/bin/busybox', join(root, 'usr/bin/env'));
  writeFileSync(join(root, 'bin/notexec'), '', { mode: 0o644 });
  // An absolute link pointing at a path that exists on the host but not in the container root.
  symlinkSync('/etc/debian_version', join(root, 'usr/bin/perl'));

  assert.equal(resolveInRoot(root, '/usr/bin/env'), '/bin/busybox');
  assert.equal(resolveInRoot(root, '/bin/../bin/sh'), '/bin/busybox');
  assert.equal(resolveInRoot(root, '/usr/bin/perl'), undefined, 'absolute links never escape to the host');

  assert.deepEqual(resolveExecutable(root, 'sh', '/usr/bin:/bin'), { ok: true, path: '/bin/sh' });
  assert.deepEqual(resolveExecutable(root, 'env', '/usr/bin:/bin'), { ok: true, path: '/usr/bin/env' });
  assert.deepEqual(resolveExecutable(root, 'bash', '/usr/bin:/bin'), { ok: false, kind: 'not-in-path', path: 'bash' });
  assert.deepEqual(resolveExecutable(root, 'perl', '/usr/bin:/bin'), { ok: false, kind: 'not-in-path', path: 'perl' });
  assert.deepEqual(resolveExecutable(root, '/bin/bash', undefined), { ok: false, kind: 'no-such-file', path: '/bin/bash' });
  assert.deepEqual(resolveExecutable(root, '/bin/notexec', undefined), { ok: false, kind: 'permission', path: '/bin/notexec' });
  assert.deepEqual(resolveExecutable(root, 'notexec', '/bin'), { ok: false, kind: 'not-in-path', path: 'notexec' }, 'PATH lookup skips non-executables');
});
