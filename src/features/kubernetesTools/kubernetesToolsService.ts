/**
 * Optional integration with Microsoft's Kubernetes extension (ms-kubernetes-tools.vscode-kubernetes-tools), through
 * its public API only and without depending on it: when it is installed, its Cluster Explorer gets
 * - container children under its pods, each with Kube Compliance's compatibility word (a node contributor);
 * - the last compliance % and its age on its pods, workloads and namespaces (a node UI customizer);
 * - Scan / Scan Namespace / Show Last Report on those nodes (package.json menus on `extension.vsKubernetesExplorer`,
 *   resolved with `resolveCommandTarget`, register.ts);
 * and, while `kubeCompliance.kubeconfig` is unset and `kubeCompliance.kubernetesTools.followKubeconfig` is on,
 * Kube Compliance reads the kubeconfig it uses and follows its context changes. Kube Compliance's own Clusters tree
 * stays the primary UI; nothing here runs when the extension is absent.
 */
import * as vscode from 'vscode';
import { loadKubeconfig } from '../../core/cluster/kubeconfig';
import { Debouncer } from '../../core/cluster/model';
import { Disposable, toDisposable } from '../../core/disposable';
import { badgeText, badgeTooltip } from '../../core/fleet/badges';
import { kubeconfigFiles } from '../../core/kubeconfigFiles';
import { badgePrefixes, containerBadgeKey, kubeconfigToUse, newestReport, targetOfNode, type KubernetesToolsTarget } from '../../core/kubernetesTools';
import type { Platform } from '../../services';
import { containerItem } from '../explorer/explorer';
import type { ExplorerService } from '../explorer/explorerService';
import type { ContainerNode } from '../explorer/nodes';
import type { ScanService } from '../scan/scanService';
import { apisOf, KUBERNETES_EXTENSION_ID, type ClusterExplorerNode, type ClusterExplorerV1_1, type ConfigurationV1_1, type Node } from './api';

const FRESH_MS = 10_000;

export type KubernetesToolsStatus = { readonly state: 'absent' } | { readonly state: 'connected'; readonly configuration: boolean } | { readonly state: 'unavailable'; readonly reason: string };

export class KubernetesToolsService extends Disposable {
  private explorerApi: ClusterExplorerV1_1 | undefined;
  private configuration: ConfigurationV1_1 | undefined;
  private connecting: Promise<KubernetesToolsStatus> | undefined;
  private cachedContext: { value: string | undefined } | undefined;
  /** Container nodes handed to the Cluster Explorer, by tree item id (its menus pass back its own wrapper). */
  private readonly containers = new Map<string, ContainerNode>();
  /** When a namespace's pods were last read for its tree (`CTX/NS`). */
  private readonly readAt = new Map<string, number>();
  status: KubernetesToolsStatus = { state: 'absent' };

  constructor(
    private readonly p: Platform,
    private readonly explorer: ExplorerService,
    private readonly scan: ScanService,
  ) {
    super();
    this.register(p.config.onDidChange(['kubeconfig', 'kubernetesTools.followKubeconfig'], () => this.follow()));
    this.register(vscode.extensions.onDidChange(() => void this.connect()));
    this.register(toDisposable(() => p.config.setFollowedKubeconfig(undefined)));
    void this.connect();
  }

  /** Connects to the extension once it is installed (idempotent); resolves with the status. */
  connect(): Promise<KubernetesToolsStatus> {
    if (this.explorerApi) return Promise.resolve(this.status);
    const ext = vscode.extensions.getExtension(KUBERNETES_EXTENSION_ID);
    if (!ext) return Promise.resolve((this.status = { state: 'absent' }));
    this.connecting ??= this.attach(ext).finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async attach(ext: vscode.Extension<unknown>): Promise<KubernetesToolsStatus> {
    let exportsValue: unknown;
    try {
      exportsValue = await ext.activate();
    } catch (err) {
      this.status = { state: 'unavailable', reason: `it failed to activate: ${err instanceof Error ? err.message : String(err)}` };
      this.p.log.warn(`Kubernetes extension: ${this.status.reason}`);
      return this.status;
    }
    if (this.explorerApi) return this.status;
    const apis = apisOf(exportsValue);
    if ('unavailable' in apis) {
      this.status = { state: 'unavailable', reason: apis.unavailable };
      this.p.log.warn(`Kubernetes extension ${ext.packageJSON?.version ?? ''} found, its API is not usable: ${apis.unavailable}`);
      return this.status;
    }
    this.explorerApi = apis.explorer;
    this.configuration = apis.configuration;
    apis.explorer.registerNodeContributor({ contributesChildren: (parent) => this.podOf(parent) !== undefined, getChildren: (parent) => this.containerChildren(parent) });
    apis.explorer.registerNodeUICustomizer({ customize: (node, item) => this.customize(node, item) });
    if (this.configuration) {
      this.register(this.configuration.onDidChangeKubeconfigPath(() => this.follow()));
      this.register(this.configuration.onDidChangeContext((name) => void this.contextChanged(name)));
    }
    // its refresh redraws its whole tree: one redraw for a burst of badge and scan-state changes (a fleet run)
    const redraw = new Debouncer(() => this.explorerApi?.refresh(), 400, 3000);
    this.register(toDisposable(() => redraw.dispose()));
    this.register(this.scan.badges.onDidChange(() => redraw.trigger()));
    this.register(this.scan.onDidChangeRunning(() => redraw.trigger()));
    this.status = { state: 'connected', configuration: !!this.configuration };
    this.p.log.info(`Kubernetes extension ${ext.packageJSON?.version ?? ''} found: Kube Compliance adds containers, badges and Scan to its Cluster Explorer${this.configuration ? '' : ' (no configuration API: its kubeconfig is not followed)'}`);
    this.follow();
    return this.status;
  }

  // ---- kubeconfig and context

  /** Applies the follow rule (core/kubernetesTools `kubeconfigToUse`) to the platform's kubeconfig. */
  private follow(): void {
    this.cachedContext = undefined;
    let theirs;
    try {
      theirs = this.configuration?.getKubeconfigPath();
    } catch (err) {
      this.p.log.warn(`Kubernetes extension: cannot read its kubeconfig path: ${err instanceof Error ? err.message : String(err)}`);
    }
    const use = kubeconfigToUse(this.p.config.text('kubeconfig'), this.p.config.get('kubernetesTools.followKubeconfig'), theirs);
    const next = use.followed ? use.path : undefined;
    if (next !== this.followedPath) this.p.log.info(next ? `Following the Kubernetes extension's kubeconfig ${next}` : 'Not following the Kubernetes extension\'s kubeconfig');
    this.p.config.setFollowedKubeconfig(next);
  }

  /** The kubeconfig followed from the extension, when Kube Compliance reads it (tests, README). */
  get followedPath(): string | undefined {
    return this.p.config.text('kubeconfig') ? undefined : this.p.config.kubeconfigPath();
  }

  private async contextChanged(name: string | null): Promise<void> {
    this.cachedContext = undefined;
    if (!this.followedPath) return;
    // it switched context by rewriting current-context in the kubeconfig we read: re-read it, and show that context
    this.explorer.pool.reload();
    if (name) await this.explorer.provider.useContext(name);
    this.explorer.provider.refresh();
    this.p.log.info(`Following the Kubernetes extension's context ${name ?? '(none)'}`);
  }

  /**
   * The context its Cluster Explorer shows resources of: the current context of the kubeconfig it uses (its tree lists
   * only the active context's resources).
   */
  context(): string | undefined {
    if (this.cachedContext) return this.cachedContext.value;
    let value: string | undefined;
    try {
      const theirs = this.configuration?.getKubeconfigPath();
      value = theirs?.pathType === 'host' ? loadKubeconfig(kubeconfigFiles(theirs.hostPath)).currentContext : this.explorer.pool.kubeconfig.currentContext;
    } catch {
      value = undefined;
    }
    this.cachedContext = { value };
    return value;
  }

  /** The context to scan in, or an error that says what to do. */
  private requireContext(): string {
    const ctx = this.context();
    if (!ctx) throw new Error('The Kubernetes extension has no current context. Choose one in its Clusters view first.');
    if (!this.explorer.pool.contexts().some((c) => c.name === ctx)) {
      throw new Error(`The Kubernetes extension's context "${ctx}" is not in the kubeconfig Kube Compliance reads (kubeCompliance.kubeconfig). Clear that setting to follow the Kubernetes extension's kubeconfig, or add the context to it.`);
    }
    return ctx;
  }

  // ---- node contributor: containers under its pods

  private podOf(parent: ClusterExplorerNode | undefined): Extract<KubernetesToolsTarget, { kind: 'pod' }> | undefined {
    const t = targetOfNode(parent);
    return t?.kind === 'pod' ? t : undefined;
  }

  private async containerChildren(parent: ClusterExplorerNode | undefined): Promise<Node[]> {
    const pod = this.podOf(parent);
    if (!pod) return [];
    try {
      const context = this.requireContext();
      const { model, classifier } = this.explorer.pool.get(context);
      // re-read the namespace at most every FRESH_MS (its tree redraws expanded pods on every refresh), and when the pod is new
      const key = `${context}/${pod.namespace}`;
      if (Date.now() - (this.readAt.get(key) ?? 0) > FRESH_MS) {
        model.invalidate(pod.namespace);
        this.readAt.set(key, Date.now());
      }
      let summary = (await model.namespace(pod.namespace)).pods.find((s) => s.name === pod.name);
      if (!summary) {
        model.invalidate(pod.namespace);
        summary = (await model.namespace(pod.namespace)).pods.find((s) => s.name === pod.name);
      }
      if (!summary) return [messageNode(`Pod ${pod.namespace}/${pod.name} not found in ${context}`)];
      const classes = await classifier.classifyPod(summary.pod);
      return classes.map((c) => {
        const s = summary.containers.find((x) => x.name === c.container) ?? { name: c.container, role: c.role, image: c.image, state: 'unknown', ready: false, restarts: 0 };
        const node: ContainerNode = { kind: 'container', id: `kubernetesTools:${containerBadgeKey(context, pod.namespace, pod.name, c.container)}`, context, namespace: pod.namespace, pod: pod.name, name: c.container, summary: s, classification: c };
        this.containers.set(node.id, node);
        return { getChildren: async () => [], getTreeItem: () => this.containerTreeItem(node) };
      });
    } catch (err) {
      return [messageNode(`Kube Compliance: ${err instanceof Error ? err.message : String(err)}`)];
    }
  }

  private containerTreeItem(node: ContainerNode): vscode.TreeItem {
    const item = containerItem(node, this.scan.isRunning(node.classification));
    const b = this.scan.badges.rollup([containerBadgeKey(node.context, node.namespace, node.pod, node.name)], true);
    if (b) {
      item.description = `${item.description} · ${badgeText(b)}`;
      if (item.tooltip instanceof vscode.MarkdownString) item.tooltip.appendMarkdown(`\n\n${badgeTooltip(b).split('\n').join('  \n')}`);
    }
    return item;
  }

  /**
   * The container node a command received: the Cluster Explorer passes its own wrapper of our node, whose
   * `getTreeItem()` returns our item (vscode-kubernetes-tools src/api/implementation/cluster-explorer/common.ts,
   * `ContributedNode`); the item's id names the node. A plain ContainerNode (tests, other callers) is accepted too.
   */
  async containerOf(arg: unknown): Promise<ContainerNode | undefined> {
    if (!arg || typeof arg !== 'object') return undefined;
    const a = arg as { kind?: unknown; id?: unknown; getTreeItem?: () => vscode.TreeItem | Thenable<vscode.TreeItem> };
    if (a.kind === 'container' && typeof a.id === 'string') return this.containers.get(a.id) ?? (arg as ContainerNode);
    if (typeof a.getTreeItem !== 'function') return undefined;
    const item = await a.getTreeItem();
    return item?.id ? this.containers.get(item.id) : undefined;
  }

  // ---- UI customizer: badges on its pods, workloads and namespaces

  private async customize(node: ClusterExplorerNode, item: vscode.TreeItem): Promise<void> {
    const target = targetOfNode(node);
    const context = target && this.context();
    if (!target || !context) return;
    const prefixes = badgePrefixes(context, target, target.kind === 'workload' ? await this.workloadPods(context, target).catch(() => []) : []);
    const b = prefixes.length ? this.scan.badges.rollup(prefixes) : undefined;
    if (!b) return;
    item.description = [typeof item.description === 'string' ? item.description : '', badgeText(b)].filter(Boolean).join(' · ');
    const tip = badgeTooltip(b);
    if (item.tooltip instanceof vscode.MarkdownString) item.tooltip.appendMarkdown(`\n\n${tip.split('\n').join('  \n')}`);
    else item.tooltip = [typeof item.tooltip === 'string' ? item.tooltip : '', tip].filter(Boolean).join('\n\n');
  }

  private async workloadPods(context: string, t: Extract<KubernetesToolsTarget, { kind: 'workload' }>): Promise<string[]> {
    const contents = await this.explorer.pool.get(context).model.namespace(t.namespace);
    const w = contents.groups.find((g) => g.kind === t.workloadKind)?.workloads.find((x) => x.name === t.name);
    return w?.pods.map((p) => p.name) ?? [];
  }

  // ---- command targets

  /** A node of its tree that a menu passed: the target, and the context it is in. */
  resolve(arg: unknown): { readonly context: string; readonly target: KubernetesToolsTarget } | undefined {
    const node = this.explorerApi?.resolveCommandTarget(arg);
    const target = targetOfNode(node);
    return target ? { context: this.requireContext(), target } : undefined;
  }

  /** The pods of a workload target (for a fleet selection that names them). */
  pods(context: string, t: Extract<KubernetesToolsTarget, { kind: 'workload' }>): Promise<string[]> {
    return this.workloadPods(context, t);
  }

  /** The newest report among the containers of a target, or of one container. */
  async lastReport(arg: unknown): Promise<{ readonly reportPath: string; readonly label: string } | undefined> {
    const container = await this.containerOf(arg);
    const all = this.scan.badges.entries();
    if (container) {
      const key = containerBadgeKey(container.context, container.namespace, container.pod, container.name);
      const found = newestReport(all, [key], true);
      return found && { reportPath: found.badge.reportPath, label: `${container.namespace}/${container.pod}/${container.name}` };
    }
    const r = this.resolve(arg);
    if (!r) return undefined;
    const pods = r.target.kind === 'workload' ? await this.workloadPods(r.context, r.target) : [];
    const found = newestReport(all, badgePrefixes(r.context, r.target, pods));
    return found && { reportPath: found.badge.reportPath, label: found.key.slice(r.context.length + 1) };
  }
}

function messageNode(label: string): Node {
  return {
    getChildren: async () => [],
    getTreeItem: () => {
      const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
      item.contextValue = 'kubeCompliance.message';
      item.iconPath = new vscode.ThemeIcon('info');
      return item;
    },
  };
}
