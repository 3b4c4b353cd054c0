import { isAbsolute, resolve } from 'node:path';
import type { ContainerRef } from '../cluster/types';
import { targetUri } from '../cluster/types';

/**
 * Builds the auditor's argument vector for one scan. The result is an argv array handed to the process as it is —
 * never joined into a shell command line — so a profile path or an input containing spaces, quotes, `$()`,
 * backticks or newlines reaches the auditor verbatim and runs nothing. What argv cannot protect against is an
 * argument the auditor itself would read as an option (a leading `-`): local paths are made absolute, and control
 * ids that could be mistaken for options are refused.
 */

export class ScanArgumentError extends Error {
  override readonly name = 'ScanArgumentError';
}

export interface ExecArgsInput {
  /** A local folder or archive (relative to `cwd`), or a URL (`https://…`, `git://…`, `supermarket://…`). */
  readonly profile: string;
  readonly target: Pick<ContainerRef, 'namespace' | 'pod' | 'container'>;
  /** Where the JSON report is written; made absolute against `cwd`. */
  readonly resultFile: string;
  readonly enhancedOutcomes: boolean;
  /** Run only these control ids (`--controls`). */
  readonly controls?: readonly string[];
  readonly inputFile?: string;
  readonly waiverFile?: string;
  /** Folder relative paths are resolved against. */
  readonly cwd: string;
}

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;
// Kubernetes names: namespaces and containers are DNS-1123 labels, pod names DNS-1123 subdomains.
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

export function isUrlProfile(profile: string): boolean {
  return URL_LIKE.test(profile);
}

/** A local path made absolute (so it can never start with `-`), or a URL kept as it is. */
export function normaliseProfile(profile: string, cwd: string): string {
  if (!profile || !profile.trim()) throw new ScanArgumentError('No profile was given: choose a profile folder, archive or URL.');
  if (profile.includes('\0')) throw new ScanArgumentError('The profile path contains a NUL character.');
  if (isUrlProfile(profile)) {
    if (CONTROL_CHARS.test(profile)) throw new ScanArgumentError('The profile URL contains control characters (such as a newline).');
    return profile;
  }
  return absolute(profile, cwd);
}

function absolute(p: string, cwd: string): string {
  if (p.includes('\0')) throw new ScanArgumentError('A path contains a NUL character.');
  return isAbsolute(p) ? p : resolve(cwd, p);
}

/** Checks the three parts of a `k8s-container://NS/POD/CONTAINER` target against the Kubernetes naming rules. */
export function validateTarget(t: Pick<ContainerRef, 'namespace' | 'pod' | 'container'>): void {
  if (!DNS1123_LABEL.test(t.namespace) || t.namespace.length > 63) throw new ScanArgumentError(`"${printable(t.namespace)}" is not a valid namespace name.`);
  if (!DNS1123_SUBDOMAIN.test(t.pod) || t.pod.length > 253) throw new ScanArgumentError(`"${printable(t.pod)}" is not a valid pod name.`);
  if (!DNS1123_LABEL.test(t.container) || t.container.length > 63) throw new ScanArgumentError(`"${printable(t.container)}" is not a valid container name.`);
}

/** Control ids go through argv untouched; only shapes the auditor would misread are refused. */
export function validateControlId(id: string): void {
  if (!id) throw new ScanArgumentError('An empty control id was given.');
  if (id.startsWith('-')) throw new ScanArgumentError(`Control id "${printable(id)}" starts with "-", which the auditor would read as an option.`);
  if (CONTROL_CHARS.test(id)) throw new ScanArgumentError(`Control id "${printable(id)}" contains control characters (such as a newline).`);
}

export function buildExecArgs(input: ExecArgsInput): string[] {
  validateTarget(input.target);
  const args = ['exec', normaliseProfile(input.profile, input.cwd), '-t', targetUri(input.target), '--reporter', 'cli', `json:${absolute(input.resultFile, input.cwd)}`];
  if (input.enhancedOutcomes) args.push('--enhanced-outcomes');
  if (input.controls?.length) {
    for (const id of input.controls) validateControlId(id);
    args.push('--controls', ...input.controls);
  }
  if (input.inputFile) args.push('--input-file', absolute(input.inputFile, input.cwd));
  if (input.waiverFile) args.push('--waiver-file', absolute(input.waiverFile, input.cwd));
  return args;
}

/**
 * POSIX single-quoting of one argument, for DISPLAY only (the terminal's first line, the log): pasted into a shell it
 * reproduces exactly this argument. The process itself is always started with the argv array.
 */
export function shellQuote(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function displayCommand(executable: string, args: readonly string[]): string {
  return [executable, ...args].map(shellQuote).join(' ');
}

function printable(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}
