// The panel's one store: everything the results panel shows or waits for, changed only by the actions below
// (a reducer: state + action → new state, never mutated in place), with subscriptions for the components.
// No DOM here (unit-tested in Node: test/unit/panelStore.test.ts); what depends on the DOM (the scroll position of
// the virtual list) stays in the component that owns it.
import type {
  OpenSourceResult,
  PanelComparison,
  PanelControl,
  PanelControlDetail,
  PanelFilter,
  PanelPersistedState,
  PanelReport,
} from '../src/protocol/messages';
import { buildIndex, buildRows, filterControls, sortControls, type Row, type SearchIndex } from './viewModel';

/** A control's detail as fetched from the host (`getDetail`), or why it could not be. */
export type DetailEntry = { readonly detail: PanelControlDetail } | { readonly error: string };

export interface PanelState {
  /** The report shown (summary and control list) and its text index. */
  readonly report?: PanelReport;
  readonly index?: SearchIndex;
  /** Sorted keys per `sort:descending`, computed once per report. */
  readonly orders: ReadonlyMap<string, readonly number[]>;
  readonly filter: PanelFilter;
  /** Keys of the controls that pass the filter, in list order, and the list rows (with group headers). */
  readonly matching: readonly number[];
  readonly rows: readonly Row[];
  /** Files whose group is collapsed (group by file). */
  readonly collapsed: ReadonlySet<string>;
  readonly selectedKey?: number;
  /** Set to a new object when the list should scroll the control into view. */
  readonly scrollTarget?: { readonly key: number };
  readonly comparison?: PanelComparison;
  /** The comparison pane replaces the list and the detail. */
  readonly showComparison: boolean;
  /** Banner text (a report could not be loaded). */
  readonly error?: string;
  /** What the last "open source" of a control answered. */
  readonly sourceNote?: { readonly key: number; readonly result: OpenSourceResult };
  /** Details of the report shown, by control key, and the keys whose `getDetail` request is in flight. */
  readonly details: ReadonlyMap<number, DetailEntry>;
  readonly pendingDetails: ReadonlySet<number>;
  /** What the panel saves with `setState` (and sends the host for the serializer). */
  readonly persisted: PanelPersistedState;
  /** Renders reported so far (`document.body.dataset.rendered = "<phase>:<count>"`). */
  readonly renderCount: number;
}

export type Action =
  | { readonly type: 'report'; readonly report: PanelReport; readonly restore?: PanelPersistedState }
  | { readonly type: 'filter'; readonly filter: PanelFilter }
  | { readonly type: 'toggleGroup'; readonly file: string }
  | { readonly type: 'select'; readonly key: number; readonly scroll: boolean }
  | { readonly type: 'comparison'; readonly comparison: PanelComparison }
  | { readonly type: 'showComparison'; readonly show: boolean }
  | { readonly type: 'error'; readonly message: string }
  | { readonly type: 'dismissError' }
  | { readonly type: 'sourceNote'; readonly key: number; readonly result: OpenSourceResult }
  | { readonly type: 'detailRequested'; readonly key: number }
  /** `report`: the report the request was made for; a reply for a report no longer shown is dropped. */
  | { readonly type: 'detailLoaded'; readonly report: PanelReport; readonly key: number; readonly detail: PanelControlDetail }
  | { readonly type: 'detailFailed'; readonly report: PanelReport; readonly key: number; readonly error: string }
  | { readonly type: 'rendered' };

export function initialState(persisted: PanelPersistedState = {}): PanelState {
  return {
    orders: new Map(),
    filter: { sort: 'status', groupByFile: false },
    matching: [],
    rows: [],
    collapsed: new Set(),
    showComparison: false,
    details: new Map(),
    pendingDetails: new Set(),
    persisted,
    renderCount: 0,
  };
}

// ───────────────────────────── selectors ─────────────────────────────

export function selectedControl(s: PanelState): PanelControl | undefined {
  return s.selectedKey !== undefined ? s.report?.controls[s.selectedKey] : undefined;
}

export function controlById(s: PanelState, id: string): PanelControl | undefined {
  return s.report?.controls.find((c) => c.id === id);
}

// ───────────────────────────── reducer ─────────────────────────────

/** The list for `filter`: matching keys and rows, reusing (or adding to) the sort cache. */
function listFor(s: PanelState, filter: PanelFilter, collapsed: ReadonlySet<string>): Pick<PanelState, 'orders' | 'matching' | 'rows'> {
  if (!s.report || !s.index) return { orders: s.orders, matching: [], rows: [] };
  const k = `${filter.sort ?? 'id'}:${filter.descending ? 1 : 0}`;
  let orders = s.orders;
  let order = orders.get(k);
  if (!order) {
    order = sortControls(s.report.controls, filter.sort ?? 'id', !!filter.descending);
    orders = new Map(orders).set(k, order);
  }
  const matching = filterControls(s.report.controls, s.index, order, filter);
  return { orders, matching, rows: buildRows(s.report.controls, matching, !!filter.groupByFile, collapsed) };
}

/** The persisted state with the current filter and selection (saved on every filter or selection change). */
function withSelection(s: PanelState, filter: PanelFilter, selectedKey: number | undefined): PanelPersistedState {
  const selectedId = selectedKey !== undefined ? s.report?.controls[selectedKey]?.id : undefined;
  return { ...s.persisted, filter, selectedId };
}

export function reducer(s: PanelState, a: Action): PanelState {
  switch (a.type) {
    case 'report': {
      const r = a.report;
      // the panel's own saved state wins when it is for the same report; else what the host restores
      const saved = s.persisted.reportPath === r.reportPath ? s.persisted : {};
      const wanted: PanelPersistedState = { ...a.restore, ...saved };
      const filter = wanted.filter ? { ...s.filter, ...wanted.filter } : s.filter;
      const sel = wanted.selectedId ? r.controls.find((c) => c.id === wanted.selectedId) : undefined;
      const base: PanelState = {
        ...s,
        report: r,
        index: buildIndex(r.controls),
        orders: new Map(),
        filter,
        selectedKey: sel?.key,
        scrollTarget: sel ? { key: sel.key } : undefined,
        details: new Map(),
        pendingDetails: new Set(),
        error: undefined,
        sourceNote: undefined,
        showComparison: false,
        persisted: { ...s.persisted, ...a.restore, reportPath: r.reportPath, label: r.label },
      };
      return { ...base, ...listFor(base, filter, s.collapsed) };
    }
    case 'filter': {
      const filter = { ...s.filter, ...a.filter };
      return { ...s, filter, ...listFor(s, filter, s.collapsed), persisted: withSelection(s, filter, s.selectedKey) };
    }
    case 'toggleGroup': {
      const collapsed = new Set(s.collapsed);
      if (!collapsed.delete(a.file)) collapsed.add(a.file);
      return { ...s, collapsed, ...listFor(s, s.filter, collapsed) };
    }
    case 'select':
      if (!s.report?.controls[a.key]) return s;
      return {
        ...s,
        selectedKey: a.key,
        scrollTarget: a.scroll ? { key: a.key } : s.scrollTarget,
        sourceNote: undefined,
        showComparison: false,
        persisted: withSelection(s, s.filter, a.key),
      };
    case 'comparison':
      return { ...s, comparison: a.comparison, showComparison: true };
    case 'showComparison':
      if (a.show && !s.comparison) return s;
      return s.showComparison === a.show ? s : { ...s, showComparison: a.show };
    case 'error':
      return { ...s, error: a.message };
    case 'dismissError':
      return s.error === undefined ? s : { ...s, error: undefined };
    case 'sourceNote':
      return { ...s, sourceNote: { key: a.key, result: a.result } };
    case 'detailRequested':
      return s.pendingDetails.has(a.key) ? s : { ...s, pendingDetails: new Set(s.pendingDetails).add(a.key) };
    case 'detailLoaded':
    case 'detailFailed': {
      if (a.report !== s.report) return s; // a newer report replaced the one this detail belongs to
      const pendingDetails = new Set(s.pendingDetails);
      pendingDetails.delete(a.key);
      const entry: DetailEntry = a.type === 'detailLoaded' ? { detail: a.detail } : { error: a.error };
      return { ...s, details: new Map(s.details).set(a.key, entry), pendingDetails };
    }
    case 'rendered':
      return { ...s, renderCount: s.renderCount + 1 };
  }
}

// ───────────────────────────── store ─────────────────────────────

export type Listener = (state: PanelState, action: Action) => void;

export interface Store {
  getState(): PanelState;
  dispatch(action: Action): PanelState;
  /** Calls `listener` after every action that changed the state; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void;
}

export function createStore(initial: PanelState = initialState()): Store {
  let state = initial;
  const listeners = new Set<Listener>();
  return {
    getState: () => state,
    dispatch(action) {
      const next = reducer(state, action);
      if (next === state) return state;
      state = next;
      // a listener may dispatch again: each listener reads getState() when it needs the latest
      for (const l of [...listeners]) l(state, action);
      return state;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
