import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  MITRE_SHELL_PROBES,
  STAT_SHIM,
  TARGET_FUNCTION,
  busyboxShell,
  installScript,
  selectorAssignments,
  selectorFor,
  shQuote,
  startupScript,
  targetConfigScript,
  wrapperScript,
} from '../../src/core/scan/helperScript';

const work = mkdtempSync(join(tmpdir(), 'kc-shellless-'));
after(() => rmSync(work, { recursive: true, force: true }));

function sh(script: string, env: Record<string, string> = {}): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', ...env } });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('the probes are MITRE train-k8s-container 2.x exact strings, in its order', () => {
  assert.deepEqual(MITRE_SHELL_PROBES, [
    'test -x /bin/bash && echo OK',
    'test -x /bin/sh && echo OK',
    'test -x /bin/ash && echo OK',
    'test -x /bin/zsh && echo OK',
  ]);
  const w = wrapperScript({ mode: 'pid1' });
  for (const p of MITRE_SHELL_PROBES) assert.ok(w.includes(`"-c:${p}"`), `wrapper answers ${p}`);
});

test('every generated script is valid POSIX shell', () => {
  const sel = selectorFor({ shareProcessNamespace: true, container: 'app', containerId: 'containerd://0123', command: ['/app/x'], args: [`it's "$(x)"`] });
  for (const script of [wrapperScript(sel), startupScript(sel), installScript({ mode: 'pid1' }), targetConfigScript(sel)]) {
    const f = join(work, 'syntax.sh');
    writeFileSync(f, script);
    const r = spawnSync('/bin/sh', ['-n', f], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
});

test('shQuote makes one literal word of anything', () => {
  for (const s of [`a b`, `it's`, `$(touch ${work}/pwned)`, '`id`', `"\\`, '']) {
    const r = sh(`printf %s ${shQuote(s)}`);
    assert.equal(r.stdout, s);
  }
});

test('the startup script installs the wrapper as sh, bash and ash and keeps the container alive', () => {
  const s = startupScript({ mode: 'pid1' });
  assert.ok(s.includes('for s in sh bash ash; do $BB cp "$D/wrapper" "/bin/.kc-$s.new"; $BB mv -f "/bin/.kc-$s.new" "/bin/$s"; done'), 'atomic rename over sh, bash, ash');
  assert.match(s, /exec \$BB sleep 2147483647\n$/);
  assert.ok(!installScript({ mode: 'pid1' }).includes('exec $BB sleep'), 'the sidecar install does not block');
  // the wrapper never replaces itself with the chroot (exec would lose /proc/$$/root)
  const w = wrapperScript({ mode: 'pid1' });
  assert.ok(!/exec \$R/.test(w));
  assert.match(w, /R="\$BB chroot \$PROC\/\$T\/root \$H\/bin\/busybox sh"/);
  assert.deepEqual(busyboxShell('true'), ['/bin/busybox', 'sh', '-c', 'true']);
});

test('selectorFor: own PID namespace → PID 1; shared → hints from the spec and the status', () => {
  assert.deepEqual(selectorFor({ shareProcessNamespace: false, container: 'app', command: ['/x'] }), { mode: 'pid1' });
  assert.deepEqual(
    selectorFor({
      shareProcessNamespace: true,
      container: 'app',
      containerId: 'containerd://abc',
      command: ['/app/server'],
      args: ['--port', '80'],
      siblings: [{ command: ['sleep', '2147483647'] }, {}, { command: ['/app/server'], args: ['--port', '80'] }],
    }),
    {
      mode: 'shared',
      container: 'app',
      containerId: 'abc',
      cmdline: '/app/server --port 80',
      // our own helpers' keep-alive, then each sibling's explicit command line (not one equal to the target's)
      exclude: ['/bin/busybox sleep 2147483647', 'sleep 2147483647'],
    },
  );
  assert.deepEqual(selectorFor({ shareProcessNamespace: true, container: 'app' }), {
    mode: 'shared',
    container: 'app',
    containerId: undefined,
    cmdline: undefined,
    exclude: ['/bin/busybox sleep 2147483647'],
  });
});

test('the GNU stat --printf shim turns --printf into -c with escapes expanded', () => {
  const bin = join(work, 'fakebin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'stat'), '#!/bin/sh\nfor a do printf "[%s]" "$a"; done\n');
  chmodSync(join(bin, 'stat'), 0o755);
  // train's command on Debian-family targets
  let r = sh(`${STAT_SHIM}\nstat -L /etc/passwd 2>/dev/null --printf '%s\\n%f\\n%U'`, { PATH: `${bin}:/usr/bin:/bin` });
  assert.equal(r.stdout, '[-L][/etc/passwd][-c][%s\n%f\n%U]');
  r = sh(`${STAT_SHIM}\nstat --printf='%a\\t%u' /x`, { PATH: `${bin}:/usr/bin:/bin` });
  assert.equal(r.stdout, '[-c][%a\t%u][/x]');
  r = sh(`${STAT_SHIM}\nstat -c '%a' /x`, { PATH: `${bin}:/usr/bin:/bin` });
  assert.equal(r.stdout, '[-c][%a][/x]', 'other options pass through unchanged');
});

// --- target selection against a fake /proc tree -------------------------------------------------------------

interface FakeProc {
  pid: number;
  root: string; // directory the root link points to ('' = dangling link: unreadable)
  cmdline: string[];
  cgroup?: string;
}

let fakeSeq = 0;
/** Builds a fake procfs; `self` is the wrapper's own root (the shell's $$ gets it). Returns stdout "T=…" or the error. */
function selectTarget(sel: Parameters<typeof selectorAssignments>[0], procs: FakeProc[], self = 'helper', cacheDir?: string, pre = '') {
  const base = join(work, `proc${++fakeSeq}`);
  const roots = join(base, 'roots');
  const proc = join(base, 'proc');
  mkdirSync(proc, { recursive: true });
  for (const name of ['helper', 'pause', 'app', 'scanner', 'other']) mkdirSync(join(roots, name), { recursive: true });
  for (const p of procs) {
    const d = join(proc, String(p.pid));
    mkdirSync(d);
    writeFileSync(join(d, 'cmdline'), p.cmdline.map((w) => `${w}\0`).join(''));
    writeFileSync(join(d, 'cgroup'), p.cgroup ?? '0::/\n');
    symlinkSync(p.root ? join(roots, p.root) : join(base, 'missing'), join(d, 'root'));
  }
  const kcDir = cacheDir ?? join(base, 'kc');
  mkdirSync(kcDir, { recursive: true });
  const script = `BB= PROC=${shQuote(proc)} KC_DIR=${shQuote(kcDir)}
${selectorAssignments(sel)}
mkdir "$PROC/$$" && printf 'sh\\0' > "$PROC/$$/cmdline" && ln -s ${shQuote(join(roots, self))} "$PROC/$$/root"
${TARGET_FUNCTION}
${pre}
kc_target && echo "T=$T"`;
  return sh(script);
}

const pause: FakeProc = { pid: 1, root: 'pause', cmdline: ['/pause'] };
const helperSleep: FakeProc = { pid: 40, root: 'helper', cmdline: ['/bin/busybox', 'sleep', '2147483647'] };

test('own PID namespace: the target is PID 1', () => {
  const r = selectTarget({ mode: 'pid1' }, [{ pid: 1, root: 'app', cmdline: ['/app/server'] }]);
  assert.equal(r.stdout.trim(), 'T=1');
});

test('shared namespace: pause (PID 1) and the helper\'s own processes are skipped; one other container → its lowest PID', () => {
  const r = selectTarget({ mode: 'shared', container: 'app' }, [
    pause,
    { pid: 12, root: 'app', cmdline: ['/app/worker'] },
    { pid: 7, root: 'app', cmdline: ['/app/server'] },
    helperSleep,
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'T=7');
});

test('shared namespace: two other containers and no hint → refuses, naming each candidate', () => {
  const r = selectTarget({ mode: 'shared', container: 'app' }, [pause, { pid: 7, root: 'app', cmdline: ['/app/server'] }, { pid: 9, root: 'other', cmdline: ['envoy', '-c', 'x'] }, helperSleep]);
  assert.notEqual(r.status, 0);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /cannot tell which container is the target app/);
  assert.match(r.stderr, /pid 7: \/app\/server/);
  assert.match(r.stderr, /pid 9: envoy -c x/);
});

test('shared namespace: the spec command line picks the target among several containers', () => {
  const procs = [pause, { pid: 7, root: 'other', cmdline: ['envoy', '-c', 'x'] }, { pid: 9, root: 'app', cmdline: ['/app/server', '--port', '80'] }, helperSleep];
  const r = selectTarget({ mode: 'shared', container: 'app', cmdline: '/app/server --port 80' }, procs);
  assert.equal(r.stdout.trim(), 'T=9', r.stderr);
  const none = selectTarget({ mode: 'shared', container: 'app', cmdline: '/app/gone' }, procs);
  assert.notEqual(none.status, 0);
  assert.match(none.stderr, /no process of the target container app was found/);
});

test('shared namespace: a command line that matches nothing falls back to the only other container', () => {
  const r = selectTarget({ mode: 'shared', container: 'app', cmdline: '/docker-entrypoint.sh' }, [pause, { pid: 8, root: 'app', cmdline: ['/app/server'] }, helperSleep]);
  assert.equal(r.stdout.trim(), 'T=8', r.stderr);
});

test('shared namespace: the container ID in the cgroup path decides when cgroups show IDs', () => {
  const idA = 'a'.repeat(64);
  const idB = 'b'.repeat(64);
  const procs = [
    pause,
    { pid: 7, root: 'other', cmdline: ['/app/server'], cgroup: `0::/../cri-containerd-${idB}.scope\n` },
    { pid: 9, root: 'app', cmdline: ['/app/server'], cgroup: `0::/../cri-containerd-${idA}.scope\n` },
    helperSleep,
  ];
  assert.equal(selectTarget({ mode: 'shared', container: 'app', containerId: idA }, procs).stdout.trim(), 'T=9');
  assert.equal(selectTarget({ mode: 'shared', container: 'app', containerId: idB }, procs).stdout.trim(), 'T=7');
  const gone = selectTarget({ mode: 'shared', container: 'app', containerId: 'c'.repeat(64) }, procs);
  assert.match(gone.stderr, /no process of the target container app was found/);
  // no IDs visible in any cgroup (e.g. a runtime without per-container cgroups): the ID is not used
  const plain = selectTarget({ mode: 'shared', container: 'app', containerId: idA }, [pause, { pid: 9, root: 'app', cmdline: ['/x'] }, helperSleep]);
  assert.equal(plain.stdout.trim(), 'T=9');
});

test('shared namespace: a root the helper cannot read → "cannot access" naming CAP_SYS_PTRACE', () => {
  const r = selectTarget({ mode: 'shared', container: 'app' }, [pause, { pid: 7, root: '', cmdline: ['/app/server'] }, helperSleep]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /cannot access the root of the target app \(it runs as uid \d+; the helper needs CAP_SYS_PTRACE/);
});

test('shared namespace: the cached PID is reused while it keeps its root, and re-resolved after a restart', () => {
  const cache = join(work, 'cache-dir');
  mkdirSync(cache, { recursive: true });
  const sel = { mode: 'shared', container: 'app' } as const;
  assert.equal(selectTarget(sel, [pause, { pid: 7, root: 'app', cmdline: ['/app/server'] }, helperSleep], 'helper', cache).stdout.trim(), 'T=7');
  // a different tree in which PID 7 no longer exists (the target restarted): the cache is invalid, the new PID is found
  assert.equal(selectTarget(sel, [pause, { pid: 21, root: 'app', cmdline: ['/app/server'] }, helperSleep], 'helper', cache).stdout.trim(), 'T=21');
  // a valid cache entry wins over the lowest-PID rule (PID 5 would be chosen by a fresh selection)
  const procs = [pause, { pid: 5, root: 'app', cmdline: ['/app/server'] }, { pid: 9, root: 'app', cmdline: ['/app/worker'] }, helperSleep];
  const seed = `printf '9 %s ||\\n' "$(stat -Lc %d:%i "$PROC/9/root")" > "$KC_DIR/cache"`;
  assert.equal(selectTarget(sel, procs, 'helper', undefined, seed).stdout.trim(), 'T=9');
  assert.equal(selectTarget(sel, procs).stdout.trim(), 'T=5');
});

test('shared namespace: containers whose command line is exactly a sibling\'s spec command are not the target', () => {
  const procs: FakeProc[] = [
    pause,
    { pid: 7, root: 'app', cmdline: ['/app/sleep', '2147483647'] },
    { pid: 9, root: 'scanner', cmdline: ['/bin/sleep', '2147483647'] }, // the runtime resolved argv[0] through PATH
    { pid: 11, root: 'scanner', cmdline: ['/bin/sh', '-c', 'child of scanner'] },
    { pid: 13, root: 'other', cmdline: ['/bin/busybox', 'sleep', '2147483647'] },
    helperSleep,
  ];
  const sel = selectorFor({ shareProcessNamespace: true, container: 'app', siblings: [{ command: ['sleep', '2147483647'] }] });
  const r = selectTarget(sel, procs);
  assert.equal(r.stdout.trim(), 'T=7', r.stderr);
  // without the sibling hint the same tree is ambiguous
  assert.match(selectTarget({ mode: 'shared', container: 'app' }, procs).stderr, /cannot tell which container/);
  // a sibling hint that would exclude everything is ignored (then the usual rules decide)
  const same = selectTarget({ mode: 'shared', container: 'app', exclude: ['/app/sleep 2147483647'] }, [pause, { pid: 7, root: 'app', cmdline: ['/app/sleep', '2147483647'] }, helperSleep]);
  assert.equal(same.stdout.trim(), 'T=7', same.stderr);
});
