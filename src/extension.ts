import * as vscode from 'vscode';
import { registerCommand, type CommandContext } from './platform/commands';
import { AUDITOR_SETUP_MARKDOWN } from './core/auditorSetup';
import { Log } from './platform/log';
import { registerAccess, type AccessApi } from './features/access';
import { registerAuthoring, type AuthoringService } from './features/authoring/register';
import { scanServiceScanner } from './features/authoring/scanBridge';
import { registerResults, type ResultsService } from './features/results/register';
import { registerScan, type ScanService } from './features/scan';
import { registerShellless, type ShelllessApi } from './features/shellless';
import { registerExplorer, type ExplorerApi } from './features/explorer/explorer';

/** What `activate` returns: used by the host tests, and by other extensions that want to look in. */
export interface KubeComplianceApi {
  readonly log: Log;
  /** The results panel, editor feedback and report loading (issue 4). */
  readonly results: ResultsService;
  /** Scans as tasks, auditor discovery, profile choice and the Scan runs view (issue 6). */
  readonly scan: ScanService;
  /** The Clusters tree and the shared cluster clients (`explorer.pool.client(context)`) (issue 5). */
  readonly explorer: ExplorerApi;
  /** Profile authoring: the profile index, the Test Explorer controller and the pinned target (issue 9). */
  readonly authoring: AuthoringService;
  /** Shell-less containers: debug-container and sidecar approaches, Add Scanner Sidecar (issue 7). */
  readonly shellless: ShelllessApi;
  /** RBAC preflight and the least-privilege scanner identity (issue 8). */
  readonly access: AccessApi;
}

export function activate(context: vscode.ExtensionContext): KubeComplianceApi {
  const log = new Log();
  context.subscriptions.push(log);
  log.info(`Kube Compliance ${context.extension.packageJSON.version} activating (VS Code ${vscode.version}, ${vscode.env.uiKind === vscode.UIKind.Web ? 'web' : 'desktop'} UI)`);

  const ctx: CommandContext = { extension: context, log };

  const explorer = registerExplorer(ctx);

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
  const scan = registerScan(ctx);
  context.subscriptions.push(explorer.provider.followScans(scan));
  const shellless = registerShellless(ctx, { scan, pool: explorer.pool });
  const access = registerAccess(ctx, { scan, pool: explorer.pool });
  const authoring = registerAuthoring(ctx, { feedback: results.feedback, scanner: scanServiceScanner(() => scan) });

  log.info('Kube Compliance activated');
  return { log, results, scan, explorer, authoring, shellless, access };
}

export function deactivate(): void {
  // everything is owned by context.subscriptions
}
