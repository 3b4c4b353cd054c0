/**
 * How one auditor run ended, in words: exit code + stderr + the JSON report → outcome, message, counts. Pure (no
 * VS Code, no file system): the scan service reads the report file and hands its text in. A run whose report never
 * reached the target is an error, never a pass.
 */
import type { ContainerRef } from '../cluster/types';
import { redact } from '../redact';
import { parseReport, summarize } from '../results';
import type { TransportInfo } from './auditorFailure';
import { explainAuditorFailure } from './auditorFailure';
import { assessReport, explainExit, type ExitOutcome } from './exitCodes';

/** How the auditor process ended (the terminal's side). */
export interface ProcessEnd {
  readonly code: number | null;
  readonly signal: string | null;
  readonly cancelled: boolean;
  /** The auditor's error output. */
  readonly stderr: string;
  /** Set when the process could not be started at all. */
  readonly spawnError?: string;
}

export interface RunCounts {
  readonly controls: number;
  readonly passed: number;
  readonly failed: number;
  readonly notApplicable: number;
  readonly notReviewed: number;
  readonly error: number;
  readonly compliance: number;
}

export interface RunInterpretation {
  readonly outcome: ExitOutcome;
  readonly message: string;
  readonly platform?: string;
  readonly counts?: RunCounts;
  /** Set when the report is complete and may be shown. */
  readonly reportPath?: string;
  /** The last 12 lines of stderr, redacted (kept on the run record). */
  readonly stderrTail?: string;
  /** The run was cancelled: its own partial report file is to be removed (earlier reports are separate files). */
  readonly discardReport?: boolean;
}

export interface RunFacts {
  readonly end: ProcessEnd;
  /** The report file the auditor was told to write. */
  readonly resultFile: string;
  /** Its text, or undefined when the file does not exist. */
  readonly reportText: string | undefined;
  readonly auditorPath?: string;
  readonly target: ContainerRef;
  readonly transportTarget: Pick<ContainerRef, 'namespace' | 'pod' | 'container'>;
  readonly transport?: TransportInfo;
}

export function interpretRun(f: RunFacts): RunInterpretation {
  const o = f.end;
  const stderrTail = o.stderr.trim() ? redact(o.stderr.trim().split('\n').slice(-12).join('\n')) : undefined;
  if (o.cancelled) return { outcome: 'cancelled', stderrTail, discardReport: true, message: explainExit(o.code, o.signal, true).message + ' Earlier results are kept.' };
  if (o.spawnError) return { outcome: 'error', stderrTail, message: `The auditor${f.auditorPath ? ` ${f.auditorPath}` : ''} could not be started: ${o.spawnError}` };
  const ex = explainExit(o.code, o.signal);
  let raw: unknown;
  let rawError: string | undefined;
  if (f.reportText !== undefined) {
    try {
      raw = JSON.parse(f.reportText);
    } catch (err) {
      rawError = `The JSON report is not valid JSON (${err instanceof Error ? err.message : String(err)}).`;
    }
  }
  const assessment = raw !== undefined ? assessReport(raw) : undefined;
  const failure = o.stderr.trim() ? explainAuditorFailure(redact(o.stderr), { target: f.target, transportTarget: f.transportTarget, transport: f.transport }) : undefined;
  const stderrHint = failure ? (failure.kind === 'other' ? ` The auditor said: ${failure.line}` : ` ${failure.explanation} (The auditor said: ${failure.line})`) : '';
  if (!ex.completed) {
    const extra = assessment && !assessment.ok ? ` ${assessment.problem}` : '';
    return { outcome: ex.outcome, stderrTail, platform: assessment?.platform, message: `${ex.message}${extra}${stderrHint}` };
  }
  if (rawError || !assessment) return { outcome: 'error', stderrTail, message: `${ex.message} But ${rawError ?? `no JSON report was written to ${f.resultFile}.`}${stderrHint}` };
  if (!assessment.ok) return { outcome: 'error', stderrTail, platform: assessment.platform, message: `Exit ${o.code}, but ${lowerFirst(assessment.problem ?? 'the report shows no result.')}${stderrHint}` };
  let counts: RunCounts;
  try {
    const s = summarize(parseReport(raw));
    counts = { controls: s.controls, passed: s.passed, failed: s.failed, notApplicable: s.notApplicable, notReviewed: s.notReviewed, error: s.profileError, compliance: s.compliance };
  } catch (err) {
    return { outcome: 'error', stderrTail, platform: assessment.platform, message: `The report could not be read: ${err instanceof Error ? err.message : String(err)}` };
  }
  return { outcome: ex.outcome as ExitOutcome, stderrTail, platform: assessment.platform, counts, reportPath: f.resultFile, message: ex.message };
}

/**
 * The exit code the scan task's terminal ends with: 130 when cancelled; the auditor's own code when a report was
 * read; else the auditor's error code, or 1 (a "completed" 0/100/101 without a usable report is still a failure).
 */
export function taskExitCode(r: { readonly outcome: ExitOutcome; readonly reportPath?: string; readonly exitCode: number | null }): number {
  if (r.outcome === 'cancelled') return 130;
  if (r.reportPath) return r.exitCode ?? 0;
  return r.exitCode && r.exitCode !== 0 && r.exitCode !== 100 && r.exitCode !== 101 ? r.exitCode : 1;
}

function lowerFirst(s: string): string {
  return s ? s[0].toLowerCase() + s.slice(1) : s;
}
