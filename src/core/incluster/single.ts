/**
 * A single-container scan with the in-cluster runner (issue 16 §1: "a fleet or single scan creates one Job per scan
 * unit"): whether a scan request runs as a Job, stays local, or is refused with what to do — and, when it ran, the
 * facts the local scan's interpretation (src/core/scan/interpretRun.ts) reads, so both runners end in the same
 * kind of run record. Pure: no vscode, no I/O.
 */
import type { ApproachKind, ContainerRef } from '../cluster/types';
import { interpretRun, type RunFacts, type RunInterpretation } from '../scan/interpretRun';
import { mitreNameProblem } from '../scan/auditorFailure';
import type { InClusterUnitResult } from './runner';

/** The message when the runner is in-cluster but no image is set (fleet and single scans say the same). */
export const NO_AUDITOR_IMAGE =
  'kubeCompliance.scan.runner is "in-cluster" but kubeCompliance.inCluster.auditorImage is empty: set it to a CINC Auditor image with MITRE\'s train-k8s-container transport and kubectl (README "In-cluster runner"), or set the runner back to "local".';

export interface SingleScanFacts {
  /** `kubeCompliance.scan.runner`. */
  readonly runner: string;
  /** `kubeCompliance.inCluster.auditorImage` (blank = unset). */
  readonly auditorImage?: string;
  readonly target: Pick<ContainerRef, 'namespace' | 'pod' | 'container'>;
  /**
   * How the container is reached: the planned approach, else the explorer's choice for a classified container;
   * undefined for a plain reference (the Kubernetes API).
   */
  readonly approach?: ApproachKind;
  /** A classified container that no approach can scan: why (the classification's `missing` / `reason`). */
  readonly unscannable?: string;
  /** Narrowed to some controls (authoring's re-runs on save): those stay local, in their shared terminal. */
  readonly controls?: readonly string[];
  /** Part of a fleet run (a report path chosen by the fleet, a shared terminal): the fleet picks its own runner. */
  readonly fleet?: boolean;
}

export type SingleScanDecision =
  | { readonly runner: 'local' }
  | { readonly runner: 'in-cluster'; readonly auditorImage: string }
  | { readonly runner: 'refused'; readonly message: string };

/** Where one scan runs. Refusals say which setting to change or which runner to use. */
export function decideSingleScan(f: SingleScanFacts): SingleScanDecision {
  if (f.runner !== 'in-cluster' || f.fleet || f.controls?.length) return { runner: 'local' };
  const label = `${f.target.namespace}/${f.target.pod}/${f.target.container}`;
  const image = f.auditorImage?.trim();
  if (!image) return { runner: 'refused', message: NO_AUDITOR_IMAGE };
  if (f.unscannable !== undefined) return { runner: 'refused', message: `${label} cannot be scanned: ${f.unscannable}` };
  if (f.approach === 'debug-container' || f.approach === 'sidecar') {
    return {
      runner: 'refused',
      message: `${label} has no shell (it needs a ${f.approach === 'sidecar' ? 'sidecar' : 'debug container'}), and the in-cluster runner does not scan shell-less containers: set kubeCompliance.scan.runner to "local" to scan it from this machine.`,
    };
  }
  // the image runs MITRE's transport: the names it refuses are refused here, before a Job is made
  const refused = mitreNameProblem(f.target);
  if (refused) return { runner: 'refused', message: refused };
  return { runner: 'in-cluster', auditorImage: image };
}

/** The progress line for a phase of the unit (runner.ts `onPhase`). */
export function phaseText(phase: 'creating' | 'pending' | 'running' | 'reading' | 'cleaning', job: string): string {
  switch (phase) {
    case 'creating':
      return `creating Job ${job} and its ServiceAccount, Role, RoleBinding and ConfigMap…`;
    case 'pending':
      return `Job ${job}: waiting for its pod to start…`;
    case 'running':
      return `Job ${job}: the auditor is scanning…`;
    case 'reading':
      return `Job ${job}: reading and verifying the report from the pod's log…`;
    case 'cleaning':
      return `deleting Job ${job} and the objects labelled with its run…`;
  }
}

/**
 * The unit's result in the words of a local run (src/core/scan/interpretRun.ts): a verified report is read exactly
 * like a local auditor's — its exit code from the seal, its text — so the outcome, counts and message agree; a
 * failure is an error with the runner's message (what to do); Cancel is a cancelled run. Never a partial report.
 */
export function interpretUnit(
  r: InClusterUnitResult,
  f: Pick<RunFacts, 'resultFile' | 'target' | 'transportTarget' | 'transport'>,
): RunInterpretation {
  if (r.outcome === 'done' && r.report) {
    const i = interpretRun({ ...f, end: { code: r.exitCode ?? 0, signal: null, cancelled: false, stderr: '' }, reportText: r.report.toString('utf8') });
    return { ...i, message: r.message ? `${i.message} ${r.message}` : i.message };
  }
  if (r.outcome === 'cancelled') return { outcome: 'cancelled', message: `${r.message ?? 'Cancelled.'} Earlier results are kept.` };
  return { outcome: 'error', message: r.message ?? 'The in-cluster scan failed without a message.' };
}
