import type { Control } from '../results/types';
import { checkText, fixText, type ExportEntry } from './common';

/**
 * CSV with the SAF CLI's `saf convert hdf2csv` columns (mitre/saf src/utils/csv.ts `csvExportFields` and
 * `convertRow`): Results Set, Status, ID, Title, Description, Descriptions, Impact, Severity, Code, Check, Fix,
 * 800-53 Controls, CCI IDs, Results, Waived, Waiver Data. One row per (top-most) control of each container, the
 * container's label as "Results Set" (SAF puts the file name there). Fields over 32,767 characters are truncated
 * to 32,757 plus `TRUNCATED`, as `hdf2csv` does unless `--noTruncate`.
 *
 * Two differences, both on purpose: SAF's `convertRow` writes the NIST list under the "CCI IDs" key (so its
 * "800-53 Controls" column never appears); we fill both. And a cell starting with = + - @ is prefixed with `'`
 * so a spreadsheet does not run report text as a formula (as the project's other CSV export does).
 */

export const SAF_CSV_COLUMNS = [
  'Results Set',
  'Status',
  'ID',
  'Title',
  'Description',
  'Descriptions',
  'Impact',
  'Severity',
  'Code',
  'Check',
  'Fix',
  '800-53 Controls',
  'CCI IDs',
  'Results',
  'Waived',
  'Waiver Data',
] as const;

/** SAF's `_.truncate(value, {length: 32757, omission: 'TRUNCATED'})`: the result is 32,757 characters including the marker. */
export function safTruncate(s: string): string {
  return s.length > 32_767 ? `${s.slice(0, 32_757 - 'TRUNCATED'.length)}TRUNCATED` : s;
}

function cell(v: string): string {
  let s = safTruncate(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** SAF's `descriptionsToString`: the caveat first, then every description as `label: data` + blank line. */
function descriptions(c: Control): string {
  const caveats = c.descriptions.filter((d) => d.label === 'caveat');
  let out = caveats.map((d) => `${d.label}: ${d.data}`).join('');
  for (const d of c.descriptions) if (d.label !== 'caveat') out += `${d.label}: ${d.data}\r\n\r\n`;
  return out;
}

/** SAF's `segmentsToString`: `STATUS -- Test: code_desc` (+ `Message: …`) per result. */
function results(c: Control): string {
  return c.results
    .map((r) => {
      const text = r.message;
      return text !== undefined ? `${r.status.toUpperCase()} -- Test: ${r.codeDesc}\r\nMessage: ${text}\r\n\r\n` : `${r.status.toUpperCase()} -- Test: ${r.codeDesc}\r\n\r\n`;
    })
    .join('');
}

/** `waiver_data` with the report's own key names (what SAF stringifies). */
function waiverData(w: NonNullable<Control['waiver']>): Record<string, unknown> {
  return { skipped_due_to_waiver: w.skippedDueToWaiver, run: w.run, justification: w.justification, expiration_date: w.expirationDate, message: w.message };
}

function row(set: string, c: Control): string[] {
  return [
    set,
    c.status,
    c.id,
    c.title ?? '',
    c.desc ?? '',
    descriptions(c),
    String(c.impact),
    c.severity,
    c.fullCode ?? c.code,
    checkText(c),
    fixText(c),
    c.nist.join(', '),
    c.cci.join(', '),
    results(c),
    c.waived ? 'True' : 'False',
    c.waiver ? JSON.stringify(waiverData(c.waiver)) : '',
  ];
}

/** RFC 4180 (CRLF, quoted where needed), header row first, every container's controls in order. */
export function toSafCsv(entries: readonly ExportEntry[]): string {
  const lines = [SAF_CSV_COLUMNS.map(cell).join(',')];
  for (const e of entries) for (const c of e.report.controls) lines.push(row(e.label, c).map(cell).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
