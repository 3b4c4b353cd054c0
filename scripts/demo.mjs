// `npm run demo`: the extension in a real VS Code against the built-in demo cluster.
// Builds and packages the extension, starts the Kubernetes API emulator's demo scenario, starts code-server on
// 127.0.0.1 with the extension installed, KUBECONFIG pointing at the demo cluster and a workspace holding a sample
// profile written for the demo containers, then prints the URL to open. Ctrl-C stops everything it started.
//   --desktop               open a desktop VS Code (`code` on PATH) instead of code-server
//   --port N                code-server port (default: a free one)
//   --test-double-auditor   use the project's TEST-DOUBLE auditor (tests only; it is not CINC Auditor) so the scan flow
//                           can be seen without installing a real auditor
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, ensureHost, installVsix, makeRunDir, repoRoot, startCodeServer } from './lib/vscode-host.mjs';
import { startClusterProcess } from './lib/cluster.mjs';
import { findExecutableSync } from './lib/which.mjs';

const argv = process.argv.slice(2);
const flag = (f) => argv.includes(f);
const opt = (f) => { const i = argv.indexOf(f); return i >= 0 ? argv[i + 1] : undefined; };
const say = (m) => console.log(`[demo] ${m}`);

if (process.getuid?.() !== 0) {
  console.error('[demo] the demo cluster runs its containers in Linux namespaces and needs root: run `sudo npm run demo`.');
  process.exit(1);
}

const stops = [];
let runDir;
let stopping = false;
async function stopAll(code = 0) {
  if (stopping) return;
  stopping = true;
  say('stopping…');
  for (const s of stops.reverse()) { try { await s(); } catch (e) { console.error(e); } }
  if (runDir) cleanup(runDir);
  say('stopped; nothing left running or mounted');
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

function sampleWorkspace(dir) {
  const ws = join(dir, 'workspace');
  mkdirSync(ws, { recursive: true });
  const sample = join(repoRoot, 'test/fixtures/profiles/demo-baseline');
  if (existsSync(sample)) cpSync(sample, join(ws, 'demo-baseline'), { recursive: true });
  const baseline = join(repoRoot, 'test', 'fixtures', 'profiles', 'container-baseline');
  cpSync(baseline, join(ws, 'container-baseline'), { recursive: true });
  return ws;
}

try {
  runDir = makeRunDir('demo');
  const desktop = flag('--desktop');
  const codeBin = desktop ? findExecutableSync('code') : undefined;
  if (desktop && !codeBin) say('no desktop `code` command on PATH: using code-server instead');
  const prefix = codeBin ? undefined : ensureHost();

  say('building and packaging the extension…');
  const pkg = spawnSync('npm', ['run', '--silent', 'package'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  if (pkg.status !== 0) throw new Error('npm run package failed');

  say('starting the demo cluster (Kubernetes API emulator)…');
  const kubeconfig = join(runDir, 'kubeconfig');
  // registered as soon as the process exists: a Ctrl-C while it starts stops it too
  const cluster = await startClusterProcess({ kubeconfig, log: say, onStop: (stop) => stops.push(stop) });

  const ws = sampleWorkspace(runDir);
  const settings = {};
  if (flag('--test-double-auditor')) {
    settings['kubeCompliance.auditor.path'] = join(repoRoot, 'test/fixtures/test-double-auditor.mjs');
    say('using the TEST-DOUBLE auditor (not CINC Auditor; for trying the flow only)');
  }

  if (codeBin) {
    const child = spawn(codeBin, ['--new-window', '--wait', `--extensionDevelopmentPath=${repoRoot}`, ws], { stdio: 'inherit', env: { ...process.env, KUBECONFIG: kubeconfig } });
    stops.push(async () => { try { child.kill('SIGTERM'); } catch {} });
    say(`desktop VS Code opened on ${ws}; close the window or press Ctrl-C to stop`);
    child.on('exit', () => void stopAll(0));
  } else {
    installVsix(prefix, runDir);
    const port = opt('--port') ? Number(opt('--port')) : undefined;
    const server = await startCodeServer({ prefix, runDir, workspace: ws, env: { KUBECONFIG: kubeconfig }, settings, smokeTestDriver: false, port, isolateHome: false, onStop: (stop) => stops.push(stop) });
    console.log('');
    say(`Kube Compliance is running in VS Code (code-server) against the demo cluster ${cluster.url}`);
    say(`open: ${server.url}/?folder=${encodeURIComponent(ws)}`);
    say('then choose the Kube Compliance shield in the activity bar. Press Ctrl-C here to stop everything.');
  }
} catch (err) {
  console.error(`[demo] ${err instanceof Error ? err.message : err}`);
  await stopAll(1);
}
