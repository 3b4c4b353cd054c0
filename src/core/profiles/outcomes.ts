/**
 * Maps a report's controls to Test Explorer outcomes for the control ids an authoring run asked for.
 * Status per the results model (inspecjs rules): Passed → passed, Failed → failed, Not Applicable / Not Reviewed →
 * skipped, Profile Error → errored; an id the report does not contain → errored (the auditor did not run it).
 */
import type { Control, ControlResult, ControlStatus, Report } from '../results/index';

export type TestOutcomeState = 'passed' | 'failed' | 'skipped' | 'errored';

export interface TestOutcome {
  readonly id: string;
  readonly state: TestOutcomeState;
  readonly status?: ControlStatus;
  /** One message per failed / errored result (or one explaining a skip or a missing control). */
  readonly messages: string[];
  /** Sum of the results' run times, milliseconds. */
  readonly durationMs?: number;
}

const STATE: Record<ControlStatus, TestOutcomeState> = {
  Passed: 'passed',
  Failed: 'failed',
  'Not Applicable': 'skipped',
  'Not Reviewed': 'skipped',
  'Profile Error': 'errored',
};

function resultText(r: ControlResult): string {
  const head = r.codeDesc || '(no description)';
  if (r.status === 'error') {
    const what = [r.exception, r.message?.trim()].filter(Boolean).join(': ');
    const where = r.backtrace?.find((l) => /controls\/.+\.rb:\d+/.test(l)) ?? r.backtrace?.[0];
    return `${head}\n${what || 'error'}${where ? `\n  at ${where}` : ''}`;
  }
  return r.message?.trim() ? `${head}\n${r.message.trim()}` : head;
}

function skipText(c: Control): string {
  if (c.status === 'Not Applicable') {
    if (c.waived) return `Not Applicable: waived${c.waiver?.justification ? ` (${c.waiver.justification})` : ''}`;
    return c.impact === 0 ? 'Not Applicable: impact 0' : 'Not Applicable';
  }
  const reasons = c.results.map((r) => r.skipMessage ?? r.message).filter((m): m is string => !!m && !!m.trim());
  return `Not Reviewed${reasons.length ? `: ${[...new Set(reasons)].join('; ')}` : ''}`;
}

export function outcomeOf(c: Control): TestOutcome {
  const state = STATE[c.status];
  const durationMs = Math.round(c.runTime * 1000);
  let messages: string[] = [];
  if (state === 'failed') messages = c.results.filter((r) => r.status === 'failed').map(resultText);
  else if (state === 'errored') {
    messages = c.results.filter((r) => r.status === 'error').map(resultText);
    if (!messages.length) messages = [c.results.length ? 'Profile Error' : 'Profile Error: the control produced no results (did its code raise before any describe ran?)'];
  } else if (state === 'skipped') messages = [skipText(c)];
  return { id: c.id, state, status: c.status, messages, durationMs };
}

/**
 * Outcomes for `ids` (undefined: every control in the report). A requested id missing from the report is an
 * error, never a pass.
 */
export function mapOutcomes(report: Report, ids?: readonly string[]): TestOutcome[] {
  const byId = new Map(report.controls.map((c) => [c.id, c]));
  const wanted = ids ?? report.controls.map((c) => c.id);
  return wanted.map((id) => {
    const c = byId.get(id);
    if (c) return outcomeOf(c);
    return {
      id,
      state: 'errored' as const,
      messages: [`${id} is not in the report: the auditor did not run it (is the id spelled as in the file, and does the profile load?)`],
    };
  });
}
