import * as vscode from 'vscode';
import { registerCommand, setContext, type CommandContext } from './commands';
import { AUDITOR_SETUP_MARKDOWN } from './core/auditorSetup';
import { findExecutable } from './core/executables';
import { Log } from './log';
import { registerResults, type ResultsService } from './results/register';
import { registerExplorer, type ExplorerApi } from './views/explorer';

/** What `activate` returns: used by the host tests, and by other extensions that want to look in. */
export interface KubeComplianceApi {
  readonly log: Log;
  /** The results panel, editor feedback and report loading (issue 4). */
  readonly results: ResultsService;
  /** The Clusters tree and the shared cluster clients (`explorer.pool.client(context)`) (issue 5). */
  readonly explorer: ExplorerApi;
}

export function activate(context: vscode.ExtensionContext): KubeComplianceApi {
  const log = new Log();
  context.subscriptions.push(log);
  log.info(`Kube Compliance ${context.extension.packageJSON.version} activating (VS Code ${vscode.version}, ${vscode.env.uiKind === vscode.UIKind.Web ? 'web' : 'desktop'} UI)`);

  const ctx: CommandContext = { extension: context, log };

  const explorer = registerExplorer(ctx);

  const updateAuditorKey = () => {
    const configured = vscode.workspace.getConfiguration('kubeCompliance').get<string>('auditor.path');
    const found = configured ? findExecutable(configured) : findExecutable('cinc-auditor') ?? findExecutable('inspec');
    void setContext('kubeCompliance.auditorMissing', !found);
  };
  updateAuditorKey();

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('kubeCompliance.auditor.path')) updateAuditorKey();
    }),
  );

  registerCommand(ctx, 'kubeCompliance.showLog', ({ log: l }) => () => {
    l.show();
    return true;
  });
  registerCommand(ctx, 'kubeCompliance.chooseKubeconfig', () => async () => {
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Use this kubeconfig', title: 'Choose a kubeconfig file' });
    if (!picked?.length) return;
    await vscode.workspace.getConfiguration('kubeCompliance').update('kubeconfig', picked[0].fsPath, vscode.ConfigurationTarget.Global);
  });
  registerCommand(ctx, 'kubeCompliance.showAuditorSetup', () => async () => {
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: AUDITOR_SETUP_MARKDOWN });
    await vscode.window.showTextDocument(doc, { preview: true });
  });

  const results = registerResults(ctx);

  log.info('Kube Compliance activated');
  return { log, results, explorer };
}

export function deactivate(): void {
  // everything is owned by context.subscriptions
}
