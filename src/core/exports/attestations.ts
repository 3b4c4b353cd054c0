import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

/**
 * Attestations: a person's word for a control no test could check (a Not Reviewed control), in the SAF CLI's format
 * and applied as `saf attest apply` applies them. Format and behaviour from mitre/saf src/commands/attest/apply.ts
 * (JSON array of `{control_id, …}`, the legacy `plugins.inspec-reporter-json-hdf.attestations`, or YAML) and
 * mitre/heimdall2 libs/hdf-converters/src/utils/attestations.ts (`addAttestationToHDF`, `attestationCanBeAdded`,
 * `convertAttestationToSegment`, `advanceDate`, `createAttestationMessage`):
 *
 * - an attestation applies to every control with that id (case-insensitive) whose results are non-empty and whose
 *   FIRST result is `skipped` (a Not Reviewed control); any other control is left alone, with a note;
 * - status must be `passed` or `failed` (N/A is a waiver's job);
 * - it sets the control's `attestation_data` and appends one result: while valid, `status` = the attestation's,
 *   code_desc "Manually verified status provided through attestation", message "Attestation: …"; once expired
 *   (updated + frequency is before now), `skipped` with "Manual verification status provided through attestation
 *   has expired" and a message starting "Expired Attestation:", so the control stays Not Reviewed.
 */

export const ATTESTATION_STATUSES = ['passed', 'failed'] as const;
/** `advanceDate`'s named frequencies; anything else must be a number followed by d/w/m/y (e.g. `90d`, `1y`). */
export const NAMED_FREQUENCIES = ['annually', 'semiannually', 'quarterly', 'monthly', 'every2weeks', 'fortnightly', 'weekly', 'every3days', 'daily'] as const;

export interface Attestation {
  readonly control_id: string;
  readonly explanation: string;
  readonly frequency: string;
  readonly status: 'passed' | 'failed';
  /** ISO date (YYYY-MM-DD) or date-time. */
  readonly updated: string;
  readonly updated_by: string;
}

export class AttestationError extends Error {
  override readonly name = 'AttestationError';
}

/** `updated` advanced by `frequency`, as heimdall2's `advanceDate` (moment's calendar arithmetic, in UTC here). */
export function expiryOf(a: Pick<Attestation, 'updated' | 'frequency'>): Date {
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(a.updated) ? `${a.updated}T00:00:00Z` : a.updated);
  if (Number.isNaN(d.getTime())) throw new AttestationError(`updated "${a.updated}" is not a date (use YYYY-MM-DD)`);
  const addMonths = (n: number): void => {
    const day = d.getUTCDate();
    d.setUTCDate(1);
    d.setUTCMonth(d.getUTCMonth() + n);
    // moment clamps to the month's last day (Jan 31 + 1 month = Feb 28/29)
    d.setUTCDate(Math.min(day, new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate()));
  };
  const addDays = (n: number): void => void d.setTime(d.getTime() + n * 86_400_000);
  switch (a.frequency) {
    case 'annually':
      addMonths(12);
      break;
    case 'semiannually':
      addMonths(6);
      break;
    case 'quarterly':
      addMonths(3);
      break;
    case 'monthly':
      addMonths(1);
      break;
    case 'every2weeks':
    case 'fortnightly':
      addDays(14);
      break;
    case 'weekly':
      addDays(7);
      break;
    case 'every3days':
      addDays(3);
      break;
    case 'daily':
      addDays(1);
      break;
    default: {
      const m = /(\d{1,10}(?:.\d{0,10})?)(\s{0,10})([a-z])/.exec(a.frequency);
      if (!m || !'dwmy'.includes(m[3])) {
        throw new AttestationError(
          `unknown frequency "${a.frequency}": use ${NAMED_FREQUENCIES.join(', ')}, or a number followed by d/w/m/y (e.g. 1d, 2w, 3m, 1y)`,
        );
      }
      const n = Math.trunc(Number(m[1]));
      if (m[3] === 'd') addDays(n);
      else if (m[3] === 'w') addDays(7 * n);
      else if (m[3] === 'm') addMonths(n);
      else addMonths(12 * n);
    }
  }
  return d;
}

export const isExpired = (a: Attestation, now: Date): boolean => expiryOf(a).getTime() < now.getTime();

/** Checks one attestation's fields; the error names the entry and the field. */
export function validateAttestation(x: unknown, where: string): Attestation {
  if (!x || typeof x !== 'object' || Array.isArray(x)) throw new AttestationError(`${where}: an attestation must be an object with control_id, explanation, frequency, status, updated, updated_by`);
  const o = x as Record<string, unknown>;
  const str = (k: string): string => {
    const v = o[k] instanceof Date ? (o[k] as Date).toISOString().slice(0, 10) : o[k];
    if (typeof v !== 'string' || !v.trim()) throw new AttestationError(`${where}: "${k}" is missing or empty`);
    return v;
  };
  const a: Attestation = {
    control_id: str('control_id'),
    explanation: str('explanation'),
    frequency: str('frequency'),
    status: str('status') as Attestation['status'],
    updated: str('updated'),
    updated_by: str('updated_by'),
  };
  if (!(ATTESTATION_STATUSES as readonly string[]).includes(a.status)) {
    throw new AttestationError(`${where} (${a.control_id}): status must be passed or failed, not "${a.status}" — to make a control Not Applicable, use a waiver`);
  }
  try {
    expiryOf(a);
  } catch (e) {
    throw new AttestationError(`${where} (${a.control_id}): ${(e as Error).message}`);
  }
  return a;
}

/** Reads an attestations file: a JSON array, the legacy inspec_tools plugin object, or YAML (as `saf attest apply`). */
export function parseAttestations(text: string, name = 'attestations'): Attestation[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    try {
      data = parseYaml(text);
    } catch (e) {
      throw new AttestationError(`${name} is neither JSON nor YAML: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  const legacy = (data as { plugins?: { 'inspec-reporter-json-hdf'?: { attestations?: unknown } } } | null)?.plugins?.['inspec-reporter-json-hdf']?.attestations;
  const list = Array.isArray(data) ? data : Array.isArray(legacy) ? legacy : undefined;
  if (!list) throw new AttestationError(`${name}: expected a list of attestations (control_id, explanation, frequency, status, updated, updated_by)`);
  return list.map((x, i) => validateAttestation(x, `${name}[${i}]`));
}

export function serializeAttestations(list: readonly Attestation[], format: 'json' | 'yaml'): string {
  const plain = list.map((a) => ({ control_id: a.control_id, explanation: a.explanation, frequency: a.frequency, status: a.status, updated: a.updated, updated_by: a.updated_by }));
  return format === 'json' ? `${JSON.stringify(plain, null, 2)}\n` : stringifyYaml(plain);
}

/** heimdall2 `createAttestationMessage`. */
export function attestationMessage(a: Attestation, expired: boolean): string {
  return (
    (expired
      ? `Expired Attestation:\nExpired Status: ${a.status}\nExpired Explanation: ${a.explanation}\n\n`
      : `Attestation:\nStatus: ${a.status}\nExplanation: ${a.explanation}\n\n`) + `Updated: ${a.updated}\nUpdated By: ${a.updated_by}\nFrequency: ${a.frequency}`
  );
}

export interface AppliedAttestations {
  /** A copy of the HDF with the attestations applied (the input is not changed). */
  readonly hdf: unknown;
  readonly applied: ReadonlyArray<{ readonly controlId: string; readonly expired: boolean; readonly expires: string }>;
  /** Attestations that matched no attestable control, with why. */
  readonly skipped: ReadonlyArray<{ readonly controlId: string; readonly reason: string }>;
}

type JsonControl = { id?: unknown; results?: Array<Record<string, unknown>>; attestation_data?: unknown };

/** `addAttestationToHDF` on a copy of the report's JSON. `now` decides expiry. */
export function applyAttestations(hdf: unknown, attestations: readonly Attestation[], now: Date): AppliedAttestations {
  const copy = structuredClone(hdf) as { profiles?: Array<{ controls?: JsonControl[] }> };
  if (!copy || typeof copy !== 'object' || !Array.isArray(copy.profiles)) throw new AttestationError('the report has no profiles[]: not an InSpec / HDF report');
  const applied: Array<{ controlId: string; expired: boolean; expires: string }> = [];
  const skipped: Array<{ controlId: string; reason: string }> = [];
  for (const a of attestations) {
    let found = false;
    let sawId = false;
    for (const p of copy.profiles) {
      for (const c of p.controls ?? []) {
        if (typeof c.id !== 'string' || c.id.toLowerCase() !== a.control_id.toLowerCase()) continue;
        sawId = true;
        // no results: an overlay layer (the base layer carries them); otherwise only a skipped first result is attestable
        if (!Array.isArray(c.results) || c.results.length === 0 || c.results[0].status !== 'skipped') continue;
        found = true;
        const expired = isExpired(a, now);
        c.attestation_data = { ...a };
        c.results.push(
          expired
            ? { code_desc: 'Manual verification status provided through attestation has expired', status: 'skipped', message: attestationMessage(a, true), start_time: now.toISOString() }
            : { code_desc: 'Manually verified status provided through attestation', status: a.status, message: attestationMessage(a, false), start_time: now.toISOString() },
        );
        applied.push({ controlId: c.id, expired, expires: expiryOf(a).toISOString() });
      }
    }
    if (!found) {
      skipped.push({
        controlId: a.control_id,
        reason: sawId ? 'the control is not Not Reviewed (its first result is not skipped), so it cannot be attested' : 'no control with this id in the report',
      });
    }
  }
  return { hdf: copy, applied, skipped };
}
