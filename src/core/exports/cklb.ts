import type { Control } from '../results/types';
import { vulnComments, stigHeader } from './ckl';
import {
  capText,
  checkText,
  checklistSeverity,
  checklistStatus,
  findingDetails,
  fixText,
  hostNameFor,
  newUuid,
  tagText,
  targetComment,
  type ChecklistOptions,
  type CklStatus,
  type ExportEntry,
} from './common';

/**
 * DISA STIG Viewer 3 checklist (CKLB, JSON). No HDF tool writes it yet (mitre/heimdall2#5603), so the shape follows
 * the CKLB files STIG Viewer 3 saves and the public readers and writers of them: the top-level `title`, `id`,
 * `active`, `mode`, `has_path`, `target_data`, `stigs[]`, `cklb_version` "1.0"; each STIG's `stig_name`,
 * `display_name`, `stig_id`, `version`, `release_info`, `uuid`, `size`, `rules[]`; each rule's `rule_id_src`
 * (SV-…_rule), `rule_id` (without `_rule`), `group_id`, `rule_version`, `status`, `finding_details`, `comments`,
 * `ccis[]`, … (field list as in zincarla/STIGSupport's StigCKLBSupport.psm1 reader and the CKL V2 → V3 field
 * correspondence `<TARGET_COMMENT>` → `target_data.comments`, `<HOST_IP>` → `ip_address`, …). Statuses are the V2
 * ones in snake case: NotAFinding → not_a_finding, Open → open, Not_Applicable → not_applicable, Not_Reviewed →
 * not_reviewed. Values are the CKL's (same mapping, see ckl.ts).
 */

export type CklbStatus = 'not_a_finding' | 'open' | 'not_applicable' | 'not_reviewed';
export const CKLB_STATUSES: readonly CklbStatus[] = ['not_a_finding', 'open', 'not_applicable', 'not_reviewed'];

const V3_STATUS: Record<CklStatus, CklbStatus> = { NotAFinding: 'not_a_finding', Open: 'open', Not_Applicable: 'not_applicable', Not_Reviewed: 'not_reviewed' };

export function cklbStatus(s: CklStatus): CklbStatus {
  return V3_STATUS[s];
}

function rule(c: Control, stigUuid: string, stigRef: string, options: ChecklistOptions, now: string): Record<string, unknown> {
  const gid = tagText(c, 'gid');
  const ridSrc = tagText(c, 'rid') || c.id;
  const groupTitle = tagText(c, 'gtitle') || c.id;
  return {
    uuid: newUuid(options),
    stig_uuid: stigUuid,
    target_key: null,
    stig_ref: stigRef,
    group_id: options.vulnIdFrom === 'id' ? c.id : gid || c.id,
    group_id_src: options.vulnIdFrom === 'id' ? c.id : gid || c.id,
    rule_id: ridSrc.replace(/_rule$/, ''),
    rule_id_src: ridSrc,
    weight: tagText(c, 'weight') || '10.0',
    classification: 'Unclassified',
    severity: checklistSeverity(c),
    rule_version: tagText(c, 'stig_id') || c.id,
    group_title: groupTitle,
    rule_title: c.title ?? '',
    fix_text: capText(fixText(c)),
    false_positives: tagText(c, 'False_Positives'),
    false_negatives: tagText(c, 'False_Negatives'),
    discussion: capText(c.desc ?? ''),
    check_content: capText(checkText(c)),
    documentable: 'false',
    mitigations: tagText(c, 'Mitigations'),
    potential_impacts: tagText(c, 'Potential_Impact'),
    third_party_tools: '',
    mitigation_control: tagText(c, 'Mitigation_Control'),
    responsibility: tagText(c, 'Responsibility'),
    security_override_guidance: tagText(c, 'Security_Override_Guidance'),
    ia_controls: tagText(c, 'IA_Controls'),
    check_content_ref: { href: '', name: 'M' },
    legacy_ids: [],
    ccis: [...c.cci],
    group_tree: [{ id: gid || c.id, title: groupTitle, description: '<GroupDescription></GroupDescription>' }],
    createdAt: now,
    updatedAt: now,
    status: cklbStatus(checklistStatus(c, options)),
    overrides: {},
    comments: capText(vulnComments(c, options)),
    finding_details: capText(findingDetails(c)),
  };
}

/** One CKLB document for these containers (one `stigs[]` entry per container). JSON.stringify escapes every control character. */
export function toCklbObject(entries: readonly ExportEntry[], options: ChecklistOptions = {}, notes: ReadonlyMap<string, string> = new Map()): Record<string, unknown> {
  const now = (options.now ?? new Date()).toISOString();
  const stigs = entries.map((e) => {
    const h = stigHeader(e, options, notes.get(e.label));
    const stigRef = `${h.title} :: Version ${h.version}, ${h.releaseinfo}`;
    return {
      stig_name: h.title,
      display_name: h.title.replace('Security Technical Implementation Guide', 'STIG'),
      stig_id: h.stigid,
      release_info: h.releaseinfo,
      version: h.version,
      uuid: h.uuid,
      reference_identifier: '',
      size: e.report.controls.length,
      // not a CKLB field STIG Viewer reads, but kept on the stig: which container these rules are about
      customname: h.customname,
      description: h.description,
      rules: e.report.controls.map((c) => rule(c, h.uuid, stigRef, options, now)),
    };
  });
  return {
    title: entries.length === 1 ? `${stigs[0]?.stig_name ?? 'Checklist'} — ${entries[0].label}` : `${hostNameFor(entries, options.hostName)} checklist`,
    id: newUuid(options),
    active: false,
    mode: 1,
    has_path: true,
    target_data: {
      target_type: options.assetType ?? 'Computing',
      host_name: hostNameFor(entries, options.hostName),
      ip_address: '',
      mac_address: '',
      fqdn: '',
      comments: capText(targetComment(entries)),
      role: options.role ?? 'None',
      is_web_database: false,
      technology_area: options.techArea ?? '',
      web_db_site: '',
      web_db_instance: '',
      classification: null,
    },
    stigs,
    cklb_version: '1.0',
  };
}

export function toCklb(entries: readonly ExportEntry[], options: ChecklistOptions = {}, notes: ReadonlyMap<string, string> = new Map()): string {
  return `${JSON.stringify(toCklbObject(entries, options, notes), null, 2)}\n`;
}
