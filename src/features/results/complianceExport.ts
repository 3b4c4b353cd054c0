/**
 * The panel's compliance exports (CKL, CKLB, XCCDF, CSV, HTML) for one report or a fleet report, and the attestations
 * file beside a report. A thin adapter: the work is src/core/exports; here are the questions (through
 * `p.confirmations`, so host tests can answer them), the save dialogs, and the messages.
 *
 * Attestations live beside what they attest: `REPORT.attestations.yml` for a report, `attestations.yml` beside a fleet
 * index. When that file exists, every export applies it first, as `saf attest apply` does.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  buildExport,
  EXPORT_EXTENSIONS,
  EXPORT_FORMATS,
  EXPORT_LABELS,
  isExportFormat,
  parseAttestations,
  reconcile,
  reconciliationText,
  serializeAttestations,
  expiryOf,
  type Attestation,
  type ExportEntry,
  type ExportFormat,
  type ExportMode,
} from '../../core/exports';
import { writeTextAtomic } from '../../core/atomicWrite';
import { entryFromText, loadEntries } from '../../core/exports/command';
import type { Platform } from '../../services';
import type { LoadedReport } from './loader';

export interface ComplianceExportArgs {
  readonly format?: ExportFormat;
  readonly mode?: ExportMode;
  /** A file (combined) or folder (per-container); asked with a dialog when absent. */
  readonly target?: string;
  readonly profileErrorAsOpen?: boolean;
}

export interface ComplianceExportResult {
  readonly files: readonly string[];
  readonly notes: readonly string[];
  readonly discrepancies: number;
  readonly profileErrorAsOpen: boolean;
}

/** Reads the command argument (`{format?, mode?, target?, profileErrorAsOpen?}`); anything malformed is ignored. */
export function complianceExportArgs(arg: unknown): ComplianceExportArgs {
  const a = (arg ?? {}) as Record<string, unknown>;
  const target = typeof a.target === 'string' ? a.target : a.target instanceof vscode.Uri ? a.target.fsPath : undefined;
  return {
    format: typeof a.format === 'string' && isExportFormat(a.format) ? a.format : undefined,
    mode: a.mode === 'combined' || a.mode === 'per-container' ? a.mode : undefined,
    target,
    profileErrorAsOpen: typeof a.profileErrorAsOpen === 'boolean' ? a.profileErrorAsOpen : undefined,
  };
}

/** Where a report's attestations are kept. */
export const attestationsPathFor = (reportPath: string): string => `${reportPath.replace(/\.json$/i, '')}.attestations.yml`;
export const fleetAttestationsPath = (indexPath: string): string => path.join(path.dirname(indexPath), 'attestations.yml');

async function readAttestations(file: string): Promise<Attestation[]> {
  if (!existsSync(file)) return [];
  return parseAttestations(await readFile(file, 'utf8'), path.basename(file));
}

/** One report (as the panel loaded it) → its entry, with its attestations applied. */
export async function reportEntries(loaded: LoadedReport, note: (s: string) => void, now = new Date()): Promise<ExportEntry[]> {
  const attestations = await readAttestations(attestationsPathFor(loaded.path));
  return [entryFromText(loaded.text, loaded.path, loaded.label, {}, attestations, now, note)];
}

/** A fleet index → an entry per finished container, the fleet's attestations applied to each. */
export async function fleetEntries(indexPath: string, note: (s: string) => void, now = new Date()): Promise<ExportEntry[]> {
  return loadEntries([indexPath], await readAttestations(fleetAttestationsPath(indexPath)), now, note);
}

/**
 * Asks what is missing (format, one file or one per container, "treat Profile Error as Open" when the checklist would
 * differ from Heimdall, where to save), writes the files atomically, and says what it wrote and what to know.
 */
export async function exportCompliance(p: Platform, entries: readonly ExportEntry[], defaultFolder: string, args: ComplianceExportArgs, earlierNotes: readonly string[] = []): Promise<ComplianceExportResult | undefined> {
  const format =
    args.format ??
    (
      await p.confirmations.pick(
        { id: 'exports.format', title: `Export ${entries.length === 1 ? entries[0].label : `${entries.length} containers`} as…` },
        EXPORT_FORMATS.map((f) => ({ label: EXPORT_LABELS[f], description: `.${EXPORT_EXTENSIONS[f]}`, answer: f })),
      )
    )?.answer;
  if (!format || !isExportFormat(format)) return undefined;

  let mode: ExportMode = args.mode ?? 'combined';
  if (entries.length > 1 && !args.mode) {
    const m = await p.confirmations.pick({ id: 'exports.mode', title: `${entries.length} containers: one file or one per container?` }, [
      { label: 'One file', description: 'an iSTIG / stig / TestResult / section per container', answer: 'combined' },
      { label: 'One file per container', description: 'in a folder you choose', answer: 'per-container' },
    ]);
    if (!m) return undefined;
    mode = m.answer as ExportMode;
  }

  const rec = reconcile(entries);
  let profileErrorAsOpen = args.profileErrorAsOpen ?? false;
  if (args.profileErrorAsOpen === undefined && rec.profileErrors > 0 && (format === 'ckl' || format === 'cklb')) {
    const a = await p.confirmations.pick(
      {
        id: 'exports.profileErrorAsOpen',
        title: `${rec.profileErrors} control(s) are Profile Error in Heimdall but not Open in a SAF-style checklist`,
        detail: reconciliationText(rec, { max: 10 }),
      },
      [
        { label: 'Treat Profile Error as Open', description: 'the checklist counts them as findings, as Heimdall does', answer: 'open' },
        { label: "Keep the SAF CLI's status", description: 'Not_Reviewed / NotAFinding from the results that ran', answer: 'saf' },
      ],
    );
    if (!a) return undefined;
    profileErrorAsOpen = a.answer === 'open';
  }

  const result = buildExport(format, entries, { mode, profileErrorAsOpen, baseName: entries.length === 1 ? undefined : 'compliance' });
  const perContainer = mode === 'per-container' && entries.length > 1;
  let target = args.target;
  if (!target) {
    // the default place is beside the report (or the fleet index): one pick, no dialog; "Choose…" opens the dialog
    const suggested = perContainer ? path.join(defaultFolder, `compliance-${format}`) : path.join(defaultFolder, result.files[0].name);
    const where = await p.confirmations.pick({ id: 'exports.destination', title: `Where should the ${EXPORT_LABELS[format]} go?` }, [
      { label: perContainer ? `Into ${suggested}` : `Save as ${suggested}`, description: existsSync(suggested) ? 'replaces what is there' : '', answer: 'suggested' },
      { label: 'Choose where…', answer: 'choose' },
    ]);
    if (!where) return undefined;
    if (where.answer === 'suggested') target = suggested;
  }
  if (!target) {
    const picked = perContainer
      ? (await vscode.window.showOpenDialog({ canSelectFiles: false, canSelectFolders: true, canSelectMany: false, openLabel: 'Export Here', defaultUri: vscode.Uri.file(defaultFolder) }))?.[0]
      : await vscode.window.showSaveDialog({ title: EXPORT_LABELS[format], defaultUri: vscode.Uri.file(path.join(defaultFolder, result.files[0].name)), filters: { [EXPORT_LABELS[format]]: [EXPORT_EXTENSIONS[format]] } });
    if (!picked) return undefined;
    target = picked.fsPath;
  }
  const written: string[] = [];
  for (const f of result.files) {
    const file = perContainer ? path.join(target, f.name) : target;
    await writeTextAtomic(file, f.content);
    written.push(file);
  }
  const notes = [...earlierNotes, ...result.notes];
  const after = reconcile(entries, { profileErrorAsOpen });
  p.log.info(`export ${format}: wrote ${written.join(', ')}`);
  for (const n of notes) p.log.info(`export note: ${n}`);
  p.log.info(`export: ${reconciliationText(after, { profileErrorAsOpen }).trimEnd()}`);
  const extra = [notes.length ? `${notes.length} note(s)` : '', after.discrepancies.length ? `${after.discrepancies.length} control(s) differ from Heimdall's count` : '']
    .filter(Boolean)
    .join(', ');
  void vscode.window
    .showInformationMessage(`Exported ${written.length === 1 ? path.basename(written[0]) : `${written.length} files`} (${EXPORT_LABELS[format]})${extra ? ` — ${extra}, see the Kube Compliance output` : ''}.`, ...(written.length === 1 ? ['Open'] : []))
    .then((c) => {
      if (c === 'Open') void vscode.commands.executeCommand('vscode.open', vscode.Uri.file(written[0]));
    });
  return { files: written, notes, discrepancies: after.discrepancies.length, profileErrorAsOpen };
}

const HEADER = `# SAF CLI attestations (saf attest apply): one entry per control that needs a person's word.
# Applied by Kube Compliance's exports to Not Reviewed controls only; status is passed or failed (use a waiver
# for Not Applicable); frequency: annually, semiannually, quarterly, monthly, every2weeks, fortnightly, weekly,
# every3days, daily, or N d/w/m/y. An attestation expires at updated + frequency: then the control stays
# Not Reviewed and the checklist says "Expired Attestation".
`;

/**
 * Opens the report's attestations file, creating it (or adding to it) with a template entry for every Not Reviewed
 * control that has none; each entry's expiry is written as a comment. Returns the file.
 */
export async function editAttestations(loaded: LoadedReport, now = new Date()): Promise<{ file: string; added: number; expired: string[] }> {
  const file = attestationsPathFor(loaded.path);
  const existing = await readAttestations(file);
  const have = new Set(existing.map((a) => a.control_id.toLowerCase()));
  const today = now.toISOString().slice(0, 10);
  const added: Attestation[] = loaded.report.controls
    .filter((c) => c.status === 'Not Reviewed' && !have.has(c.id.toLowerCase()))
    .map((c) => ({ control_id: c.id, explanation: `TODO: how ${c.id} was verified by hand`, frequency: 'annually', status: 'passed', updated: today, updated_by: 'TODO: name, role' }));
  const all = [...existing, ...added];
  const expired = all.filter((a) => expiryOf(a).getTime() < now.getTime()).map((a) => a.control_id);
  const body = serializeAttestations(all, 'yaml')
    .split('\n')
    .map((line) => {
      const m = /^- control_id: (.+)$/.exec(line);
      const a = m && all.find((x) => x.control_id === m[1].replace(/^["']|["']$/g, ''));
      return a ? `# ${a.control_id}: expires ${expiryOf(a).toISOString().slice(0, 10)}${expiryOf(a) < now ? ' (EXPIRED)' : ''}\n${line}` : line;
    })
    .join('\n');
  if (added.length || !existsSync(file)) await writeTextAtomic(file, HEADER + (all.length ? body : '[]\n'));
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false });
  return { file, added: added.length, expired };
}
