/**
 * The subset of the Kubernetes extension's public API that Kube Compliance uses, typed here instead of depending on
 * the npm package `vscode-kubernetes-tools-api` (its last release is 1.3.0; a types-only copy of four interfaces
 * keeps the bundle and the lock file unchanged). Every shape below follows that package's source:
 *
 * - the extension's exports are an API broker `get(component, version)` returning `{ available: true, api }` or
 *   `{ available: false, reason }` — vscode-kubernetes-tools/vscode-kubernetes-tools-api ts/index.ts (`APIBroker`,
 *   `API<T>`) and ts/helper.ts (`getBroker`: `vscode.extensions.getExtension(MS_KUBERNETES_EXTENSION_ID).activate()`);
 * - the component and version strings are 'clusterexplorer' / 'v1_1' and 'configuration' / 'v1_1' —
 *   vscode-kubernetes-tools/vscode-kubernetes-tools src/api/implementation/apibroker.ts,
 *   src/api/implementation/cluster-explorer/versions.ts and src/api/implementation/configuration/versions.ts;
 * - `ClusterExplorerV1_1` (resolveCommandTarget, registerNodeContributor, registerNodeUICustomizer, refresh) and its
 *   node union — vscode-kubernetes-tools-api ts/cluster-explorer/v1_1.ts;
 * - `ConfigurationV1_1` (getKubeconfigPath, onDidChangeKubeconfigPath, onDidChangeContext) —
 *   vscode-kubernetes-tools-api ts/configuration/v1_1.ts.
 */
import type * as vscode from 'vscode';
import type { KubernetesToolsKubeconfigPath } from '../../core/kubernetesTools';

/** vscode-kubernetes-tools-api ts/index.ts: `MS_KUBERNETES_EXTENSION_ID`. */
export const KUBERNETES_EXTENSION_ID = 'ms-kubernetes-tools.vscode-kubernetes-tools';
/** The Cluster Explorer's view id (vscode-kubernetes-tools docs/extending/commandtargets.md). */
export const KUBERNETES_EXPLORER_VIEW = 'extension.vsKubernetesExplorer';

export type API<T> = { readonly available: true; readonly api: T } | { readonly available: false; readonly reason: 'version-unknown' | 'version-removed' | 'extension-not-available' };

export interface APIBroker {
  get(component: string, version: string): API<unknown>;
}

export interface ResourceKind {
  readonly manifestKind: string;
  readonly abbreviation: string;
  readonly apiName?: string;
}

export type ClusterExplorerNode =
  | { readonly nodeType: 'resource'; readonly namespace: string | null; readonly resourceKind: ResourceKind; readonly name: string; readonly metadata?: object }
  | { readonly nodeType: 'folder.grouping' }
  | { readonly nodeType: 'folder.resource'; readonly resourceKind: ResourceKind }
  | { readonly nodeType: 'context' | 'context.inactive' | 'configitem' | 'helm.release'; readonly name: string }
  | { readonly nodeType: 'error' | 'extension' };

/** A node Kube Compliance adds to the Cluster Explorer. */
export interface Node {
  getChildren(): Promise<Node[]>;
  getTreeItem(): vscode.TreeItem;
}

export interface NodeContributor {
  contributesChildren(parent: ClusterExplorerNode | undefined): boolean;
  getChildren(parent: ClusterExplorerNode | undefined): Promise<Node[]>;
}

export interface NodeUICustomizer {
  customize(node: ClusterExplorerNode, treeItem: vscode.TreeItem): void | Thenable<void>;
}

export interface ClusterExplorerV1_1 {
  resolveCommandTarget(target?: unknown): ClusterExplorerNode | undefined;
  registerNodeContributor(nodeContributor: NodeContributor): void;
  registerNodeUICustomizer(nodeUICustomizer: NodeUICustomizer): void;
  refresh(): void;
}

export interface ConfigurationV1_1 {
  getKubeconfigPath(): KubernetesToolsKubeconfigPath;
  readonly onDidChangeKubeconfigPath: vscode.Event<KubernetesToolsKubeconfigPath>;
  readonly onDidChangeContext: vscode.Event<string | null>;
}

/** The two APIs, when the extension is installed and new enough; else why not. */
export type KubernetesToolsApis = { readonly explorer: ClusterExplorerV1_1; readonly configuration: ConfigurationV1_1 | undefined } | { readonly unavailable: string };

/** Reads the APIs from an activated extension's exports (the broker). */
export function apisOf(exports: unknown): KubernetesToolsApis {
  const broker = exports as Partial<APIBroker> | undefined;
  if (!broker || typeof broker.get !== 'function') return { unavailable: 'its exports are not an API broker' };
  const explorer = broker.get('clusterexplorer', 'v1_1') as API<ClusterExplorerV1_1>;
  if (!explorer.available) return { unavailable: `Cluster Explorer API v1_1: ${explorer.reason}` };
  const configuration = broker.get('configuration', 'v1_1') as API<ConfigurationV1_1>;
  return { explorer: explorer.api, configuration: configuration.available ? configuration.api : undefined };
}
