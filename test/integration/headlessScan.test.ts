// `kube-compliance scan` (src/core/fleet/headless.ts through src/cli.ts) as a real process against the emulator's demo
// cluster, with the TEST-DOUBLE auditor (../fixtures/test-double-auditor.mjs) as --auditor: the index (one row per
// container, one auditor run per distinct digest, followers "scanned as", unscannable rows with reasons), a label
// selector, a selection that matches nothing, a namespace that does not exist, one auditor crashing, SIGTERM mid-run
// (no auditor or temporary kubeconfig left), shell-less containers with --allow-pod-changes, then the threshold gate.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FleetIndex } from '../../src/core/fleet/indexFormat';
import { startCluster, type Cluster } from '../emulator/index';

const root = join(__dirname, '..', '..');
const DOUBLE = join(root, 'test', 'fixtures', 'test-double-auditor.mjs');
const PROFILE = join(root, 'test', 'fixtures', 'profiles', 'demo-baseline');

let cluster: Cluster;
let work: string;
/** The CLI's TMPDIR: where its private kubeconfig folders go, so leftovers can be seen. */
let cliTmp: string;
let n = 0;

before(async () => {
  cluster = await startCluster();
  work = mkdtempSync(join(tmpdir(), 'kc-headless-'));
  cliTmp = join(work, 'tmp');
  mkdirSync(cliTmp);
});

after(async () => {
  await cluster?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  out: string;
  execs: string[][];
  pid: number;
}

/**
 * The CLI as a child process, asynchronously (the emulator answers from this process's event loop). `onStderr` sees
 * stderr as it grows and may signal the child.
 */
function scan(args: string[], o: { env?: Record<string, string>; auditor?: string; onStderr?: (all: string, child: ReturnType<typeof spawn>) => void } = {}): Promise<Run> {
  const out = join(work, `fleet-${++n}`);
  const log = join(work, `execs-${n}.jsonl`);
  writeFileSync(log, '');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'src', 'cli.ts'), 'scan', ...args, '--kubeconfig', cluster.kubeconfigPath, '--context', 'demo-admin', '--auditor', o.auditor ?? DOUBLE, '--out', out],
    { cwd: root, env: { ...process.env, TMPDIR: cliTmp, KUBECACHEDIR: join(work, 'kubecache'), KC_DOUBLE_EXEC_LOG: log, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    o.onStderr?.(stderr, child);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 400_000);
  return new Promise((res) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      const execs = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { argv: string[] }).argv);
      res({ code, stdout, stderr, out, execs, pid: child.pid! });
    }),
  );
}

const index = (r: Run): FleetIndex => JSON.parse(readFileSync(join(r.out, 'fleet-index.json'), 'utf8'));
const rowKey = (i: { namespace: string; pod: string; container: string }) => `${i.namespace}/${i.pod}/${i.container}`;
/** The containers the double exec'd into (`kubectl exec --stdin POD -n NS -c CONTAINER …`). */
const execTargets = (r: Run) => new Set(r.execs.filter((a) => a[0] === 'exec').map((a) => `${a[4]}/${a[2]}/${a[6]}`));

/** The CLI's own private kubeconfig folders (kube-compliance-scan-<pid>-…) that are still there. */
const leftoverKubeconfigs = (pid: number) => readdirSync(cliTmp).filter((f) => f.startsWith(`kube-compliance-scan-${pid}-`));

/** Processes still running that were started for this run (their command line names its fleet folder). */
function processesOf(out: string): string[] {
  const found: string[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(out)) found.push(`${p}: ${cmd}`);
    } catch {
      // gone
    }
  }
  return found;
}

let demoRun: Run;

test('scan -n demo, dedupe image: one row per container, one auditor run per running digest, followers and unscannable rows', async () => {
  const r = await scan(['-n', 'demo', '--profile', PROFILE]);
  demoRun = r;
  const idx = index(r);
  // 14 containers in namespace demo, each listed once
  const keys = idx.items.map(rowKey);
  assert.equal(new Set(keys).size, keys.length);
  assert.equal(keys.length, 14, keys.join('\n'));
  assert.equal(idx.complete, true);
  assert.equal(idx.dedupe, 'image');
  const scanned = idx.items.filter((i) => i.outcome !== 'skipped');
  const primaries = scanned.filter((i) => !i.scannedAs);
  const digests = new Set(scanned.map((i) => i.imageDigest));
  assert.equal(primaries.length, digests.size, 'auditor runs = distinct running digests');
  assert.equal(primaries.length, 4);
  // the double exec'd into exactly the primaries
  assert.deepEqual([...execTargets(r)].sort(), primaries.map(rowKey).sort());
  const followers = scanned.filter((i) => i.scannedAs);
  assert.equal(followers.length, 5);
  for (const f of followers) {
    const p = primaries.find((x) => rowKey(x) === f.scannedAs)!;
    assert.ok(p, `${rowKey(f)} names a scanned container`);
    assert.equal(p.imageDigest, f.imageDigest);
    if (p.outcome === 'done') assert.equal(f.reportPath, p.reportPath);
  }
  // unscannable: with their reasons; shell-less ones need --allow-pod-changes
  const skipped = new Map(idx.items.filter((i) => i.outcome === 'skipped').map((i) => [rowKey(i), i.message ?? '']));
  assert.deepEqual([...skipped.keys()].sort(), ['demo/distroless-app/app', 'demo/sandboxed-app/app', 'demo/shared-pid-app/app', 'demo/stopped-app/app', 'demo/windows-app/app']);
  assert.match(skipped.get('demo/distroless-app/app')!, /--allow-pod-changes/);
  assert.match(skipped.get('demo/windows-app/app')!, /Windows/);
  assert.match(skipped.get('demo/stopped-app/app')!, /waiting|CrashLoopBackOff/);
  // the minimal image has no os-release: the double (like InSpec) cannot detect its platform → that row failed, exit 4
  const minimal = idx.items.find((i) => rowKey(i) === 'demo/minimal-app/app')!;
  assert.equal(minimal.outcome, 'failed');
  assert.equal(r.code, 4, r.stderr);
  assert.equal(idx.items.filter((i) => i.outcome === 'done').length, 8);
  // stderr: progress counts; stdout: the summary
  assert.match(r.stderr, /\[14\/14\] 8 done, 1 failed, 5 not scannable, 0 cancelled, 0 running, 0 queued/);
  assert.match(r.stderr, /failed: demo\/minimal-app\/app:/);
  assert.match(r.stdout, /Fleet scan of namespace demo \(context demo-admin\) ended: 14 container\(s\), 4 auditor run\(s\), dedupe image/);
  assert.match(r.stdout, /8 done, 1 failed, 5 not scannable, 0 cancelled/);
  // credentials never printed; the private kubeconfig is gone
  for (const t of Object.values(cluster.tokens)) assert.ok(!r.stderr.includes(t) && !r.stdout.includes(t));
  assert.deepEqual(leftoverKubeconfigs(r.pid), []);
  // every done row's report exists
  for (const i of idx.items.filter((x) => x.outcome === 'done')) assert.ok(existsSync(join(r.out, i.reportPath!)), i.reportPath);
});

test('then the threshold gate on the index: kube-compliance threshold DIR/fleet-index.json', async () => {
  assert.ok(demoRun, 'needs the -n demo run');
  const gate = (inline: string) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((res) => {
      const c = spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli.ts'), 'threshold', join(demoRun.out, 'fleet-index.json'), '--inline', inline], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      c.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      c.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      c.on('close', (code) => res({ code, stdout, stderr }));
    });
  // minimal-app was to be scanned and has no report: the gate fails whatever the rules
  const g = await gate('{"compliance.min":0}');
  assert.equal(g.code, 1, g.stdout + g.stderr);
  assert.match(g.stderr, /minimal-app/);
  assert.match(g.stderr, /not scannable, not checked: .*windows-app/);
});

test('-l app=web -n demo: the Deployment\'s three replicas, one auditor run, exit 0; the gate passes', async () => {
  const r = await scan(['-l', 'app=web', '-n', 'demo', '--profile', PROFILE, '--concurrency', '2']);
  assert.equal(r.code, 0, r.stderr);
  const idx = index(r);
  assert.equal(idx.items.length, 3);
  assert.ok(idx.items.every((i) => i.workload.kind === 'Deployment' && i.workload.name === 'web' && i.outcome === 'done'));
  assert.equal(idx.items.filter((i) => i.scannedAs).length, 2);
  assert.equal(execTargets(r).size, 1);
  assert.match(r.stdout, /Gate: kube-compliance threshold .*fleet-index\.json --file THRESHOLD\.yml/);
  const gate = await new Promise<number | null>((res) =>
    spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli.ts'), 'threshold', join(r.out, 'fleet-index.json'), '--inline', '{"compliance.min":0}'], { cwd: root, stdio: 'ignore' }).on('close', res),
  );
  assert.equal(gate, 0);
});

test('a selector that matches nothing: exit 5, a message, no fleet folder', async () => {
  const r = await scan(['-l', 'app=nothing-has-this', '-n', 'demo', '--profile', PROFILE]);
  assert.equal(r.code, 5, r.stderr);
  assert.match(r.stderr, /matched no container; nothing was scanned/);
  assert.match(r.stderr, /The label selector "app=nothing-has-this" matched no pod in namespace demo/);
  assert.equal(existsSync(r.out), false);
  assert.equal(r.execs.length, 0);
});

test('a namespace that does not exist: exit 5 saying so', async () => {
  const r = await scan(['-n', 'no-such-namespace', '--profile', PROFILE]);
  assert.equal(r.code, 5, r.stderr);
  assert.match(r.stderr, /namespace no-such-namespace does not exist in context demo-admin/);
  assert.equal(existsSync(r.out), false);
});

test('one auditor crashing: its row (and the containers that follow it) failed, the rest complete, exit 4', async () => {
  // a stand-in that crashes (SIGSEGV-like abort, no report) when asked to scan alpine-app and runs the double otherwise
  const crasher = join(work, 'crashing-auditor.mjs');
  writeFileSync(
    crasher,
    `#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
const args = process.argv.slice(2);
if (args[0] === 'exec' && args.some((a) => a.includes('/alpine-app/'))) { process.stderr.write('crashing on purpose\\n'); process.abort(); }
const r = spawnSync(process.execPath, [${JSON.stringify(DOUBLE)}, ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);
`,
  );
  chmodSync(crasher, 0o755);
  const r = await scan(['demo/alpine-app/app', 'demo/multi-app', 'demo/standard-app', '--profile', PROFILE], { auditor: crasher });
  assert.equal(r.code, 4, r.stderr);
  const rows = new Map(index(r).items.map((i) => [rowKey(i), i]));
  assert.equal(rows.size, 4);
  assert.equal(rows.get('demo/alpine-app/app')!.outcome, 'failed');
  assert.match(rows.get('demo/alpine-app/app')!.message!, /SIGABRT|signal|crash/i);
  // multi-app/sidecar runs the alpine digest: with dedupe it follows the crashed scan and says so
  const follower = rows.get('demo/multi-app/sidecar')!;
  assert.equal(follower.outcome, 'failed');
  assert.equal(follower.scannedAs, 'demo/alpine-app/app');
  assert.match(follower.message!, /the scan of demo\/alpine-app\/app \(same image digest\) failed/);
  assert.equal(rows.get('demo/multi-app/app')!.outcome, 'done');
  assert.equal(rows.get('demo/standard-app/app')!.outcome, 'done');
  assert.deepEqual(leftoverKubeconfigs(r.pid), []);
});

test('SIGTERM mid-run: running auditors stopped, rows cancelled, exit 130, no process or temporary kubeconfig left', async () => {
  let sent = false;
  let hadKubeconfig = false;
  const r = await scan(['-n', 'demo', '--profile', PROFILE, '--dedupe', 'none', '--concurrency', '2'], {
    env: { KC_DOUBLE_SLOW_MS: '400' },
    onStderr: (all, child) => {
      if (sent || !/\] 0 done, 0 failed, \d+ not scannable, 0 cancelled, 2 running/.test(all)) return;
      sent = true;
      // the run is live: its private kubeconfig exists now
      hadKubeconfig = leftoverKubeconfigs(child.pid!).length === 1;
      setTimeout(() => child.kill('SIGTERM'), 1500);
    },
  });
  assert.ok(sent, r.stderr);
  assert.ok(hadKubeconfig, 'the private kubeconfig existed while the run was live');
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /SIGTERM: cancelling/);
  assert.match(r.stdout, /CANCELLED/);
  const idx = index(r);
  assert.ok(idx.items.every((i) => ['done', 'failed', 'skipped', 'cancelled'].includes(i.outcome)), 'nothing left queued or running');
  assert.ok(idx.items.filter((i) => i.outcome === 'cancelled').length >= 2);
  assert.deepEqual(processesOf(r.out), [], 'no auditor or kubectl of this run still runs');
  assert.deepEqual(leftoverKubeconfigs(r.pid), []);
  // a cancelled scan leaves no partial report behind
  for (const i of idx.items.filter((x) => x.outcome === 'cancelled')) assert.equal(existsSync(join(r.out, 'reports', i.namespace, i.pod, `${i.container}.json`)), false);
});

test('--allow-pod-changes: a shell-less container is scanned through the debug container, as in the extension', async () => {
  const r = await scan(['demo/distroless-app/app', '--profile', join(root, 'test', 'fixtures', 'profiles', 'distroless-target'), '--allow-pod-changes']);
  assert.equal(r.code, 0, r.stderr);
  const [row] = index(r).items;
  assert.equal(row.approach, 'debug-container');
  assert.equal(row.outcome, 'done');
  assert.match(r.stderr, /--allow-pod-changes: demo\/distroless-app \(debug container for app\)/);
  // the auditor exec'd into the helper, not the target (which has no shell)
  assert.ok([...execTargets(r)].every((t) => t.startsWith('demo/distroless-app/kc-scan-helper')), [...execTargets(r)].join(', '));
  const report = JSON.parse(readFileSync(join(r.out, row.reportPath!), 'utf8')) as { platform: { name: string } };
  assert.equal(report.platform.name, 'debian', 'the target\'s os-release, read through the helper');
});
