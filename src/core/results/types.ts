/**
 * The results model: what a scan report (InSpec / CINC exec JSON, i.e. HDF) means, as Heimdall and the SAF CLI count it.
 * Plain data only (no classes, no functions, no Maps), so a `Report` survives `postMessage` / `JSON.stringify` unchanged and
 * the webview can import these types. Rules: `../shared/docs/results-semantics.md`.
 *
 * Every string in here is copied from the report and is UNTRUSTED text (titles, messages, code): render it as text, never as HTML.
 */

/** Heimdall's control status (inspecjs `ControlStatus` minus "From Profile", which only profile JSON has). */
export type ControlStatus = 'Passed' | 'Failed' | 'Not Applicable' | 'Not Reviewed' | 'Profile Error';

/** Display order (Heimdall's): the one the panel's filters and the summary use. */
export const CONTROL_STATUSES: readonly ControlStatus[] = ['Passed', 'Failed', 'Not Applicable', 'Not Reviewed', 'Profile Error'];

/** Severity names, lower case (inspecjs returns the tag as written; we lower-case it). */
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'none';

/**
 * THE severity order, most severe first (Heimdall's display order): the panel's severity chips and filter, the
 * Markdown summary's columns. The results model and the panel protocol share this one list.
 */
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'none'];

/** `SEVERITIES` reversed, least severe first: the rank order (none 0 … critical 4) for sorting. */
export const SEVERITIES_ASCENDING: readonly Severity[] = [...SEVERITIES].reverse();

/**
 * A result's status as inspecjs computes it: a result with a `backtrace` is `error` whatever InSpec wrote;
 * a result without a status is `no_status`.
 */
export type ResultStatus = 'passed' | 'failed' | 'skipped' | 'error' | 'no_status';

/** One `describe`/`it` outcome of a control (an entry of `results[]`). */
export interface ControlResult {
  readonly status: ResultStatus;
  /** The `status` string InSpec wrote, when it differs from `status` (e.g. `failed` on a result with a backtrace). */
  readonly reportedStatus?: string;
  readonly codeDesc: string;
  readonly message?: string;
  readonly skipMessage?: string;
  /** Exception class name (e.g. `NoMethodError`) when the result errored. */
  readonly exception?: string;
  readonly backtrace?: readonly string[];
  /** Seconds. */
  readonly runTime?: number;
  readonly startTime?: string;
  readonly resource?: string;
  readonly resourceClass?: string;
  readonly resourceId?: string;
}

export interface ControlDescription {
  /** `default`, `check`, `fix`, `rationale`, … */
  readonly label: string;
  readonly data: string;
}

/** `source_location` as the report states it (not resolved; see `resolveSourceLocation`). */
export interface SourceLocation {
  readonly ref: string;
  /** 1-based; STIG profiles often say 1 (only the top of the file). */
  readonly line: number;
}

export interface Waiver {
  readonly skippedDueToWaiver: boolean;
  readonly run?: boolean;
  readonly justification?: string;
  readonly expirationDate?: string;
  readonly message?: string;
}

/** One control as the panel shows it: the TOP-MOST layer's metadata with the ROOT (base-most) layer's results and status. */
export interface Control {
  /** Unique within the report and stable across runs: `${profileName}::${id}` (the compare key). */
  readonly key: string;
  readonly id: string;
  readonly title?: string;
  /** The legacy `desc` (usually the same text as `descriptions.default`). */
  readonly desc?: string;
  /** In report order. Use `describe(control, 'check')` to pick one. */
  readonly descriptions: readonly ControlDescription[];
  /** 0..1 (the top-most layer's). */
  readonly impact: number;
  /** severityoverride tag → severity tag → impact band (0.1 / 0.4 / 0.7 / 0.9), lower case. */
  readonly severity: Severity;
  /** The ROOT layer's severity: what `saf validate threshold` counts per-severity rules on (differs only in overlays). */
  readonly rootSeverity: Severity;
  /** Heimdall status (inspecjs rules, from the root layer). */
  readonly status: ControlStatus;
  /** InSpec's own control `status` (only with `--enhanced-outcomes`); informational, may disagree with `status`. */
  readonly inspecStatus?: string;
  /** All tags as written (values are strings, arrays, booleans, numbers or null). */
  readonly tags: Readonly<Record<string, unknown>>;
  /** `tags.nist` as strings ([] when absent). */
  readonly nist: readonly string[];
  /** `tags.cci` as strings ([] when absent). */
  readonly cci: readonly string[];
  /** The top-most layer's `code` ('' when absent). */
  readonly code: string;
  /** For overlays: every layer's code, top first, with a `# Profile name:` banner per layer (inspecjs `full_code`). */
  readonly fullCode?: string;
  readonly sourceLocation?: SourceLocation;
  /** The root layer's results, in report order. */
  readonly results: readonly ControlResult[];
  /** Present when the control has a non-empty `waiver_data`. */
  readonly waiver?: Waiver;
  readonly waived: boolean;
  /** Name of the profile holding the top-most layer. */
  readonly profileName: string;
  /** Index into `Report.profiles` of the top-most layer's profile (threshold rules count only index 0). */
  readonly profileIndex: number;
  /** Profile names from the top-most layer down to the root (length 1 when not overlaid). */
  readonly layers: readonly string[];
  /** `groups[].id` that lists the control (e.g. `controls/filesystem.rb`), from the top-most profile, else any layer's. */
  readonly groupFile?: string;
  /** Sum of the results' run times (seconds). */
  readonly runTime: number;
  readonly refs: readonly unknown[];
}

export interface ReportInput {
  readonly name: string;
  /** Sensitive inputs carry `'***'` instead of their value. */
  readonly value?: unknown;
  readonly type?: string;
  readonly required?: boolean;
  readonly sensitive?: boolean;
  /** The profile that declares it. */
  readonly profile: string;
}

export interface ProfileDependency {
  readonly name?: string;
  /** Where it came from: `path`, `url`, `git` (+ `branch`), `supermarket` or `compliance`, whichever the report gives. */
  readonly source?: string;
  readonly branch?: string;
  readonly status?: string;
}

export interface ProfileInfo {
  readonly name: string;
  readonly title?: string;
  readonly version?: string;
  readonly maintainer?: string;
  readonly summary?: string;
  readonly license?: string;
  readonly sha256?: string;
  /** `loaded`, `skipped` or `failed` (absent in old reports). */
  readonly status?: string;
  readonly statusMessage?: string;
  readonly skipMessage?: string;
  readonly parentProfile?: string;
  readonly depends: readonly ProfileDependency[];
  /** How many controls the profile entry lists (every layer counts its own). */
  readonly controlCount: number;
  readonly supports: readonly Readonly<Record<string, unknown>>[];
}

export interface Platform {
  readonly name?: string;
  readonly release?: string;
  readonly targetId?: string;
}

export interface Report {
  /** `exec-json` (modern), or `legacy` for InSpec 1.x reports with a flat top-level `controls[]` (which we ignore). */
  readonly format: 'exec-json' | 'legacy';
  readonly platform: Platform;
  /** Top-level `version`: the InSpec / CINC Auditor version that wrote the report. */
  readonly auditorVersion?: string;
  /** `statistics.duration`, seconds. */
  readonly duration?: number;
  /** The first profile (`profiles[0]`: the wrapper in an overlay). */
  readonly profile: ProfileInfo;
  /** Every profile entry in report order (overlay layers included). */
  readonly profiles: readonly ProfileInfo[];
  /** Top-most controls only (one per overlaid control), in report order. */
  readonly controls: readonly Control[];
  /** Every profile's inputs (`attributes[]`). */
  readonly inputs: readonly ReportInput[];
  /** Things we tolerated (e.g. a control with no `results` key); shown to the user as notes, never fatal. */
  readonly warnings: readonly string[];
}

export type StatusCounts = Record<ControlStatus, number>;
export type SeverityCounts = Record<Severity, number>;

export interface Summary {
  readonly controls: number;
  readonly passed: number;
  readonly failed: number;
  readonly notApplicable: number;
  readonly notReviewed: number;
  readonly profileError: number;
  /** Integer percent, rounded as the SAF CLI rounds it (`Math.round`). N/A excluded; 0 when nothing counts. */
  readonly compliance: number;
  /** The unrounded percent (what Heimdall keeps). */
  readonly complianceExact: number;
  /** `low` < 60, `medium` 60–89, `high` ≥ 90 (Heimdall's ComplianceChart colour bands, on the unrounded value). */
  readonly complianceBand: 'low' | 'medium' | 'high';
  /** Controls by severity (all statuses). */
  readonly severity: SeverityCounts;
  /** Controls by status and severity. */
  readonly statusBySeverity: Record<ControlStatus, SeverityCounts>;
  readonly byStatus: StatusCounts;
  readonly results: number;
}

/** One unmet threshold rule. */
export interface ThresholdViolation {
  /** Flat key, e.g. `compliance.min`, `failed.high.max`, `passed.total`, `failed.critical.controls`. */
  readonly rule: string;
  readonly actual: number | readonly string[];
  readonly expected: number | readonly string[];
  /** One line naming the rule, what was required and what the report has. */
  readonly message: string;
}

export interface ThresholdResult {
  readonly met: boolean;
  /** Unmet rules, in SAF's check order (compliance, totals, per-severity, control lists). */
  readonly violations: readonly ThresholdViolation[];
  /** How many rules were checked. */
  readonly checked: number;
  /** Keys we did not recognise (ignored, as SAF ignores them); shown as a warning. */
  readonly unknownKeys: readonly string[];
}

export interface ControlRef {
  readonly key: string;
  readonly id: string;
  readonly title?: string;
  readonly severity: Severity;
  readonly profileName: string;
}

export interface StatusChange extends ControlRef {
  readonly from: ControlStatus;
  readonly to: ControlStatus;
}

/** One result whose status changed (or that exists in only one of the runs). */
export interface ResultChange {
  /** The result's `code_desc` in the newer run (the older one's when the result was removed). */
  readonly codeDesc: string;
  /** The older run's `code_desc` when it was worded differently (paired by position, see `compareResults`). */
  readonly previousCodeDesc?: string;
  /** undefined: the result is only in the newer run. */
  readonly from?: ResultStatus;
  /** undefined: the result is only in the older run. */
  readonly to?: ResultStatus;
}

export interface ControlResultChanges extends ControlRef {
  readonly changes: readonly ResultChange[];
}

export interface Comparison {
  /** Status changed to Failed (from anything else). */
  readonly newFailures: readonly StatusChange[];
  /** Status changed from Failed to Passed. */
  readonly fixed: readonly StatusChange[];
  /** Every other status change. */
  readonly otherChanges: readonly StatusChange[];
  /** All status changes (newFailures + fixed + otherChanges, report order). */
  readonly statusChanges: readonly StatusChange[];
  readonly added: readonly (ControlRef & { readonly status: ControlStatus })[];
  readonly removed: readonly (ControlRef & { readonly status: ControlStatus })[];
  /** Controls present in both runs with at least one result whose status changed (see `compareResults`). */
  readonly resultChanges: readonly ControlResultChanges[];
  readonly compliance: { readonly from: number; readonly to: number; readonly delta: number; readonly fromExact: number; readonly toExact: number };
  readonly summaries: { readonly from: Summary; readonly to: Summary };
}

/** Where the resolver found a control's source. */
export type SourceResolution =
  | {
      readonly found: true;
      /** As returned by the lookup (absolute in practice). */
      readonly path: string;
      /** 1-based. */
      readonly line: number;
      /** Which rule of results-semantics §5 matched. */
      readonly via: 'absolute' | 'cwd' | 'profile-parent' | 'profile-root' | 'suffix' | 'generated' | 'group';
    }
  | {
      readonly found: false;
      /** Says what was tried, for the "source not found" note. */
      readonly reason: string;
    };

/**
 * File access for the resolver (the panel wires it to `workspace.fs` / `workspace.findFiles`; tests fake it).
 * Paths use `/` separators; backslashes in report refs are converted before the lookup sees them.
 */
export interface SourceLookup {
  /** Does this absolute path exist as a file? */
  exists(path: string): Promise<boolean> | boolean;
  /** Absolute paths of files whose path ends with `/${suffix}` (e.g. `controls/accounts.rb`). */
  findFiles(suffix: string): Promise<readonly string[]> | readonly string[];
  /** The file's text, or undefined when unreadable. Used to read `inspec.yml` names and to find `control '<id>'` lines. */
  readFile(path: string): Promise<string | undefined> | string | undefined;
}

export interface SourceContext {
  /** The working directory the scan ran in (relative refs are relative to it). */
  readonly cwd?: string;
  /** Folders that hold an `inspec.yml` (workspace profile roots). */
  readonly profileRoots?: readonly string[];
}
