import * as vscode from 'vscode';
import { AccessService } from './features/access/accessService';
import { registerAccessCommands } from './features/access/register';
import { AuthoringService } from './features/authoring/authoringService';
import { registerAuthoringCommands } from './features/authoring/register';
import { ExplorerService } from './features/explorer/explorerService';
import { FleetService } from './features/fleet/fleetService';
import { registerFleetCommands } from './features/fleet/register';
import { KubernetesToolsService } from './features/kubernetesTools/kubernetesToolsService';
import { registerKubernetesToolsCommands } from './features/kubernetesTools/register';
import { registerExplorerCommands } from './features/explorer/register';
import { HistoryService } from './features/history/historyService';
import { registerHistoryCommands } from './features/history/register';
import { WatchService } from './features/history/watchService';
import { registerResultsCommands } from './features/results/register';
import { ResultsService } from './features/results/resultsService';
import { registerScanCommands } from './features/scan/register';
import { ScanService } from './features/scan/scanService';
import { registerShelllessCommands } from './features/shellless/register';
import { ShelllessService } from './features/shellless/shelllessService';
import { registerCommand } from './platform/commands';
import { Config } from './platform/config';
import { Confirmations } from './platform/confirmations';
import { Log } from './platform/log';
import { State } from './platform/state';
import type { Platform, Services } from './services';

/**
 * What `activate` returns: the typed services (used by the host tests, and by other extensions that want to look
 * in). Host tests answer confirmations through `confirmations.answerWith`.
 */
export type KubeComplianceApi = Services;

export function activate(context: vscode.ExtensionContext): KubeComplianceApi {
  const log = new Log();
  context.subscriptions.push(log);
  log.info(`Kube Compliance ${context.extension.packageJSON.version} activating (VS Code ${vscode.version}, ${vscode.env.uiKind === vscode.UIKind.Web ? 'web' : 'desktop'} UI)`);

  const platform: Platform = { extension: context, log, config: new Config(), state: new State(context), confirmations: new Confirmations(log) };
  const own = <T extends vscode.Disposable>(d: T): T => (context.subscriptions.push(d), d);

  // features in activation order; each gets the services activated before it
  const explorer = own(new ExplorerService(platform));
  registerExplorerCommands(platform, explorer);
  const results = own(new ResultsService(platform));
  registerResultsCommands(platform, results);
  const scan = own(new ScanService(platform, results, explorer.pool));
  registerScanCommands(platform, scan, results);
  own(explorer.provider.followScans(scan));
  own(explorer.provider.followBadges(scan.badges));
  const shellless = own(new ShelllessService(platform, scan, explorer.pool));
  registerShelllessCommands(platform, shellless, explorer);
  const access = own(new AccessService(platform, scan, explorer.pool));
  registerAccessCommands(platform, access);
  const authoring = own(new AuthoringService(platform, scan, results));
  registerAuthoringCommands(platform, authoring);
  const fleet = own(new FleetService(platform, explorer, scan, shellless));
  fleet.panel.setReportOpener((reportPath, label) => results.showResults({ reportPath, label }));
  registerFleetCommands(platform, fleet, () => explorer.activeContext());
  // optional: only does something when Microsoft's Kubernetes extension is installed
  const kubernetesTools = own(new KubernetesToolsService(platform, explorer, scan));
  registerKubernetesToolsCommands(platform, kubernetesTools, scan, fleet, results);
  const history = own(new HistoryService(platform, scan, explorer.pool, results));
  own(scan.runs.setGrouping({ groupOf: (id) => history.groupOf(id), runsShown: () => platform.config.get('history.runsShown'), onDidChange: history.onDidChange }));
  const watch = own(new WatchService(platform, scan, history, explorer.pool));
  registerHistoryCommands(platform, history, watch, () => explorer.activeContext());

  registerCommand(platform, 'kubeCompliance.showLog', () => () => {
    log.show();
    return true;
  });

  log.info('Kube Compliance activated');
  return { ...platform, explorer, pool: explorer.pool, results, scan, shellless, access, authoring, fleet, kubernetesTools, history, watch };
}

export function deactivate(): void {
  // everything is owned by context.subscriptions
}
