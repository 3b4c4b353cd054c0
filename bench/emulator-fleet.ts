// What the emulator's fleet scenario costs (issue 15 §7): start time until every container runs, memory of the
// emulator and its container processes (summed RSS, and PSS, which counts shared pages once), idle CPU, the latency
// of `kubectl exec` into a sample of containers, and the stop (no process, no mount left). Needs root (the runtime).
// Prints `emulator-fleet: 200 containers (40 digests, 10 namespaces) running in N s, RSS M MB (PSS P MB, K processes)`.
// Usage: npm run bench:emulator-fleet [-- --namespaces N --containers N --digests N --execs N]
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FLEET_DEFAULTS } from '../test/emulator/fleet';
import { startCluster } from '../test/emulator/index';

const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';
// The emulator runs in this process: kubectl must be spawned asynchronously so the server keeps serving.
const run = promisify(execFile);
const TICK = 100; // USER_HZ

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

/** This process and all its descendants (the container launchers, the containers' processes, their children). */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(e)]);
    } catch {}
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const p = stack.pop() as number;
    out.push(p);
    stack.push(...(children.get(p) ?? []));
  }
  return out;
}

/** kB of a `Key:   N kB` line of a /proc file. */
function kb(file: string, key: string): number {
  try {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(file, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function cpuTicks(pids: number[]): number {
  let t = 0;
  for (const p of pids) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      t += Number(f[11]) + Number(f[12]); // utime + stime
    } catch {}
  }
  return t;
}

/** Processes whose root or cwd lies under `dir`, and mount points under it (what a clean stop leaves: nothing). */
function leftovers(dir: string): { pids: number; mounts: number } {
  let pids = 0;
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readlinkSync(`/proc/${e}/root`).startsWith(dir) || readlinkSync(`/proc/${e}/cwd`).startsWith(dir)) pids++;
    } catch {}
  }
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => (l.split(' ')[4] ?? '').startsWith(dir)).length;
  return { pids, mounts };
}

const mb = (k: number) => Math.round(k / 1024);

async function main() {
  const sizes = { namespaces: arg('namespaces', FLEET_DEFAULTS.namespaces), containers: arg('containers', FLEET_DEFAULTS.containers), digests: arg('digests', FLEET_DEFAULTS.digests) };
  const execs = arg('execs', 10);
  if (process.getuid?.() !== 0) throw new Error('bench:emulator-fleet runs real containers (Linux namespaces, chroot) and needs root');
  const rssBefore = kb('/proc/self/status', 'VmRSS');
  const t0 = performance.now();
  const cluster = await startCluster({ scenario: 'fleet', ...sizes });
  const startS = (performance.now() - t0) / 1000;
  const cache = mkdtempSync(join(tmpdir(), 'kc-bench-cache-'));
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cache, KUBECONFIG: cluster.kubeconfigPath, KUBECACHEDIR: cache };
  let stopped = false;
  try {
    // What the API says runs (the containers are reported running only once their process survived 250 ms).
    const agent = new https.Agent({ ca: cluster.caPem });
    const pods = await new Promise<{ items: { metadata: { namespace: string; name: string }; spec: { containers: { name: string; securityContext?: { runAsUser?: number } }[] }; status: { containerStatuses?: { name: string; imageID: string; state: { running?: unknown } }[] } }[] }>((resolve, reject) =>
      https
        .get(`${cluster.url}/api/v1/pods`, { agent, headers: { Authorization: `Bearer ${cluster.tokens.admin}`, Accept: 'application/json' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
        })
        .on('error', reject),
    );
    agent.destroy();
    const running = pods.items.flatMap((p) => (p.status.containerStatuses ?? []).filter((c) => c.state.running).map((c) => ({ ns: p.metadata.namespace, pod: p.metadata.name, ctr: c.name, imageID: c.imageID, distroless: p.spec.containers.find((x) => x.name === c.name)?.securityContext?.runAsUser === 65532 })));
    const digests = new Set(running.map((c) => c.imageID.replace(/^.*@/, '')));
    const namespaces = new Set(pods.items.map((p) => p.metadata.namespace));
    if (running.length !== sizes.containers || digests.size !== sizes.digests) throw new Error(`expected ${sizes.containers} running containers on ${sizes.digests} digests, the API reports ${running.length} on ${digests.size}`);
    console.log(`start: ${pods.items.length} pods, ${running.length} containers running on ${digests.size} digests in ${namespaces.size} namespaces after ${startS.toFixed(1)} s`);

    const tree = processTree(process.pid);
    const others = tree.filter((p) => p !== process.pid);
    const selfRss = kb('/proc/self/status', 'VmRSS');
    const rss = tree.reduce((a, p) => a + kb(`/proc/${p}/status`, 'VmRSS'), 0);
    const pss = tree.reduce((a, p) => a + kb(`/proc/${p}/smaps_rollup`, 'Pss'), 0);
    const containersPss = others.reduce((a, p) => a + kb(`/proc/${p}/smaps_rollup`, 'Pss'), 0);
    console.log(`memory: emulator (Node) RSS ${mb(selfRss)} MB (${mb(rssBefore)} MB before the start); ${others.length} container processes RSS ${mb(rss - selfRss)} MB summed, PSS ${mb(containersPss)} MB (${(containersPss / sizes.containers).toFixed(0)} kB per container)`);

    const c0 = cpuTicks(tree);
    const w0 = performance.now();
    await new Promise((r) => setTimeout(r, 5000));
    const idle = (cpuTicks(processTree(process.pid)) - c0) / TICK / ((performance.now() - w0) / 1000);
    console.log(`idle CPU over 5 s: ${(idle * 100).toFixed(1)} % of one core (emulator and containers)`);

    // kubectl exec into a sample of containers with a shell, on different digests.
    const seen = new Set<string>();
    const sample = running.filter((c) => !c.distroless && !seen.has(c.imageID) && seen.add(c.imageID)).slice(0, execs);
    await run(KUBECTL, ['get', 'ns', '-o', 'name'], { env }); // warm the discovery cache
    const times: number[] = [];
    for (const c of sample) {
      const t = performance.now();
      const r = await run(KUBECTL, ['exec', '-n', c.ns, c.pod, '-c', c.ctr, '--', 'cat', '/etc/build-info'], { env, encoding: 'utf8' });
      times.push(performance.now() - t);
      if (!r.stdout.includes(`IMAGE=${c.imageID.replace(/@.*$/, '')}`)) throw new Error(`exec into ${c.ns}/${c.pod}/${c.ctr} printed ${r.stdout}`);
    }
    times.sort((a, b) => a - b);
    if (times.length) console.log(`kubectl exec (1.33) into ${times.length} containers on ${times.length} digests: median ${Math.round(times[Math.floor((times.length - 1) / 2)])} ms, max ${Math.round(times[times.length - 1])} ms`);

    const workDir = cluster.workDir;
    const ts = performance.now();
    await cluster.stop();
    stopped = true;
    const left = leftovers(workDir);
    console.log(`stop: ${((performance.now() - ts) / 1000).toFixed(1)} s; left behind: ${left.pids} processes, ${left.mounts} mounts, work dir ${existsSync(workDir) ? 'still there' : 'removed'}`);
    console.log(`emulator-fleet: ${running.length} containers (${digests.size} digests, ${namespaces.size} namespaces) running in ${startS.toFixed(1)} s, RSS ${mb(rss)} MB (PSS ${mb(pss)} MB, ${tree.length} processes)`);
  } finally {
    if (!stopped) await cluster.stop();
    rmSync(cache, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
