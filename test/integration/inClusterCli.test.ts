// `kube-compliance scan --runner in-cluster` (src/cli.ts → src/core/fleet/headless.ts → src/core/incluster) as a real
// process against the emulator's demo cluster, the scan Jobs running the emulator's auditor image (the TEST DOUBLE
// with kubectl; test/emulator/auditor-image.ts): -l app=web (one Job for the Deployment's digest, three rows done,
// exit 0, nothing labelled left), the shell-less containers of -n demo listed as skipped with the reason, an auditor
// image that cannot be pulled (exit 4, the row says why), and --export-manifests (YAML, nothing run).
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import type { FleetIndex } from '../../src/core/fleet/indexFormat';
import { AUDITOR_DOUBLE_IMAGE } from '../emulator/auditor-image';
import { kubectl } from '../emulator/kubectl-util';
import { startCluster, type Cluster } from '../emulator/index';

const root = join(__dirname, '..', '..');
const PROFILE = join(root, 'test', 'fixtures', 'profiles', 'demo-baseline');
let cluster: Cluster;
let work: string;
let n = 0;

before(async () => {
  cluster = await startCluster();
  work = mkdtempSync(join(tmpdir(), 'kc-incluster-cli-'));
});
after(async () => {
  await cluster?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

function scan(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; out: string }> {
  const out = join(work, `fleet-${++n}`);
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli.ts'), 'scan', ...args, '--kubeconfig', cluster.kubeconfigPath, '--context', 'demo-admin', '--out', out], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
  return new Promise((res) => child.on('close', (code) => (clearTimeout(timer), res({ code, stdout, stderr, out }))));
}

const index = (out: string): FleetIndex => JSON.parse(readFileSync(join(out, 'fleet-index.json'), 'utf8'));

/** What kubectl finds of a run's labelled objects (every kind the runner creates). */
async function labelled(runId: string): Promise<string> {
  const r = await kubectl(cluster.kubeconfigPath, ['get', 'job,pod,configmap,serviceaccount,role,rolebinding', '-n', 'demo', '-l', `kube-compliance.io/run=${runId}`, '-o', 'name']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

test('--runner in-cluster -l app=web: one Job for the digest, three rows done with verified reports, exit 0, nothing left', async () => {
  const r = await scan(['-l', 'app=web', '-n', 'demo', '--profile', PROFILE, '--runner', 'in-cluster', '--auditor-image', AUDITOR_DOUBLE_IMAGE, '--concurrency', '2']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /in-cluster Jobs running fleet\.local\/kube-compliance\/cinc-auditor-double:test/);
  const runId = /kube-compliance\.io\/run=([a-z0-9]+)/.exec(r.stderr)?.[1];
  assert.ok(runId, r.stderr);
  const idx = index(r.out);
  assert.equal(idx.items.length, 3);
  assert.ok(idx.items.every((i) => i.outcome === 'done'), JSON.stringify(idx.items.map((i) => [i.pod, i.outcome, i.message])));
  const primary = idx.items.find((i) => !i.scannedAs)!;
  assert.match(primary.message ?? '', /Scanned in the cluster by Job demo\/kc-scan-[a-z0-9]+-0 \(report \d+ bytes, sha256 verified\)/);
  const report = JSON.parse(readFileSync(join(r.out, primary.reportPath!), 'utf8'));
  assert.equal(report.platform.name, 'debian');
  assert.match(r.stdout, /Fleet scan of .* in-cluster ended: 3 container\(s\), 1 auditor run\(s\)/);
  assert.equal(await labelled(runId), '', 'no Job, pod, ConfigMap, ServiceAccount, Role or RoleBinding of the run is left');
});

test('--runner in-cluster -n demo: shell-less containers skipped with the reason; an image that cannot be pulled fails its rows (exit 4), nothing left', async () => {
  const r = await scan(['-n', 'demo', '--profile', PROFILE, '--runner', 'in-cluster', '--auditor-image', 'fleet.local/kube-compliance/no-such-auditor:1', '--concurrency', '3']);
  assert.equal(r.code, 4, r.stderr);
  const runId = /kube-compliance\.io\/run=([a-z0-9]+)/.exec(r.stderr)?.[1];
  assert.ok(runId, r.stderr);
  const idx = index(r.out);
  const row = (pod: string) => idx.items.find((i) => i.pod === pod)!;
  assert.equal(row('distroless-app').outcome, 'skipped');
  assert.match(row('distroless-app').message ?? '', /in-cluster runner scans containers that have a shell/);
  assert.equal(row('standard-app').outcome, 'failed');
  assert.match(row('standard-app').message ?? '', /auditor image fleet\.local\/kube-compliance\/no-such-auditor:1 cannot be pulled/);
  assert.ok(!idx.items.some((i) => i.outcome === 'done'), 'no report accepted');
  assert.equal(await labelled(runId), '');
});

test('--export-manifests -: the YAML of every unit\'s objects on stdout, nothing run', async () => {
  const r = await scan(['-l', 'app=web', '-n', 'demo', '--profile', PROFILE, '--runner', 'in-cluster', '--auditor-image', 'registry.example/cinc-auditor:6', '--deadline', '900', '--ttl', '60', '--export-manifests', '-']);
  assert.equal(r.code, 0, r.stderr);
  const docs = parseAllDocuments(r.stdout).map((d) => d.toJS());
  assert.deepEqual(docs.map((d) => d.kind), ['ServiceAccount', 'Role', 'RoleBinding', 'ConfigMap', 'Job']);
  const job = docs[4];
  assert.equal(job.spec.backoffLimit, 0);
  assert.equal(job.spec.activeDeadlineSeconds, 900);
  assert.equal(job.spec.ttlSecondsAfterFinished, 60, '--ttl');
  assert.equal(job.spec.template.spec.containers[0].image, 'registry.example/cinc-auditor:6');
  assert.ok(docs[3].binaryData['profile.tar.gz'].length > 100);
  assert.match(r.stdout, /^# Kube Compliance in-cluster scan, run [a-z0-9]+: 1 Job\(s\)/);
  assert.equal(existsSync(r.out), false, 'no fleet folder: nothing was run');
  const jobs = await kubectl(cluster.kubeconfigPath, ['get', 'jobs', '-n', 'demo', '-o', 'name']);
  assert.doesNotMatch(jobs.stdout, /kc-scan-/);
  // what kubectl would apply is accepted by the API server (server-side dry run)
  const dry = await kubectl(cluster.kubeconfigPath, ['apply', '--dry-run=server', '-f', '-'], { input: r.stdout });
  assert.equal(dry.code, 0, dry.stderr);
});

test('usage: in-cluster flags need --runner in-cluster; --auditor with it is refused', async () => {
  const a = await scan(['-n', 'demo', '--profile', PROFILE, '--auditor-image', 'x']);
  assert.equal(a.code, 2);
  assert.match(a.stderr, /--auditor-image needs --runner in-cluster/);
  const b = await scan(['-n', 'demo', '--profile', PROFILE, '--runner', 'cloud']);
  assert.equal(b.code, 2);
  assert.match(b.stderr, /--runner must be local or in-cluster, not "cloud"/);
});
