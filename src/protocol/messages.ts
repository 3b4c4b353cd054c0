/**
 * Messages between the extension host and the results panel. Both bundles import this module, so a change
 * to a message is a type error on both sides. Three kinds, as GitLens types them:
 * - Command: panel → host, no reply (`ready`, `rendered`, `export`, `persist`…);
 * - Request: a message with an `id` that gets exactly one `reply` with the same id. The panel asks the host
 *   (`openSource`); the host can ask the panel too (`inspect`, used by tests and benchmarks);
 * - Notification: host → panel, no reply (`report`, `comparison`, `error`, `setFilter`…).
 * The panel sends `ready` once its script runs; the host pushes state only after that.
 *
 * Everything in here is plain data (structured-clone safe). Report text is untrusted: the panel renders every
 * string in these messages as text, never as HTML.
 *
 * Benchmarks/tests may load `dist/webview.js` in a plain page: define `acquireVsCodeApi()` returning
 * `{ postMessage, getState, setState }`, dispatch `MessageEvent`s carrying a `HostToPanel` on `window`, and wait for
 * the `rendered` Command (also mirrored as `document.body.dataset.rendered = "<phase>:<count>"`).
 */

import { CONTROL_STATUSES, SEVERITIES, type ControlStatus, type ResultStatus, type Severity } from '../core/results/types';

/**
 * The result types are the results model's own (src/core/results/types.ts, plain data, browser-safe): Heimdall's
 * `ControlStatus` and `CONTROL_STATUSES` in display order, `Severity` and `SEVERITIES` most severe first, and
 * `ResultStatus` (a result with a backtrace is `error`, whatever its `status` says).
 */
export { CONTROL_STATUSES, SEVERITIES };
export type { ControlStatus, ResultStatus, Severity };

export interface PanelResult {
  readonly status: ResultStatus;
  readonly codeDesc: string;
  /** Failure message, skip reason or exception text — whatever explains the outcome. */
  readonly message?: string;
  readonly backtrace?: readonly string[];
  readonly runTime?: number;
}

export interface PanelControl {
  /** Index of the control in `PanelReport.controls`: the stable key inside one report. */
  readonly key: number;
  readonly id: string;
  readonly title: string;
  readonly profile: string;
  readonly status: ControlStatus;
  readonly severity: Severity;
  readonly impact: number;
  /** `source_location.ref` as the report has it, and its line. */
  readonly sourceRef?: string;
  readonly sourceLine?: number;
  /** The file the control belongs to, for grouping (e.g. `controls/filesystem.rb`). */
  readonly file: string;
  readonly nist: readonly string[];
  readonly cci: readonly string[];
  /** Every tag, values flattened to text. */
  readonly tags: readonly (readonly [string, string])[];
  readonly waived: boolean;
  readonly waiverJustification?: string;
  readonly resultCount: number;
}

/**
 * The heavy part of a control (about two thirds of a STIG report's bytes): sent when the control is chosen
 * (`getDetail` request), so the first render of a 2,000-control report moves a fraction of the data.
 */
export interface PanelControlDetail {
  readonly key: number;
  readonly descriptions: readonly { readonly label: string; readonly data: string }[];
  readonly code: string;
  readonly results: readonly PanelResult[];
  /** What the transport, not the control, caused (e.g. MITRE's "Silent failure" on a command with no output). */
  readonly note?: string;
}

export interface PanelSummary {
  readonly compliance: number;
  readonly counts: Readonly<Record<ControlStatus, number>>;
  readonly severity: Readonly<Record<Severity, number>>;
  /** Failed + Profile Error controls by severity. */
  readonly failedBySeverity: Readonly<Record<Severity, number>>;
  readonly controls: number;
  readonly results: number;
  readonly target?: string;
  readonly profiles: readonly { readonly name: string; readonly title?: string; readonly version?: string }[];
  readonly platform?: string;
  readonly durationSeconds?: number;
  readonly auditorVersion?: string;
}

export interface PanelReport {
  /** Where the report came from (shown, and used to reload the panel after a window reload). */
  readonly reportPath: string;
  readonly label: string;
  readonly summary: PanelSummary;
  readonly controls: readonly PanelControl[];
}

export interface PanelStatusChange {
  readonly profile: string;
  readonly id: string;
  readonly title: string;
  readonly from?: ControlStatus;
  readonly to?: ControlStatus;
  readonly kind: 'newFailure' | 'fixed' | 'statusChange' | 'added' | 'removed' | 'resultsChanged';
  /** Results that differ between the runs (matched on code_desc); `from`/`to` undefined: only in the other run. */
  readonly resultChanges?: readonly { readonly codeDesc: string; readonly from?: ResultStatus; readonly to?: ResultStatus }[];
}

export interface PanelComparison {
  readonly oldLabel: string;
  readonly newLabel: string;
  readonly oldCompliance: number;
  readonly newCompliance: number;
  readonly changes: readonly PanelStatusChange[];
  /** Controls in both runs whose results differ (whether or not their status changed). */
  readonly controlsWithResultChanges: number;
}

/** What the list shows; kept in the panel's state so it survives a reload. */
export interface PanelFilter {
  readonly text?: string;
  readonly statuses?: readonly ControlStatus[];
  readonly severities?: readonly Severity[];
  readonly sort?: SortKey;
  readonly descending?: boolean;
  readonly groupByFile?: boolean;
}
export type SortKey = 'id' | 'status' | 'severity' | 'title' | 'file';
export const SORT_KEYS: readonly SortKey[] = ['id', 'status', 'severity', 'title', 'file'];

/** What the panel persists with `setState` (and the serializer gets back after a window reload). */
export interface PanelPersistedState {
  readonly reportPath?: string;
  readonly cwd?: string;
  readonly label?: string;
  readonly filter?: PanelFilter;
  readonly selectedId?: string;
}

// ───────────────────────────── requests ─────────────────────────────

export interface OpenSourceResult {
  readonly opened: boolean;
  /** Path and line that were opened, or why nothing was. */
  readonly path?: string;
  readonly line?: number;
  readonly message?: string;
}

/** Snapshot of what the panel shows (tests and benchmarks ask for it). */
export interface PanelSnapshot {
  readonly text: string;
  readonly imgElements: number;
  readonly rendered: string;
  readonly visibleRows: number;
  readonly matchingControls: number;
  readonly selectedId?: string;
  readonly detailTitle?: string;
  /** The chosen control's detail (descriptions, results, code) has arrived and is shown. */
  readonly detailLoaded?: boolean;
}

/** Requests the panel sends to the host: method → params and result. */
export interface PanelRequests {
  /** `preserveFocus`: open beside and keep the focus in the panel (a click in the list), else focus the editor. */
  openSource: { params: { readonly key: number; readonly resultIndex?: number; readonly preserveFocus?: boolean }; result: OpenSourceResult };
  getDetail: { params: { readonly key: number }; result: PanelControlDetail };
}
/** Requests the host sends to the panel. */
export interface HostRequests {
  inspect: { params: Record<string, never>; result: PanelSnapshot };
}

type RequestOf<M> = { [K in keyof M]: M[K] extends { params: infer P } ? { readonly type: 'request'; readonly id: number; readonly method: K; readonly params: P } : never }[keyof M];
export type PanelRequest = RequestOf<PanelRequests>;
export type HostRequest = RequestOf<HostRequests>;

export type ReplyMessage =
  | { readonly type: 'reply'; readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly type: 'reply'; readonly id: number; readonly ok: false; readonly error: string };

// ───────────────────────────── panel → host ─────────────────────────────

export interface ReadyCommand {
  readonly type: 'ready';
}
/** Sent after each render: `phase` says what caused it, `ms` how long it took inside the panel. */
export interface RenderedCommand {
  readonly type: 'rendered';
  readonly phase: 'report' | 'filter' | 'detail' | 'comparison' | 'error';
  readonly ms: number;
  readonly matching: number;
}
export interface ExportCommand {
  readonly type: 'export';
  /** `compliance`: the checklist / XCCDF / HTML export (the host asks which); `attestations`: edit the report's attestations. */
  readonly format: 'csv' | 'markdown' | 'hdf' | 'compliance' | 'attestations';
}
export interface RunCommand {
  readonly type: 'run';
  readonly command: 'openReport' | 'compareReports' | 'refresh';
}
/** Open the code embedded in the report in an (untitled, Ruby) editor: for controls whose source is not in the workspace. */
export interface ShowCodeCommand {
  readonly type: 'showCode';
  readonly key: number;
}
/** The panel's filter/selection changed: the host keeps it for the serializer. */
export interface PersistCommand {
  readonly type: 'persist';
  readonly state: PanelPersistedState;
}

export type PanelToHost = ReadyCommand | RenderedCommand | ExportCommand | RunCommand | ShowCodeCommand | PersistCommand | PanelRequest | ReplyMessage;

// ───────────────────────────── host → panel ─────────────────────────────

export interface ReportNotification {
  readonly type: 'report';
  readonly report: PanelReport;
  /** Filter/selection to restore (after a reload) — the panel's own saved state wins when it is for the same report. */
  readonly restore?: PanelPersistedState;
}
export interface ComparisonNotification {
  readonly type: 'comparison';
  readonly comparison: PanelComparison;
}
/** A report could not be loaded: shown as a banner, the previous content stays. */
export interface ErrorNotification {
  readonly type: 'error';
  readonly message: string;
}
export interface SetFilterNotification {
  readonly type: 'setFilter';
  readonly filter: PanelFilter;
}
export interface SelectNotification {
  readonly type: 'select';
  readonly id: string;
}

export type HostToPanel = ReportNotification | ComparisonNotification | ErrorNotification | SetFilterNotification | SelectNotification | HostRequest | ReplyMessage;

// ───────────────────────────── guards ─────────────────────────────
// The host validates everything the webview sends (the webview renders untrusted text; never trust it back).

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;
const isStrArray = (x: unknown): boolean => Array.isArray(x) && x.every((s) => typeof s === 'string');

export function isPanelFilter(x: unknown): x is PanelFilter {
  if (!isObj(x)) return false;
  if (x.text !== undefined && typeof x.text !== 'string') return false;
  if (x.statuses !== undefined && !(isStrArray(x.statuses) && (x.statuses as string[]).every((s) => (CONTROL_STATUSES as string[]).includes(s)))) return false;
  if (x.severities !== undefined && !(isStrArray(x.severities) && (x.severities as string[]).every((s) => (SEVERITIES as string[]).includes(s)))) return false;
  if (x.sort !== undefined && !(SORT_KEYS as unknown[]).includes(x.sort)) return false;
  if (x.descending !== undefined && typeof x.descending !== 'boolean') return false;
  if (x.groupByFile !== undefined && typeof x.groupByFile !== 'boolean') return false;
  return true;
}

export function isPersistedState(x: unknown): x is PanelPersistedState {
  if (!isObj(x)) return false;
  for (const k of ['reportPath', 'cwd', 'label', 'selectedId'] as const) if (x[k] !== undefined && typeof x[k] !== 'string') return false;
  return x.filter === undefined || isPanelFilter(x.filter);
}

export function isPanelToHost(x: unknown): x is PanelToHost {
  if (!isObj(x) || typeof x.type !== 'string') return false;
  switch (x.type) {
    case 'ready':
      return true;
    case 'rendered':
      return ['report', 'filter', 'detail', 'comparison', 'error'].includes(x.phase as string) && typeof x.ms === 'number' && isInt(x.matching);
    case 'export':
      return x.format === 'csv' || x.format === 'markdown' || x.format === 'hdf' || x.format === 'compliance' || x.format === 'attestations';
    case 'run':
      return x.command === 'openReport' || x.command === 'compareReports' || x.command === 'refresh';
    case 'persist':
      return isPersistedState(x.state);
    case 'showCode':
      return isInt(x.key);
    case 'request':
      if (!isInt(x.id) || !isObj(x.params)) return false;
      if (x.method === 'openSource') {
        return isInt(x.params.key) && (x.params.resultIndex === undefined || isInt(x.params.resultIndex)) && (x.params.preserveFocus === undefined || typeof x.params.preserveFocus === 'boolean');
      }
      if (x.method === 'getDetail') return isInt(x.params.key);
      return false;
    case 'reply':
      return isInt(x.id) && (x.ok === true || (x.ok === false && typeof x.error === 'string'));
    default:
      return false;
  }
}

export function isHostToPanel(x: unknown): x is HostToPanel {
  if (!isObj(x) || typeof x.type !== 'string') return false;
  switch (x.type) {
    case 'report':
      return isObj(x.report) && Array.isArray(x.report.controls) && isObj(x.report.summary);
    case 'comparison':
      return isObj(x.comparison) && Array.isArray(x.comparison.changes);
    case 'error':
      return typeof x.message === 'string';
    case 'setFilter':
      return isPanelFilter(x.filter);
    case 'select':
      return typeof x.id === 'string';
    case 'request':
      return isInt(x.id) && x.method === 'inspect';
    case 'reply':
      return isInt(x.id) && (x.ok === true || (x.ok === false && typeof x.error === 'string'));
    default:
      return false;
  }
}
