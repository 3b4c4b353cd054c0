import * as vscode from 'vscode';
import type { ExplorerNode } from '../explorer/nodes';
import { nodeArg } from '../../platform/commandArgs';
import { registerCommand } from '../../platform/commands';
import type { Platform } from '../../services';
import type { FleetService } from './fleetService';
import { selectionOf } from './selection';
import { complianceExportArgs } from '../results/complianceExport';

/** Fleet commands: Scan Namespace…, Scan Workload…, Scan Selected, Cancel Fleet Scan, Open Fleet Report…. */
export function registerFleetCommands(p: Platform, fleet: FleetService, activeContext: () => string | undefined): void {
  registerCommand(p, 'kubeCompliance.scanNamespace', () => async (arg?: unknown) => {
    const node = nodeArg(arg);
    if (!node || !('namespace' in node)) {
      void vscode.window.showInformationMessage('Kube Compliance: choose "Scan Namespace…" on a namespace in the Clusters view.');
      return undefined;
    }
    return fleet.run({ kind: 'namespace', namespace: node.namespace }, node.context);
  });

  registerCommand(p, 'kubeCompliance.scanWorkload', () => async (arg?: unknown) => {
    const node = nodeArg(arg);
    if (!node || node.kind !== 'workload') {
      void vscode.window.showInformationMessage('Kube Compliance: choose "Scan Workload…" on a Deployment, StatefulSet, DaemonSet or Job in the Clusters view.');
      return undefined;
    }
    return fleet.run({ kind: 'workload', namespace: node.namespace, workload: { kind: node.workloadKind, name: node.name } }, node.context);
  });

  // a tree command with multi-select receives (the clicked node, every selected node)
  registerCommand(p, 'kubeCompliance.scanSelected', () => async (arg?: unknown, all?: unknown) => {
    const nodes = (Array.isArray(all) && all.length ? all : [arg]).map(nodeArg).filter((n): n is ExplorerNode => !!n);
    const selection = selectionOf(nodes);
    if (!selection) {
      void vscode.window.showInformationMessage('Kube Compliance: select containers, pods or workloads of one context (or one namespace) in the Clusters view, then choose "Scan Selected".');
      return undefined;
    }
    return fleet.run(selection.selection, selection.context ?? activeContext());
  });

  registerCommand(p, 'kubeCompliance.cancelFleetScan', () => () => fleet.cancel());

  // arg: { indexPath?, format?, mode?, target?, profileErrorAsOpen? }; default: the fleet report on screen
  registerCommand(p, 'kubeCompliance.exportFleetCompliance', () => async (arg?: unknown) => {
    const given = (arg as { indexPath?: unknown } | undefined)?.indexPath;
    const indexPath =
      typeof given === 'string'
        ? given
        : (fleet.panel.current?.indexPath ??
          (await vscode.window.showOpenDialog({ canSelectMany: false, title: 'Export a fleet run: choose its fleet-index.json', filters: { 'Fleet index': ['json'] } }))?.[0]?.fsPath);
    if (!indexPath) return undefined;
    return fleet.exportCompliance(indexPath, complianceExportArgs(arg));
  });

  registerCommand(p, 'kubeCompliance.openFleetReport', () => async (arg?: unknown) => {
    const path = arg instanceof vscode.Uri ? arg.fsPath : typeof arg === 'string' ? arg : (await vscode.window.showOpenDialog({ canSelectMany: false, title: 'Open a fleet index (fleet-index.json)', filters: { 'Fleet index': ['json'] } }))?.[0]?.fsPath;
    if (!path) return undefined;
    return fleet.showReport(path);
  });
}
