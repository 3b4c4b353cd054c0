// The panel's list logic without the DOM: text index, filtering, sorting, grouping and the virtual window.
// Pure functions over the `PanelControl`s the host sends, so they are unit-tested in Node (test/unit/panelViewModel.test.ts).
import type { ControlStatus, PanelControl, PanelFilter, Severity, SortKey } from '../src/protocol/messages';

/** Most urgent first: the order of the status sort and of the summary. */
export const STATUS_ORDER: Readonly<Record<ControlStatus, number>> = {
  Failed: 0,
  'Profile Error': 1,
  'Not Reviewed': 2,
  Passed: 3,
  'Not Applicable': 4,
};
export const SEVERITY_ORDER: Readonly<Record<Severity, number>> = { critical: 0, high: 1, medium: 2, low: 3, none: 4 };

/** Heimdall's compliance colour bands (ComplianceChart.vue): < 60 red, 60–89 yellow, ≥ 90 green. */
export function complianceBand(percent: number): 'low' | 'medium' | 'high' {
  if (percent < 60) return 'low';
  if (percent < 90) return 'medium';
  return 'high';
}

/** Lower-cased text of each control that the free-text filter searches, built once per report. */
export interface SearchIndex {
  readonly text: readonly string[];
  /** Tags (NIST, CCI, other tag values), lower-cased, for `tag:`, `nist:` and `cci:` terms. */
  readonly nist: readonly (readonly string[])[];
  readonly cci: readonly (readonly string[])[];
  readonly tags: readonly string[];
}

export function buildIndex(controls: readonly PanelControl[]): SearchIndex {
  const text: string[] = [];
  const nist: string[][] = [];
  const cci: string[][] = [];
  const tags: string[] = [];
  for (const c of controls) {
    const n = c.nist.map((s) => s.toLowerCase());
    const k = c.cci.map((s) => s.toLowerCase());
    const t = c.tags.map(([name, value]) => `${name}=${value}`.toLowerCase()).join('\n');
    nist.push(n);
    cci.push(k);
    tags.push(t);
    text.push(`${c.id}\n${c.title}\n${c.file}\n${c.profile}\n${n.join('\n')}\n${k.join('\n')}\n${t}`.toLowerCase());
  }
  return { text, nist, cci, tags };
}

interface Term {
  readonly field: 'any' | 'nist' | 'cci' | 'tag' | 'id';
  readonly value: string;
}

/** Splits the free text into terms; all must match. `nist:AC-6`, `cci:CCI-000366`, `tag:gid=V-1`, `id:fs-` narrow a term. */
export function parseQuery(text: string): Term[] {
  const terms: Term[] = [];
  for (const raw of text.trim().toLowerCase().split(/\s+/)) {
    if (!raw) continue;
    const m = /^(nist|cci|tag|id):(.*)$/.exec(raw);
    if (m && m[2]) terms.push({ field: m[1] as Term['field'], value: m[2] });
    else if (!m) terms.push({ field: 'any', value: raw });
  }
  return terms;
}

function matchesTerm(i: number, c: PanelControl, t: Term, index: SearchIndex): boolean {
  switch (t.field) {
    case 'any':
      return index.text[i].includes(t.value);
    case 'id':
      return c.id.toLowerCase().includes(t.value);
    case 'nist':
      // `nist:ac-6` matches AC-6 and its enhancements (AC-6(1)), not AC-60
      return index.nist[i].some((n) => n === t.value || n.startsWith(`${t.value}(`) || n.startsWith(`${t.value} `));
    case 'cci':
      return index.cci[i].some((n) => n === t.value || n.includes(t.value));
    case 'tag':
      return index.tags[i].includes(t.value);
  }
}

/** Keys (in `order`) of the controls that pass the filter. */
export function filterControls(controls: readonly PanelControl[], index: SearchIndex, order: readonly number[], filter: PanelFilter): number[] {
  const statuses = filter.statuses?.length ? new Set(filter.statuses) : undefined;
  const severities = filter.severities?.length ? new Set(filter.severities) : undefined;
  const terms = parseQuery(filter.text ?? '');
  const out: number[] = [];
  for (const k of order) {
    const c = controls[k];
    if (statuses && !statuses.has(c.status)) continue;
    if (severities && !severities.has(c.severity)) continue;
    let ok = true;
    for (const t of terms) {
      if (!matchesTerm(k, c, t, index)) {
        ok = false;
        break;
      }
    }
    if (ok) out.push(k);
  }
  return out;
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** All keys sorted by `key` (ties by id), optionally descending. */
export function sortControls(controls: readonly PanelControl[], key: SortKey = 'id', descending = false): number[] {
  const cmpId = (a: PanelControl, b: PanelControl) => collator.compare(a.id, b.id) || a.key - b.key;
  let cmp: (a: PanelControl, b: PanelControl) => number;
  switch (key) {
    case 'status':
      cmp = (a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || cmpId(a, b);
      break;
    case 'severity':
      cmp = (a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || cmpId(a, b);
      break;
    case 'title':
      cmp = (a, b) => collator.compare(a.title, b.title) || cmpId(a, b);
      break;
    case 'file':
      cmp = (a, b) => collator.compare(a.file, b.file) || (a.sourceLine ?? 0) - (b.sourceLine ?? 0) || cmpId(a, b);
      break;
    default:
      cmp = cmpId;
  }
  const sorted = [...controls].sort(cmp).map((c) => c.key);
  return descending ? sorted.reverse() : sorted;
}

export type Row =
  | { readonly kind: 'group'; readonly file: string; readonly count: number; readonly failed: number; readonly collapsed: boolean }
  | { readonly kind: 'control'; readonly key: number };

/** The list rows: controls, or (grouped) a header per file followed by its controls unless collapsed. Group order follows first appearance. */
export function buildRows(controls: readonly PanelControl[], keys: readonly number[], groupByFile: boolean, collapsed: ReadonlySet<string> = new Set()): Row[] {
  if (!groupByFile) return keys.map((key) => ({ kind: 'control', key }));
  const groups = new Map<string, number[]>();
  for (const k of keys) {
    const f = controls[k].file;
    let g = groups.get(f);
    if (!g) groups.set(f, (g = []));
    g.push(k);
  }
  const rows: Row[] = [];
  for (const [file, ks] of groups) {
    const failed = ks.filter((k) => controls[k].status === 'Failed' || controls[k].status === 'Profile Error').length;
    const isCollapsed = collapsed.has(file);
    rows.push({ kind: 'group', file, count: ks.length, failed, collapsed: isCollapsed });
    if (!isCollapsed) for (const key of ks) rows.push({ kind: 'control', key });
  }
  return rows;
}

/** Which rows to draw for a scroll position: [start, end) with `overscan` extra rows on each side. */
export function visibleWindow(scrollTop: number, viewportHeight: number, rowHeight: number, total: number, overscan = 8): { start: number; end: number } {
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const count = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const start = Math.max(0, first - overscan);
  const end = Math.min(total, first + count + overscan);
  return { start, end: Math.max(start, end) };
}
