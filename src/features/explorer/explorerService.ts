import * as vscode from 'vscode';
import { ClusterPool } from '../../core/cluster/pool';
import { Disposable, toDisposable } from '../../core/disposable';
import { setContext } from '../../platform/commands';
import type { Platform } from '../../services';
import { ClustersTreeProvider } from './explorer';
import type { ExplorerNode } from './nodes';
import { registerYamlDocuments } from './yamlDocument';

const INFO_SCHEME = 'kube-compliance-info';

/**
 * The Clusters tree and the shared cluster clients (one per context): everybody's way to the API. Follows the
 * kubeconfig and API rate settings, keeps the "no kubeconfig" welcome key current, serves the read-only YAML and
 * error-detail documents.
 */
export class ExplorerService extends Disposable {
  readonly pool: ClusterPool;
  readonly provider: ClustersTreeProvider;
  readonly treeView: vscode.TreeView<ExplorerNode>;
  private readonly infoDocs = new Map<string, string>();
  private infoSeq = 0;

  constructor(private readonly p: Platform) {
    super();
    this.pool = new ClusterPool(this.settings());
    this.register(toDisposable(() => this.pool.dispose()));
    this.provider = this.register(new ClustersTreeProvider(this.pool, p.state, p.log));
    this.treeView = this.register(vscode.window.createTreeView('kubeCompliance.clusters', { treeDataProvider: this.provider, showCollapseAll: true, canSelectMany: true }));
    this.register(this.treeView.onDidCollapseElement((e) => this.provider.collapsed(e.element)));
    this.updateKubeconfigKey();
    const reload = () => {
      this.pool.reload(this.settings());
      this.provider.refresh();
      this.updateKubeconfigKey();
    };
    this.register(p.config.onDidChange(['kubeconfig', 'api'], reload));
    this.register(p.config.onDidChangeFollowedKubeconfig(reload));
    registerYamlDocuments(p.extension, this.pool);
    this.register(vscode.workspace.registerTextDocumentContentProvider(INFO_SCHEME, { provideTextDocumentContent: (uri) => this.infoDocs.get(uri.toString()) ?? '' }));
    this.register(vscode.workspace.onDidCloseTextDocument((d) => this.infoDocs.delete(d.uri.toString())));
  }

  /** The context the explorer uses. */
  activeContext(): string | undefined {
    return this.provider.explorerContext;
  }

  private settings() {
    return { kubeconfig: this.p.config.kubeconfigPath(), qps: this.p.config.get('api.qps'), burst: this.p.config.get('api.burst') };
  }

  updateKubeconfigKey(): void {
    let missing = true;
    try {
      missing = this.pool.kubeconfig.files.length === 0;
    } catch {
      missing = true;
    }
    void setContext('kubeCompliance.kubeconfigMissing', missing);
  }

  /** Opens a read-only Markdown document (closing it never asks to save). */
  async showInfo(name: string, content: string): Promise<void> {
    const uri = vscode.Uri.from({ scheme: INFO_SCHEME, path: `/${encodeURIComponent(name)}-${++this.infoSeq}.md` });
    this.infoDocs.set(uri.toString(), content);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
    await vscode.window.showTextDocument(doc, { preview: true });
  }
}
