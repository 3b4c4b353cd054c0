// Exec into the emulator's real containers with the real kubectl: 1.33 (WebSocket v5.channel.k8s.io) and 1.27 (SPDY/3.1),
// exit codes, stdin, large output, and the runtime errors a real cluster gives (missing executable, container not
// running, Windows, security profile). Needs root (containers are Linux PID/mount namespaces + chroot).
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startCluster, type Cluster } from './index';
import { kubectl, kubectlBin, scratchDir } from './kubectl-util';

let cluster: Cluster;
const k = (args: string[], minor: number, input?: string) => kubectl(cluster.kubeconfigPath, args, { minor, input, timeoutMs: 90_000 });

before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await cluster?.stop();
});

for (const [minor, transport] of [[33, 'WebSocket'], [27, 'SPDY']] as const) {
  test(`kubectl 1.${minor} (${transport}): exec prints stdout/stderr and exits with the command's exit code`, async () => {
    const r = await k(['exec', 'standard-app', '-n', 'demo', '-c', 'app', '--', 'sh', '-c', 'echo hi; echo oops >&2; exit 3'], minor);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, 'hi\n');
    assert.match(r.stderr, /^oops\n/);
    assert.match(r.stderr, /command terminated with exit code 3/);
    const ok = await k(['exec', 'standard-app', '-n', 'demo', '-c', 'app', '--', 'sh', '-c', 'hostname; id -u; cat /etc/os-release'], minor);
    assert.equal(ok.code, 0, ok.stderr);
    const [host, uid] = ok.stdout.split('\n');
    assert.equal(host, 'standard-app', 'the pod name is the hostname');
    assert.equal(uid, '0');
    assert.match(ok.stdout, /^ID=debian$/m, "the container's own root filesystem");
  });

  test(`kubectl 1.${minor} (${transport}): stdin reaches the process and its end closes it`, async () => {
    const data = 'line one\nline two\n'.repeat(200);
    const r = await k(['exec', '-i', 'standard-app', '-n', 'demo', '-c', 'app', '--', 'sh', '-c', 'cat; echo "<eof>"'], minor, data);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${data}<eof>\n`);
  });

  test(`kubectl 1.${minor} (${transport}): 1 MiB of output arrives complete`, async () => {
    const r = await k(['exec', 'alpine-app', '-n', 'demo', '-c', 'app', '--', 'sh', '-c', 'head -c 1048576 /dev/zero | tr "\\0" x'], minor);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.length, 1048576);
    assert.match(r.stdout, /^x+$/);
  });

  test(`kubectl 1.${minor} (${transport}): exec into the shell-less distroless container fails with executable-not-found`, async () => {
    const r = await k(['exec', 'distroless-app', '-n', 'demo', '-c', 'app', '--', 'sh', '-c', 'echo hi'], minor);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /error: Internal error occurred: error executing command in container: .*OCI runtime exec failed: .*exec: "sh": executable file not found in \$PATH: unknown/);
    const abs = await k(['exec', 'distroless-app', '-n', 'demo', '-c', 'app', '--', '/bin/sh', '-c', 'echo hi'], minor);
    assert.equal(abs.code, 1);
    assert.match(abs.stderr, /no such file or directory/);
  });

  test(`kubectl 1.${minor} (${transport}): not-running, Windows and security-profile containers refuse exec with the runtime's error`, async () => {
    const stopped = await k(['exec', 'stopped-app', '-n', 'demo', '--', 'sh', '-c', 'echo hi'], minor);
    assert.equal(stopped.code, 1);
    assert.match(stopped.stderr, /unable to upgrade connection: container not found \("app"\)/);
    const win = await k(['exec', 'windows-app', '-n', 'demo', '--', 'sh', '-c', 'echo hi'], minor);
    assert.equal(win.code, 1);
    assert.match(win.stderr, /hcs::System::CreateProcess [0-9a-f]{64}: The system cannot find the file specified/);
    const sandboxed = await k(['exec', 'sandboxed-app', '-n', 'demo', '--', 'sh', '-c', 'echo hi'], minor);
    assert.equal(sandboxed.code, 1);
    // runc names the executable it looked up on PATH: in the merged-/usr Debian image `sh` is /usr/bin/sh first.
    assert.match(sandboxed.stderr, /OCI runtime exec failed: exec failed: unable to start container process: exec \/usr\/bin\/sh: permission denied: unknown/);
  });
}

test('minimal-app has a shell and nothing else: cat and stat are not found', async () => {
  const r = await k(['exec', 'minimal-app', '-n', 'demo', '--', 'sh', '-c', 'echo "shell ok"; cat /etc/os-release; stat /etc/passwd'], 33);
  assert.equal(r.code, 127, r.stderr);
  assert.equal(r.stdout, 'shell ok\n');
  assert.match(r.stderr, /cat: not found/);
  assert.match(r.stderr, /stat: not found/);
});

test('each container sees its own PID namespace (PID 1 = its entrypoint) and a runtime-like /dev', async () => {
  const r = await k(['exec', 'alpine-app', '-n', 'demo', '--', 'sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "; echo; ls /dev; echo x > /dev/null && echo devnull-ok; grep -c . /proc/mounts >/dev/null && echo proc-ok'], 33);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.match(lines[0], /^\/bin\/sh -c trap/, 'PID 1 is the image entrypoint, not a host process');
  for (const dev of ['null', 'zero', 'full', 'random', 'urandom', 'tty', 'fd', 'stdin', 'stdout', 'stderr']) assert.ok(lines.includes(dev), `/dev/${dev} missing: ${r.stdout}`);
  assert.ok(lines.includes('devnull-ok'));
  assert.ok(lines.includes('proc-ok'));
});

/** `kubectl exec -it … -- sh` under a local pseudo-terminal of 40×100 (util-linux script), typing `input` at the prompt. */
function interactive(minor: number, input: string): Promise<{ code: number | null; output: string }> {
  const cache = mkdtempSync(join(scratchDir(), 'kubecache-'));
  const cmd = `stty rows 40 cols 100; exec ${kubectlBin(minor)} exec -it standard-app -n demo -c app -- sh`;
  const p = spawn('script', ['-qefc', cmd, '/dev/null'], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cache, KUBECACHEDIR: cache, KUBECONFIG: cluster.kubeconfigPath } });
  let output = '';
  let typed = false;
  p.stdout.on('data', (d) => {
    output += d;
    // dash's prompt for root (Debian's /bin/sh), once the shell waits for input
    if (!typed && /(^|[\r\n])# $/.test(output)) {
      typed = true;
      // kubectl sends the window size as the session starts; give the runtime a moment to apply it.
      setTimeout(() => p.stdin.write(input), 500);
    }
  });
  const kill = setTimeout(() => p.kill('SIGKILL'), 30_000);
  return new Promise((resolve) => p.on('exit', (code) => { clearTimeout(kill); resolve({ code, output }); }));
}

for (const minor of [33, 27]) {
  test(`kubectl 1.${minor} exec -it: a pseudo-terminal with the client's window size, an interactive shell, the exit code`, async () => {
    const r = await interactive(minor, 'tty; stty size; echo "TERM=$TERM"; exit 7\r');
    assert.equal(r.code, 7, r.output);
    assert.match(r.output, /^\/dev\/pts\/\d+\r$/m, 'the shell runs on a terminal');
    assert.match(r.output, /^40 100\r$/m, 'the resize message set the window size');
    assert.match(r.output, /^TERM=xterm\r$/m);
    assert.match(r.output, /command terminated with exit code 7/);
  });
}
