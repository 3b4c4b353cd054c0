import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * The kubeconfig files kubectl would read, in merge order: the override (our setting) if set, else
 * `KUBECONFIG` (several files separated by the platform's path delimiter), else `~/.kube/config`.
 * Only files that exist are returned; an empty list means "no kubeconfig".
 */
export function kubeconfigFiles(override: string | undefined, env: NodeJS.ProcessEnv = process.env, home = homedir()): string[] {
  const raw = override?.trim() || env.KUBECONFIG?.trim() || join(home, '.kube', 'config');
  const seen = new Set<string>();
  const files: string[] = [];
  for (const f of raw.split(delimiter).map((s) => s.trim()).filter(Boolean)) {
    const path = f.startsWith('~/') ? join(home, f.slice(2)) : f;
    if (seen.has(path) || !existsSync(path)) continue;
    seen.add(path);
    files.push(path);
  }
  return files;
}
