import { runIdArg, scopeArg } from '../../platform/commandArgs';
import { registerCommand } from '../../platform/commands';
import type { Platform } from '../../services';
import type { HistoryService } from './historyService';
import type { WatchService } from './watchService';

/** The history feature's commands: a target's history page (chart, runs, drift), from a run or a target of the Scan runs view. */
export function registerHistoryCommands(p: Platform, history: HistoryService, watch: WatchService, activeContext: () => string | undefined): void {
  registerCommand(p, 'kubeCompliance.showHistory', () => async (arg?: unknown) => {
    // a target node of the Scan runs view carries its group key; a run node its run id
    const group = typeof arg === 'object' && arg !== null && (arg as { kind?: unknown }).kind === 'group' ? (arg as { key?: unknown }).key : undefined;
    const id = typeof group === 'string' ? group : runIdArg(arg);
    if (!id) throw new Error('Choose a run or a target in the Scan runs view to show its history.');
    await history.settled();
    return history.show(id);
  });

  registerCommand(p, 'kubeCompliance.toggleWatchNamespace', () => async (arg?: unknown) => {
    const scope = scopeArg(arg);
    if (!scope?.namespace) throw new Error('Choose Watch for Changes on a namespace in the Clusters view.');
    const context = scope.context ?? activeContext();
    if (!context) throw new Error('No kubeconfig context is selected: choose one in the Clusters view first.');
    return watch.toggle(context, scope.namespace);
  });
}
