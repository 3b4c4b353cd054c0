// Explorer benchmarks (printed figures, not timed tests). Usage: npm run bench:explorer [-- --runs N --pods N --namespaces N]
//  1. explorer-list-10k: the core model listing every namespace and every pod (ClusterModel.loadAll, fresh client
//     each run) beside `kubectl get pods -A -o json` (kubectl 1.33, warm discovery cache), alternating, same
//     emulator (scale scenario, its own process so neither client shares its event loop). Medians.
//  2. heap used by the model's 10,000 pod summaries.
//  3. probes: exec probes made to classify every container of the demo scenario as demo-admin.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ClusterPool } from '../src/core/cluster/pool';

const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';
const run = promisify(execFile);

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

interface ClusterProcess {
  url: string;
  stop(): Promise<void>;
}

async function startEmulator(kubeconfig: string, scenario: 'demo' | 'scale', extra: string[] = []): Promise<ClusterProcess> {
  const modPath = '../scripts/lib/cluster.mjs'; // plain JS (no types): the emulator as a child process, as the host tests start it
  const { startClusterProcess } = (await import(modPath)) as { startClusterProcess: (o: object) => Promise<ClusterProcess> };
  return startClusterProcess({ kubeconfig, scenario, extraArgs: extra, timeoutMs: 300000 });
}

async function listBenchmark(dir: string): Promise<void> {
  const runs = arg('runs', 5);
  const pods = arg('pods', 10000);
  const namespaces = arg('namespaces', 200);
  const kubeconfig = join(dir, 'scale.kubeconfig');
  const t0 = Date.now();
  const emu = await startEmulator(kubeconfig, 'scale', ['--namespaces', String(namespaces), '--pods', String(pods)]);
  console.log(`scale scenario: ${pods} pods in ${namespaces} namespaces, ready in ${Date.now() - t0} ms (${emu.url})`);
  const cache = join(dir, 'kubectl-cache');
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cache, KUBECONFIG: kubeconfig, KUBECACHEDIR: cache };
  try {
    await run(KUBECTL, ['get', 'ns', '-o', 'name'], { env }); // warm discovery, as an interactive user's kubectl has it
    // first, in a clean process: heap held by the model's summaries of every pod
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) console.log('explorer-heap-10k: run with node --expose-gc for the heap figure');
    else {
      for (let i = 0; i < 3; i++) gc();
      const before = process.memoryUsage().heapUsed;
      const pool = new ClusterPool({ kubeconfig }, {});
      const all = await pool.get('demo-admin').model.loadAll();
      pool.dispose();
      gc();
      await new Promise((r) => setTimeout(r, 50));
      gc();
      const after = process.memoryUsage().heapUsed;
      const mb = (after - before) / 1e6;
      console.log(`explorer-heap-10k: ${mb.toFixed(1)} MB for ${all.podCount} pods (${Math.round((after - before) / all.podCount)} bytes per pod)`);
    }
    const model: number[] = [];
    const kubectl: number[] = [];
    for (let i = 0; i < runs; i++) {
      const pool = new ClusterPool({ kubeconfig }, {});
      const t = performance.now();
      const all = await pool.get('demo-admin').model.loadAll();
      const ms = performance.now() - t;
      pool.dispose();
      if (all.podCount !== pods) throw new Error(`the model listed ${all.podCount} pods, expected ${pods}`);
      model.push(ms);
      const tk = performance.now();
      const r = await run(KUBECTL, ['get', 'pods', '-A', '-o', 'json'], { env, maxBuffer: 1 << 30, encoding: 'utf8' });
      const kms = performance.now() - tk;
      const n = (JSON.parse(r.stdout) as { items: unknown[] }).items.length;
      if (n !== pods) throw new Error(`kubectl listed ${n} pods, expected ${pods}`);
      kubectl.push(kms);
      console.log(`run ${i + 1}: model ${Math.round(ms)} ms (${all.podCount} pods, ${all.namespaces.names.length} namespaces), kubectl ${Math.round(kms)} ms`);
    }
    const m = median(model);
    const k = median(kubectl);
    console.log(`explorer-list-10k: model ${Math.round(m)} ms, kubectl ${Math.round(k)} ms, ratio ${(m / k).toFixed(2)}`);

  } finally {
    await emu.stop();
  }
}

async function probeBenchmark(dir: string): Promise<void> {
  const kubeconfig = join(dir, 'demo.kubeconfig');
  const emu = await startEmulator(kubeconfig, 'demo');
  try {
    const pool = new ClusterPool({ kubeconfig }, {});
    const { model, classifier, client } = pool.get('demo-admin');
    const t = performance.now();
    let containers = 0;
    const byWord = new Map<string, number>();
    for (const ns of (await model.namespaces()).names) {
      const contents = await model.namespace(ns);
      const classes = (await Promise.all(contents.pods.map((p) => classifier.classifyPod(p.pod)))).flat();
      containers += classes.length;
      for (const c of classes) byWord.set(c.compatibility, (byWord.get(c.compatibility) ?? 0) + 1);
    }
    const ms = performance.now() - t;
    const s = classifier.stats;
    console.log(`classified ${containers} containers in ${Math.round(ms)} ms: ${[...byWord].map(([w, n]) => `${w} ${n}`).join(', ')}`);
    console.log(`probes: ${s.probes} for ${s.probedImages.size} distinct images (exec streams ${client.execCount}, access reviews ${s.accessReviews}, API requests ${client.requestCount})`);
    if (s.probes > s.probedImages.size) console.log('  (one image runs with a custom AppArmor profile in sandboxed-app; the profile changes what exec does, so that pod is probed on its own)');
    pool.dispose();
  } finally {
    await emu.stop();
  }
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'kc-bench-explorer-'));
  try {
    await listBenchmark(dir);
    await probeBenchmark(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
