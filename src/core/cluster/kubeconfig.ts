/**
 * The kubeconfig as kubectl reads it: the files (`KUBECONFIG`, `~/.kube/config` or our override), merged the way
 * kubectl merges them, the contexts the explorer lists, the per-context copy a client uses, and how to refresh a
 * user's credentials. Never writes the user's files.
 */
import { KubeConfig, type Cluster, type Context, type User } from '@kubernetes/client-node';
import { kubeconfigFiles } from '../kubeconfigFiles';
import { KubeError } from './errors';

export interface KubeconfigLoad {
  /** Files read, in merge order. Empty: no kubeconfig found. */
  readonly files: string[];
  /** The merged configuration (never mutated after loading; per-context clients copy it). */
  readonly config: KubeConfig;
  /** current-context of the merged config (first file that sets one), if any. */
  readonly currentContext?: string;
  /** Problems met while reading (unreadable file, invalid entries), already free of secrets. */
  readonly warnings: string[];
}

/**
 * Merges kubeconfig files the way kubectl does: for clusters, users and contexts the first file that defines a
 * name wins; current-context comes from the first file that sets it. Relative file paths inside each file are
 * resolved against that file's folder.
 */
export function loadKubeconfig(files: readonly string[]): KubeconfigLoad {
  const clusters: Cluster[] = [];
  const users: User[] = [];
  const contexts: Context[] = [];
  const seen = { clusters: new Set<string>(), users: new Set<string>(), contexts: new Set<string>() };
  let currentContext: string | undefined;
  const warnings: string[] = [];
  const read: string[] = [];
  for (const file of files) {
    const kc = new KubeConfig();
    try {
      kc.loadFromFile(file, { onInvalidEntry: 'filter' });
    } catch (err) {
      warnings.push(`Could not read kubeconfig ${file}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      continue;
    }
    read.push(file);
    // kubectl: the first file to define a name wins
    const addNew = <T extends { name: string }>(items: T[] | undefined, names: Set<string>, into: T[]) => {
      for (const it of items ?? []) {
        if (names.has(it.name)) continue;
        names.add(it.name);
        into.push(it);
      }
    };
    addNew(kc.getClusters(), seen.clusters, clusters);
    addNew(kc.getUsers(), seen.users, users);
    addNew(kc.getContexts(), seen.contexts, contexts);
    const cur = kc.getCurrentContext();
    if (!currentContext && cur) currentContext = cur;
  }
  const config = new KubeConfig();
  config.loadFromOptions({ clusters, users, contexts, currentContext: currentContext ?? '' });
  return { files: read, config, currentContext: currentContext || undefined, warnings };
}

/** Loads the kubeconfig kubectl would use, or the `kubeCompliance.kubeconfig` override when set. */
export function loadDefaultKubeconfig(override?: string, env: NodeJS.ProcessEnv = process.env): KubeconfigLoad {
  return loadKubeconfig(kubeconfigFiles(override, env));
}

/** A context as the explorer lists it. */
export interface ContextInfo {
  readonly name: string;
  readonly cluster: string;
  readonly user: string;
  readonly namespace?: string;
  readonly server?: string;
  readonly current: boolean;
}

export function listContexts(load: KubeconfigLoad): ContextInfo[] {
  return load.config.getContexts().map((c) => ({
    name: c.name,
    cluster: c.cluster,
    user: c.user,
    namespace: c.namespace,
    server: load.config.getCluster(c.cluster)?.server,
    current: c.name === load.currentContext,
  }));
}

/**
 * Chooses a context without editing the user's file: a copy of the merged configuration whose current-context is
 * `context` (default: the kubeconfig's current context). Throws a `config` KubeError when the context is missing
 * or refers to a cluster the kubeconfig does not define.
 */
export function contextConfig(load: KubeconfigLoad, context?: string): { readonly name: string; readonly kubeConfig: KubeConfig } {
  const name = context ?? load.currentContext;
  if (!name) throw new KubeError('config', 'The kubeconfig sets no current context; choose one in the Clusters view.', { hint: 'Use "Use Context" on a context in the Clusters view.' });
  const ctx = load.config.getContextObject(name);
  if (!ctx) throw new KubeError('config', `The kubeconfig has no context named "${name}".`, { context: name });
  const cluster = load.config.getCluster(ctx.cluster);
  if (!cluster) throw new KubeError('config', `Context "${name}" refers to cluster "${ctx.cluster}", which the kubeconfig does not define.`, { context: name });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({ clusters: load.config.getClusters(), users: load.config.getUsers(), contexts: load.config.getContexts(), currentContext: name });
  return { name, kubeConfig };
}

/** How to get fresh credentials for this kubeconfig user, for 401 errors. No secrets in the text. */
export function credentialHint(user: User | null | undefined, context?: string): string {
  const ctx = context ? ` for context ${context}` : '';
  if (!user) return `The kubeconfig has no user${ctx}; add one with kubectl config set-credentials.`;
  if (user.exec) {
    const cmd = [user.exec.command, ...((user.exec.args as string[] | undefined) ?? [])].filter(Boolean).join(' ');
    return `The credential plugin of user "${user.name}" (${cmd}) returned credentials the server rejects: log in with that tool again (e.g. the cloud CLI's login command), then refresh.`;
  }
  if (user.authProvider?.name === 'oidc') return `The OIDC token of user "${user.name}" expired and could not be refreshed: log in again with your OIDC helper (e.g. kubectl oidc-login), then refresh.`;
  if (user.authProvider) return `The ${user.authProvider.name} credentials of user "${user.name}" expired: log in again with that provider's CLI, then refresh.`;
  if (user.certFile || user.certData) return `The client certificate of user "${user.name}" was rejected (expired or not trusted): get a new certificate, then refresh.`;
  if (user.token || (user as { tokenFile?: string }).tokenFile) return `The token of user "${user.name}" expired or was revoked: get a new token (e.g. kubectl create token SERVICE-ACCOUNT), update the kubeconfig, then refresh.`;
  if (user.username) return `The username/password of user "${user.name}" was rejected: update them in the kubeconfig, then refresh.`;
  return `User "${user.name}" has no credentials${ctx}: add a token, certificate or exec plugin to the kubeconfig, then refresh.`;
}
