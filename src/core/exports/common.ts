import type { Control, ControlResult, ControlStatus, ProfileInfo, Report } from '../results/types';

/**
 * What every compliance exporter shares: the containers being exported, text hygiene for XML / HTML (escaping, XML 1.0's
 * forbidden control characters, the 32,767-character cell limit), the checklist status as the SAF CLI computes it, and
 * the note for reports that lack STIG tags. vscode-free; report text is untrusted everywhere.
 */

/** One container's report and where it came from (the fleet index's row, or a file). */
export interface ExportEntry {
  readonly report: Report;
  /** `namespace/pod/container` when known (fleet index); otherwise a label such as the report's file name. */
  readonly label: string;
  readonly namespace?: string;
  readonly pod?: string;
  readonly container?: string;
  readonly image?: string;
  /** `containerStatuses[].imageID`, the running digest. */
  readonly imageDigest?: string;
}

/** STIG Viewer's ROLE values (mitre/heimdall2 libs/hdf-converters/src/ckl-mapper/checklistJsonix.ts, `enum Role`). */
export const CKL_ROLES = ['None', 'Workstation', 'Member Server', 'Domain Controller'] as const;
/** STIG Viewer's ASSET_TYPE values (same file, `enum Assettype`). */
export const CKL_ASSET_TYPES = ['Computing', 'Non-Computing'] as const;
/** STIG Viewer's TECH_AREA values (same file, `enum Techarea`; '' = none). */
export const CKL_TECH_AREAS = [
  '',
  'Application Review',
  'Boundary Security',
  'CDS Admin Review',
  'CDS Technical Review',
  'Database Review',
  'Domain Name System (DNS)',
  'Exchange Server',
  'Host Based System Security (HBSS)',
  'Internal Network',
  'Mobility',
  'Other Review',
  'Releasable Networks (REL)',
  'Traditional Security',
  'UNIX OS',
  'VVOIP Review',
  'Web Review',
  'Windows OS',
] as const;
/** Classification markings the checklist header carries (heimdall2 ckl-mapper `StigHeader.classification`). */
export const CKL_CLASSIFICATIONS = ['UNCLASSIFIED', 'UNCLASSIFIED//FOR OFFICIAL USE ONLY', 'CUI'] as const;

export type CklRole = (typeof CKL_ROLES)[number];
export type CklAssetType = (typeof CKL_ASSET_TYPES)[number];
export type CklTechArea = (typeof CKL_TECH_AREAS)[number];
export type CklClassification = (typeof CKL_CLASSIFICATIONS)[number];

export interface ChecklistOptions {
  /** HOST_NAME; default: the container's `namespace/pod/container` (one container) or the common namespace. */
  readonly hostName?: string;
  readonly role?: CklRole;
  readonly assetType?: CklAssetType;
  readonly techArea?: CklTechArea;
  /** MARKING and the iSTIG classification; default CUI / UNCLASSIFIED as the SAF CLI writes them. */
  readonly marking?: string;
  readonly classification?: CklClassification;
  /** Export Heimdall's Profile Error as Open instead of SAF's result-based status (see reconcile.ts). */
  readonly profileErrorAsOpen?: boolean;
  /**
   * The DISA STIG this checklist is for, when the profile's own name and version are not it (heimdall2#5554): title,
   * version, release number and benchmark date, as SAF's hdf2ckl `--metadata` (`releaseinfo` = "Release: N Benchmark Date: D").
   */
  readonly stig?: { readonly title?: string; readonly version?: string; readonly release?: string; readonly benchmarkDate?: string };
  /** Vuln_Num from the `gid` tag (V-xxxx, what STIG Viewer and STIG Manager key on; default) or the control id (SAF's default). */
  readonly vulnIdFrom?: 'gid' | 'id';
  /** For tests: makes ids deterministic. Default: `crypto.randomUUID`. */
  readonly uuid?: () => string;
  /** For tests: the export time. */
  readonly now?: Date;
}

/** Checklist status values (CKL `STATUS`). */
export type CklStatus = 'NotAFinding' | 'Open' | 'Not_Applicable' | 'Not_Reviewed';
export const CKL_STATUSES: readonly CklStatus[] = ['NotAFinding', 'Open', 'Not_Applicable', 'Not_Reviewed'];

/** The raw InSpec status of a result (before inspecjs turned a result with a backtrace into `error`). */
export function rawResultStatus(r: ControlResult): string {
  return r.reportedStatus ?? r.status;
}

/**
 * The checklist status exactly as the SAF CLI's `hdf2ckl` computes it (mitre/heimdall2
 * libs/hdf-converters/src/ckl-mapper/checklist-jsonix-converter.ts, `getStatus`): impact 0 → Not_Applicable, any
 * failed result → Open, any passed → NotAFinding, otherwise Not_Reviewed. It reads InSpec's raw result statuses, so
 * a control with passed results and an errored one (a backtrace) is NotAFinding here but Profile Error in Heimdall;
 * `reconcile` lists those.
 */
export function safChecklistStatus(c: Control): CklStatus {
  if (c.impact === 0) return 'Not_Applicable';
  const statuses = c.results.map(rawResultStatus);
  if (statuses.includes('failed')) return 'Open';
  if (statuses.includes('passed')) return 'NotAFinding';
  return 'Not_Reviewed';
}

/** The checklist status we export: SAF's, unless the caller asked for Heimdall's Profile Error to be exported as Open. */
export function checklistStatus(c: Control, options: Pick<ChecklistOptions, 'profileErrorAsOpen'> = {}): CklStatus {
  if (options.profileErrorAsOpen && c.status === 'Profile Error') return 'Open';
  return safChecklistStatus(c);
}

/** Heimdall's status in checklist terms (Profile Error has none; we count it with Open, the only failing status). */
export function heimdallAsChecklist(s: ControlStatus): CklStatus {
  switch (s) {
    case 'Passed':
      return 'NotAFinding';
    case 'Failed':
    case 'Profile Error':
      return 'Open';
    case 'Not Applicable':
      return 'Not_Applicable';
    case 'Not Reviewed':
      return 'Not_Reviewed';
  }
}

/**
 * Checklist severity as SAF maps it (`severityMap` in checklist-jsonix-converter.ts): the `severity` tag (none/low →
 * low, medium, high/critical → high), else the impact (< 0.4 low, < 0.7 medium, else high). Checklists have no
 * none/critical.
 */
export function checklistSeverity(c: Control): 'low' | 'medium' | 'high' {
  const tag = typeof c.tags.severity === 'string' ? c.tags.severity.toLowerCase() : undefined;
  if (tag === 'none' || tag === 'low') return 'low';
  if (tag === 'medium') return 'medium';
  if (tag === 'high' || tag === 'critical') return 'high';
  return c.impact < 0.4 ? 'low' : c.impact < 0.7 ? 'medium' : 'high';
}

/** A tag as text ('' when absent or not text); arrays are joined with ', '. */
export function tagText(c: Control, name: string): string {
  const v = c.tags[name];
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.filter((x) => typeof x === 'string' || typeof x === 'number').join(', ');
  return '';
}

/** A description by label ('' when absent). */
export function describe(c: Control, label: string): string {
  return c.descriptions.find((d) => d.label === label)?.data ?? '';
}

/** Check text as SAF takes it: the `check` tag, else the `check` description. Same for fix. */
export const checkText = (c: Control): string => tagText(c, 'check') || describe(c, 'check');
export const fixText = (c: Control): string => tagText(c, 'fix') || describe(c, 'fix');

/**
 * FINDING_DETAILS as SAF writes them (`getFindingDetails` in checklist-jsonix-converter.ts): one line per result,
 * `status :: TEST code_desc :: MESSAGE message` (or `:: SKIP_MESSAGE …`), separated by a dashed line. A result with
 * a backtrace also names its exception, so an errored test is not mistaken for a plain failure.
 */
export function findingDetails(c: Control): string {
  return c.results
    .map((r) => {
      const status = rawResultStatus(r);
      const err = r.status === 'error' && r.exception && !r.message?.includes(r.exception) ? ` :: EXCEPTION ${r.exception}` : '';
      if (r.message) return `${status} :: TEST ${r.codeDesc} :: MESSAGE ${r.message}${err}`;
      if (r.skipMessage) return `${status} :: TEST ${r.codeDesc} :: SKIP_MESSAGE ${r.skipMessage}${err}`;
      return `${status} :: TEST ${r.codeDesc}${err}`;
    })
    .join('\n--------------------------------\n');
}

/** COMMENTS as SAF writes them (`getComments`): the caveat, justification, rationale and comments descriptions. */
export function safComments(c: Control): string {
  let out = '';
  const caveat = describe(c, 'caveat');
  const justification = describe(c, 'justification');
  const rationale = describe(c, 'rationale');
  const comments = describe(c, 'comments');
  if (caveat) out += `CAVEAT :: ${caveat}\n`;
  if (justification) out += `JUSTIFICATION :: ${justification}\n`;
  if (rationale) out += `RATIONALE :: ${rationale}\n`;
  if (comments) out += `COMMENTS :: ${comments}`;
  return out;
}

/** STIG Viewer's (and Excel's) limit for one text field. */
export const TEXT_LIMIT = 32_767;

/**
 * Caps text at `limit` characters (UTF-16 code units, as STIG Viewer's Java and Excel count), ending with a note of
 * how much was cut; never splits a surrogate pair. XML 1.0's forbidden characters are made visible first (see below).
 */
export function capText(text: string, limit = TEXT_LIMIT): string {
  // counted on the text as written: forbidden control characters become visible `\u0001` first
  const s = visibleControls(text);
  if (s.length <= limit) return s;
  const note = (n: number): string => `\n[truncated: ${n} more characters; see the HDF report]`;
  let keep = limit - note(s.length).length;
  if (keep > 0 && /[\uD800-\uDBFF]/.test(s.charAt(keep - 1))) keep--;
  const head = s.slice(0, Math.max(0, keep));
  return `${head}${note(s.length - head.length)}`.slice(0, limit);
}

/**
 * Characters XML 1.0 does not allow at all (not even as `&#1;`): C0 controls other than tab, LF and CR, lone
 * surrogates, U+FFFE and U+FFFF. They are written as visible `\u0001`-style text so nothing is silently lost.
 */
// eslint-disable-next-line no-control-regex
const XML_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function visibleControls(s: string): string {
  return s.replace(XML_FORBIDDEN, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Escapes text for XML element content and attribute values (both quote kinds), after making forbidden characters visible. */
export function xmlText(s: string): string {
  return visibleControls(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** Escapes text for HTML content and attributes. */
export function htmlText(s: string): string {
  return visibleControls(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** The STIG tags a checklist is keyed on; a report lacking them still exports, with this list in its note. */
export const STIG_TAGS = ['gid', 'rid', 'stig_id'] as const;

/**
 * A note for a report whose controls lack STIG tags (gid → Vuln_Num, rid → Rule_ID, stig_id → Rule_Ver), or
 * undefined when every control has them. The export still happens: the control id stands in, as SAF does.
 */
export function missingStigTagsNote(entry: ExportEntry): string | undefined {
  const controls = entry.report.controls;
  if (!controls.length) return `${entry.label}: the report has no controls; the export is empty`;
  const missing = STIG_TAGS.map((t) => ({ t, n: controls.filter((c) => !tagText(c, t)).length })).filter((m) => m.n > 0);
  const noCci = controls.filter((c) => !c.cci.length).length;
  const parts = missing.map((m) => `${m.t} on ${m.n === controls.length ? 'every control' : `${m.n} of ${controls.length} controls`}`);
  if (noCci) parts.push(`cci on ${noCci === controls.length ? 'every control' : `${noCci} of ${controls.length} controls`}`);
  if (!parts.length) return undefined;
  return (
    `${entry.label}: no STIG tag ${parts.join(', ')} — the control id stands in for Vuln_Num (gid), Rule_ID (rid) and ` +
    `Rule_Ver (stig_id), and CCI_REF is left out; STIG Viewer / eMASS will not match these rows to a DISA STIG`
  );
}

/** The profile a checklist's STIG header describes: the base-most layer (the one with results), as SAF's hdf2ckl skips wrappers. */
export function stigProfile(report: Report): ProfileInfo {
  const base = report.controls[0]?.layers.at(-1);
  return report.profiles.find((p) => p.name === base) ?? report.profile;
}

/** SAF's header version/release from a profile version (`coerce(profile.version)`: major → version, minor → release). */
export function stigVersion(p: ProfileInfo, stig: ChecklistOptions['stig'] = {}): { version: string; release: string } {
  const m = /(\d+)(?:\.(\d+))?/.exec(p.version ?? '');
  const version = stig.version ?? (m ? String(Number(m[1])) : '0');
  const number = stig.release ?? String(m?.[2] ? Number(m[2]) : 0);
  // heimdall2 `getReleaseInfo`: "Release: N Benchmark Date: D", either part alone when only one is known
  return { version, release: stig.benchmarkDate ? `Release: ${number} Benchmark Date: ${stig.benchmarkDate}` : `Release: ${number}` };
}

/**
 * The longest HOST_NAME / host_name STIG Manager imports: it refuses the whole checklist otherwise ("Asset hostname
 * cannot be more than 255 characters", NUWCDIVNPT/stig-manager-client-modules ReviewParser.js `reviewsFromCkl` /
 * `reviewsFromCklb`). A Kubernetes NS/POD/CONTAINER can reach 381 (63 + 253 + 63 + 2).
 */
export const HOST_NAME_LIMIT = 255;

/** Cuts a host name to HOST_NAME_LIMIT characters (UTF-16 code units, as JavaScript counts), never splitting a surrogate pair. */
export function cutHostName(name: string): string {
  if (name.length <= HOST_NAME_LIMIT) return name;
  const keep = /[\uD800-\uDBFF]/.test(name.charAt(HOST_NAME_LIMIT - 1)) ? HOST_NAME_LIMIT - 1 : HOST_NAME_LIMIT;
  return name.slice(0, keep);
}

/**
 * HOST_NAME for a set of containers: the given name, the one container's label, or what they share — cut at
 * HOST_NAME_LIMIT (the whole label stays in TARGET_COMMENT / target_data.comments).
 */
export function hostNameFor(entries: readonly ExportEntry[], given?: string): string {
  if (given) return cutHostName(given);
  if (entries.length === 1) return cutHostName(entries[0].label);
  const nss = [...new Set(entries.map((e) => e.namespace).filter(Boolean))];
  return cutHostName(nss.length === 1 ? `${nss[0]} (${entries.length} containers)` : `${entries.length} containers`);
}

/** TARGET_COMMENT: each container with its image and running digest (what a reviewer needs to find it again). */
export function targetComment(entries: readonly ExportEntry[]): string {
  return entries
    .map((e) => [e.label, e.image ? `image ${e.image}` : '', e.imageDigest ? `digest ${e.imageDigest}` : '', e.report.platform.targetId ? `target ${e.report.platform.targetId}` : '']
      .filter(Boolean)
      .join(' · '))
    .join('\n');
}

export function newUuid(options: Pick<ChecklistOptions, 'uuid'>): string {
  return options.uuid ? options.uuid() : globalThis.crypto.randomUUID();
}
