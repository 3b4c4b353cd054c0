// Reads a report file through the core model and prepares what the panel shows.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { compareReports, parseReport, summarize, type Comparison, type Report, type Summary } from '../../core/results';
import type { PanelComparison, PanelReport } from '../../protocol/messages';
import { toPanelComparison, toPanelReport } from './panelData';
import type { TransportInfo } from '../../core/scan/auditorFailure';

export interface LoadedReport {
  /** Absolute path of the report file. */
  readonly path: string;
  /** Directory the scan ran in (relative `source_location` refs are relative to it). */
  readonly cwd?: string;
  readonly label: string;
  /** The report's text as read (what "Copy HDF JSON" copies). */
  readonly text: string;
  readonly report: Report;
  readonly summary: Summary;
  readonly panel: PanelReport;
  readonly transport?: TransportInfo;
}

export interface ComparedReports {
  readonly older: LoadedReport;
  readonly newer: LoadedReport;
  readonly comparison: Comparison;
  readonly panel: PanelComparison;
}

export interface ShowResultsArgs {
  readonly reportPath: string;
  readonly cwd?: string;
  readonly label?: string;
  /** The transport plugin of the scan that wrote the report, when known (named in transport notes). */
  readonly transport?: TransportInfo;
}

/** Accepts what callers pass: `{ reportPath, cwd?, label? }`, a Uri, or a path string. */
export function toShowResultsArgs(arg: unknown): ShowResultsArgs | undefined {
  if (typeof arg === 'string' && arg) return { reportPath: arg };
  if (arg instanceof vscode.Uri) return { reportPath: arg.fsPath };
  if (typeof arg === 'object' && arg !== null) {
    const a = arg as Record<string, unknown>;
    if (typeof a.reportPath === 'string' && a.reportPath) {
      return {
        reportPath: a.reportPath,
        cwd: typeof a.cwd === 'string' && a.cwd ? a.cwd : undefined,
        label: typeof a.label === 'string' && a.label ? a.label : undefined,
        transport: toTransportInfo(a.transport),
      };
    }
    // a Scan-runs tree node or run record that carries a report path
    for (const k of ['run', 'record'] as const) if (a[k]) return toShowResultsArgs(a[k]);
  }
  return undefined;
}

function toTransportInfo(v: unknown): TransportInfo | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const t = v as Record<string, unknown>;
  return typeof t.name === 'string' && t.name ? { name: t.name, version: typeof t.version === 'string' ? t.version : undefined } : undefined;
}

/** Reads and parses a report. Throws an Error whose message says which file and what is wrong with it. */
export async function loadReport(args: ShowResultsArgs): Promise<LoadedReport> {
  const file = path.resolve(args.cwd ?? '', args.reportPath);
  let bytes: Uint8Array;
  try {
    bytes = await vscode.workspace.fs.readFile(vscode.Uri.file(file));
  } catch (err) {
    const reason = err instanceof vscode.FileSystemError && err.code === 'FileNotFound' ? 'the file does not exist' : err instanceof Error ? err.message : String(err);
    throw new Error(`Cannot read the report ${file}: ${reason}.`);
  }
  const text = new TextDecoder('utf-8').decode(bytes);
  let report: Report;
  try {
    report = parseReport(text);
  } catch (err) {
    throw new Error(`${path.basename(file)} is not a readable InSpec/CINC JSON report: ${err instanceof Error ? err.message : String(err)}`);
  }
  const summary = summarize(report);
  const label = args.label ?? path.basename(file);
  return { path: file, cwd: args.cwd, label, text, report, summary, panel: toPanelReport(report, summary, file, label), transport: args.transport };
}

export function compareLoaded(older: LoadedReport, newer: LoadedReport): ComparedReports {
  const comparison = compareReports(older.report, newer.report);
  return { older, newer, comparison, panel: toPanelComparison(comparison, older.label, newer.label, newer.report) };
}
