// Fleet scan cost (issue 15 §8): the emulator's fleet scenario (200 running containers over 40 image digests in 10
// namespaces, test/emulator/fleet.ts) scanned with the headless runner (src/core/fleet/headless.ts, what
// `kube-compliance scan --all-namespaces` runs) and the TEST-DOUBLE auditor, in both dedupe modes, then dedupe image
// again at concurrency 1 to show that wall time grows no faster than containers / concurrency. Every run's CPU time
// (this process, which hosts the emulator, plus every reaped descendant: the double, kubectl, the exec helpers) is
// measured, so the speed-up is set against what the machine's cores allow: on a small machine the harness is
// CPU-bound (each `kubectl exec` costs ~0.1–0.2 s of CPU to start, and the double starts one per transport call,
// as MITRE's transport does). A last pair of runs models a remote API server — the emulator's delay-ms fault adds
// --latency ms (default 150) to every API request, exec upgrades included — where the runs wait on the network, as
// they do against a real cluster, and concurrency is what shortens the wall time. Needs root (the
// emulator's container runtime). Shell-less containers are skipped (--skip-shell-less: no pod is changed).
// The profile is a one-control profile written to a temporary folder: the figures are about the fleet machinery
// (expansion, dedupe, scheduling, one kubectl exec per transport call), not about a profile's size.
// Prints, one line per mode:
//   fleet-scan: N containers, D digests, E exec sessions, W s wall, dedupe ratio R
// (N scannable containers, D distinct running digests among them, E `kubectl exec` calls the double made — it logs
// each with KC_DOUBLE_EXEC_LOG —, W the run's wall time, R containers per auditor run), then the scaling line.
// With --runner in-cluster the same runs go through the in-cluster runner (src/core/incluster): one Job per auditor run
// with the emulator's auditor image (test/emulator/auditor-image.ts: the double with kubectl, inside the cluster),
// reports back through the Job pods' logs; E is then counted by the emulator (exec upgrades it handed to its runtime).
// Usage: npm run bench:fleet [-- --concurrency N --containers N --digests N --namespaces N --latency MS --runner local|in-cluster --scaling-only]
// (--scaling-only: skip the dedupe none run and the growth line.)
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { headlessScan, type HeadlessScanOptions } from '../src/core/fleet/headless';
import type { DedupeMode } from '../src/core/fleet/dedupe';
import { FLEET_DEFAULTS } from '../test/emulator/fleet';
import { startCluster } from '../test/emulator/index';
import { AUDITOR_DOUBLE_IMAGE } from '../test/emulator/auditor-image';

const root = join(__dirname, '..');
const DOUBLE = join(root, 'test', 'fixtures', 'test-double-auditor.mjs');

function arg(name: string, dflt: number, min = 1): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i > 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isInteger(v) || v < min) throw new Error(`--${name} must be a whole number ≥ ${min}`);
  return v;
}

/**
 * CPU seconds used so far by this process and its reaped descendants (proc(5) /proc/self/stat: utime, stime, cutime,
 * cstime, in clock ticks of 1/100 s on Linux). Descendants count once their parent has waited for them, which the
 * double (for kubectl), the runner (for the double) and the emulator (for its exec helpers) all do.
 */
function cpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on; the name may hold spaces
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
}

async function main(): Promise<void> {
  const concurrency = arg('concurrency', 4);
  const latency = arg('latency', 150, 0);
  const cores = availableParallelism();
  const ri = process.argv.indexOf('--runner');
  const runner = ri > 0 ? process.argv[ri + 1] : 'local';
  if (runner !== 'local' && runner !== 'in-cluster') throw new Error('--runner must be local or in-cluster');
  const sizes = { containers: arg('containers', FLEET_DEFAULTS.containers), digests: arg('digests', FLEET_DEFAULTS.digests), namespaces: arg('namespaces', FLEET_DEFAULTS.namespaces) };
  const work = mkdtempSync(join(tmpdir(), 'kc-bench-fleet-'));
  const profile = join(work, 'profile');
  mkdirSync(join(profile, 'controls'), { recursive: true });
  writeFileSync(join(profile, 'inspec.yml'), 'name: bench-fleet\ntitle: One control per container\nversion: 0.1.0\nsupports:\n  - platform: linux\n');
  writeFileSync(join(profile, 'controls', 'one.rb'), "control 'os-release' do\n  impact 0.5\n  title 'The image has an os-release'\n  describe file('/etc/os-release') do\n    it { should exist }\n  end\nend\n");

  const started = Date.now();
  const cluster = await startCluster({ scenario: 'fleet', ...sizes });
  console.error(`[bench] fleet scenario (${sizes.containers} containers, ${sizes.digests} digests, ${sizes.namespaces} namespaces) running after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  let n = 0;
  const run = async (dedupe: DedupeMode, c: number) => {
    const log = join(work, `execs-${++n}.jsonl`);
    writeFileSync(log, '');
    const o: HeadlessScanOptions = {
      selection: { kind: 'all-namespaces' },
      context: 'demo-admin',
      kubeconfig: cluster.kubeconfigPath,
      profile,
      concurrency: c,
      dedupe,
      out: join(work, `fleet-${n}`),
      ...(runner === 'in-cluster' ? { runner: 'in-cluster' as const, auditorImage: AUDITOR_DOUBLE_IMAGE } : { auditor: DOUBLE }),
      skipShellLess: runner === 'local',
      allowPodChanges: false,
    };
    const execs0 = cluster.execCount;
    let stderr = '';
    const cpu0 = cpuSeconds();
    const t0 = Date.now();
    let runStart = 0; // the first progress line: expansion, classification and auditor discovery are over
    const err = (s: string) => {
      if (!runStart && s.startsWith('kube-compliance: [')) runStart = Date.now();
      stderr += s;
    };
    const r = await headlessScan(o, { out: () => undefined, err, env: { ...process.env, KC_DOUBLE_EXEC_LOG: log, KUBECACHEDIR: join(work, 'kubecache') }, cwd: root });
    const end = Date.now();
    const cpu = cpuSeconds() - cpu0;
    const wall = (end - t0) / 1000;
    const scanWall = (end - (runStart || t0)) / 1000;
    if (!r.plan || !r.run) throw new Error(`the run did not start (exit ${r.code}):\n${stderr}`);
    const execs = runner === 'in-cluster' ? cluster.execCount - execs0 : readFileSync(log, 'utf8').split('\n').filter((l) => l && (JSON.parse(l) as { argv?: string[] }).argv?.[0] === 'exec').length;
    const failed = r.run.counts.failed;
    if (failed) console.error(`[bench] note: ${failed} container(s) failed to scan (exit ${r.code}); see ${r.indexPath}`);
    return { plan: r.plan, execs, wall, scanWall, failed, cpu };
  };
  try {
    const results = new Map<DedupeMode, Awaited<ReturnType<typeof run>>>();
    const scalingOnly = process.argv.includes('--scaling-only');
    for (const mode of scalingOnly ? (['image'] as const) : (['image', 'none'] as const)) {
      const r = await run(mode, concurrency);
      results.set(mode, r);
      console.log(`fleet-scan: ${r.plan.containers} containers, ${r.plan.digests} digests, ${r.execs} exec sessions, ${r.wall.toFixed(1)} s wall, dedupe ratio ${r.plan.ratio}`);
      console.log(`  (runner ${runner}, dedupe ${mode}, concurrency ${concurrency}: ${r.plan.scans} auditor runs, ${r.plan.unscannable.length} containers not scannable or skipped)`);
    }
    const image = results.get('image')!;
    if (concurrency > 1) {
      const one = await run('image', 1);
      const speedup = one.scanWall / image.scanWall;
      // R equal auditor runs in c slots take ceil(R / c) rounds: the best speed-up the scheduler can give.
      const ideal = (image.plan.scans / Math.ceil(image.plan.scans / concurrency)).toFixed(2);
      // What the cores allow: the run at concurrency c cannot take less than its CPU time spread over min(c, cores)
      // cores, nor less than the serial run divided by c.
      const floor = Math.max(image.cpu / Math.min(concurrency, cores), one.wall / concurrency);
      console.log(
        `fleet-scan scaling (dedupe image, ${image.plan.scans} auditor runs): concurrency 1 ${one.wall.toFixed(1)} s wall (${one.scanWall.toFixed(1)} s scanning, ${one.cpu.toFixed(1)} CPU-s), ` +
          `concurrency ${concurrency} ${image.wall.toFixed(1)} s wall (${image.scanWall.toFixed(1)} s scanning, ${image.cpu.toFixed(1)} CPU-s): scanning speed-up ${speedup.toFixed(2)}× (ideal ${ideal}×: ${image.plan.scans} runs in ${concurrency} slots); ` +
          `${(one.scanWall / Math.max(1, one.plan.scans)).toFixed(2)} s per auditor run at concurrency 1, ${(image.cpu / Math.max(1, image.execs)).toFixed(2)} CPU-s per exec session`,
      );
      console.log(
        `fleet-scan cpu bound: ${cores} cores; concurrency ${concurrency} needs at least ${floor.toFixed(1)} s (max of CPU-s / min(concurrency, cores) and the serial wall / concurrency); measured ${image.wall.toFixed(1)} s wall = ${(image.wall / floor).toFixed(2)}× that floor`,
      );
      if (latency > 0) {
        cluster.setFaults({ delayMs: latency });
        try {
          const r1 = await run('image', 1);
          const rc = await run('image', concurrency);
          console.log(
            `fleet-scan scaling with a remote API server (+${latency} ms per API request, dedupe image, ${rc.plan.scans} auditor runs): concurrency 1 ${r1.wall.toFixed(1)} s wall (${r1.scanWall.toFixed(1)} s scanning), ` +
              `concurrency ${concurrency} ${rc.wall.toFixed(1)} s wall (${rc.scanWall.toFixed(1)} s scanning): scanning speed-up ${(r1.scanWall / rc.scanWall).toFixed(2)}× (ideal ${ideal}×); ${rc.execs} exec sessions`,
          );
        } finally {
          cluster.setFaults({ delayMs: 0 });
        }
      }
    }
    const none = results.get('none');
    if (!none) return;
    console.log(
      `fleet-scan growth at concurrency ${concurrency}: ${none.plan.scans} auditor runs (dedupe none) ${none.scanWall.toFixed(1)} s scanning vs ${image.plan.scans} (dedupe image) ${image.scanWall.toFixed(1)} s: ` +
        `${(none.scanWall / image.scanWall).toFixed(2)}× the time for ${(none.plan.scans / Math.max(1, image.plan.scans)).toFixed(2)}× the runs`,
    );
  } finally {
    await cluster.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
