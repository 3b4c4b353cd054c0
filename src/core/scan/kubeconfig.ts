import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { parse, stringify } from 'yaml';

/**
 * The single-context kubeconfig a scan runs with. Neither train-k8s-container variant forwards a kubeconfig or
 * context option to kubectl, so the auditor's environment gets `KUBECONFIG=<this file>`: one cluster, one context
 * (with its namespace), one user, copied from the user's merged kubeconfig with everything that makes the
 * credentials work kept — token, token file, client certificates (inline data or file paths), exec plugins,
 * auth providers, proxy-url, TLS settings. Relative file paths are made absolute against the file that declared
 * them (as kubectl resolves them), so the copy works from a temporary folder. The file is created with mode 0600 in
 * a private (0700) temporary folder and removed when the run ends; its contents never go to a log or command line.
 */

export class KubeconfigError extends Error {
  override readonly name = 'KubeconfigError';
}

type Obj = Record<string, unknown>;
interface Named {
  name: string;
  value: Obj;
  file: string;
}

export interface MinimisedKubeconfig {
  /** The YAML text: holds secrets, write it only to a private file. */
  readonly yaml: string;
  readonly context: string;
  readonly cluster: string;
  readonly user: string;
  readonly namespace?: string;
  readonly server?: string;
}

/** kubectl's merge: for clusters, contexts and users the first file that names an entry wins; same for current-context. */
function loadMerged(files: readonly string[]) {
  const clusters = new Map<string, Named>();
  const contexts = new Map<string, Named>();
  const users = new Map<string, Named>();
  let current: string | undefined;
  for (const file of files) {
    let doc: unknown;
    try {
      doc = parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new KubeconfigError(`The kubeconfig file ${file} could not be read: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
    if (!doc || typeof doc !== 'object') continue;
    const d = doc as Obj;
    if (!current && typeof d['current-context'] === 'string' && d['current-context']) current = d['current-context'];
    collect(d.clusters, 'cluster', file, clusters);
    collect(d.contexts, 'context', file, contexts);
    collect(d.users, 'user', file, users);
  }
  return { clusters, contexts, users, current };
}

function collect(list: unknown, key: string, file: string, into: Map<string, Named>): void {
  if (!Array.isArray(list)) return;
  for (const entry of list) {
    if (!entry || typeof entry !== 'object') continue;
    const e = entry as Obj;
    if (typeof e.name !== 'string' || into.has(e.name)) continue;
    const value = e[key] && typeof e[key] === 'object' ? (e[key] as Obj) : {};
    into.set(e.name, { name: e.name, value, file });
  }
}

function resolvePath(file: string, p: unknown): unknown {
  if (typeof p !== 'string' || !p || isAbsolute(p)) return p;
  return resolve(dirname(file), p);
}

function resolveCluster(c: Named): Obj {
  const out: Obj = structuredClone(c.value);
  if ('certificate-authority' in out) out['certificate-authority'] = resolvePath(c.file, out['certificate-authority']);
  return out;
}

function resolveUser(u: Named): Obj {
  const out: Obj = structuredClone(u.value);
  for (const k of ['client-certificate', 'client-key', 'tokenFile']) if (k in out) out[k] = resolvePath(u.file, out[k]);
  const exec = out.exec;
  if (exec && typeof exec === 'object') {
    const e = exec as Obj;
    // client-go resolves an exec command relative to the kubeconfig only when it contains a path separator;
    // a bare name is looked up on PATH.
    if (typeof e.command === 'string' && e.command.includes(sep) && !isAbsolute(e.command)) e.command = resolvePath(u.file, e.command);
  }
  return out;
}

/** Builds the single-context kubeconfig for `contextName` (default: the merged current-context). */
export function minimiseKubeconfig(files: readonly string[], contextName?: string): MinimisedKubeconfig {
  if (!files.length) throw new KubeconfigError('No kubeconfig file was found (KUBECONFIG, ~/.kube/config or the kubeCompliance.kubeconfig setting).');
  const merged = loadMerged(files);
  const name = contextName || merged.current;
  if (!name) throw new KubeconfigError('No context was chosen and the kubeconfig has no current-context.');
  const ctx = merged.contexts.get(name);
  if (!ctx) throw new KubeconfigError(`The context "${name}" is not in the kubeconfig (${files.join(', ')}).`);
  const clusterName = typeof ctx.value.cluster === 'string' ? ctx.value.cluster : '';
  const userName = typeof ctx.value.user === 'string' ? ctx.value.user : '';
  const cluster = merged.clusters.get(clusterName);
  if (!cluster) throw new KubeconfigError(`The context "${name}" refers to the cluster "${clusterName}", which the kubeconfig does not define.`);
  const user = userName ? merged.users.get(userName) : undefined;
  if (userName && !user) throw new KubeconfigError(`The context "${name}" refers to the user "${userName}", which the kubeconfig does not define.`);

  const context: Obj = structuredClone(ctx.value);
  const out = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    'current-context': name,
    clusters: [{ name: clusterName, cluster: resolveCluster(cluster) }],
    contexts: [{ name, context }],
    users: user ? [{ name: userName, user: resolveUser(user) }] : [],
  };
  const clusterValue = out.clusters[0].cluster;
  return {
    yaml: stringify(out, { lineWidth: 0 }),
    context: name,
    cluster: clusterName,
    user: userName,
    namespace: typeof context.namespace === 'string' ? context.namespace : undefined,
    server: typeof clusterValue.server === 'string' ? clusterValue.server : undefined,
  };
}

export interface PrivateKubeconfig {
  /** The 0600 file, for `KUBECONFIG`. */
  readonly path: string;
  /** Its private 0700 folder. */
  readonly dir: string;
  /** Removes the file and its folder; safe to call more than once. */
  dispose(): void;
}

/** Prefix of the private folders; the owning process id follows so a later start can sweep leftovers of dead processes. */
export const TEMP_PREFIX = 'kube-compliance-scan-';

/** Writes `content` to a new 0600 file in a new 0700 folder under `parent` (default: the OS temp folder). */
export function writePrivateKubeconfig(content: string, parent: string = tmpdir()): PrivateKubeconfig {
  const dir = mkdtempSync(join(parent, `${TEMP_PREFIX}${process.pid}-`));
  chmodSync(dir, 0o700);
  const path = join(dir, 'kubeconfig');
  writeFileSync(path, content, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  let removed = false;
  return {
    path,
    dir,
    dispose() {
      if (removed) return;
      removed = true;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Removes private scan folders left behind by processes that no longer exist (a crash, a killed window). */
export function sweepStaleKubeconfigs(parent: string = tmpdir()): number {
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    const pid = Number(name.slice(TEMP_PREFIX.length).split('-')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || alive(pid)) continue;
    const p = join(parent, name);
    try {
      if (!statSync(p).isDirectory()) continue;
      rmSync(p, { recursive: true, force: true });
      removed++;
    } catch {
      // not ours to worry about
    }
  }
  return removed;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
