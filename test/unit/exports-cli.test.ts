import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cli, root, scratch } from './cliHelpers';
import { fixtureIndexData } from './fleetFixture';
import { count, parseXml, xmlValid } from './exportsHelpers';

// `kube-compliance export` as a real process: node --import tsx src/cli.ts … (what dist/cli.js is bundled from).
const fixtures = process.env.KC_FIXTURES_DIR ?? join(root, 'test', 'fixtures');
const reports = join(fixtures, 'reports');
const { tmp, file } = scratch('kc-export-');
type Vuln = { STATUS: string; STIG_DATA: Array<{ VULN_ATTRIBUTE: string; ATTRIBUTE_DATA: string }>; FINDING_DETAILS: string };
const vulns = (xml: string): Vuln[][] =>
  (parseXml(xml, ['iSTIG', 'VULN', 'STIG_DATA', 'SI_DATA']) as { CHECKLIST: { STIGS: { iSTIG: Array<{ VULN: Vuln[] }> } } }).CHECKLIST.STIGS.iSTIG.map((s) => s.VULN);

test('export ckl: writes the checklist, prints its path, and lists the checklist-vs-Heimdall differences with the offer', () => {
  const out = join(tmp, 'stig.ckl');
  const r = cli(['export', 'ckl', join(reports, 'k8s-ubuntu-stig-train-v1.json'), '--out', out, '--host-name', 'web-api', '--role', 'Member Server', '--tech-area', 'UNIX OS']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${out}\n`);
  const xml = readFileSync(out, 'utf8');
  assert.equal(xmlValid(xml), true);
  assert.match(xml, /<HOST_NAME>web-api<\/HOST_NAME>.*<TECH_AREA>UNIX OS<\/TECH_AREA>/s);
  assert.match(xml, /<ROLE>Member Server<\/ROLE>/);
  assert.match(r.stderr, /11 of 183 controls have a checklist status that differs from Heimdall's/);
  assert.match(r.stderr, /SV-260501 {2}Heimdall Profile Error → checklist Not_Reviewed/);
  assert.match(r.stderr, /--profile-error-as-open/);
  assert.equal(readdirSync(tmp).filter((f) => f.endsWith('.tmp')).length, 0, 'no temporary file left');

  const open = cli(['export', 'ckl', join(reports, 'k8s-ubuntu-stig-train-v1.json'), '--out', out, '--profile-error-as-open']);
  assert.equal(open.code, 0, open.stderr);
  assert.match(open.stderr, /agree with Heimdall's for all 183 controls/);
  assert.equal(count(vulns(readFileSync(out, 'utf8'))[0], (v) => v.STATUS).Open, 41);
});

test('export from a fleet index: one checklist with an iSTIG per finished container, or one file per container; missing reports are notes', () => {
  const index = file('fleet-index.json', JSON.stringify(fixtureIndexData(reports)));
  const combined = join(tmp, 'fleet.cklb');
  const r = cli(['export', 'cklb', index, '--out', combined]);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(readFileSync(combined, 'utf8')) as { stigs: Array<{ customname: string }>; target_data: { host_name: string } };
  assert.deepEqual(doc.stigs.map((s) => s.customname), ['demo/web-a/app', 'demo/web-b/app', 'demo/standard-app/app', 'shop/api-0/app']);
  assert.equal(doc.target_data.host_name, '4 containers');
  assert.match(r.stderr, /note: \S+fleet-index\.json: demo\/web-c\/app has no report \(failed: pods "web-c" not found\); not exported/);
  assert.match(r.stderr, /note: shop\/api-1\/app: not exported: cannot read the report \/nonexistent\/kc\/api-1\.json: no such file/);
  assert.match(r.stderr, /no STIG tag gid/, 'container-baseline has no STIG tags: noted');

  const dir = join(tmp, 'per');
  const p = cli(['export', 'ckl', index, '--out', dir, '--mode', 'per-container']);
  assert.equal(p.code, 0, p.stderr);
  assert.deepEqual(readdirSync(dir).sort(), ['demo_standard-app_app.ckl', 'demo_web-a_app.ckl', 'demo_web-b_app.ckl', 'shop_api-0_app.ckl']);
  for (const f of readdirSync(dir)) assert.equal(xmlValid(readFileSync(join(dir, f), 'utf8')), true, f);
  assert.equal(p.stdout.trim().split('\n').length, 4);
});

test('export with attestations (SAF YAML): applied to the Not Reviewed control, noted, carried into the checklist', () => {
  const att = file(
    'attest.yml',
    '- control_id: SV-230328\n  explanation: Verified by hand\n  frequency: annually\n  status: passed\n  updated: "2099-01-01"\n  updated_by: Jane\n' +
      '- control_id: SV-230222\n  explanation: x\n  frequency: daily\n  status: passed\n  updated: "2099-01-01"\n  updated_by: Jane\n',
  );
  const out = join(tmp, 'att.ckl');
  const r = cli(['export', 'ckl', join(reports, 'rhel8-one-of-each-status.json'), '--attestations', att, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /attestation applied to SV-230328 \(expires 2100-01-01\)/);
  assert.match(r.stderr, /attestation for SV-230222 not applied: the control is not Not Reviewed/);
  const v = vulns(readFileSync(out, 'utf8'))[0];
  assert.deepEqual(count(v, (x) => x.STATUS), { NotAFinding: 2, Open: 1, Not_Applicable: 1 });
});

test('export html and csv to standard output; xccdf from standard input', () => {
  const h = cli(['export', 'html', join(reports, 'container-baseline-local.json'), '--out', '-']);
  assert.equal(h.code, 0, h.stderr);
  assert.match(h.stdout, /^<!DOCTYPE html>/);
  const c = cli(['export', 'csv', join(reports, 'rhel8-one-of-each-status.json'), '-o', '-']);
  assert.match(c.stdout, /^Results Set,Status,ID,Title,/);
  const x = cli(['export', 'xccdf', '-', '--out', '-'], readFileSync(join(reports, 'triple-overlay.json'), 'utf8'));
  assert.equal(x.code, 0, x.stderr);
  assert.equal(xmlValid(x.stdout), true);
});

test('export: usage errors exit 2 and say what to do; bad input exits 3 and leaves the existing file untouched', () => {
  const rep = join(reports, 'rhel8-one-of-each-status.json');
  const cases: Array<[string[], RegExp]> = [
    [['export'], /export needs a FORMAT \(ckl, cklb, xccdf, csv, html\)/],
    [['export', 'pdf', rep, '--out', 'x'], /unknown export format "pdf": use ckl, cklb, xccdf, csv, html/],
    [['export', 'ckl', rep], /export needs --out FILE/],
    [['export', 'ckl', rep, '--out', 'x', '--role', 'Server'], /--role must be one of None, Workstation, Member Server, Domain Controller, not "Server"/],
    [['export', 'ckl', rep, '--out', '-', '--mode', 'per-container'], /--out must be a folder/],
    [['export', 'ckl', rep, '--out', 'x', '--bogus'], /export does not take --bogus/],
  ];
  for (const [args, re] of cases) {
    const r = cli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
  const out = file('keep.ckl', 'previous checklist');
  const missing = cli(['export', 'ckl', join(tmp, 'nope.json'), '--out', out]);
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /cannot read the report .*nope\.json: no such file/);
  const badAtt = file('bad.json', JSON.stringify([{ control_id: 'SV-230328', explanation: 'x', frequency: 'daily', status: 'not_applicable', updated: '2026-01-01', updated_by: 'x' }]));
  const bad = cli(['export', 'ckl', rep, '--attestations', badAtt, '--out', out]);
  assert.equal(bad.code, 3);
  assert.match(bad.stderr, /status must be passed or failed, not "not_applicable" — to make a control Not Applicable, use a waiver/);
  assert.equal(readFileSync(out, 'utf8'), 'previous checklist');
  const notReport = cli(['export', 'ckl', file('x.json', '{"hello": 1}'), '--out', out]);
  assert.equal(notReport.code, 3);
  assert.match(notReport.stderr, /is not a usable report/);
  assert.ok(!existsSync(join(tmp, 'x')), 'nothing written by the usage errors');
});

test('export --help documents every format and option', () => {
  const r = cli(['export', '--help']);
  assert.equal(r.code, 0);
  for (const s of ['ckl', 'cklb', 'xccdf', 'csv', 'html', '--mode per-container', '--attestations', '--profile-error-as-open', '--role', '--tech-area']) assert.ok(r.stdout.includes(s), s);
});
