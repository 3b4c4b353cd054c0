// Starts the Kubernetes API emulator (test/cluster) as a child process and waits for its READY line.
// Contract of `test/cluster/main.ts` (the `npm run cluster` entry): writes the kubeconfig given by --kubeconfig
// (mode 0600) once serving, prints `READY https://127.0.0.1:PORT`, and on SIGTERM/SIGINT stops every process it
// started and unmounts everything it mounted.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './vscode-host.mjs';

export async function startClusterProcess({ kubeconfig, scenario = 'demo', extraArgs = [], log = () => {}, timeoutMs = 120000 }) {
  const args = ['--import', 'tsx', join(repoRoot, 'test/cluster/main.ts'), '--kubeconfig', kubeconfig, '--scenario', scenario, ...extraArgs];
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`emulator not READY within ${timeoutMs / 1000} s:\n${output}`)), timeoutMs);
    const onData = (d) => {
      output += d;
      const m = /READY (https:\/\/\S+)/.exec(output);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`emulator exited (${code}) before READY:\n${output}`)); });
  });
  log(`emulator ${url}`);
  async function stop() {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    try { process.kill(child.pid, 'SIGTERM'); } catch {}
    const t = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch {} }, 15000);
    await exited;
    clearTimeout(t);
  }
  return { url, child, stop, output: () => output };
}
