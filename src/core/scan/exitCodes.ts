/**
 * What the auditor's exit code and its JSON report mean, in words. CINC Auditor and Chef InSpec share these codes:
 * 0 nothing failed or skipped · 100 at least one failure · 101 at least one skip, no failure · 1 usage or general
 * error · 172 Chef licence not accepted. 0, 100 and 101 all mean "the run completed: read the JSON report".
 * A completed run is still an error when the report shows the target was never reached (platform `unknown`) or no
 * test ran at all: MITRE's transport exits 101 with zero tests when it cannot reach the container.
 */

export type ExitOutcome = 'passed' | 'failed' | 'skipped' | 'error' | 'license' | 'cancelled';

export interface ExitExplanation {
  readonly outcome: ExitOutcome;
  /** True when the auditor finished its run and the JSON report should be read. */
  readonly completed: boolean;
  /** One sentence for the user. */
  readonly message: string;
}

export const EXIT_PASSED = 0;
export const EXIT_ERROR = 1;
export const EXIT_FAILED = 100;
export const EXIT_SKIPPED = 101;
export const EXIT_LICENSE = 172;

/** Explains one exit of the auditor process. `signal` is set when the process was killed (e.g. cancelled). */
export function explainExit(code: number | null | undefined, signal?: string | null, cancelled = false): ExitExplanation {
  if (cancelled) return { outcome: 'cancelled', completed: false, message: 'The scan was cancelled; the auditor and its kubectl processes were stopped.' };
  if (code === null || code === undefined) {
    return {
      outcome: 'error',
      completed: false,
      message: signal ? `The auditor was stopped by signal ${signal} before it finished.` : 'The auditor ended without an exit code.',
    };
  }
  switch (code) {
    case EXIT_PASSED:
      return { outcome: 'passed', completed: true, message: 'Exit 0: the scan completed and no test failed or was skipped.' };
    case EXIT_FAILED:
      return { outcome: 'failed', completed: true, message: 'Exit 100: the scan completed and at least one test failed.' };
    case EXIT_SKIPPED:
      return { outcome: 'skipped', completed: true, message: 'Exit 101: the scan completed with skipped tests and no failures.' };
    case EXIT_LICENSE:
      return {
        outcome: 'license',
        completed: false,
        message:
          'Exit 172: Chef InSpec refused to run because the Chef License was not accepted (CHEF_LICENSE). Accept it when Kube Compliance asks, ' +
          'or use CINC Auditor, which needs no licence. InSpec 6 and later also need CHEF_LICENSE_KEY.',
      };
    case EXIT_ERROR:
      return {
        outcome: 'error',
        completed: false,
        message: 'Exit 1: the auditor stopped with an error (bad arguments, an unreadable profile, or a target it could not connect to). Its error output says which.',
      };
    default:
      return { outcome: 'error', completed: false, message: `Exit ${code}: the auditor stopped with an unexpected exit code; its error output says why.` };
  }
}

/** What the JSON report shows about whether the target was really scanned. */
export interface ReportAssessment {
  readonly ok: boolean;
  /** Set when !ok: why the report is not a result. */
  readonly problem?: string;
  readonly platform?: string;
  /** Number of test results across all controls. */
  readonly results: number;
  readonly controls: number;
}

interface RawResult {
  status?: unknown;
}
interface RawControl {
  results?: RawResult[];
}
interface RawProfile {
  status?: unknown;
  status_message?: unknown;
  skip_message?: unknown;
  controls?: RawControl[];
}

/**
 * Looks at a raw InSpec JSON report (already `JSON.parse`d) for the silent non-results: platform `unknown`, or not a
 * single test result. Shape problems are left to the report parser; this only answers "did the scan reach the target".
 */
export function assessReport(raw: unknown): ReportAssessment {
  if (!raw || typeof raw !== 'object') return { ok: false, problem: 'The report is not a JSON object.', results: 0, controls: 0 };
  const r = raw as { platform?: { name?: unknown; release?: unknown }; profiles?: RawProfile[] };
  const platform = typeof r.platform?.name === 'string' ? r.platform.name : undefined;
  const profiles = Array.isArray(r.profiles) ? r.profiles : [];
  let controls = 0;
  let results = 0;
  for (const p of profiles) {
    for (const c of Array.isArray(p.controls) ? p.controls : []) {
      controls++;
      results += Array.isArray(c.results) ? c.results.length : 0;
    }
  }
  const skippedProfiles = profiles
    .map((p) => (typeof p.status_message === 'string' && p.status_message) || (typeof p.skip_message === 'string' && p.skip_message) || '')
    .filter(Boolean);
  const why = skippedProfiles.length ? ` The auditor said: ${skippedProfiles.join('; ')}` : '';
  if (!platform || platform === 'unknown') {
    return {
      ok: false,
      platform,
      results,
      controls,
      problem:
        `The auditor could not identify the target (platform "${platform ?? 'missing'}"), so it never really reached the container. ` +
        `This is an error, not a pass: check that the container is running, has a shell, and that exec into it is allowed.${why}`,
    };
  }
  if (results === 0) {
    return {
      ok: false,
      platform,
      results,
      controls,
      problem: `No control ran (${controls} controls, 0 test results), so the report proves nothing about the container. This is an error, not a pass.${why}`,
    };
  }
  return { ok: true, platform, results, controls };
}
