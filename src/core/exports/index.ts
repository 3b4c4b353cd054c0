import { toCkl } from './ckl';
import { toCklb } from './cklb';
import { missingStigTagsNote, type ChecklistOptions, type ExportEntry } from './common';
import { toSafCsv } from './csv';
import { toHtml } from './html';
import { reconcile, type Reconciliation } from './reconcile';
import { toXccdf } from './xccdf';

/**
 * Compliance exports for assessors (vscode-free; the panel and the CLI call `buildExport`). Formats: CKL (STIG
 * Viewer 2), CKLB (STIG Viewer 3), XCCDF 1.2 results, CSV (SAF hdf2csv columns), self-contained HTML. Many containers
 * go into one file (one iSTIG / stig / TestResult / section per container) or one file per container.
 */

export * from './common';
export { toCkl } from './ckl';
export { toCklb, toCklbObject, cklbStatus, CKLB_STATUSES, type CklbStatus } from './cklb';
export { toXccdf, xccdfResult, XCCDF_RESULTS } from './xccdf';
export { toSafCsv, SAF_CSV_COLUMNS, safTruncate } from './csv';
export { toHtml } from './html';
export { reconcile, reconciliationText, type Reconciliation, type Discrepancy } from './reconcile';
export * from './attestations';

export const EXPORT_FORMATS = ['ckl', 'cklb', 'xccdf', 'csv', 'html'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const EXPORT_EXTENSIONS: Record<ExportFormat, string> = { ckl: 'ckl', cklb: 'cklb', xccdf: 'xml', csv: 'csv', html: 'html' };
export const EXPORT_LABELS: Record<ExportFormat, string> = {
  ckl: 'STIG Viewer 2 checklist (CKL)',
  cklb: 'STIG Viewer 3 checklist (CKLB)',
  xccdf: 'XCCDF 1.2 results',
  csv: 'CSV (SAF hdf2csv columns)',
  html: 'HTML report',
};

export type ExportMode = 'combined' | 'per-container';

export interface ExportFile {
  /** A file name (no folder): for per-container exports, from the container's label. */
  readonly name: string;
  readonly content: string;
}

export interface ExportResult {
  readonly files: readonly ExportFile[];
  /** What the user should know: missing STIG tags, … (one line each). */
  readonly notes: readonly string[];
  /** Checklist vs Heimdall (shown with every export). */
  readonly reconciliation: Reconciliation;
}

/** A safe file-name stem from a label (`ns/pod/container` → `ns_pod_container`). */
export function fileStem(label: string): string {
  return (
    label
      .replace(/\.json$/i, '')
      .replace(/[^\w.-]+/g, '_')
      .replace(/^[._]+|_+$/g, '')
      .slice(0, 120) || 'report'
  );
}

export function isExportFormat(f: string): f is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(f);
}

export function buildExport(format: ExportFormat, entries: readonly ExportEntry[], options: ChecklistOptions & { mode?: ExportMode; baseName?: string } = {}): ExportResult {
  if (!entries.length) throw new Error('nothing to export: no report was given (a fleet index with no finished container has none)');
  const stigFormat = format === 'ckl' || format === 'cklb' || format === 'xccdf';
  const notes = new Map<string, string>();
  if (stigFormat) {
    for (const e of entries) {
      const n = missingStigTagsNote(e);
      if (n) notes.set(e.label, n);
    }
  }
  const render = (list: readonly ExportEntry[]): string => {
    switch (format) {
      case 'ckl':
        return toCkl(list, options, notes);
      case 'cklb':
        return toCklb(list, options, notes);
      case 'xccdf':
        return toXccdf(list, options, notes);
      case 'csv':
        return toSafCsv(list);
      case 'html':
        return toHtml(list, { now: options.now, reconciliation: reconcile(list, options) }, notes);
    }
  };
  const ext = EXPORT_EXTENSIONS[format];
  const files: ExportFile[] =
    options.mode === 'per-container' && entries.length > 1
      ? uniqueNames(entries.map((e) => ({ name: `${fileStem(e.label)}.${ext}`, content: render([e]) })))
      : [{ name: `${options.baseName ?? (entries.length === 1 ? fileStem(entries[0].label) : 'compliance')}.${ext}`, content: render(entries) }];
  return { files, notes: [...notes.values()], reconciliation: reconcile(entries, options) };
}

/** Two containers whose labels sanitise to the same stem get `-2`, `-3`, … so no file overwrites another. */
function uniqueNames(files: ExportFile[]): ExportFile[] {
  const seen = new Map<string, number>();
  return files.map((f) => {
    const n = (seen.get(f.name) ?? 0) + 1;
    seen.set(f.name, n);
    return n === 1 ? f : { ...f, name: f.name.replace(/(\.[^.]+)$/, `-${n}$1`) };
  });
}
