// Helpers for the emulator's tests: run a real kubectl binary against it, each call with its own discovery cache.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export const KUBECTL_DIR = '/usr/lib/google-cloud-sdk/bin';

/** A scratch directory for this test process (token kubeconfigs, files), removed when the process exits. */
export function scratchDir(): string {
  if (!scratch) {
    const dir = mkdtempSync(join(tmpdir(), 'kc-cluster-test-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    scratch = dir;
  }
  return scratch;
}
let scratch: string | undefined;
export const kubectlBin = (minor: number) => join(KUBECTL_DIR, `kubectl.1.${minor}`);

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `kubectl.1.<minor>` with KUBECONFIG and a fresh KUBECACHEDIR; never throws on a non-zero exit. */
export function kubectl(kubeconfig: string, args: string[], opts: { minor?: number; input?: string; env?: Record<string, string>; timeoutMs?: number; cacheDir?: string } = {}): Promise<KubectlResult> {
  const cache = opts.cacheDir ?? mkdtempSync(join(scratchDir(), 'kubecache-'));
  return new Promise((resolve, reject) => {
    const child = spawn(kubectlBin(opts.minor ?? 33), args, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cache, KUBECONFIG: kubeconfig, KUBECACHEDIR: cache, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (!opts.cacheDir) rmSync(cache, { recursive: true, force: true });
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** A kubeconfig with one context using `token` (like the scanner identity the extension writes). */
export function tokenKubeconfig(server: string, caPem: string, token: string, namespace: string): string {
  const file = join(mkdtempSync(join(scratchDir(), 'token-')), 'kubeconfig');
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
      users: [{ name: 'u', user: { token } }],
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u', namespace } }],
      'current-context': 'ctx',
    }),
    { mode: 0o600 },
  );
  return file;
}
