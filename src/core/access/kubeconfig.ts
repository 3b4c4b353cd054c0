/**
 * The scanner identity's kubeconfig: one cluster (copied from the user's context: server, CA, TLS settings), one
 * context (with the namespace), one user holding only the short-lived ServiceAccount token. Written with mode 0600 in
 * a private (0700) folder of the extension's storage — never the workspace — and replaced atomically on renewal.
 * Its contents never go to a log, a notification or a command line.
 */
import { chmodSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

type Obj = Record<string, unknown>;

export interface ClusterEntry {
  readonly name: string;
  readonly cluster: Obj;
}

/** The cluster entry of a single-context kubeconfig (as `minimiseKubeconfig` writes it). */
export function clusterEntry(singleContextYaml: string): ClusterEntry {
  const doc = parse(singleContextYaml) as { clusters?: Array<{ name?: string; cluster?: Obj }> } | null;
  const c = doc?.clusters?.[0];
  if (!c?.name || !c.cluster || typeof c.cluster.server !== 'string') throw new Error('The kubeconfig of this context has no cluster with a server.');
  return { name: c.name, cluster: c.cluster };
}

/** The identity's kubeconfig YAML. Holds the token: write it only with {@link writeIdentityKubeconfig}. */
export function identityKubeconfigYaml(cluster: ClusterEntry, id: string, namespace: string, token: string): string {
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    'current-context': id,
    clusters: [{ name: cluster.name, cluster: structuredClone(cluster.cluster) }],
    contexts: [{ name: id, context: { cluster: cluster.name, user: id, namespace } }],
    users: [{ name: id, user: { token } }],
  };
  return stringify(doc, { lineWidth: 0 });
}

/**
 * Writes (or replaces) `<dir>/kubeconfig` with mode 0600; `dir` is created with mode 0700. The new content goes to a
 * 0600 temporary file first and is renamed over the old one, so a reader never sees half a file.
 */
export function writeIdentityKubeconfig(dir: string, yaml: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const path = join(dir, 'kubeconfig');
  const tmp = join(dir, `.kubeconfig-${process.pid}-${Date.now()}`);
  try {
    writeFileSync(tmp, yaml, { mode: 0o600, flag: 'wx' });
    chmodSync(tmp, 0o600);
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
  return path;
}

/** Removes the identity's folder (kubeconfig included); fine when already gone. */
export function removeIdentityKubeconfig(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
