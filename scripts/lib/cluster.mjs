// Starts the Kubernetes API emulator (test/emulator) as a child process and waits for its READY line.
// Contract of `test/emulator/main.ts` (the `npm run cluster` entry): writes the kubeconfig given by --kubeconfig
// (mode 0600) once serving, prints `READY https://127.0.0.1:PORT`, and on SIGTERM/SIGINT stops every process it
// started and unmounts everything it mounted.
// The emulator runs in its own process group (a terminal's Ctrl-C must reach the caller first, which then stops it in
// order), so the caller must always be able to stop it: `onStop(stop)` hands over the stop function as soon as the
// process exists (before READY), and a start that fails or times out stops the process before rejecting.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './vscode-host.mjs';

export async function startClusterProcess({ kubeconfig, scenario = 'demo', extraArgs = [], log = () => {}, timeoutMs = 120000, onStop = () => {} }) {
  const args = ['--import', 'tsx', join(repoRoot, 'test/emulator/main.ts'), '--kubeconfig', kubeconfig, '--scenario', scenario, ...extraArgs];
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  let exited = false;
  const exitedP = new Promise((r) => child.once('exit', () => { exited = true; r(); }));
  async function stop() {
    if (exited || child.exitCode !== null || child.signalCode !== null) return;
    try { process.kill(child.pid, 'SIGTERM'); } catch {}
    const t = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch {} }, 15000);
    await exitedP;
    clearTimeout(t);
  }
  onStop(stop);
  try {
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
    return { url, child, stop, output: () => output };
  } catch (err) {
    await stop();
    throw err;
  }
}
