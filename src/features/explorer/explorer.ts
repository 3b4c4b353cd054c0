/**
 * The Clusters tree (`kubeCompliance.clusters`): contexts → namespaces → workload kinds → workloads → pods →
 * containers, each container with its scan classification. Data comes from the core model (src/core/cluster),
 * fetched only for expanded nodes; watches keep expanded namespaces current; failures are tree nodes with an
 * action, logged once, never pop-ups.
 */
import * as vscode from 'vscode';
import { setContext } from '../../platform/commands';
import type { Log } from '../../platform/log';
import { STATE, type State } from '../../platform/state';
import { isScannable } from '../../core/cluster/classify';
import type { ContextInfo, WatchHandle } from '../../core/cluster/client';
import { KubeError } from '../../core/cluster/errors';
import { arrangeNamespaces, Debouncer, WORKLOAD_GROUP_LABEL, type NamespaceContents, type NamespacePrefs, type PodSummary, type WorkloadKind } from '../../core/cluster/model';
import { ClusterPool } from '../../core/cluster/pool';
import { helperIndex } from '../../core/scan/debugContainer';
import { APPROACH_LABEL, targetUri, type ContainerClassification, type ContainerRef } from '../../core/cluster/types';
import { badgeText, badgeTooltip, type BadgeRollup } from '../../core/fleet/badges';
import type { ContainerNode, ContextNode, ExplorerNode, GroupNode, MessageNode, NamespaceNode, PodNode, WorkloadNode } from './nodes';

/** Where the explorer reads compliance badges (the scan service's store). */
export interface ComplianceBadgeSource {
  rollup(prefixes: readonly string[], exact?: boolean): BadgeRollup | undefined;
  readonly onDidChange: vscode.Event<void>;
}

const BAND_COLOUR: Record<BadgeRollup['band'], string> = { high: 'testing.iconPassed', medium: 'list.warningForeground', low: 'testing.iconFailed' };

export type { ContainerNode, ContextNode, ExplorerNode, GroupNode, MessageNode, NamespaceNode, PodNode, WorkloadNode } from './nodes';


// ---------------------------------------------------------------------------------------------------------------

export class ClustersTreeProvider implements vscode.TreeDataProvider<ExplorerNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ExplorerNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly nodes = new Map<string, ExplorerNode>();
  private readonly parents = new Map<string, ExplorerNode | undefined>();
  private readonly watches = new Map<string, { handle: WatchHandle; debounce: Debouncer }>();
  private readonly loggedErrors = new Set<string>();

  constructor(
    readonly pool: ClusterPool,
    private readonly state: State,
    private readonly log: Log,
  ) {}

  // ---- state: explorer context, filter, favourites

  /** The context the explorer uses (chosen in the tree), else the kubeconfig's current context. */
  get explorerContext(): string | undefined {
    const chosen = this.state.get(STATE.explorerContext);
    const names = this.safeContexts().map((c) => c.name);
    if (chosen && names.includes(chosen)) return chosen;
    return this.pool.kubeconfig.currentContext;
  }

  async useContext(name: string): Promise<void> {
    await this.state.update(STATE.explorerContext, name);
    this.changed.fire(undefined);
  }

  prefs(context: string): NamespacePrefs {
    return this.state.get(STATE.namespacePrefs, {})[context] ?? {};
  }

  async setPrefs(context: string, prefs: NamespacePrefs): Promise<void> {
    const all = { ...this.state.get(STATE.namespacePrefs, {}) };
    all[context] = prefs;
    await this.state.update(STATE.namespacePrefs, all);
    this.refreshNode(this.nodes.get(ctxId(context)));
  }

  private safeContexts(): ContextInfo[] {
    try {
      return this.pool.contexts();
    } catch {
      return [];
    }
  }

  // ---- refresh

  /** Refreshes a node (re-fetching its data), or everything (re-reading the kubeconfig). */
  refresh(node?: ExplorerNode, hard = false): void {
    if (!node) {
      this.stopAllWatches();
      this.nodes.clear();
      this.parents.clear();
      this.loggedErrors.clear();
      this.pool.reload();
      this.changed.fire(undefined);
      return;
    }
    try {
      const s = this.pool.get(node.context);
      if (node.kind === 'context') {
        s.model.invalidate();
        if (hard) s.classifier.clear();
      } else if ('namespace' in node) s.model.invalidate(node.namespace);
      if (hard && node.kind !== 'context') s.classifier.clear();
    } catch {
      // the context is unusable; the refresh shows the error again
    }
    this.refreshNode(node.kind === 'message' ? this.parents.get(node.id) : node);
  }

  private refreshNode(node: ExplorerNode | undefined): void {
    this.changed.fire(node);
  }

  // ---- TreeDataProvider

  getParent(node: ExplorerNode): ExplorerNode | undefined {
    return this.parents.get(node.id);
  }

  getTreeItem(node: ExplorerNode): vscode.TreeItem {
    switch (node.kind) {
      case 'context':
        return this.contextItem(node);
      case 'message': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.description = node.description;
        item.tooltip = node.tooltip;
        item.command = node.command;
        item.contextValue = `message.${node.severity}`;
        item.iconPath = new vscode.ThemeIcon(node.severity === 'error' ? 'error' : node.severity === 'warning' ? 'warning' : 'info', new vscode.ThemeColor(node.severity === 'error' ? 'errorForeground' : node.severity === 'warning' ? 'list.warningForeground' : 'foreground'));
        return item;
      }
      case 'namespace': {
        const item = new vscode.TreeItem(node.namespace, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = node.id;
        item.contextValue = node.favourite ? 'namespace.favourite' : 'namespace';
        item.iconPath = new vscode.ThemeIcon(node.favourite ? 'star-full' : 'symbol-namespace');
        item.description = node.favourite ? 'favourite' : undefined;
        return this.withBadge(item, this.badgeOf([`${node.context}/${node.namespace}/`]), node.favourite ? 'star-full' : 'symbol-namespace');
      }
      case 'group': {
        const item = new vscode.TreeItem(WORKLOAD_GROUP_LABEL[node.workloadKind], vscode.TreeItemCollapsibleState.Collapsed);
        item.id = node.id;
        item.description = String(node.count);
        item.contextValue = 'group';
        item.iconPath = new vscode.ThemeIcon(node.workloadKind === 'Pod' ? 'symbol-class' : 'folder');
        return item;
      }
      case 'workload': {
        const item = new vscode.TreeItem(node.name, node.pods.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.description = node.status || `${node.pods.length} pods`;
        item.tooltip = `${node.workloadKind} ${node.namespace}/${node.name}\n${node.status}`;
        item.contextValue = 'workload';
        item.iconPath = new vscode.ThemeIcon(WORKLOAD_ICON[node.workloadKind]);
        return this.withBadge(item, this.badgeOf(node.pods.map((p) => `${node.context}/${node.namespace}/${p.name}/`)), WORKLOAD_ICON[node.workloadKind]);
      }
      case 'pod':
        return this.withBadge(this.podItem(node), this.badgeOf([`${node.context}/${node.namespace}/${node.name}/`]));
      case 'container':
        return this.withBadge(containerItem(node, this.isScanning(node)), this.badgeOf([`${node.context}/${node.namespace}/${node.pod}/${node.name}`], true));
    }
  }

  private contextItem(node: ContextNode): vscode.TreeItem {
    const explorer = this.explorerContext === node.context;
    const item = new vscode.TreeItem(node.context, explorer ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
    item.id = node.id;
    const marks = [node.info.current ? 'current' : '', explorer && !node.info.current ? 'explorer' : ''].filter(Boolean);
    const prefs = this.prefs(node.context);
    if (prefs.filter) marks.push(`filter: ${prefs.filter}`);
    item.description = marks.join(' · ') || undefined;
    item.tooltip = new vscode.MarkdownString(
      [
        `**${node.context}**${node.info.current ? ' (current context in the kubeconfig)' : ''}${explorer ? ' — used by the explorer' : ''}`,
        `- cluster: ${node.info.cluster} (${node.info.server ?? 'no server'})`,
        `- user: ${node.info.user}`,
        `- namespace: ${node.info.namespace ?? 'default'}`,
        prefs.filter ? `- namespace filter: \`${prefs.filter}\`` : '',
        prefs.favourites?.length ? `- favourites: ${prefs.favourites.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
    item.contextValue = explorer ? 'context.explorer' : 'context';
    item.iconPath = new vscode.ThemeIcon(explorer ? 'vm-active' : node.info.current ? 'vm-outline' : 'vm');
    return item;
  }

  private podItem(node: PodNode): vscode.TreeItem {
    const s = node.summary;
    const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = node.id;
    const images = [...new Set(s.containers.filter((c) => c.role === 'app').map((c) => c.image))];
    item.description = `${s.phase} · ${s.ready}/${s.total} ready${s.restarts ? ` · ${s.restarts} restarts` : ''}${images.length === 1 ? ` · ${images[0]}` : ''}`;
    item.tooltip = `Pod ${s.namespace}/${s.name}\nPhase: ${s.phase}\nReady: ${s.ready}/${s.total}\nRestarts: ${s.restarts}\nNode: ${s.node ?? '—'}\nImages: ${images.join(', ')}`;
    item.contextValue = 'pod';
    item.iconPath = new vscode.ThemeIcon('symbol-method', s.phase === 'Running' && s.ready === s.total ? undefined : new vscode.ThemeColor('list.warningForeground'));
    return item;
  }

  async getChildren(node?: ExplorerNode): Promise<ExplorerNode[]> {
    if (!node) return this.contextChildren();
    try {
      switch (node.kind) {
        case 'context':
          return await this.namespaceChildren(node);
        case 'namespace':
          return await this.groupChildren(node);
        case 'group':
          return await this.workloadChildren(node);
        case 'workload':
          return this.podNodes(node, node.pods);
        case 'pod':
          return await this.containerChildren(node);
        default:
          return [];
      }
    } catch (err) {
      return [this.errorNode(node, err)];
    }
  }

  private contextChildren(): ExplorerNode[] {
    let contexts: ContextInfo[];
    try {
      const load = this.pool.kubeconfig;
      for (const w of load.warnings) this.logOnce(w);
      void setContext('kubeCompliance.kubeconfigMissing', load.files.length === 0);
      contexts = this.pool.contexts();
    } catch (err) {
      return [this.errorNode(undefined, err)];
    }
    if (!contexts.length) return []; // the welcome view explains (no kubeconfig), or the file has no contexts
    return contexts.map((info) => {
      const n = this.canonical<ContextNode>({ kind: 'context', id: ctxId(info.name), context: info.name, info }, undefined);
      n.info = info;
      return n;
    });
  }

  private async namespaceChildren(node: ContextNode): Promise<ExplorerNode[]> {
    const { model } = this.pool.get(node.context);
    const listing = await model.namespaces();
    if (!listing.fallback) this.ensureNamespacesWatch(node, listing.resourceVersion);
    const prefs = this.prefs(node.context);
    const out: ExplorerNode[] = [];
    if (listing.fallback) {
      out.push(this.canonical<MessageNode>({ kind: 'message', id: `${node.id}/!fallback`, context: node.context, label: `Only namespace "${listing.fallback.namespace}"`, description: 'may not list namespaces', tooltip: listing.fallback.reason, severity: 'warning' }, node));
    }
    const arranged = arrangeNamespaces(listing.names, prefs);
    for (const e of arranged) {
      const n = this.canonical<NamespaceNode>({ kind: 'namespace', id: `${node.id}/ns:${e.name}`, context: node.context, namespace: e.name, favourite: e.favourite }, node);
      n.favourite = e.favourite;
      out.push(n);
    }
    if (!arranged.length) {
      out.push(this.canonical<MessageNode>({ kind: 'message', id: `${node.id}/!empty`, context: node.context, label: 'No namespace matches the filter', description: prefs.filter, severity: 'info', command: { command: 'kubeCompliance.setNamespaceFilter', title: 'Set Namespace Filter', arguments: [node] } }, node));
    }
    return out;
  }

  private async groupChildren(node: NamespaceNode): Promise<ExplorerNode[]> {
    const { model } = this.pool.get(node.context);
    const contents = await model.namespace(node.namespace);
    this.ensureWatch(node, contents);
    const out: ExplorerNode[] = [];
    for (const w of contents.warnings) out.push(this.canonical<MessageNode>({ kind: 'message', id: `${node.id}/!w:${w}`, context: node.context, label: w, severity: 'warning' }, node));
    for (const g of contents.groups) {
      const n = this.canonical<GroupNode>({ kind: 'group', id: `${node.id}/g:${g.kind}`, context: node.context, namespace: node.namespace, workloadKind: g.kind, count: g.workloads.length }, node);
      n.count = g.workloads.length;
      out.push(n);
    }
    if (!contents.groups.length) out.push(this.canonical<MessageNode>({ kind: 'message', id: `${node.id}/!none`, context: node.context, label: 'No pods or workloads', severity: 'info' }, node));
    return out;
  }

  private async workloadChildren(node: GroupNode): Promise<ExplorerNode[]> {
    const { model } = this.pool.get(node.context);
    const contents = await model.namespace(node.namespace);
    const group = contents.groups.find((g) => g.kind === node.workloadKind);
    if (!group) return [];
    if (node.workloadKind === 'Pod') return this.podNodes(node, group.workloads.flatMap((w) => w.pods));
    return group.workloads.map((w) => {
      const n = this.canonical<WorkloadNode>({ kind: 'workload', id: `${node.id}/w:${w.name}`, context: node.context, namespace: node.namespace, workloadKind: w.kind, name: w.name, status: w.status, pods: w.pods }, node);
      n.status = w.status;
      n.pods = w.pods;
      return n;
    });
  }

  private podNodes(parent: ExplorerNode, pods: PodSummary[]): ExplorerNode[] {
    return pods.map((p) => {
      const n = this.canonical<PodNode>({ kind: 'pod', id: `${parent.id}/p:${p.name}`, context: parent.context, namespace: p.namespace, name: p.name, summary: p }, parent);
      n.summary = p;
      return n;
    });
  }

  private async containerChildren(node: PodNode): Promise<ExplorerNode[]> {
    const { classifier } = this.pool.get(node.context);
    const classes = await classifier.classifyPod(node.summary.pod);
    return classes.map((c) => {
      const summary = node.summary.containers.find((s) => s.name === c.container) ?? { name: c.container, role: c.role, image: c.image, state: 'unknown', ready: false, restarts: 0 };
      const n = this.canonical<ContainerNode>({ kind: 'container', id: `${node.id}/c:${c.container}`, context: node.context, namespace: node.namespace, pod: node.name, name: c.container, summary, classification: c }, node);
      n.summary = summary;
      n.classification = c;
      return n;
    });
  }

  // ---- watches: only for namespaces whose children were fetched; stopped on collapse

  private ensureWatch(node: NamespaceNode, contents: NamespaceContents): void {
    if (this.watches.has(node.id)) return;
    let model;
    try {
      model = this.pool.get(node.context).model;
    } catch {
      return;
    }
    const debounce = new Debouncer(() => this.refreshNode(this.nodes.get(node.id)), 400, 3000);
    const handle = model.watchNamespace(
      node.namespace,
      contents.resourceVersion,
      () => debounce.trigger(),
      (err) => {
        this.logOnce(`Stopped watching namespace ${node.namespace} (${node.context}): ${err.message}`);
        this.watches.delete(node.id);
      },
    );
    this.watches.set(node.id, { handle, debounce });
  }

  /** Namespaces added or removed refresh the context's children. */
  private ensureNamespacesWatch(node: ContextNode, resourceVersion: string | undefined): void {
    const key = `${node.id}/!namespaces`;
    if (this.watches.has(key)) return;
    const { model } = this.pool.get(node.context);
    const debounce = new Debouncer(() => this.refreshNode(this.nodes.get(node.id)), 400, 3000);
    const handle = model.watchNamespaces(
      resourceVersion,
      () => debounce.trigger(),
      (err) => {
        this.logOnce(`Stopped watching the namespaces of ${node.context}: ${err.message}`);
        this.watches.delete(key);
      },
    );
    this.watches.set(key, { handle, debounce });
  }

  /** Stops the watches under a collapsed node. */
  collapsed(node: ExplorerNode): void {
    for (const [id, w] of [...this.watches]) {
      if (id === node.id || id.startsWith(`${node.id}/`)) {
        w.handle.dispose();
        w.debounce.dispose();
        this.watches.delete(id);
      }
    }
  }

  // ---- compliance badges (the last result per container, rolled up on pods, workloads and namespaces)

  private badges: ComplianceBadgeSource | undefined;

  /** Shows the badges of a badge store and refreshes the tree when they change. */
  followBadges(badges: ComplianceBadgeSource): vscode.Disposable {
    this.badges = badges;
    return badges.onDidChange(() => this.changed.fire(undefined));
  }

  private badgeOf(prefixes: readonly string[], exact = false): BadgeRollup | undefined {
    return this.badges?.rollup(prefixes, exact);
  }

  /** Appends the badge to an item's description and tooltip, and colours its icon by compliance band. */
  private withBadge(item: vscode.TreeItem, b: BadgeRollup | undefined, icon?: string): vscode.TreeItem {
    if (!b) return item;
    const now = new Date();
    item.description = [item.description, badgeText(b, now)].filter((x) => typeof x === 'string' && x).join(' · ');
    const tip = badgeTooltip(b, now);
    if (item.tooltip instanceof vscode.MarkdownString) item.tooltip.appendMarkdown(`\n\n${tip.split('\n').join('  \n')}`);
    else item.tooltip = [item.tooltip, tip].filter(Boolean).join('\n\n');
    if (icon) item.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(BAND_COLOUR[b.band]));
    return item;
  }

  // ---- scans in progress (the scan service tells; the container's description says "scanning")

  private scanning: ((ref: ContainerRef) => boolean) | undefined;

  /** Follows a scan service: containers being scanned say so, and refresh when their scan starts or ends. */
  followScans(scans: { isRunning(ref: ContainerRef): boolean; onDidChangeRunning: vscode.Event<ContainerRef> }): vscode.Disposable {
    this.scanning = (ref) => scans.isRunning(ref);
    return scans.onDidChangeRunning((ref) => {
      for (const n of this.nodes.values()) {
        if (n.kind === 'container' && n.context === ref.context && n.namespace === ref.namespace && n.pod === ref.pod && n.name === ref.container) this.changed.fire(n);
      }
    });
  }

  isScanning(node: ContainerNode): boolean {
    return this.scanning?.(node.classification) ?? false;
  }

  /** Namespaces being watched (ids), for tests. */
  get watchedNamespaces(): string[] {
    return [...this.watches.keys()];
  }

  private stopAllWatches(): void {
    for (const w of this.watches.values()) {
      w.handle.dispose();
      w.debounce.dispose();
    }
    this.watches.clear();
  }

  // ---- helpers

  private canonical<T extends ExplorerNode>(fresh: T, parent: ExplorerNode | undefined): T {
    const existing = this.nodes.get(fresh.id) as T | undefined;
    if (existing && existing.kind === fresh.kind) {
      this.parents.set(fresh.id, parent);
      return existing;
    }
    this.nodes.set(fresh.id, fresh);
    this.parents.set(fresh.id, parent);
    return fresh;
  }

  private errorNode(parent: ExplorerNode | undefined, err: unknown): MessageNode {
    const e = err instanceof KubeError ? err : undefined;
    const message = err instanceof Error ? err.message : String(err);
    const context = parent?.context ?? '';
    let label = message;
    let description: string | undefined;
    let command: vscode.Command | undefined = parent ? { command: 'kubeCompliance.refresh', title: 'Retry', arguments: [parent] } : { command: 'kubeCompliance.refresh', title: 'Retry' };
    switch (e?.kind) {
      case 'unreachable':
        label = `Cannot reach ${e.server ?? 'the API server'}`;
        description = 'click to retry';
        break;
      case 'tls':
        label = `TLS failure talking to ${e.server ?? 'the API server'}`;
        description = 'check the cluster CA';
        command = { command: 'kubeCompliance.showErrorDetails', title: 'Show Details', arguments: [{ message, hint: e.hint, context }] };
        break;
      case 'unauthorized':
        label = `Credentials rejected (401) for ${context || 'this context'}`;
        description = 'how to refresh them';
        command = { command: 'kubeCompliance.showErrorDetails', title: 'How to Refresh Credentials', arguments: [{ message, hint: e.hint, context }] };
        break;
      case 'forbidden':
        label = `Forbidden: ${e.request ? `may not ${e.request.verb} ${e.request.resource}${e.request.subresource ? `/${e.request.subresource}` : ''}` : message}`;
        description = e.request?.namespace ? `in ${e.request.namespace}` : undefined;
        command = { command: 'kubeCompliance.showErrorDetails', title: 'Show Details', arguments: [{ message, hint: e.hint, context }] };
        break;
      case 'timeout':
        label = `No answer from ${e.server ?? 'the API server'} (timeout)`;
        description = 'click to retry';
        break;
      case 'config':
        label = message;
        command = { command: 'kubeCompliance.chooseKubeconfig', title: 'Choose Kubeconfig' };
        break;
      default:
        break;
    }
    this.logOnce(`${parent ? `${parent.id}: ` : ''}${message}${e?.hint ? ` — ${e.hint}` : ''}`);
    const node: MessageNode = { kind: 'message', id: `${parent?.id ?? 'root'}/!error`, context, label, description, tooltip: [message, e?.hint].filter(Boolean).join('\n\n'), severity: 'error', command, error: e };
    this.nodes.set(node.id, node);
    this.parents.set(node.id, parent);
    return node;
  }

  private logOnce(message: string): void {
    if (this.loggedErrors.has(message)) return;
    this.loggedErrors.add(message);
    this.log.warn(message);
  }

  dispose(): void {
    this.stopAllWatches();
    this.changed.dispose();
  }
}

const WORKLOAD_ICON: Record<WorkloadKind, string> = {
  Deployment: 'layers',
  StatefulSet: 'database',
  DaemonSet: 'server-environment',
  Job: 'play-circle',
  CronJob: 'watch',
  ReplicaSet: 'layers',
  Pod: 'symbol-method',
};

const WORD_ICON: Record<ContainerClassification['compatibility'], [string, string | undefined]> = {
  Standard: ['pass', 'testing.iconPassed'],
  Alpine: ['pass', 'testing.iconPassed'],
  Minimal: ['warning', 'list.warningForeground'],
  Distroless: ['package', undefined],
  Windows: ['circle-slash', 'disabledForeground'],
  Sandboxed: ['shield', 'list.warningForeground'],
  'Not running': ['debug-stop', 'disabledForeground'],
  Forbidden: ['lock', 'errorForeground'],
};

/** One of Kube Compliance's own debug-container helpers (`kc-scan-helper`, `kc-scan-helper-N`). */
function isOwnHelper(c: ContainerClassification): boolean {
  return c.role === 'ephemeral' && helperIndex(c.container) !== undefined;
}

/**
 * The container's tree item: the description starts with the compatibility word. An ephemeral container names the
 * container it targets; one of Kube Compliance's own scan helpers says so.
 */
export function containerDescription(c: ContainerClassification, scanning = false, target?: string): string {
  const how = c.approach ? `${APPROACH_LABEL[c.approach]}${c.sidecar ? ` (${c.sidecar})` : ''}` : 'not scannable';
  const role = c.role === 'app' ? '' : ` · ${isOwnHelper(c) ? 'scan helper' : c.role}${target ? ` → ${target}` : ''}`;
  return `${c.compatibility} · ${how}${role}${scanning ? ' · scanning…' : ''} · ${c.image}`;
}

/** A container's tree item (also rendered under the Kubernetes extension's pods, src/features/kubernetesTools). */
export function containerItem(node: ContainerNode, scanning: boolean): vscode.TreeItem {
  const c = node.classification;
  const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
  item.description = containerDescription(c, scanning, node.summary.target);
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${c.compatibility}**${c.role !== 'app' ? ` (${c.role} container)` : ''} — ${escapeMd(c.reason)}\n\n`);
  if (isOwnHelper(c)) {
    md.appendMarkdown(
      `Added by Kube Compliance to scan \`${node.summary.target ?? '?'}\`: its shell runs every command with that container's files as \`/\`. ` +
        'Ephemeral containers cannot be removed; it goes when the pod is replaced.\n\n',
    );
  }
  if (c.approach) md.appendMarkdown(`**Approach:** ${APPROACH_LABEL[c.approach]}${c.sidecar ? ` through \`${c.sidecar}\`` : ''}\n\n`);
  if (c.missing) md.appendMarkdown(`**${c.approach ? 'Limited' : 'Missing'}:** ${escapeMd(c.missing)}\n\n`);
  md.appendMarkdown(`Image: \`${c.image}\`${c.imageID ? `  \nDigest: \`${c.imageID}\`` : ''}  \nTarget: \`${targetUri(c)}\``);
  if (node.summary.state !== 'running') md.appendMarkdown(`  \nState: ${node.summary.state}${node.summary.stateReason ? ` (${node.summary.stateReason})` : ''}`);
  item.tooltip = md;
  // Kube Compliance's own helper offers no Scan of its own: scanning it is scanning its target (choose that row)
  item.contextValue = isOwnHelper(c) ? 'container.helper' : isScannable(c) ? 'container.scannable' : 'container.unscannable';
  const [icon, color] = WORD_ICON[c.compatibility];
  item.iconPath = scanning ? new vscode.ThemeIcon('loading~spin') : new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
  return item;
}

function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]<>#|]/g, (m) => `\\${m}`);
}

function ctxId(context: string): string {
  return `ctx:${context}`;
}

