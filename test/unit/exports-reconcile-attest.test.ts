import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { parseReport } from '../../src/core/results';
import {
  applyAttestations,
  AttestationError,
  buildExport,
  expiryOf,
  parseAttestations,
  reconcile,
  reconciliationText,
  serializeAttestations,
  toCkl,
  type Attestation,
} from '../../src/core/exports';
import { entry, parseXml, rawFixture } from './exportsHelpers';

/**
 * Reconciliation (checklist status as SAF's hdf2ckl computes it vs Heimdall's count) and attestations applied as
 * `saf attest apply` applies them (mitre/heimdall2 libs/hdf-converters/src/utils/attestations.ts), on the fixtures.
 */

test('reconcile: the 11 result-less STIG controls are Profile Error in Heimdall and Not_Reviewed in the checklist; the offer fixes them', () => {
  const e = entry('k8s-ubuntu-stig-train-v1.json', 'demo/web/app');
  const r = reconcile([e]);
  assert.equal(r.controls, 183);
  assert.equal(r.discrepancies.length, 11);
  assert.equal(r.profileErrors, 11);
  assert.ok(r.discrepancies.every((d) => d.heimdall === 'Profile Error' && d.checklist === 'Not_Reviewed' && /no test ran/.test(d.why)));
  assert.ok(r.discrepancies.some((d) => d.id === 'SV-260501'));
  const text = reconciliationText(r);
  assert.match(text, /^11 of 183 controls have a checklist status that differs from Heimdall's:/);
  assert.match(text, /--profile-error-as-open/);
  // after "treat Profile Error as Open" nothing differs, and the export says the same
  assert.equal(reconcile([e], { profileErrorAsOpen: true }).discrepancies.length, 0);
  assert.equal(buildExport('cklb', [e], { profileErrorAsOpen: true }).reconciliation.discrepancies.length, 0);
  assert.equal(reconcile([entry('rhel8-one-of-each-status.json')]).discrepancies.length, 0, 'one of each status: nothing differs');
});

test('reconcile: passed + errored results are NotAFinding in the checklist but Profile Error in Heimdall', () => {
  // the RHEL 8 report's passed control, with an errored test added (a result with a backtrace, as rt-03 in the
  // container-baseline fixture has, but not reported as failed)
  const raw = rawFixture('rhel8-one-of-each-status.json') as { profiles: Array<{ controls: Array<{ id: string; results: unknown[] }> }> };
  const c = raw.profiles[0].controls.find((x) => x.id === 'SV-230221')!;
  c.results.push({ status: 'skipped', code_desc: 'File /etc/os-release content', run_time: 0.01, start_time: '2024-01-01T00:00:00Z', exception: 'NoMethodError', message: "undefined method `x'", backtrace: ['/opt/inspec/lib/x.rb:1'] });
  const report = parseReport(raw);
  assert.equal(report.controls.find((x) => x.id === 'SV-230221')!.status, 'Profile Error');
  const r = reconcile([{ report, label: 'x' }]);
  assert.deepEqual(r.discrepancies.map((d) => [d.id, d.heimdall, d.checklist]), [['SV-230221', 'Profile Error', 'NotAFinding']]);
  assert.match(r.discrepancies[0].why, /a test errored/);
  const xml = toCkl([{ report, label: 'x' }], { profileErrorAsOpen: true });
  const vulns = (parseXml(xml, ['iSTIG', 'VULN', 'STIG_DATA']) as { CHECKLIST: { STIGS: { iSTIG: Array<{ VULN: Array<{ STATUS: string; STIG_DATA: Array<{ VULN_ATTRIBUTE: string; ATTRIBUTE_DATA: string }> }> }> } } }).CHECKLIST.STIGS.iSTIG[0].VULN;
  const v = vulns.find((x) => x.STIG_DATA.some((d) => d.VULN_ATTRIBUTE === 'Vuln_Num' && d.ATTRIBUTE_DATA === 'V-230221'))!;
  assert.equal(v.STATUS, 'Open');
});

const att = (over: Partial<Attestation> = {}): Attestation => ({
  control_id: 'SV-230328',
  explanation: 'Checked by hand: the requirement is met by the platform.',
  frequency: 'annually',
  status: 'passed',
  updated: '2026-01-15',
  updated_by: 'Jane Assessor, ISSO',
  ...over,
});

test('attest: a Not Reviewed control becomes Passed through a valid attestation, as saf attest apply does it', () => {
  const raw = rawFixture('rhel8-one-of-each-status.json');
  const before = JSON.stringify(raw);
  const out = applyAttestations(raw, [att()], new Date('2026-06-01T00:00:00Z'));
  assert.equal(JSON.stringify(raw), before, 'the input is not changed');
  assert.deepEqual(out.applied, [{ controlId: 'SV-230328', expired: false, expires: '2027-01-15T00:00:00.000Z' }]);
  assert.deepEqual(out.skipped, []);
  const report = parseReport(out.hdf);
  const c = report.controls.find((x) => x.id === 'SV-230328')!;
  assert.equal(c.status, 'Passed');
  const last = c.results.at(-1)!;
  assert.equal(last.codeDesc, 'Manually verified status provided through attestation');
  assert.equal(last.message, 'Attestation:\nStatus: passed\nExplanation: Checked by hand: the requirement is met by the platform.\n\nUpdated: 2026-01-15\nUpdated By: Jane Assessor, ISSO\nFrequency: annually');
  const ctl = (out.hdf as { profiles: Array<{ controls: Array<{ id: string; attestation_data?: unknown }> }> }).profiles[0].controls.find((x) => x.id === 'SV-230328')!;
  assert.equal((ctl.attestation_data as Attestation).updated_by, 'Jane Assessor, ISSO');
  // and the checklist carries it: NotAFinding, the attestation in FINDING_DETAILS
  const xml = toCkl([{ report, label: 'x' }]);
  assert.match(xml, /<STATUS>NotAFinding<\/STATUS><FINDING_DETAILS>skipped :: TEST [^<]*\n-{32}\npassed :: TEST Manually verified status provided through attestation :: MESSAGE Attestation:/);
});

test('attest: an expired attestation leaves the control Not Reviewed with "Expired Attestation"; a failed one makes it Failed', () => {
  const expired = applyAttestations(rawFixture('rhel8-one-of-each-status.json'), [att({ updated: '2024-01-31', frequency: 'monthly' })], new Date('2026-06-01T00:00:00Z'));
  assert.deepEqual(expired.applied, [{ controlId: 'SV-230328', expired: true, expires: '2024-02-29T00:00:00.000Z' }]);
  const c = parseReport(expired.hdf).controls.find((x) => x.id === 'SV-230328')!;
  assert.equal(c.status, 'Not Reviewed');
  assert.equal(c.results.at(-1)!.codeDesc, 'Manual verification status provided through attestation has expired');
  assert.match(c.results.at(-1)!.message ?? '', /^Expired Attestation:\nExpired Status: passed\n/);
  const failed = applyAttestations(rawFixture('rhel8-one-of-each-status.json'), [att({ status: 'failed' })], new Date('2026-02-01T00:00:00Z'));
  assert.equal(parseReport(failed.hdf).controls.find((x) => x.id === 'SV-230328')!.status, 'Failed');
});

test('attest: only controls whose first result is skipped; overlays are attested on the layer with results; unknown ids are noted', () => {
  const out = applyAttestations(rawFixture('rhel8-one-of-each-status.json'), [att({ control_id: 'sv-230222' }), att({ control_id: 'SV-999999' })], new Date('2026-02-01T00:00:00Z'));
  assert.deepEqual(out.applied, []);
  assert.deepEqual(out.skipped, [
    { controlId: 'sv-230222', reason: 'the control is not Not Reviewed (its first result is not skipped), so it cannot be attested' },
    { controlId: 'SV-999999', reason: 'no control with this id in the report' },
  ]);
  const overlay = applyAttestations(rawFixture('triple-overlay.json'), [att({ control_id: 'V-61409' })], new Date('2026-02-01T00:00:00Z'));
  assert.equal(overlay.applied.length, 1, 'the two upper layers have no results and are skipped, as heimdall2 does');
  assert.equal(parseReport(overlay.hdf).controls.find((x) => x.id === 'V-61409')!.status, 'Passed');
});

test('attest: files in SAF format — JSON, YAML and the legacy inspec_tools object; bad entries say what to fix', () => {
  const list = [att(), att({ control_id: 'V-61409', frequency: '90d', status: 'failed' })];
  assert.deepEqual(parseAttestations(serializeAttestations(list, 'json')), list);
  const yaml = serializeAttestations(list, 'yaml');
  assert.match(yaml, /^- control_id: SV-230328\n {2}explanation: /);
  assert.deepEqual(parseAttestations(yaml), list);
  assert.deepEqual(parseAttestations(JSON.stringify({ plugins: { 'inspec-reporter-json-hdf': { attestations: list } } })), list);
  // YAML turns an unquoted date into a Date: it is read back as YYYY-MM-DD
  assert.equal(parseAttestations('- {control_id: a, explanation: b, frequency: daily, status: passed, updated: 2026-03-04, updated_by: c}')[0].updated, '2026-03-04');
  assert.throws(() => parseAttestations(JSON.stringify([att({ status: 'not_applicable' as 'passed' })]), 'a.json'), (e: Error) => e instanceof AttestationError && /a\.json\[0\] \(SV-230328\): status must be passed or failed.*waiver/.test(e.message));
  assert.throws(() => parseAttestations(JSON.stringify([{ control_id: 'x' }])), /"explanation" is missing/);
  assert.throws(() => parseAttestations(JSON.stringify([att({ frequency: 'sometimes' })])), /unknown frequency "sometimes"/);
  assert.throws(() => parseAttestations('{"a": 1}'), /expected a list of attestations/);
});

test('attest: expiry follows heimdall2 advanceDate (named frequencies, N d/w/m/y, month ends clamp)', () => {
  const e = (frequency: string, updated = '2026-01-31'): string => expiryOf({ updated, frequency }).toISOString().slice(0, 10);
  assert.equal(e('annually'), '2027-01-31');
  assert.equal(e('semiannually'), '2026-07-31');
  assert.equal(e('quarterly'), '2026-04-30');
  assert.equal(e('monthly'), '2026-02-28');
  assert.equal(e('fortnightly'), '2026-02-14');
  assert.equal(e('every2weeks'), '2026-02-14');
  assert.equal(e('weekly'), '2026-02-07');
  assert.equal(e('every3days'), '2026-02-03');
  assert.equal(e('daily'), '2026-02-01');
  assert.equal(e('10d'), '2026-02-10');
  assert.equal(e('2 w'), '2026-02-14');
  assert.equal(e('1m'), '2026-02-28');
  assert.equal(e('2y', '2024-02-29'), '2026-02-28');
  assert.throws(() => expiryOf({ updated: 'yesterday', frequency: 'daily' }), /not a date/);
});
