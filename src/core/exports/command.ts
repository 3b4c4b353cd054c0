/**
 * `kube-compliance export FORMAT REPORT… --out F`: the compliance exports for pipelines (the CLI's part of issue 17).
 * REPORT is an HDF report or a fleet index (every finished container of it); attestation files are applied to each
 * report first, as `saf attest apply` does. Files are written atomically (temporary file beside, then rename), so a
 * failed export never leaves half a checklist. Notes (missing STIG tags, attestations that did not apply) and the
 * checklist-vs-Heimdall reconciliation go to stderr; the written paths to stdout.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { writeTextAtomic } from '../atomicWrite';
import { isFleetIndexData, parseFleetIndex, FleetIndexError } from '../fleet/indexFormat';
import { resolveReportPath } from '../fleet/indexFile';
import { DEFAULT_MAX_REPORT_BYTES, isReportError, parseReport } from '../results';
import { applyAttestations, AttestationError, parseAttestations, type Attestation } from './attestations';
import { CKL_ASSET_TYPES, CKL_CLASSIFICATIONS, CKL_ROLES, CKL_TECH_AREAS, type ChecklistOptions, type ExportEntry } from './common';
import { buildExport, EXPORT_FORMATS, isExportFormat, type ExportFormat, type ExportMode } from './index';
import { reconciliationText } from './reconcile';

export const EXPORT_USAGE = `  kube-compliance export ckl|cklb|xccdf|csv|html REPORT… --out FILE|DIR [--mode combined|per-container]
                      [--attestations FILE]… [--profile-error-as-open] [--host-name NAME] [--role ROLE]
                      [--asset-type TYPE] [--tech-area AREA] [--classification C] [--vuln-id gid|id]
                      [--stig-title T] [--stig-version N] [--stig-release N] [--benchmark-date D]`;

export const EXPORT_HELP = `export     writes compliance exports for assessors from reports or fleet indexes:
             ckl    STIG Viewer 2 checklist (SAF CLI hdf2ckl mapping)     cklb  STIG Viewer 3 checklist
             xccdf  XCCDF 1.2 results                                      csv   SAF hdf2csv columns
             html   self-contained HTML report (no external requests)
             --out FILE|DIR           the file (combined; - for standard output) or folder (per-container)
             --mode combined          many containers in one file: an iSTIG / stig / TestResult / section each (default)
             --mode per-container     one file per container, named after NS_POD_CONTAINER, in the --out folder
             --attestations FILE      SAF CLI attestations (JSON or YAML: control_id, explanation, frequency,
                                      status passed|failed, updated, updated_by), applied as saf attest apply does:
                                      only to Not Reviewed controls; expired ones stay Not Reviewed; repeatable
             --profile-error-as-open  checklist status Open for Heimdall's Profile Error (instead of SAF's result-based status)
             --host-name NAME         checklist HOST_NAME (default NS/POD/CONTAINER, or the namespace for many)
             --role ROLE              ${CKL_ROLES.join(' | ')} (default None)
             --asset-type TYPE        ${CKL_ASSET_TYPES.join(' | ')} (default Computing)
             --tech-area AREA         e.g. "UNIX OS", "Application Review" (STIG Viewer's list)
             --classification C       ${CKL_CLASSIFICATIONS.join(' | ')} (default UNCLASSIFIED)
             --vuln-id gid|id         Vuln_Num from the gid tag (default) or the control id (SAF's default)
             --stig-title/-version/-release, --benchmark-date
                                      the DISA STIG's name, version, release and date for the checklist header
                                      (default: the profile's title and version, major → version, minor → release)
           The checklist status differs from Heimdall's for some controls (a test errored, none ran); those are
           listed on stderr after every export. Exit 0 written, 2 usage, 3 unreadable input or output not written.`;

export class ExportUsageError extends Error {
  override readonly name = 'ExportUsageError';
}
export class ExportInputError extends Error {
  override readonly name = 'ExportInputError';
}

export interface ExportCommandOptions {
  readonly format: ExportFormat;
  readonly inputs: readonly string[];
  readonly out: string;
  readonly mode: ExportMode;
  readonly attestationFiles: readonly string[];
  readonly checklist: ChecklistOptions;
}

const VALUE = new Set(['--out', '-o', '--mode', '--attestations', '--host-name', '--role', '--asset-type', '--tech-area', '--classification', '--vuln-id', '--stig-title', '--stig-version', '--stig-release', '--benchmark-date']);

function oneOf<T extends string>(flag: string, v: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(v)) throw new ExportUsageError(`${flag} must be one of ${allowed.map((a) => (a === '' ? '""' : a)).join(', ')}, not "${v}"`);
  return v as T;
}

function stigOption(title?: string, version?: string, release?: string, benchmarkDate?: string): ChecklistOptions['stig'] {
  for (const [flag, v] of [['--stig-version', version], ['--stig-release', release]] as const) {
    if (v !== undefined && !/^\d+$/.test(v)) throw new ExportUsageError(`${flag} must be a number (e.g. 2), not "${v}"`);
  }
  if (benchmarkDate !== undefined && !/^\d{1,2} \w{3} \d{4}$|^\d{4}-\d{2}-\d{2}$/.test(benchmarkDate)) {
    throw new ExportUsageError(`--benchmark-date must be a date as DISA writes it ("24 Jul 2024") or YYYY-MM-DD, not "${benchmarkDate}"`);
  }
  return title || version || release || benchmarkDate ? { title, version, release, benchmarkDate } : undefined;
}

export function parseExportArgs(args: readonly string[]): ExportCommandOptions {
  const values = new Map<string, string[]>();
  let profileErrorAsOpen = false;
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (a === '--profile-error-as-open') {
      profileErrorAsOpen = true;
      continue;
    }
    if (a.startsWith('-') && a !== '-') {
      const eq = a.indexOf('=');
      const flag = eq > 0 ? a.slice(0, eq) : a;
      if (!VALUE.has(flag)) throw new ExportUsageError(`export does not take ${flag}`);
      const value = eq > 0 ? a.slice(eq + 1) : args[++i];
      if (value === undefined || (value === '' && flag !== '--tech-area')) throw new ExportUsageError(`${flag} needs a value`);
      const key = flag === '-o' ? '--out' : flag;
      values.set(key, [...(values.get(key) ?? []), value]);
    } else positional.push(a);
  }
  const [format, ...inputs] = positional;
  if (!format) throw new ExportUsageError(`export needs a FORMAT (${EXPORT_FORMATS.join(', ')}) and at least one REPORT`);
  if (!isExportFormat(format)) throw new ExportUsageError(`unknown export format "${format}": use ${EXPORT_FORMATS.join(', ')}`);
  if (!inputs.length) throw new ExportUsageError('export needs at least one REPORT (an HDF report or a fleet-index.json)');
  if (inputs.filter((x) => x === '-').length > 1) throw new ExportUsageError('only one report can come from standard input');
  const single = (flag: string): string | undefined => {
    const v = values.get(flag);
    if (v && v.length > 1) throw new ExportUsageError(`${flag} given more than once`);
    return v?.[0];
  };
  const out = single('--out');
  if (!out) throw new ExportUsageError('export needs --out FILE (or --out DIR with --mode per-container, or --out - for standard output)');
  const mode = oneOf('--mode', single('--mode') ?? 'combined', ['combined', 'per-container'] as const);
  if (mode === 'per-container' && out === '-') throw new ExportUsageError('--mode per-container writes several files: --out must be a folder, not -');
  const role = single('--role');
  const assetType = single('--asset-type');
  const techArea = single('--tech-area');
  const classification = single('--classification');
  const vulnId = single('--vuln-id');
  return {
    format,
    inputs,
    out,
    mode,
    attestationFiles: values.get('--attestations') ?? [],
    checklist: {
      profileErrorAsOpen,
      hostName: single('--host-name'),
      role: role === undefined ? undefined : oneOf('--role', role, CKL_ROLES),
      assetType: assetType === undefined ? undefined : oneOf('--asset-type', assetType, CKL_ASSET_TYPES),
      techArea: techArea === undefined ? undefined : oneOf('--tech-area', techArea, CKL_TECH_AREAS),
      classification: classification === undefined ? undefined : oneOf('--classification', classification, CKL_CLASSIFICATIONS),
      vulnIdFrom: vulnId === undefined ? undefined : oneOf('--vuln-id', vulnId, ['gid', 'id'] as const),
      stig: stigOption(single('--stig-title'), single('--stig-version'), single('--stig-release'), single('--benchmark-date')),
    },
  };
}

export async function readText(file: string, what: string, stdin: () => Promise<string> = () => Promise.reject(new ExportInputError('no standard input here'))): Promise<string> {
  if (file === '-') return stdin();
  try {
    const st = await stat(file);
    if (st.isDirectory()) throw new ExportInputError(`cannot read the ${what} ${file}: it is a directory, not a file`);
    if (st.size > DEFAULT_MAX_REPORT_BYTES) throw new ExportInputError(`the ${what} ${file} is larger than the ${DEFAULT_MAX_REPORT_BYTES / 1024 / 1024} MB this tool reads`);
    return await readFile(file, 'utf8');
  } catch (e) {
    if (e instanceof ExportInputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new ExportInputError(`cannot read the ${what} ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (e as Error).message}`);
  }
}

function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    return undefined; // parseReport says what is wrong and where
  }
}

/** A report's text → one entry, attestations applied first (their notes go to `note`). */
export function entryFromText(text: string, name: string, label: string, extra: Partial<ExportEntry>, attestations: readonly Attestation[], now: Date, note: (s: string) => void): ExportEntry {
  let data: unknown = jsonOf(text) ?? text;
  if (attestations.length && typeof data === 'object') {
    try {
      const a = applyAttestations(data, attestations, now);
      data = a.hdf;
      for (const x of a.applied) note(`${label}: attestation applied to ${x.controlId}${x.expired ? ` — EXPIRED on ${x.expires.slice(0, 10)}, the control stays Not Reviewed` : ` (expires ${x.expires.slice(0, 10)})`}`);
      for (const s of a.skipped) note(`${label}: attestation for ${s.controlId} not applied: ${s.reason}`);
    } catch (e) {
      if (e instanceof AttestationError) throw new ExportInputError(`${name}: ${e.message}`);
      throw e;
    }
  }
  try {
    return { report: parseReport(data), label, ...extra };
  } catch (e) {
    if (isReportError(e)) throw new ExportInputError(`${name} is not a usable report: ${e.message}`);
    throw e;
  }
}

/** Every input as entries: a report is one; a fleet index is each finished container (a follower shares its primary's report). */
export async function loadEntries(
  inputs: readonly string[],
  attestations: readonly Attestation[],
  now: Date,
  note: (s: string) => void,
  stdin: () => Promise<string> = () => Promise.reject(new ExportInputError('no standard input here')),
): Promise<ExportEntry[]> {
  const entries: ExportEntry[] = [];
  for (const input of inputs) {
    const text = await readText(input, 'report', stdin);
    const name = input === '-' ? 'standard input' : input;
    const data = jsonOf(text);
    if (!isFleetIndexData(data)) {
      entries.push(entryFromText(text, name, input === '-' ? 'stdin' : basename(input), {}, attestations, now, note));
      continue;
    }
    let index;
    try {
      index = parseFleetIndex(data);
    } catch (e) {
      if (e instanceof FleetIndexError) throw new ExportInputError(`${name} is not a usable fleet index: ${e.message}`);
      throw e;
    }
    const indexPath = input === '-' ? join(process.cwd(), 'stdin.json') : resolve(input);
    if (!index.complete) note(`${name}: the fleet run did not finish; exporting the containers that did`);
    const texts = new Map<string, string>();
    for (const item of index.items) {
      const label = `${item.namespace}/${item.pod}/${item.container}`;
      const path = item.outcome === 'done' ? resolveReportPath(indexPath, item) : undefined;
      if (!path) {
        note(`${name}: ${label} has no report (${item.outcome}${item.message ? `: ${item.message}` : ''}); not exported`);
        continue;
      }
      // one container's unreadable report is a note (as for summary/threshold), never the end of the whole export
      try {
        if (!texts.has(path)) texts.set(path, await readText(path, 'report', stdin));
        entries.push(
          entryFromText(texts.get(path)!, path, label, { namespace: item.namespace, pod: item.pod, container: item.container, image: item.image, imageDigest: item.imageDigest }, attestations, now, note),
        );
      } catch (e) {
        if (!(e instanceof ExportInputError)) throw e;
        note(`${label}: not exported: ${e.message}`);
      }
    }
  }
  if (!entries.length) throw new ExportInputError('nothing to export: no input has a finished report');
  return entries;
}

export interface ExportIo {
  out(s: string): void;
  err(s: string): void;
  stdin(): Promise<string>;
  now?: Date;
}

/** Runs the export; returns the exit code (0 written). Usage and input problems are thrown as ExportUsageError / ExportInputError. */
export async function runExportCommand(o: ExportCommandOptions, io: ExportIo): Promise<number> {
  const now = io.now ?? new Date();
  const attestations: Attestation[] = [];
  for (const f of o.attestationFiles) {
    try {
      attestations.push(...parseAttestations(await readText(f, 'attestations file', io.stdin), f));
    } catch (e) {
      if (e instanceof AttestationError) throw new ExportInputError(e.message);
      throw e;
    }
  }
  const notes: string[] = [];
  const entries = await loadEntries(o.inputs, attestations, now, (s) => notes.push(s), io.stdin);
  const result = buildExport(o.format, entries, { ...o.checklist, mode: o.mode, now, baseName: 'compliance' });
  const written: string[] = [];
  if (o.out === '-') io.out(result.files[0].content);
  else {
    const isDir = o.mode === 'per-container' && entries.length > 1;
    if (isDir) {
      const st = await stat(o.out).catch(() => undefined);
      if (st && !st.isDirectory()) throw new ExportInputError(`--out ${o.out} is a file: --mode per-container needs a folder`);
    }
    for (const f of result.files) {
      const path = isDir ? join(o.out, f.name) : o.out;
      try {
        await writeTextAtomic(path, f.content);
      } catch (e) {
        throw new ExportInputError(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (nothing was replaced)`);
      }
      written.push(path);
    }
    io.out(written.map((p) => `${p}\n`).join(''));
  }
  for (const n of [...notes, ...result.notes]) io.err(`note: ${n}\n`);
  io.err(reconciliationText(result.reconciliation, { profileErrorAsOpen: o.checklist.profileErrorAsOpen }));
  return 0;
}
