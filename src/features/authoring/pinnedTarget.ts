import * as vscode from 'vscode';
import { setContext } from '../../platform/commands';
import type { ContainerClassification } from '../../core/cluster/types';
import { STATE, type State } from '../../platform/state';

export const PINNED_CONTEXT_KEY = 'kubeCompliance.authoringTargetPinned';

export function targetLabel(t: Pick<ContainerClassification, 'namespace' | 'pod' | 'container'>): string {
  return `${t.namespace}/${t.pod}/${t.container}`;
}

/**
 * The container authoring runs scan: chosen with "Pin as Authoring Target" on an explorer container node, kept in
 * workspaceState (per workspace, survives reloads), shown in the status bar.
 */
export class PinnedTarget implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<ContainerClassification | undefined>();
  readonly onDidChange = this.emitter.event;
  /** The status bar entry showing the pinned target (hidden while none is pinned). */
  readonly status: vscode.StatusBarItem;

  constructor(private readonly state: State) {
    this.status = vscode.window.createStatusBarItem('kubeCompliance.authoringTarget', vscode.StatusBarAlignment.Left, 40);
    this.status.name = 'Kube Compliance: authoring target';
    this.status.command = 'kubeCompliance.showPinnedTarget';
    this.render();
  }

  get target(): ContainerClassification | undefined {
    return this.state.get(STATE.pinnedTarget);
  }

  async pin(target: ContainerClassification): Promise<void> {
    // keep only plain data (a tree node may carry more than the classification)
    const plain = JSON.parse(JSON.stringify(target)) as ContainerClassification;
    await this.state.update(STATE.pinnedTarget, plain);
    this.render();
    this.emitter.fire(plain);
  }

  async unpin(): Promise<void> {
    await this.state.update(STATE.pinnedTarget, undefined);
    this.render();
    this.emitter.fire(undefined);
  }

  private render(): void {
    const t = this.target;
    void setContext(PINNED_CONTEXT_KEY, !!t);
    if (!t) {
      this.status.hide();
      return;
    }
    this.status.text = `$(pinned) ${targetLabel(t)}`;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**Authoring target** (profile runs from the Test Explorer and on save scan this container)\n\n`);
    md.appendMarkdown(`- context: \`${t.context}\`\n- namespace: \`${t.namespace}\`\n- pod: \`${t.pod}\`\n- container: \`${t.container}\`\n`);
    if (t.compatibility) md.appendMarkdown(`- ${t.compatibility}${t.approach ? ` (${t.approach})` : ''}\n`);
    md.appendMarkdown(`\nClick for options.`);
    this.status.tooltip = md;
    this.status.show();
  }

  dispose(): void {
    this.status.dispose();
    this.emitter.dispose();
  }
}
