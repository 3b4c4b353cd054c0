import * as vscode from 'vscode';
import { registerCommand } from '../../platform/commands';
import type { Platform } from '../../services';
import type { FleetService } from '../fleet/fleetService';
import type { ResultsService } from '../results/resultsService';
import { ScanSetupError } from '../scan/auditorService';
import { ScanCancelledError, type ScanService } from '../scan/scanService';
import type { KubernetesToolsService } from './kubernetesToolsService';

const WHERE = 'on a pod, workload or namespace in the Kubernetes extension\'s Clusters view';

/**
 * Commands on the Kubernetes extension's Cluster Explorer nodes (menus in package.json, `view ==
 * extension.vsKubernetesExplorer`): Scan (a container, every container of a pod, or a workload), Scan Namespace, and
 * Show Last Report.
 */
export function registerKubernetesToolsCommands(p: Platform, k8s: KubernetesToolsService, scan: ScanService, fleet: FleetService, results: ResultsService): void {
  const quiet = (err: unknown) => {
    if (err instanceof ScanSetupError || err instanceof ScanCancelledError) {
      p.log.info(err.message);
      return undefined;
    }
    throw err;
  };

  registerCommand(p, 'kubeCompliance.kubernetesTools.scan', () => async (arg?: unknown) => {
    await k8s.connect();
    const container = await k8s.containerOf(arg);
    try {
      if (container) {
        const local = scan.inCluster.decide({ target: container.classification }).runner === 'local';
        return await scan.run({ target: container.classification, approach: local ? await scan.planFor(container.classification) : undefined });
      }
      const r = k8s.resolve(arg);
      if (!r || r.target.kind === 'namespace') {
        void vscode.window.showInformationMessage(`Kube Compliance: choose Scan on a container, pod or workload in the Kubernetes extension's Clusters view.`);
        return undefined;
      }
      const { context, target } = r;
      if (target.kind === 'pod') return await fleet.run({ kind: 'containers', containers: [{ namespace: target.namespace, pod: target.name }] }, context);
      return await fleet.run({ kind: 'workload', namespace: target.namespace, workload: { kind: target.workloadKind, name: target.name } }, context);
    } catch (err) {
      return quiet(err);
    }
  });

  registerCommand(p, 'kubeCompliance.kubernetesTools.scanNamespace', () => async (arg?: unknown) => {
    await k8s.connect();
    const container = await k8s.containerOf(arg);
    const r = container ? { context: container.context, target: { namespace: container.namespace } } : k8s.resolve(arg);
    if (!r) {
      void vscode.window.showInformationMessage(`Kube Compliance: choose "Scan Namespace…" ${WHERE}.`);
      return undefined;
    }
    return fleet.run({ kind: 'namespace', namespace: r.target.namespace }, r.context);
  });

  registerCommand(p, 'kubeCompliance.kubernetesTools.showLastReport', () => async (arg?: unknown) => {
    await k8s.connect();
    const last = await k8s.lastReport(arg);
    if (!last) {
      void vscode.window.showInformationMessage('Kube Compliance: nothing here has been scanned yet (or its report is gone). Choose Scan first.');
      return undefined;
    }
    await results.showResults({ reportPath: last.reportPath, label: last.label });
    return last.reportPath;
  });
}
