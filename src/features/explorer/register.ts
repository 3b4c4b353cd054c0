import * as vscode from 'vscode';
import { targetUri } from '../../core/cluster/types';
import { nodeArg } from '../../platform/commandArgs';
import { registerCommand } from '../../platform/commands';
import type { Platform } from '../../services';
import type { ExplorerService } from './explorerService';
import type { ExplorerNode } from './nodes';
import { yamlUri, type YamlTarget } from './yamlDocument';

/** The Clusters view's commands. */
export function registerExplorerCommands(p: Platform, explorer: ExplorerService): void {
  const { provider, pool } = explorer;

  const pickContext = async (node?: ExplorerNode): Promise<string | undefined> => {
    if (node) return node.context;
    const items = pool.contexts().map((c) => ({ label: c.name, description: [c.current ? 'current' : '', provider.explorerContext === c.name ? 'explorer' : ''].filter(Boolean).join(' · '), detail: c.server }));
    return (await vscode.window.showQuickPick(items, { title: 'Kubernetes context' }))?.label;
  };

  registerCommand(p, 'kubeCompliance.refresh', () => (arg?: unknown) => {
    const node = nodeArg(arg);
    if (!node) explorer.updateKubeconfigKey();
    provider.refresh(node, true);
  });

  registerCommand(p, 'kubeCompliance.useContext', () => async (arg?: unknown) => {
    const name = await pickContext(nodeArg(arg));
    if (!name) return undefined;
    await provider.useContext(name);
    p.log.info(`Explorer uses context ${name} (the kubeconfig is unchanged)`);
    return name;
  });

  registerCommand(p, 'kubeCompliance.setNamespaceFilter', () => async (arg?: unknown, value?: string) => {
    const context = nodeArg(arg)?.context ?? provider.explorerContext;
    if (!context) return undefined;
    const prefs = provider.prefs(context);
    const filter =
      value ??
      (await vscode.window.showInputBox({
        title: `Namespace filter for ${context}`,
        prompt: 'Words match parts of names, * and ? are wildcards, !pattern excludes; separate with commas. Empty shows every namespace.',
        value: prefs.filter ?? '',
        placeHolder: 'e.g. demo, team-*, !kube-*',
      }));
    if (filter === undefined) return undefined;
    await provider.setPrefs(context, { ...prefs, filter: filter.trim() || undefined });
    return filter.trim();
  });

  const favourite = (add: boolean) => () => async (arg?: unknown) => {
    const node = nodeArg(arg);
    if (!node || node.kind !== 'namespace') return undefined;
    const prefs = provider.prefs(node.context);
    const favs = new Set(prefs.favourites ?? []);
    if (add) favs.add(node.namespace);
    else favs.delete(node.namespace);
    await provider.setPrefs(node.context, { ...prefs, favourites: [...favs] });
    return [...favs];
  };
  registerCommand(p, 'kubeCompliance.addFavouriteNamespace', favourite(true));
  registerCommand(p, 'kubeCompliance.removeFavouriteNamespace', favourite(false));

  registerCommand(p, 'kubeCompliance.copyTargetUri', () => async (arg?: unknown) => {
    const node = nodeArg(arg);
    if (!node || node.kind !== 'container') return undefined;
    const uri = targetUri(node.classification);
    await vscode.env.clipboard.writeText(uri);
    void vscode.window.setStatusBarMessage(`Copied ${uri}`, 3000);
    return uri;
  });

  registerCommand(p, 'kubeCompliance.showYaml', () => async (arg?: unknown) => {
    const target = yamlTargetOf(nodeArg(arg));
    if (!target) return undefined;
    const doc = await vscode.workspace.openTextDocument(yamlUri(target));
    await vscode.languages.setTextDocumentLanguage(doc, 'yaml');
    await vscode.window.showTextDocument(doc, { preview: true });
    return doc.uri.toString();
  });

  registerCommand(p, 'kubeCompliance.showErrorDetails', () => async (details?: { message?: string; hint?: string; context?: string }) => {
    if (!details?.message) return undefined;
    const content = [`# Kube Compliance: ${details.context ? `context ${details.context}` : 'cluster error'}`, '', details.message, '', details.hint ? `## What to do\n\n${details.hint}` : '', '', 'Then use **Refresh** in the Clusters view.'].join('\n');
    await explorer.showInfo(`${details.context || 'cluster'}-error`, content);
    return content;
  });

  registerCommand(p, 'kubeCompliance.chooseKubeconfig', () => async () => {
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Use this kubeconfig', title: 'Choose a kubeconfig file' });
    if (!picked?.length) return;
    await p.config.update('kubeconfig', picked[0].fsPath, vscode.ConfigurationTarget.Global);
  });
}

function yamlTargetOf(node: ExplorerNode | undefined): YamlTarget | undefined {
  if (!node) return undefined;
  switch (node.kind) {
    case 'namespace':
      return { context: node.context, kind: 'Namespace', name: node.namespace };
    case 'workload':
      return { context: node.context, namespace: node.namespace, kind: node.workloadKind, name: node.name };
    case 'pod':
      return { context: node.context, namespace: node.namespace, kind: 'Pod', name: node.name };
    case 'container':
      return { context: node.context, namespace: node.namespace, kind: 'Pod', name: node.pod };
    default:
      return undefined;
  }
}
