import type { ScanService } from '../scan/scanService';
import type { AuthoringScanner } from './testController';

/** The terminal every authoring run shares (SCAN reuses one dedicated terminal per key). */
export const AUTHORING_TERMINAL_KEY = 'authoring';

/**
 * Authoring runs go through SCAN's ScanService: the same `kube-compliance` task machinery (temporary single-context
 * kubeconfig, argv without a shell, exit-code interpretation, Runs view), narrowed with `controls`, in the one
 * reused authoring terminal, without opening the results panel or a notification for every save.
 */
export function scanServiceScanner(service: () => ScanService | undefined): AuthoringScanner {
  return async (req) => {
    const scan = service();
    if (!scan) return { cancelled: false, error: 'The scan service is not available in this window.' };
    try {
      const approach = req.target.approach && req.target.approach !== 'kubernetes-api' && req.target.compatibility ? await scan.planFor(req.target, req.token) : undefined;
      const record = await scan.run({
        target: req.target,
        profile: { profile: req.profileRoot },
        controls: req.controls,
        terminalKey: AUTHORING_TERMINAL_KEY,
        token: req.token,
        approach,
        showResults: false,
        notify: false,
      });
      return {
        reportPath: record.reportPath,
        cwd: record.cwd,
        exitCode: record.exitCode,
        cancelled: record.outcome === 'cancelled',
        error: record.reportPath ? undefined : record.message,
        auditorMs: record.durationMs,
      };
    } catch (err) {
      const cancelled = req.token.isCancellationRequested || (err instanceof Error && err.name === 'ScanCancelledError');
      return { cancelled, error: cancelled ? undefined : err instanceof Error ? err.message : String(err) };
    }
  };
}
