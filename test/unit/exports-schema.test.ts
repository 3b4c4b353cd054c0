import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { checklistStatus, cklbStatus, toCkl, toCklb, toXccdf, xccdfResult, type ExportEntry } from '../../src/core/exports';
import { tagText, visibleControls } from '../../src/core/exports/common';
import { ruleId } from '../../src/core/exports/xccdf';
import type { Control } from '../../src/core/results';
import { entry, fixtures, HOSTILE, hostileReport } from './exportsHelpers';

/**
 * The exports against oracles that other people maintain, not against our own reading of the formats:
 *
 * - XCCDF 1.2: NIST's official schema (`xccdf_1.2.xsd`, as Debian's `openscap-common` ships it at
 *   /usr/share/openscap/schemas/xccdf/1.2/) through libxml2's `xmllint --schema`, and OpenSCAP's
 *   `oscap xccdf validate` (the same XSD plus NIST's XCCDF 1.2 Schematron rules; a maintained XCCDF consumer).
 *   scripts/setup-xml-oracles.sh installs both (`libxml2-utils`, `openscap-scanner`) when they are missing.
 * - CKL and CKLB: DISA publishes no schema for either outside STIG Viewer itself (the CKL XSD lives inside the
 *   STIG Viewer jar; mitre/heimdall2 has only a jsonix mapping generated from it, and TypeScript types of the CKLB
 *   JSON schema, not the schema). The oracle is the parser STIG Manager imports them with: `reviewsFromCkl` and
 *   `reviewsFromCklb` of @nuwcdivnpt/stig-manager-client-modules (NUWCDIVNPT/stig-manager-client-modules
 *   ReviewParser.js, MIT, pinned). It silently drops a VULN/rule whose STATUS it does not know or that has no
 *   Rule_ID, truncates rule ids to 45 characters, and refuses a host name over 255 characters or a STIG without
 *   a stigid — so every control must come back as one review, with our rule id and our status.
 *
 * - XCCDF results also go through STIG Manager's `reviewsFromXccdf` (the import SCC results take): it needs
 *   TestResult @test-system and reads one TestResult per file.
 *
 * Every oracle is also shown rejecting a deliberately broken document, so a test cannot pass by checking nothing.
 */

// ---------------------------------------------------------------------------------------------------------------
// STIG Manager's parsers (the package's index.d.ts declares no module, so the part used here is typed locally)

type SmResult = 'pass' | 'fail' | 'notapplicable' | 'notchecked' | 'unknown' | 'error' | 'notselected' | 'informational' | 'fixed';
interface SmReview {
  ruleId: string;
  result: SmResult;
  detail: string | null;
  comment: string | null;
}
interface SmParseResult {
  target: { name: string; description: string | null; noncomputing: boolean; metadata: Record<string, string> };
  checklists: Array<{ benchmarkId: string; revisionStr: string | null; reviews: SmReview[] }>;
  errors?: string[];
}
type SmParser = (params: { data: string; fieldSettings: unknown; allowAccept: boolean; importOptions: unknown; sourceRef: unknown; scapBenchmarkMap?: Map<string, string> }) => SmParseResult;
const stigManager = createRequire(__filename)('@nuwcdivnpt/stig-manager-client-modules') as { reviewsFromCkl: SmParser; reviewsFromCklb: SmParser; reviewsFromXccdf: SmParser };

/** Import options that keep every review as it is in the file (Not_Reviewed stays notchecked, empty text imported). */
const smParams = (data: string) => ({
  data,
  sourceRef: 'test',
  scapBenchmarkMap: new Map<string, string>(),
  allowAccept: false,
  fieldSettings: { detail: { enabled: 'always', required: 'optional' }, comment: { enabled: 'always', required: 'optional' } },
  importOptions: { autoStatus: 'saved', unreviewed: 'always', unreviewedCommented: 'notchecked', emptyDetail: 'import', emptyComment: 'import', allowCustom: true },
});

/** STIG Manager's CKL/CKLB status → review result (ReviewParser.js `resultMap`). */
const SM_RESULT: Record<string, SmResult> = { NotAFinding: 'pass', Open: 'fail', Not_Applicable: 'notapplicable', Not_Reviewed: 'notchecked' };
const SM_CKLB_RESULT: Record<string, SmResult> = { not_a_finding: 'pass', open: 'fail', not_applicable: 'notapplicable', not_reviewed: 'notchecked' };

/**
 * The rule id STIG Manager keeps: ours (tag rid, else the control id — ckl.ts / cklb.ts), cut to 45 characters
 * (ReviewParser.js `truncateString(ruleId, 45)`). DISA rule ids (SV-…r…_rule) are far shorter; only reports without
 * STIG tags (InSpec's anonymous `(generated from …)` controls) and the hostile copy reach the cut.
 */
const ourRuleId = (c: Control): string => tagText(c, 'rid') || c.id;
const smRuleId = (c: Control): string => ourRuleId(c).slice(0, 45);

/** Every control with a STIG rid keeps it whole, and the cut merges no two rule ids that were distinct. */
function noRuleIdLost(name: string, controls: readonly Control[]): void {
  for (const c of controls) if (tagText(c, 'rid') && name !== 'hostile') assert.equal(smRuleId(c), ourRuleId(c), `${name}: ${c.id}: rid cut by STIG Manager`);
  assert.equal(new Set(controls.map(smRuleId)).size, new Set(controls.map(ourRuleId)).size, `${name}: two rule ids the same after STIG Manager's 45-character cut`);
}

// ---------------------------------------------------------------------------------------------------------------
// The documents: every fixture report, the hostile copy, and many containers in one file

const REPORTS = readdirSync(join(fixtures, 'reports')).filter((f) => f.endsWith('.json')).sort();
const NOW = new Date('2026-01-02T03:04:05Z');
const cases = (): Array<{ name: string; entries: ExportEntry[] }> => [
  ...REPORTS.map((f) => ({ name: f, entries: [entry(f, `demo/web/${f.replace(/\.json$/, '')}`, { image: 'nginx:1.27', imageDigest: 'sha256:beef' })] })),
  { name: 'hostile', entries: [{ report: hostileReport(), label: `ns/${HOSTILE}` }] },
  { name: 'fleet', entries: [entry('k8s-ubuntu-stig-train-v1.json', 'a/b/c'), entry('rhel8-one-of-each-status.json', 'a/b/d'), entry('container-baseline-local.json', 'a/e/f')] },
];

// ---------------------------------------------------------------------------------------------------------------
// XCCDF 1.2 against NIST's schema (xmllint) and OpenSCAP

let XSD = '';
let dir = '';

before(() => {
  // Installs libxml2-utils and openscap-scanner when missing; fails loudly (needs root) rather than skipping.
  const script = join(__dirname, '..', '..', 'scripts', 'setup-xml-oracles.sh');
  XSD = execFileSync('bash', [script], { encoding: 'utf8', timeout: 600_000, stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!;
  dir = mkdtempSync(join(tmpdir(), 'kc-oracles-'));
});
after(() => dir && rmSync(dir, { recursive: true, force: true }));

const run = (cmd: string, args: string[]): { code: number | null; out: string } => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000 });
  if (r.error) throw r.error;
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
};
const xmllint = (files: string[]) => run('xmllint', ['--nonet', '--noout', '--schema', XSD, ...files]);
const oscapValidate = (file: string) => run('oscap', ['xccdf', 'validate', file]);

/**
 * The Schematron rules' advisories (SHOULDs of NISTIR 7275r4) our results knowingly leave: no platform (a container
 * scan names none), no Dublin Core metadata, and rule-results without a `check` (InSpec results link to no
 * checking-system document). Anything else oscap says fails the test. (The fourth it used to give, no TestResult
 * @test-system, turned out to break STIG Manager's import: see below.)
 */
const KNOWN_ADVISORIES = [
  /^Warning: A 'rule-result' element should have exactly one child 'check' or 'complex-check' element\./,
  /^Warning: The 'Benchmark' element has no platform specified/,
  /^Warning: A 'Benchmark' element should have a 'metadata' element/,
];

test('XCCDF 1.2: every export (each fixture report, hostile text, a fleet) is valid against NIST xccdf_1.2.xsd (xmllint)', () => {
  const files = cases().map(({ name, entries }) => {
    const file = join(dir, `${name}.xccdf.xml`);
    writeFileSync(file, toXccdf(entries, { now: NOW }));
    return file;
  });
  const { code, out } = xmllint(files);
  assert.equal(code, 0, out);
  for (const f of files) assert.ok(out.includes(`${f} validates`), `${f}: ${out}`);
});

test('XCCDF 1.2: OpenSCAP accepts every export (schema + NIST Schematron), with no error and only the known advisories', () => {
  for (const { name, entries } of cases()) {
    const file = join(dir, `${name}.oscap.xml`);
    writeFileSync(file, toXccdf(entries, { now: NOW }));
    const { code, out } = oscapValidate(file);
    assert.equal(code, 0, `${name}: ${out}`);
    const lines = out.split('\n').filter((l) => l.trim() && !l.startsWith('<?xml'));
    const unknown = lines.filter((l) => !KNOWN_ADVISORIES.some((re) => re.test(l)));
    assert.deepEqual(unknown, [], `${name}: oscap said more than the known advisories`);
  }
  // and oscap reads the results back: one TestResult per container, with the Benchmark resolved
  const file = join(dir, 'fleet.oscap.xml');
  const { code, out } = run('oscap', ['info', file]);
  assert.equal(code, 0, out);
  assert.match(out, /Document type: XCCDF Checklist\s+Checklist version: 1\.2/);
  assert.equal(out.match(/Result ID: xccdf_hdf_testresult_/g)?.length, 3, out);
});

test('XCCDF 1.2: the schema oracles reject broken documents, naming the element', () => {
  const good = toXccdf([entry('rhel8-one-of-each-status.json', 'a/b/c')], { now: NOW });
  const broken = {
    // result is xccdf:resultEnumType (pass, fail, …): "passed" is not in it
    result: good.replace('<result>pass</result>', '<result>passed</result>'),
    // Benchmark requires status (minOccurs 1) before title
    status: good.replace(/<status date="[^"]*">accepted<\/status>/, ''),
    // rule-result's @idref must name a Rule of the Benchmark (xs:keyref ruleIdKeyRef)
    idref: good.replace(/<rule-result idref="xccdf_hdf_rule_/, '<rule-result idref="SV-1_rule_'),
  };
  const expect = { result: /Element '\{http:\/\/checklists\.nist\.gov\/xccdf\/1\.2\}result': \[facet 'enumeration'\] The value 'passed'/, status: /Element '\{http:\/\/checklists\.nist\.gov\/xccdf\/1\.2\}title': This element is not expected\. Expected is .*status/, idref: /Element '\{http:\/\/checklists\.nist\.gov\/xccdf\/1\.2\}rule-result': No match found for key-sequence \['SV-1_rule_[^']*'\] of keyref '\{http:\/\/checklists\.nist\.gov\/xccdf\/1\.2\}ruleIdKeyRef'/ };
  for (const [k, xml] of Object.entries(broken)) {
    assert.notEqual(xml, good, `${k}: the document was changed`);
    const file = join(dir, `broken-${k}.xml`);
    writeFileSync(file, xml);
    const lint = xmllint([file]);
    assert.notEqual(lint.code, 0, `${k}: xmllint accepted it`);
    assert.match(lint.out, expect[k as keyof typeof expect], `${k}: ${lint.out}`);
    const oscap = oscapValidate(file);
    assert.notEqual(oscap.code, 0, `${k}: oscap accepted it`);
    assert.match(oscap.out, /Invalid XCCDF Checklist \(1\.2\) content/, `${k}: ${oscap.out}`);
  }
});

test('XCCDF 1.2: STIG Manager imports a one-container export with every rule-result, its target and @test-system', () => {
  for (const { name, entries } of cases().filter((c) => c.entries.length === 1)) {
    const parsed = stigManager.reviewsFromXccdf(smParams(toXccdf(entries, { now: NOW })));
    const controls = entries[0].report.controls;
    assert.equal(parsed.target.name, visibleControls(entries[0].label), `${name}: target (control characters written visibly)`);
    assert.equal(parsed.checklists.length, 1, name);
    const [cl] = parsed.checklists;
    assert.equal(cl.reviews.length, controls.length, `${name}: STIG Manager dropped rule-results`);
    // its business rule (unreviewed: always): results other than pass, fail and notapplicable are imported as notchecked
    const kept = (r: string): SmResult => (['pass', 'fail', 'notapplicable'].includes(r) ? (r as SmResult) : 'notchecked');
    assert.deepEqual(
      cl.reviews.map((r) => [r.ruleId, r.result]),
      controls.map((c) => [ruleId(c).slice(0, 45), kept(xccdfResult(c))]),
      name,
    );
  }
  // without @test-system its import stops on `testSystem.match` (the attribute oscap's Schematron asked for)
  const xml = toXccdf([entry('rhel8-one-of-each-status.json', 'a/b/c')], { now: NOW });
  assert.match(xml, /<TestResult [^>]*test-system="cpe:\/a:chef:inspec:[0-9.]+"/);
  assert.throws(() => stigManager.reviewsFromXccdf(smParams(xml.replace(/ test-system="[^"]*"/, ''))), TypeError);
  // it reads one TestResult per file: a fleet goes as --mode per-container
  const fleet = cases().find((c) => c.name === 'fleet')!;
  assert.throws(() => stigManager.reviewsFromXccdf(smParams(toXccdf(fleet.entries, { now: NOW }))), /No Benchmark\.TestResult\.target element/);
});

// ---------------------------------------------------------------------------------------------------------------
// CKL and CKLB through STIG Manager's import parser

test('CKL: STIG Manager imports every export with every VULN, our Rule_ID (up to its 45-character cut) and our status', () => {
  for (const { name, entries } of cases()) {
    const parsed = stigManager.reviewsFromCkl(smParams(toCkl(entries, { now: NOW })));
    assert.deepEqual(parsed.errors, [], name);
    assert.ok(parsed.target.name.length <= 255, `${name}: host name`);
    assert.equal(parsed.target.noncomputing, false);
    assert.equal(parsed.checklists.length, entries.length, `${name}: one checklist per iSTIG`);
    parsed.checklists.forEach((cl, i) => {
      const controls = entries[i].report.controls;
      assert.ok(cl.benchmarkId, `${name}: stigid`);
      assert.equal(cl.reviews.length, controls.length, `${name}: STIG Manager dropped VULNs (unknown STATUS or no Rule_ID)`);
      assert.deepEqual(
        cl.reviews.map((r) => [r.ruleId, r.result]),
        controls.map((c) => [smRuleId(c), SM_RESULT[checklistStatus(c)]]),
        `${name}: rule ids and results`,
      );
      noRuleIdLost(name, controls);
      for (const r of cl.reviews) assert.ok((r.detail ?? '').length <= 32_767 && (r.comment ?? '').length <= 32_767);
    });
  }
});

test('CKLB: STIG Manager imports every export with every rule, our rule_id_src (up to its 45-character cut) and our status', () => {
  for (const { name, entries } of cases()) {
    const parsed = stigManager.reviewsFromCklb(smParams(toCklb(entries, { now: NOW })));
    assert.equal(parsed.checklists.length, entries.length, name);
    parsed.checklists.forEach((cl, i) => {
      const controls = entries[i].report.controls;
      assert.ok(cl.benchmarkId, `${name}: stig_id`);
      assert.equal(cl.reviews.length, controls.length, `${name}: STIG Manager dropped rules (unknown status or no rule_id_src)`);
      assert.deepEqual(
        cl.reviews.map((r) => [r.ruleId, r.result]),
        controls.map((c) => [smRuleId(c), SM_CKLB_RESULT[cklbStatus(checklistStatus(c))]]),
        `${name}: rule ids and results`,
      );
      noRuleIdLost(name, controls);
    });
  }
  // the hostile text comes back exactly as written (JSON escapes it; nothing to decode)
  const hostile = stigManager.reviewsFromCklb(smParams(toCklb([{ report: hostileReport(), label: HOSTILE }])));
  assert.equal(hostile.target.name, HOSTILE);
});

test('CKL/CKLB: STIG Manager rejects or drops what is broken (the oracle can fail)', () => {
  const ckl = toCkl([entry('rhel8-one-of-each-status.json', 'a/b/c')], { now: NOW });
  const vulns = (xml: string) => stigManager.reviewsFromCkl(smParams(xml)).checklists[0].reviews.length;
  const n = vulns(ckl);
  assert.ok(n > 0);
  // a STATUS outside STIG Viewer's set is silently dropped by the importer: the count check above would catch it
  assert.equal(vulns(ckl.replace('<STATUS>NotAFinding</STATUS>', '<STATUS>Passed</STATUS>')), n - 1);
  assert.throws(() => stigManager.reviewsFromCkl(smParams(ckl.replace(/<HOST_NAME>[^<]*<\/HOST_NAME>/, '<HOST_NAME></HOST_NAME>'))), /No host_name in ASSET/);
  assert.throws(() => stigManager.reviewsFromCkl(smParams(ckl.replace(/<STIGS>[\s\S]*<\/STIGS>/, ''))), /No STIGS element/);
  const cklb = JSON.parse(toCklb([entry('rhel8-one-of-each-status.json', 'a/b/c')], { now: NOW })) as { target_data: { host_name: string }; stigs: Array<{ rules: Array<{ status: string }> }> };
  cklb.stigs[0].rules[0].status = 'passed';
  assert.equal(stigManager.reviewsFromCklb(smParams(JSON.stringify(cklb))).checklists[0].reviews.length, n - 1);
  cklb.target_data.host_name = 'x'.repeat(256);
  assert.throws(() => stigManager.reviewsFromCklb(smParams(JSON.stringify(cklb))), /Asset hostname cannot be more than 255 characters/);
  assert.throws(() => stigManager.reviewsFromCklb(smParams(JSON.stringify({ ...cklb, target_data: {} }))), /No target_data\.host_name found/);
});

test('CKL/CKLB: HOST_NAME longer than the 255 characters STIG Manager accepts is cut there; the full name stays in TARGET_COMMENT', () => {
  // Kubernetes allows a 63-character namespace, a 253-character pod name and a 63-character container name
  const label = `${'n'.repeat(63)}/${'p'.repeat(253)}/${'c'.repeat(63)}`;
  const e = entry('rhel8-one-of-each-status.json', label);
  const ckl = toCkl([e], { now: NOW });
  assert.equal(stigManager.reviewsFromCkl(smParams(ckl)).target.name, label.slice(0, 255));
  assert.ok(ckl.includes(`<TARGET_COMMENT>${label}`), 'TARGET_COMMENT keeps the whole name');
  const cklb = toCklb([e], { now: NOW });
  assert.equal(stigManager.reviewsFromCklb(smParams(cklb)).target.name, label.slice(0, 255));
  assert.ok((JSON.parse(cklb) as { target_data: { comments: string } }).target_data.comments.startsWith(label));
  // counted as written: a CKL writes a control character as the 6 visible characters `\u0001`
  const controls = `ns/${'\u0001'.repeat(100)}`;
  const name = stigManager.reviewsFromCkl(smParams(toCkl([entry('rhel8-one-of-each-status.json', controls)], { now: NOW }))).target.name;
  assert.equal(name, `ns/${'\\u0001'.repeat(42)}`);
  assert.equal(stigManager.reviewsFromCklb(smParams(toCklb([entry('rhel8-one-of-each-status.json', controls)], { now: NOW }))).target.name, controls);
  // a name given with --host-name is cut the same way; a surrogate pair is never split
  const given = `${'x'.repeat(254)}😀y`;
  assert.equal(stigManager.reviewsFromCkl(smParams(toCkl([e], { now: NOW, hostName: given }))).target.name, 'x'.repeat(254));
});
