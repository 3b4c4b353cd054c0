import * as vscode from 'vscode';
import { KubeConfig } from '@kubernetes/client-node';
import { kubeconfigFiles } from '../core/kubeconfigFiles';
import type { Log } from '../log';

/** Minimal Clusters tree: one node per kubeconfig context. The full explorer grows from here. */
export class ClustersProvider implements vscode.TreeDataProvider<string>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<string | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private config: KubeConfig | undefined;

  constructor(private readonly log: Log) {}

  refresh(): void {
    this.config = undefined;
    this.changed.fire(undefined);
  }

  /** Loads the merged kubeconfig; returns the files read (empty: none found). */
  load(): string[] {
    const files = kubeconfigFiles(vscode.workspace.getConfiguration('kubeCompliance').get<string>('kubeconfig'));
    const kc = new KubeConfig();
    if (files.length) {
      try {
        kc.loadFromFile(files[0]);
        for (const f of files.slice(1)) {
          const more = new KubeConfig();
          more.loadFromFile(f);
          kc.mergeConfig(more, true);
        }
      } catch (err) {
        this.log.error(`Could not read kubeconfig: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    this.config = kc;
    return files;
  }

  getTreeItem(name: string): vscode.TreeItem {
    const item = new vscode.TreeItem(name, vscode.TreeItemCollapsibleState.None);
    const current = this.config?.getCurrentContext() === name;
    item.description = current ? 'current' : undefined;
    item.iconPath = new vscode.ThemeIcon(current ? 'vm-active' : 'vm');
    item.contextValue = 'context';
    return item;
  }

  getChildren(element?: string): string[] {
    if (element) return [];
    if (!this.config) this.load();
    return this.config?.getContexts().map((c) => c.name) ?? [];
  }

  dispose(): void {
    this.changed.dispose();
  }
}
