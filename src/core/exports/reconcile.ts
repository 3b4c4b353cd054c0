import type { ControlStatus } from '../results/types';
import { checklistStatus, heimdallAsChecklist, type CklStatus, type ExportEntry } from './common';

/**
 * Where a checklist disagrees with Heimdall. The SAF CLI's checklist status reads raw result statuses (impact 0 →
 * Not_Applicable, any failed → Open, any passed → NotAFinding, else Not_Reviewed; see `safChecklistStatus`), while
 * Heimdall (inspecjs) calls a control with any errored result, or with no results, Profile Error and a waived one
 * Not Applicable. So a control with passed results and one that errored is NotAFinding in the checklist but Profile
 * Error in Heimdall's count; a control with no results is Not_Reviewed in one and Profile Error in the other.
 * Heimdall's Profile Error is compared as Open (the only failing checklist status): "treat Profile Error as Open"
 * makes those rows agree.
 */

export interface Discrepancy {
  readonly container: string;
  readonly id: string;
  readonly title?: string;
  readonly heimdall: ControlStatus;
  readonly checklist: CklStatus;
  /** One line saying why the two differ. */
  readonly why: string;
}

export interface Reconciliation {
  readonly discrepancies: readonly Discrepancy[];
  /** How many of them are Heimdall Profile Errors (what "treat Profile Error as Open" fixes). */
  readonly profileErrors: number;
  readonly controls: number;
}

function why(heimdall: ControlStatus, checklist: CklStatus, results: number, waived: boolean): string {
  if (heimdall === 'Profile Error') {
    return results === 0 ? 'no test ran (Heimdall: Profile Error); the checklist has no result to go on' : 'a test errored (Heimdall: Profile Error); the checklist counts only passed/failed results';
  }
  if (waived) return 'waived (Heimdall: Not Applicable); the checklist ignores waivers';
  return `Heimdall ${heimdall}, checklist ${checklist}`;
}

export function reconcile(entries: readonly ExportEntry[], options: { profileErrorAsOpen?: boolean } = {}): Reconciliation {
  const discrepancies: Discrepancy[] = [];
  let controls = 0;
  for (const e of entries) {
    for (const c of e.report.controls) {
      controls++;
      const checklist = checklistStatus(c, options);
      if (checklist === heimdallAsChecklist(c.status)) continue;
      discrepancies.push({ container: e.label, id: c.id, title: c.title, heimdall: c.status, checklist, why: why(c.status, checklist, c.results.length, c.waived) });
    }
  }
  return { discrepancies, profileErrors: discrepancies.filter((d) => d.heimdall === 'Profile Error').length, controls };
}

/** A plain-text account for the CLI's stderr and the panel: what differs, and the offer. */
export function reconciliationText(r: Reconciliation, options: { profileErrorAsOpen?: boolean; max?: number } = {}): string {
  if (!r.discrepancies.length) return `Checklist statuses agree with Heimdall's for all ${r.controls} controls.\n`;
  const max = options.max ?? 50;
  const lines = [`${r.discrepancies.length} of ${r.controls} controls have a checklist status that differs from Heimdall's:`];
  for (const d of r.discrepancies.slice(0, max)) lines.push(`  ${d.container}  ${d.id}  Heimdall ${d.heimdall} → checklist ${d.checklist}: ${d.why}`);
  if (r.discrepancies.length > max) lines.push(`  …and ${r.discrepancies.length - max} more.`);
  if (r.profileErrors && !options.profileErrorAsOpen) lines.push(`${r.profileErrors} are Profile Errors: export again with "treat Profile Error as Open" (CLI: --profile-error-as-open) to make them Open.`);
  return `${lines.join('\n')}\n`;
}
