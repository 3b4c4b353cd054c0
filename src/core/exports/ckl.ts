import type { Control } from '../results/types';
import {
  capText,
  checkText,
  checklistSeverity,
  checklistStatus,
  findingDetails,
  fixText,
  cutHostName,
  hostNameFor,
  newUuid,
  safComments,
  stigProfile,
  stigVersion,
  tagText,
  targetComment,
  visibleControls,
  xmlText,
  type ChecklistOptions,
  type ExportEntry,
} from './common';

/**
 * DISA STIG Viewer 2 checklist (CKL, XML). Element names, their order and the per-field mapping follow the SAF CLI's
 * `saf convert hdf2ckl` (mitre/heimdall2 libs/hdf-converters/src/ckl-mapper/checklist-jsonix-converter.ts,
 * `hdfToIntermediateObject` / `controlsToVulns`, and the element order of checklistJsonix.ts): ASSET, then STIGS with
 * one iSTIG per container (STIG_INFO's SI_DATA, one VULN per control with its STIG_DATA, STATUS, FINDING_DETAILS,
 * COMMENTS, SEVERITY_OVERRIDE, SEVERITY_JUSTIFICATION). COMMENTS and FINDING_DETAILS are always present (empty when
 * there is nothing to say) and capped at 32,767 characters.
 */

const el = (name: string, value: string): string => (value === '' ? `<${name}></${name}>` : `<${name}>${xmlText(value)}</${name}>`);

function sidata(name: string, value: string): string {
  // STIG Viewer writes SID_DATA only when it has a value (heimdall2 `expandHeader`)
  return value === '' ? `<SI_DATA><SID_NAME>${name}</SID_NAME></SI_DATA>` : `<SI_DATA><SID_NAME>${name}</SID_NAME><SID_DATA>${xmlText(value)}</SID_DATA></SI_DATA>`;
}

const stigData = (attr: string, value: string): string => `<STIG_DATA><VULN_ATTRIBUTE>${attr}</VULN_ATTRIBUTE><ATTRIBUTE_DATA>${xmlText(value)}</ATTRIBUTE_DATA></STIG_DATA>`;

/** Text for COMMENTS: SAF's comments plus, when we changed the status, why. */
export function vulnComments(c: Control, options: ChecklistOptions): string {
  const parts = [safComments(c)];
  if (options.profileErrorAsOpen && c.status === 'Profile Error') {
    parts.push('Kube Compliance: Heimdall counts this control as Profile Error (a test errored or none ran); exported as Open.');
  }
  if (c.waived && c.waiver?.justification) parts.push(`WAIVER :: ${c.waiver.justification}`);
  return parts.filter(Boolean).join('\n');
}

interface StigHeader {
  readonly version: string;
  readonly classification: string;
  readonly customname: string;
  readonly stigid: string;
  readonly description: string;
  readonly filename: string;
  readonly releaseinfo: string;
  readonly title: string;
  readonly uuid: string;
  readonly notice: string;
  readonly source: string;
}

export function stigHeader(entry: ExportEntry, options: ChecklistOptions, note?: string): StigHeader {
  const p = stigProfile(entry.report);
  const { version, release } = stigVersion(p, options.stig);
  return {
    version,
    classification: options.classification ?? 'UNCLASSIFIED',
    // STIG Viewer shows customname beside the STIG: the container, so one checklist can hold many
    customname: entry.label,
    stigid: p.name,
    description: [p.summary ?? '', note ?? ''].filter(Boolean).join('\n'),
    filename: '',
    releaseinfo: release,
    title: options.stig?.title || p.title || p.name,
    uuid: newUuid(options),
    notice: p.license ?? '',
    source: 'STIG.DOD.MIL',
  };
}

function vuln(c: Control, header: StigHeader, options: ChecklistOptions): string {
  const gid = tagText(c, 'gid');
  const stigRef = `${header.title} :: Version ${header.version}, ${header.releaseinfo}`;
  const data: Array<[string, string]> = [
    ['Vuln_Num', options.vulnIdFrom === 'id' ? c.id : gid || c.id],
    ['Severity', checklistSeverity(c)],
    ['Group_Title', tagText(c, 'gtitle') || c.id],
    ['Rule_ID', tagText(c, 'rid') || c.id],
    ['Rule_Ver', tagText(c, 'stig_id') || c.id],
    ['Rule_Title', c.title ?? ''],
    ['Vuln_Discuss', c.desc ?? ''],
    ['IA_Controls', tagText(c, 'IA_Controls')],
    ['Check_Content', checkText(c)],
    ['Fix_Text', fixText(c)],
    ['False_Positives', tagText(c, 'False_Positives')],
    ['False_Negatives', tagText(c, 'False_Negatives')],
    ['Documentable', 'false'],
    ['Mitigations', tagText(c, 'Mitigations')],
    ['Potential_Impact', tagText(c, 'Potential_Impact')],
    ['Third_Party_Tools', ''],
    ['Mitigation_Control', tagText(c, 'Mitigation_Control')],
    ['Responsibility', tagText(c, 'Responsibility')],
    ['Security_Override_Guidance', tagText(c, 'Security_Override_Guidance')],
    ['Check_Content_Ref', 'M'],
    ['Weight', tagText(c, 'weight') || '10.0'],
    ['Class', 'Unclass'],
    ['STIGRef', stigRef],
    ['TargetKey', ''],
    ['STIG_UUID', header.uuid],
  ];
  const cells = data.map(([a, v]) => stigData(a, capText(v)));
  for (const cci of c.cci) cells.push(stigData('CCI_REF', cci));
  return (
    `<VULN>${cells.join('')}` +
    el('STATUS', checklistStatus(c, options)) +
    el('FINDING_DETAILS', capText(findingDetails(c))) +
    el('COMMENTS', capText(vulnComments(c, options))) +
    el('SEVERITY_OVERRIDE', '') +
    el('SEVERITY_JUSTIFICATION', '') +
    '</VULN>'
  );
}

function istig(entry: ExportEntry, options: ChecklistOptions, note?: string): string {
  const h = stigHeader(entry, options, note);
  const info = (['version', 'classification', 'customname', 'stigid', 'description', 'filename', 'releaseinfo', 'title', 'uuid', 'notice', 'source'] as const)
    .map((k) => sidata(k, capText(h[k])))
    .join('');
  return `<iSTIG><STIG_INFO>${info}</STIG_INFO>${entry.report.controls.map((c) => vuln(c, h, options)).join('')}</iSTIG>`;
}

/**
 * One CKL for these containers: one ASSET, one iSTIG per container. `notes` (keyed by entry label) go into that
 * iSTIG's description so the file itself says what is missing.
 */
export function toCkl(entries: readonly ExportEntry[], options: ChecklistOptions = {}, notes: ReadonlyMap<string, string> = new Map()): string {
  const asset =
    '<ASSET>' +
    el('ROLE', options.role ?? 'None') +
    el('ASSET_TYPE', options.assetType ?? 'Computing') +
    el('MARKING', options.marking ?? 'CUI') +
    // cut again as written: a control character becomes the six visible characters `\u0001` (visibleControls)
    el('HOST_NAME', cutHostName(visibleControls(hostNameFor(entries, options.hostName)))) +
    el('HOST_IP', '') +
    el('HOST_MAC', '') +
    el('HOST_FQDN', '') +
    el('TARGET_COMMENT', capText(targetComment(entries))) +
    el('TECH_AREA', options.techArea ?? '') +
    el('TARGET_KEY', '') +
    el('WEB_OR_DATABASE', 'false') +
    el('WEB_DB_SITE', '') +
    el('WEB_DB_INSTANCE', '') +
    '</ASSET>';
  const stigs = entries.map((e) => istig(e, options, notes.get(e.label))).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<!--DISA STIG Viewer :: 2.18-->\n<CHECKLIST>${asset}<STIGS>${stigs}</STIGS></CHECKLIST>\n`;
}
