// Baseline for the explorer: wall time of `kubectl get pods -A -o json` against the emulator's scale scenario
// (10,000 metadata-only pods in 200 namespaces), median of 5 runs with a fixed kubectl (1.33), warm discovery cache.
// Prints `kubectl-list-10k: median N ms`.  Usage: npm run bench:kubectl-baseline [-- --runs N --pods N --namespaces N]
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster } from '../test/emulator/index';

const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';
// The emulator runs in this process: kubectl must be spawned asynchronously so the server keeps serving.
const run = promisify(execFile);

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

async function main() {
  const runs = arg('runs', 5);
  const pods = arg('pods', 10000);
  const namespaces = arg('namespaces', 200);
  const t0 = Date.now();
  const cluster = await startCluster({ scenario: 'scale', pods, namespaces });
  console.log(`scale scenario: ${pods} pods in ${namespaces} namespaces, ready in ${Date.now() - t0} ms (${cluster.url})`);
  const cache = mkdtempSync(join(tmpdir(), 'kc-bench-cache-'));
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cache, KUBECONFIG: cluster.kubeconfigPath, KUBECACHEDIR: cache };
  try {
    // Warm the discovery cache once, as an interactive user's kubectl would have it.
    await run(KUBECTL, ['get', 'ns', '-o', 'name'], { env });
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      const r = await run(KUBECTL, ['get', 'pods', '-A', '-o', 'json'], { env, maxBuffer: 1024 * 1024 * 1024, encoding: 'utf8' });
      const ms = performance.now() - t;
      const n = JSON.parse(r.stdout).items.length;
      if (n !== pods) throw new Error(`kubectl listed ${n} pods, expected ${pods}`);
      times.push(ms);
      console.log(`run ${i + 1}: ${Math.round(ms)} ms (${n} pods, ${(r.stdout.length / 1e6).toFixed(1)} MB)`);
    }
    // For comparison: the emulator alone (Node https client, same 500-item pages, no kubectl decoding/printing).
    const agent = new https.Agent({ keepAlive: true, ca: cluster.caPem });
    const get = (path: string) =>
      new Promise<Buffer>((resolve, reject) =>
        https.get(`${cluster.url}${path}`, { agent, headers: { Authorization: `Bearer ${cluster.tokens.admin}`, Accept: 'application/json' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () => resolve(Buffer.concat(chunks)));
        }).on('error', reject),
      );
    const ts = performance.now();
    let cont = '';
    let listed = 0;
    do {
      const page = JSON.parse((await get(`/api/v1/pods?limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`)).toString());
      listed += page.items.length;
      cont = page.metadata.continue ?? '';
    } while (cont);
    agent.destroy();
    console.log(`emulator-only paged list of ${listed} pods (Node client): ${Math.round(performance.now() - ts)} ms`);
    times.sort((a, b) => a - b);
    const median = times.length % 2 ? times[(times.length - 1) / 2] : (times[times.length / 2 - 1] + times[times.length / 2]) / 2;
    console.log(`kubectl-list-10k: median ${Math.round(median)} ms`);
  } finally {
    await cluster.stop();
    rmSync(cache, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
