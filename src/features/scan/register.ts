import * as vscode from 'vscode';
import { containerArg, runIdArg } from '../../platform/commandArgs';
import { registerCommand } from '../../platform/commands';
import type { Platform } from '../../services';
import type { ResultsService } from '../results/resultsService';
import { ScanSetupError } from './auditorService';
import { ScanCancelledError, type ScanService } from './scanService';
import type { RunRecord } from './types';

/** The scan feature's commands: Scan, the Scan runs view's actions, auditor setup and the default profile. */
export function registerScanCommands(p: Platform, scan: ScanService, results: ResultsService): void {
  const { log } = p;
  const { auditors, profiles, runs } = scan;

  const quiet = (err: unknown) => {
    // already explained to the user by a notification (setup problems) or a deliberate stop
    if (err instanceof ScanSetupError || err instanceof ScanCancelledError) {
      log.info(err.message);
      return undefined;
    }
    throw err;
  };

  registerCommand(p, 'kubeCompliance.scan', () => async (arg?: unknown): Promise<RunRecord | undefined> => {
    const target = containerArg(arg);
    if (!target) {
      void vscode.window.showInformationMessage('Kube Compliance: choose Scan on a container in the Clusters view.');
      return undefined;
    }
    try {
      // in-cluster scans plan nothing on this machine (and refuse shell-less targets before a helper is offered)
      const approach = 'compatibility' in target && scan.inCluster.decide({ target }).runner === 'local' ? await scan.planFor(target) : undefined;
      return await scan.run({ target, approach });
    } catch (err) {
      return quiet(err);
    }
  });

  registerCommand(p, 'kubeCompliance.installAuditor', () => () => auditors.installInTerminal());
  registerCommand(p, 'kubeCompliance.showAuditorSetup', () => () => auditors.showSetup());
  registerCommand(p, 'kubeCompliance.checkAuditor', () => async () => {
    const d = await auditors.discover(true);
    if (d.ready) void vscode.window.showInformationMessage(`Kube Compliance: ready to scan with ${d.auditor?.path} ${d.auditor?.version ?? ''} (${d.auditor?.transport?.name}).`);
    else void vscode.window.showWarningMessage(`Kube Compliance: ${d.problems.map((x) => x.message).join(' ')}`, 'Install…').then((c) => c && auditors.installInTerminal());
    return d.ready;
  });

  registerCommand(p, 'kubeCompliance.chooseProfile', () => async () => {
    const choice = await profiles.resolve({ ask: true, title: 'Default scan profile for this workspace' });
    if (!choice) return undefined;
    await profiles.setDefault(choice);
    void vscode.window.showInformationMessage(`Kube Compliance: scans in this workspace now use ${choice.profile}. Run "Choose Scan Profile…" again to change it.`);
    return choice;
  });

  registerCommand(p, 'kubeCompliance.openRun', () => async (arg?: unknown) => {
    const run = runs.find(runIdArg(arg) ?? '');
    if (!run?.reportPath) throw new Error('This run has no report to open (it failed or was cancelled before the auditor wrote one).');
    await results.showResults({ reportPath: run.reportPath, cwd: run.cwd, label: `${run.target.namespace}/${run.target.pod}/${run.target.container}`, transport: run.transport });
    return true;
  });

  registerCommand(p, 'kubeCompliance.openRunReport', () => async (arg?: unknown) => {
    const run = runs.find(runIdArg(arg) ?? '');
    if (!run?.reportPath) throw new Error('This run has no report file.');
    await vscode.window.showTextDocument(vscode.Uri.file(run.reportPath), { preview: true });
  });

  registerCommand(p, 'kubeCompliance.rerun', () => async (arg?: unknown) => {
    const run = runs.find(runIdArg(arg) ?? '');
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

  registerCommand(p, 'kubeCompliance.cancelScan', () => (arg?: unknown) => {
    const id = runIdArg(arg);
    if (id) scan.cancel(id);
    else scan.cancelAll();
  });

  registerCommand(p, 'kubeCompliance.clearRuns', () => async () => {
    const ok = await p.confirmations.confirm({ id: 'scan.clearRuns', title: 'Clear the list of scan runs? The report files stay on disk.', action: 'Clear' });
    if (ok) await runs.clear();
  });
}
