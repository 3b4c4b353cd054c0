import * as vscode from 'vscode';
import { registerCommand, type CommandContext } from '../../platform/commands';
import type { ContainerClassification, ContainerRef } from '../../core/cluster/types';
import { sweepStaleKubeconfigs } from '../../core/scan/kubeconfig';
import { AuditorService, ScanSetupError } from './auditorService';
import { ProfilePicker } from './profilePicker';
import { RunsView } from './runsView';
import { ScanCancelledError, ScanService } from './scanService';
import type { RunRecord } from './types';

export { ScanService } from './scanService';

/** A tree node or a plain classification/reference, as the explorer passes it to `kubeCompliance.scan`. */
function targetOf(arg: unknown): ContainerRef | ContainerClassification | undefined {
  if (!arg || typeof arg !== 'object') return undefined;
  const o = arg as { classification?: unknown };
  const c = (o.classification && typeof o.classification === 'object' ? o.classification : arg) as Partial<ContainerClassification>;
  if (typeof c.namespace === 'string' && typeof c.pod === 'string' && typeof c.container === 'string') {
    return { ...(c as ContainerClassification), context: typeof c.context === 'string' ? c.context : '' };
  }
  return undefined;
}

function runIdOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object') {
    const o = arg as { run?: { id?: unknown }; id?: unknown };
    if (o.run && typeof o.run.id === 'string') return o.run.id;
    if (typeof o.id === 'string') return o.id;
  }
  return undefined;
}

/** Wires scanning: auditor discovery, profile choice, the scan task provider, the Scan runs view and their commands. */
export function registerScan(ctx: CommandContext): ScanService {
  const { extension: context, log } = ctx;
  try {
    const n = sweepStaleKubeconfigs();
    if (n) log.info(`removed ${n} temporary scan kubeconfig folder(s) left by an earlier window`);
  } catch {
    // best effort
  }
  const auditors = new AuditorService(context, log);
  const profiles = new ProfilePicker(context, log);
  const runs = new RunsView(context.workspaceState);
  const scan = new ScanService(context, log, auditors, profiles, runs);
  context.subscriptions.push(auditors, runs, scan, vscode.window.registerTreeDataProvider('kubeCompliance.runs', runs));
  void auditors.discover();

  const quiet = (err: unknown) => {
    // already explained to the user by a notification (setup problems) or a deliberate stop
    if (err instanceof ScanSetupError || err instanceof ScanCancelledError) {
      log.info(err.message);
      return undefined;
    }
    throw err;
  };

  registerCommand(ctx, 'kubeCompliance.scan', () => async (arg?: unknown): Promise<RunRecord | undefined> => {
    const target = targetOf(arg);
    if (!target) {
      void vscode.window.showInformationMessage('Kube Compliance: choose Scan on a container in the Clusters view.');
      return undefined;
    }
    try {
      const approach = 'compatibility' in target ? await scan.planFor(target) : undefined;
      return await scan.run({ target, approach });
    } catch (err) {
      return quiet(err);
    }
  });

  registerCommand(ctx, 'kubeCompliance.installAuditor', () => () => auditors.installInTerminal());
  registerCommand(ctx, 'kubeCompliance.checkAuditor', () => async () => {
    const d = await auditors.discover(true);
    if (d.ready) void vscode.window.showInformationMessage(`Kube Compliance: ready to scan with ${d.auditor?.path} ${d.auditor?.version ?? ''} (${d.auditor?.transport?.name}).`);
    else void vscode.window.showWarningMessage(`Kube Compliance: ${d.problems.map((p) => p.message).join(' ')}`, 'Install…').then((c) => c && vscode.commands.executeCommand('kubeCompliance.installAuditor'));
    return d.ready;
  });

  registerCommand(ctx, 'kubeCompliance.chooseProfile', () => async () => {
    const choice = await profiles.resolve({ ask: true, title: 'Default scan profile for this workspace' });
    if (!choice) return undefined;
    await profiles.setDefault(choice);
    void vscode.window.showInformationMessage(`Kube Compliance: scans in this workspace now use ${choice.profile}. Run "Choose Scan Profile…" again to change it.`);
    return choice;
  });

  registerCommand(ctx, 'kubeCompliance.openRun', () => async (arg?: unknown) => {
    const run = runs.find(runIdOf(arg) ?? '');
    if (!run?.reportPath) throw new Error('This run has no report to open (it failed or was cancelled before the auditor wrote one).');
    await vscode.commands.executeCommand('kubeCompliance.showResults', { reportPath: run.reportPath, cwd: run.cwd, label: `${run.target.namespace}/${run.target.pod}/${run.target.container}` });
    return true;
  });

  registerCommand(ctx, 'kubeCompliance.openRunReport', () => async (arg?: unknown) => {
    const run = runs.find(runIdOf(arg) ?? '');
    if (!run?.reportPath) throw new Error('This run has no report file.');
    await vscode.window.showTextDocument(vscode.Uri.file(run.reportPath), { preview: true });
  });

  registerCommand(ctx, 'kubeCompliance.rerun', () => async (arg?: unknown) => {
    const run = runs.find(runIdOf(arg) ?? '');
    if (!run) throw new Error('Choose a run in the Scan runs view to run it again.');
    if (run.approach !== 'kubernetes-api') {
      void vscode.window.showInformationMessage(`Kube Compliance: run the ${run.approach} scan again from the container in the Clusters view, so the helper is checked first.`);
      return undefined;
    }
    try {
      return await scan.run({ target: run.target, profile: { profile: run.profile, inputFile: run.inputFile, waiverFile: run.waiverFile }, controls: run.controls });
    } catch (err) {
      return quiet(err);
    }
  });

  registerCommand(ctx, 'kubeCompliance.cancelScan', () => (arg?: unknown) => {
    const id = runIdOf(arg);
    if (id) scan.cancel(id);
    else scan.cancelAll();
  });

  registerCommand(ctx, 'kubeCompliance.clearRuns', () => async () => {
    const ok = await vscode.window.showWarningMessage('Clear the list of scan runs? The report files stay on disk.', { modal: true }, 'Clear');
    if (ok === 'Clear') await runs.clear();
  });

  return scan;
}
