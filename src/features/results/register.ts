import { registerCommand } from '../../platform/commands';
import type { Platform } from '../../services';
import { REVEAL_CONTROL_COMMAND } from './editorFeedback';
import { toShowResultsArgs, type LoadedReport } from './loader';
import { complianceExportArgs, editAttestations } from './complianceExport';
import { copyHdf, exportCsv, exportMarkdown, exportTarget, type ResultsService } from './resultsService';

/** The results feature's commands: open, compare, export, and the panel/CodeLens entry points. */
export function registerResultsCommands(p: Platform, service: ResultsService): void {
  // the Scan runs view's links and tests use it; other features call ResultsService.showResults directly
  registerCommand(p, 'kubeCompliance.showResults', () => async (arg: unknown) => {
    const args = toShowResultsArgs(arg);
    if (!args) throw new Error('showResults needs { reportPath, cwd?, label? }.');
    return service.showResults(args, { preserveFocus: (arg as { preserveFocus?: boolean } | undefined)?.preserveFocus });
  });
  registerCommand(p, 'kubeCompliance.openReport', () => (arg: unknown) => service.openReport(arg));
  registerCommand(p, 'kubeCompliance.compareReports', () => (arg: unknown) => service.compareReports(arg));

  const need = (arg: unknown): LoadedReport => {
    const loaded = service.reportFor(arg);
    if (!loaded) throw new Error('No report is open. Open one with "Kube Compliance: Open Report…" first.');
    return loaded;
  };
  registerCommand(p, 'kubeCompliance.exportCsv', () => (arg: unknown) => exportCsv(need(arg), exportTarget(arg)));
  registerCommand(p, 'kubeCompliance.exportMarkdown', () => (arg: unknown) => exportMarkdown(need(arg), exportTarget(arg)));
  registerCommand(p, 'kubeCompliance.copyHdf', () => (arg: unknown) => copyHdf(need(arg)));
  // CKL / CKLB / XCCDF / CSV / HTML; arg: { format?, mode?, target?, profileErrorAsOpen? } (asked when absent)
  registerCommand(p, 'kubeCompliance.exportCompliance', () => (arg: unknown) => service.exportCompliance(need(arg), complianceExportArgs(arg)));
  registerCommand(p, 'kubeCompliance.editAttestations', () => (arg: unknown) => editAttestations(need(arg)));

  // CodeLens target (internal): shows the control in the panel.
  registerCommand(p, REVEAL_CONTROL_COMMAND, () => (id: unknown) => {
    if (typeof id === 'string') service.revealControl(id);
  });
}
