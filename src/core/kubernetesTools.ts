/**
 * The decisions of the optional integration with Microsoft's Kubernetes extension
 * (ms-kubernetes-tools.vscode-kubernetes-tools): which of its Cluster Explorer nodes Kube Compliance acts on, what
 * it scans there, which compliance badges describe it, and which kubeconfig Kube Compliance follows. Pure: the VS
 * Code side lives in src/features/kubernetesTools.
 *
 * The node shapes are the ones its public API hands out (`resolveCommandTarget`, the node contributor's and the UI
 * customizer's `parent` / `node`), from vscode-kubernetes-tools/vscode-kubernetes-tools-api
 * ts/cluster-explorer/v1_1.ts (`ClusterExplorerResourceNode`: nodeType 'resource', namespace, name,
 * resourceKind { manifestKind, abbreviation }) as filled in by vscode-kubernetes-tools/vscode-kubernetes-tools
 * src/api/implementation/cluster-explorer/common.ts (`adaptKubernetesExplorerResourceNode`), whose namespace is
 * `metadata.namespace` or null (src/components/clusterexplorer/node.resource.ts).
 */
import { badgeKey, type ComplianceBadge } from './fleet/badges';
import type { WorkloadKind } from './cluster/model';

/** The public-API shape of one of its resource nodes (what we read of it). */
export interface KubernetesToolsResourceNode {
  readonly nodeType: 'resource';
  readonly namespace: string | null;
  readonly name: string;
  readonly resourceKind: { readonly manifestKind: string; readonly abbreviation: string };
}

/** What a node of its tree is to Kube Compliance: a pod, a workload or a namespace (anything else: nothing). */
export type KubernetesToolsTarget =
  | { readonly kind: 'pod'; readonly namespace: string; readonly name: string }
  | { readonly kind: 'workload'; readonly namespace: string; readonly workloadKind: Exclude<WorkloadKind, 'Pod'>; readonly name: string }
  | { readonly kind: 'namespace'; readonly namespace: string };

const WORKLOAD_KINDS: ReadonlySet<string> = new Set<Exclude<WorkloadKind, 'Pod'>>(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'ReplicaSet']);

function isResourceNode(node: unknown): node is KubernetesToolsResourceNode {
  if (!node || typeof node !== 'object') return false;
  const n = node as Record<string, unknown>;
  const kind = n.resourceKind as Record<string, unknown> | undefined;
  return n.nodeType === 'resource' && typeof n.name === 'string' && !!kind && typeof kind.manifestKind === 'string';
}

/**
 * The target of a resolved node. A namespaced resource without a namespace is in `default`, as the extension's own
 * docs resolve it (docs/extending/commandtargets.md: `node.namespace || 'default'`).
 */
export function targetOfNode(node: unknown): KubernetesToolsTarget | undefined {
  if (!isResourceNode(node)) return undefined;
  const kind = node.resourceKind.manifestKind;
  const namespace = node.namespace || 'default';
  if (kind === 'Pod') return { kind: 'pod', namespace, name: node.name };
  if (kind === 'Namespace') return { kind: 'namespace', namespace: node.name };
  if (WORKLOAD_KINDS.has(kind)) return { kind: 'workload', namespace, workloadKind: kind as Exclude<WorkloadKind, 'Pod'>, name: node.name };
  return undefined;
}

/** The badge-key prefixes (`CTX/NS/POD/`, `CTX/NS/`) a target's badge rolls up; a workload's are its pods'. */
export function badgePrefixes(context: string, target: KubernetesToolsTarget, workloadPods: readonly string[] = []): string[] {
  switch (target.kind) {
    case 'pod':
      return [`${context}/${target.namespace}/${target.name}/`];
    case 'namespace':
      return [`${context}/${target.namespace}/`];
    case 'workload':
      return workloadPods.map((p) => `${context}/${target.namespace}/${p}/`);
  }
}

/** The newest result with a report among the badges under `prefixes` (equal to one when `exact`): what "Show Last Report" opens. */
export function newestReport(badges: Readonly<Record<string, ComplianceBadge>>, prefixes: readonly string[], exact = false): { readonly key: string; readonly badge: ComplianceBadge & { readonly reportPath: string } } | undefined {
  let best: { key: string; badge: ComplianceBadge & { reportPath: string } } | undefined;
  for (const [key, badge] of Object.entries(badges)) {
    if (!badge.reportPath || !prefixes.some((p) => (exact ? key === p : key.startsWith(p)))) continue;
    if (!best || badge.at > best.badge.at) best = { key, badge: badge as ComplianceBadge & { reportPath: string } };
  }
  return best;
}

/** The badge key of a container under one of its pods (what a contributed container node shows). */
export function containerBadgeKey(context: string, namespace: string, pod: string, container: string): string {
  return badgeKey({ context, namespace, pod, container });
}

/**
 * The public API's kubeconfig path (configuration v1_1 `KubeconfigPath`, vscode-kubernetes-tools-api
 * ts/configuration/v1_1.ts): a host path, or a path inside WSL that this machine's tools cannot open.
 */
export type KubernetesToolsKubeconfigPath = { readonly pathType: 'host'; readonly hostPath: string } | { readonly pathType: 'wsl'; readonly wslPath: string };

/**
 * Which kubeconfig Kube Compliance reads: its own setting when set; else, when following is on and the Kubernetes
 * extension reports a host path, that path; else undefined (KUBECONFIG / ~/.kube/config, as kubectl).
 */
export function kubeconfigToUse(own: string | undefined, follow: boolean, theirs: KubernetesToolsKubeconfigPath | undefined): { readonly path: string | undefined; readonly followed: boolean } {
  if (own?.trim()) return { path: own.trim(), followed: false };
  if (follow && theirs?.pathType === 'host' && theirs.hostPath.trim()) return { path: theirs.hostPath.trim(), followed: true };
  return { path: undefined, followed: false };
}
