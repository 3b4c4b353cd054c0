// `npm run cluster` (test/emulator/main.ts): READY line, kubeconfig mode 0600, faults from the command line (kubectl
// retries the 429s), and SIGTERM ends every process it started and unmounts everything under its work dir.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { kubectl, scratchDir } from './kubectl-util';

const MAIN = join(__dirname, 'main.ts');

function startCli(args: string[]): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no READY within 120 s:\n${out}`)), 120000);
    child.stdout!.on('data', () => {
      const m = /READY (https:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1], output: () => out });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before READY:\n${out}`));
    });
  });
}

function stopCli(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill(signal);
  });
}

/** PIDs whose root or cwd lies under `dir`, and mount points under it. */
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

test('CLI: READY, kubeconfig 0600, --fault throttle-burst (kubectl retries 429), SIGTERM exits 0', async () => {
  const file = join(mkdtempSync(join(scratchDir(), 'cli-')), 'sub', 'kubeconfig');
  const { child, url } = await startCli(['--kubeconfig', file, '--scenario', 'scale', '--namespaces', '3', '--pods', '30', '--fault', 'throttle-burst=2', '--fault', 'retry-after=1']);
  try {
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.ok(readFileSync(file, 'utf8').includes(url));
    const t = Date.now();
    const r = await kubectl(file, ['get', 'pods', '-A', '-o', 'name']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 30);
    assert.ok(Date.now() - t >= 900, 'kubectl honoured Retry-After before retrying');
  } finally {
    assert.equal(await stopCli(child), 0);
  }
});

test('CLI: bad arguments exit 2 with usage', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--scenario', 'nope'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise((r) => child.on('exit', r));
  assert.equal(code, 2);
  assert.match(err, /--scenario is demo, scale or fleet/);
  assert.match(err, /usage: npm run cluster -- --kubeconfig FILE/);
});

test('CLI demo scenario: SIGTERM ends every container process and unmounts everything', async () => {
  const file = join(mkdtempSync(join(scratchDir(), 'cli-')), 'kubeconfig');
  const { child, output } = await startCli(['--kubeconfig', file]);
  const workDir = /work dir (\S+)/.exec(output())![1];
  const before = leftovers(workDir);
  assert.match(output(), /real container processes/, 'the demo scenario runs with the container runtime (root)');
  assert.ok(before.pids.length > 0, 'container processes run chrooted under the work dir');
  const ex = await kubectl(file, ['exec', 'standard-app', '-n', 'demo', '-c', 'app', '--', 'sh', '-c', 'echo cli']);
  assert.equal(ex.stdout.trim(), 'cli', ex.stderr);
  assert.equal(await stopCli(child), 0);
  const after = leftovers(workDir);
  assert.deepEqual(after, { pids: [], mounts: [] });
  assert.equal(existsSync(workDir), false, 'work dir removed');
});

test('CLI demo scenario: SIGINT (Ctrl-C) ends every container process and unmounts everything too', async () => {
  const file = join(mkdtempSync(join(scratchDir(), 'cli-')), 'kubeconfig');
  const { child, output } = await startCli(['--kubeconfig', file]);
  const workDir = /work dir (\S+)/.exec(output())![1];
  assert.ok(leftovers(workDir).pids.length > 0, 'container processes run chrooted under the work dir');
  assert.equal(await stopCli(child, 'SIGINT'), 0);
  assert.deepEqual(leftovers(workDir), { pids: [], mounts: [] });
  assert.equal(existsSync(workDir), false, 'work dir removed');
});

test('CLI demo scenario: SIGTERM while it is still starting stops what it started (no process, no work dir left)', async () => {
  const tmp = mkdtempSync(join(scratchDir(), 'cli-tmp-'));
  const file = join(tmp, 'kubeconfig');
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--kubeconfig', file], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: tmp } });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  // the start has begun once its work dir exists (the signal handlers are installed before it)
  const deadline = Date.now() + 60000;
  while (!readdirSync(tmp).some((f) => f.startsWith('kc-emulator-'))) {
    assert.ok(Date.now() < deadline && child.exitCode === null, `the emulator never began to start:\n${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill('SIGTERM');
  assert.equal(await exited, 0, out);
  assert.deepEqual(leftovers(tmp), { pids: [], mounts: [] });
  assert.deepEqual(readdirSync(tmp).filter((f) => f.startsWith('kc-emulator-')), [], 'work dir removed');
});

test('CLI without root: exits 1 at once with a clear message and writes no kubeconfig', async () => {
  // a temporary folder the unprivileged user may write (tsx keeps its cache there), whatever TMPDIR is
  // (not under the scratch folder: that one is 0700, so the unprivileged user cannot reach into it); the kubeconfig
  // path is in it too, so "writes no kubeconfig" is the CLI's doing, not a permission error's
  const childTmp = mkdtempSync(join(tmpdir(), 'kc-nobody-'));
  chmodSync(childTmp, 0o1777);
  after(() => rmSync(childTmp, { recursive: true, force: true }));
  const file = join(childTmp, 'kubeconfig');
  const child = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--import', 'tsx', MAIN, '--kubeconfig', file], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: childTmp, TMPDIR: childTmp } });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise((r) => child.on('exit', r));
  assert.equal(code, 1);
  assert.match(err, /needs root/);
  assert.equal(existsSync(file), false);
});
