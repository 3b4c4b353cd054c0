import * as vscode from 'vscode';
import { workloadArg } from '../../platform/commandArgs';
import { registerCommand } from '../../platform/commands';
import type { Platform } from '../../services';
import type { ExplorerService } from '../explorer/explorerService';
import type { ShelllessService } from './shelllessService';

/** Add Scanner Sidecar on a workload node. */
export function registerShelllessCommands(p: Platform, shellless: ShelllessService, explorer: ExplorerService): void {
  registerCommand(p, 'kubeCompliance.addScannerSidecar', () => async (arg?: unknown): Promise<boolean> => {
    const w = workloadArg(arg);
    if (!w) {
      void vscode.window.showInformationMessage('Kube Compliance: choose "Add Scanner Sidecar" on a Deployment, StatefulSet or DaemonSet in the Clusters view.');
      return false;
    }
    const added = await shellless.addScannerSidecar(w);
    if (added) explorer.provider.refresh(undefined, true);
    return added;
  });
}
