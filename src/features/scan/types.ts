import type * as vscode from 'vscode';
import type { ApproachKind, ContainerClassification, ContainerRef } from '../../core/cluster/types';
import type { ExitOutcome } from '../../core/scan/exitCodes';
import type { ApproachPlan } from '../../core/scan/types';

/** A scan that was stopped or never started on purpose (no profile chosen, Cancel). */
export class ScanCancelledError extends Error {
  override readonly name = 'ScanCancelledError';
}

/** A profile with its optional inputs and waiver files. */
export interface ProfileChoice {
  /** Folder, archive or URL. */
  readonly profile: string;
  readonly inputFile?: string;
  readonly waiverFile?: string;
}

/** One scan to run. Only `target` is required; everything else has a default. */
export interface ScanRequest {
  readonly target: ContainerRef | ContainerClassification;
  /** Default: the workspace default profile, else the profile picker. */
  readonly profile?: ProfileChoice;
  /** Run only these control ids (`--controls`; authoring). */
  readonly controls?: readonly string[];
  /** A kubeconfig to use as it is (ACCESS's scanner identity). Default: a temporary single-context copy of the user's. */
  readonly kubeconfigPath?: string;
  /** How the container is reached (SHELL-LESS). Default: the Kubernetes API identity plan. */
  readonly approach?: ApproachPlan;
  /** Runs with the same key share one terminal (authoring's re-run on save). */
  readonly terminalKey?: string;
  readonly token?: vscode.CancellationToken;
  /** Open the results panel when the run produced a report (default true). */
  readonly showResults?: boolean;
  /** Show a notification when the run ends (default true). */
  readonly notify?: boolean;
  /** Where the auditor writes its JSON report (fleet runs); default: a new file in the results folder. */
  readonly resultFile?: string;
}

export type { RunCounts } from '../../core/scan/interpretRun';
import type { RunCounts } from '../../core/scan/interpretRun';

/** What one run left behind: persisted in workspaceState and shown in the Scan runs view. */
export interface RunRecord {
  readonly id: string;
  readonly target: ContainerRef;
  /** The container the auditor's `-t` pointed at (differs from target for helper approaches). */
  readonly transportTarget: Pick<ContainerRef, 'namespace' | 'pod' | 'container'>;
  readonly approach: ApproachKind;
  readonly approachDescription: string;
  readonly profile: string;
  readonly inputFile?: string;
  readonly waiverFile?: string;
  readonly controls?: readonly string[];
  readonly startedAt: string;
  readonly durationMs: number;
  readonly exitCode: number | null;
  readonly outcome: ExitOutcome;
  /** In words: what the exit code and the report mean. */
  readonly message: string;
  /** The JSON report of this run; set only when it exists and is a real result. */
  readonly reportPath?: string;
  /** Where the auditor was told to write (kept even when the run produced no usable report). */
  readonly resultFile: string;
  readonly cwd: string;
  readonly counts?: RunCounts;
  readonly platform?: string;
  readonly auditor: { readonly path: string; readonly version?: string };
  /** The transport plugin the auditor used (from `plugin list`), e.g. train-k8s-container-mitre 2.2.0. */
  readonly transport?: { readonly name: string; readonly version?: string };
  /** The exact `-t` target handed to the auditor. */
  readonly targetUri?: string;
  /** The last lines of the auditor's error output, redacted. */
  readonly stderrTail?: string;
}

export function refKey(r: Pick<ContainerRef, 'context' | 'namespace' | 'pod' | 'container'>): string {
  return `${r.context}/${r.namespace}/${r.pod}/${r.container}`;
}

export function refLabel(r: Pick<ContainerRef, 'namespace' | 'pod' | 'container'>): string {
  return `${r.namespace}/${r.pod}/${r.container}`;
}
