import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { buildExport, CKL_STATUSES, CKLB_STATUSES, TEXT_LIMIT, toCkl, toCklbObject } from '../../src/core/exports';
import { parseExportArgs } from '../../src/core/exports/command';
import { count, counterUuid, entry, HOSTILE, hostileReport, parseXml, XML_FORBIDDEN, xmlValid } from './exportsHelpers';

/**
 * CKL (STIG Viewer 2) and CKLB (STIG Viewer 3) against the real fixture reports, checked the way a consumer reads
 * them: well-formed XML (fast-xml-parser's XMLValidator as the oracle), the ASSET / STIG_INFO / VULN structure,
 * Rule_ID on every VULN, STATUS in STIG Viewer's set, COMMENTS and FINDING_DETAILS present on every VULN.
 * Expected statuses: SAF's hdf2ckl `getStatus` (mitre/heimdall2
 * libs/hdf-converters/src/ckl-mapper/checklist-jsonix-converter.ts) on the numbers in the fixtures' table
 * (results-semantics §9).
 */

type Vuln = { STIG_DATA: Array<{ VULN_ATTRIBUTE: string; ATTRIBUTE_DATA: string }>; STATUS: string; FINDING_DETAILS: string; COMMENTS: string };
type Istig = { STIG_INFO: { SI_DATA: Array<{ SID_NAME: string; SID_DATA?: string }> }; VULN: Vuln[] };
type Ckl = { CHECKLIST: { ASSET: Record<string, string>; STIGS: { iSTIG: Istig[] } } };

const readCkl = (xml: string): Ckl => parseXml(xml, ['iSTIG', 'VULN', 'STIG_DATA', 'SI_DATA']) as unknown as Ckl;
const attr = (v: Vuln, name: string): string[] => v.STIG_DATA.filter((d) => d.VULN_ATTRIBUTE === name).map((d) => d.ATTRIBUTE_DATA);
const sid = (s: Istig, name: string): string | undefined => s.STIG_INFO.SI_DATA.find((d) => d.SID_NAME === name)?.SID_DATA;

function checkCklStructure(xml: string): Ckl {
  assert.equal(xmlValid(xml), true);
  assert.doesNotMatch(xml, XML_FORBIDDEN);
  const ckl = readCkl(xml);
  for (const k of ['ROLE', 'ASSET_TYPE', 'MARKING', 'HOST_NAME', 'TARGET_COMMENT', 'TECH_AREA', 'WEB_OR_DATABASE']) assert.ok(k in ckl.CHECKLIST.ASSET, `ASSET/${k}`);
  for (const s of ckl.CHECKLIST.STIGS.iSTIG) {
    for (const k of ['version', 'releaseinfo', 'title', 'stigid', 'uuid', 'classification']) assert.ok(sid(s, k), `STIG_INFO ${k}`);
    for (const v of s.VULN) {
      assert.equal(attr(v, 'Rule_ID').length, 1, 'one Rule_ID per VULN');
      assert.ok(attr(v, 'Rule_ID')[0], 'Rule_ID not empty');
      assert.ok(attr(v, 'Vuln_Num')[0], 'Vuln_Num not empty');
      assert.ok((CKL_STATUSES as readonly string[]).includes(v.STATUS), `STATUS ${v.STATUS}`);
      assert.ok(['low', 'medium', 'high'].includes(attr(v, 'Severity')[0]));
      assert.equal(typeof v.COMMENTS, 'string', 'COMMENTS present');
      assert.equal(typeof v.FINDING_DETAILS, 'string', 'FINDING_DETAILS present');
      assert.ok(v.COMMENTS.length <= TEXT_LIMIT && v.FINDING_DETAILS.length <= TEXT_LIMIT);
    }
  }
  return ckl;
}

test('CKL of the Ubuntu STIG scan: 183 VULNs keyed on gid/rid/stig_id with CCIs, statuses as SAF computes them', () => {
  const e = entry('k8s-ubuntu-stig-train-v1.json', 'demo/web-7c9d/app', { imageDigest: 'sha256:0123abcd', image: 'ubuntu:22.04' });
  const ckl = checkCklStructure(toCkl([e], { uuid: counterUuid() }));
  const asset = ckl.CHECKLIST.ASSET;
  assert.equal(asset.HOST_NAME, 'demo/web-7c9d/app');
  assert.match(asset.TARGET_COMMENT, /sha256:0123abcd/);
  assert.equal(asset.ROLE, 'None');
  const [s] = ckl.CHECKLIST.STIGS.iSTIG;
  assert.equal(sid(s, 'stigid'), 'canonical-ubuntu-22.04-lts-stig-baseline');
  assert.equal(sid(s, 'version'), '1');
  assert.equal(sid(s, 'releaseinfo'), 'Release: 0');
  assert.equal(sid(s, 'customname'), 'demo/web-7c9d/app');
  assert.equal(s.VULN.length, 183);
  const v = s.VULN.find((x) => attr(x, 'Rule_ID')[0] === 'SV-260468r954041_rule')!;
  assert.deepEqual([attr(v, 'Vuln_Num')[0], attr(v, 'Rule_Ver')[0], attr(v, 'Group_Title')[0], attr(v, 'CCI_REF')], ['V-260468', 'UBTU-22-211010', 'SRG-OS-000191-GPOS-00080', ['CCI-001233']]);
  assert.match(attr(v, 'Check_Content')[0], /\S/);
  assert.match(attr(v, 'Fix_Text')[0], /\S/);
  // Heimdall: Passed 31, Failed 29, NR 10, PE 12 (11 with no result, SV-260518 failed + backtrace), N/A 101.
  // SAF: the 11 result-less controls are Not_Reviewed and SV-260518 (raw status failed) is Open.
  assert.deepEqual(count(s.VULN, (x) => x.STATUS), { Not_Applicable: 101, NotAFinding: 31, Open: 30, Not_Reviewed: 21 });
});

test('CKL: "treat Profile Error as Open" turns the 11 result-less controls Open and says so in COMMENTS', () => {
  const ckl = checkCklStructure(toCkl([entry('k8s-ubuntu-stig-train-v1.json')], { profileErrorAsOpen: true }));
  const vulns = ckl.CHECKLIST.STIGS.iSTIG[0].VULN;
  assert.deepEqual(count(vulns, (x) => x.STATUS), { Not_Applicable: 101, NotAFinding: 31, Open: 41, Not_Reviewed: 10 });
  const v = vulns.find((x) => attr(x, 'Vuln_Num')[0] === 'V-260501')!;
  assert.equal(v.STATUS, 'Open');
  assert.match(v.COMMENTS, /Profile Error/);
});

test('CKL: one of each status (RHEL 8) — impact 0 tagged high is Not_Applicable and severity high; FINDING_DETAILS in SAF format', () => {
  const ckl = checkCklStructure(toCkl([entry('rhel8-one-of-each-status.json')]));
  const vulns = ckl.CHECKLIST.STIGS.iSTIG[0].VULN;
  assert.deepEqual(count(vulns, (x) => x.STATUS), { NotAFinding: 1, Open: 1, Not_Applicable: 1, Not_Reviewed: 1 });
  const na = vulns.find((x) => attr(x, 'Vuln_Num')[0] === 'V-230223')!;
  assert.deepEqual([na.STATUS, attr(na, 'Severity')[0]], ['Not_Applicable', 'high']);
  const open = vulns.find((x) => x.STATUS === 'Open')!;
  assert.match(open.FINDING_DETAILS, /^failed :: TEST .+ :: MESSAGE /m);
  const nr = vulns.find((x) => x.STATUS === 'Not_Reviewed')!;
  assert.match(nr.FINDING_DETAILS, /^skipped :: TEST .+ :: SKIP_MESSAGE /m);
});

test('CKL: overlays and legacy reports export; the triple overlay is one iSTIG of the 5 effective controls with the base STIG header', () => {
  const ckl = checkCklStructure(toCkl([entry('triple-overlay.json')]));
  const [s] = ckl.CHECKLIST.STIGS.iSTIG;
  assert.equal(s.VULN.length, 5);
  assert.equal(sid(s, 'stigid'), 'Oracle Database 12c Security Technical Implementation Guide');
  assert.deepEqual(count(s.VULN, (x) => x.STATUS), { Not_Reviewed: 2, Open: 1, Not_Applicable: 1, NotAFinding: 1 });
  const nginx = checkCklStructure(toCkl([entry('nginx-baseline-failures.json')]));
  assert.equal(nginx.CHECKLIST.STIGS.iSTIG[0].VULN.length, 41);
});

test('CKL: many containers → one checklist with an iSTIG per container, or one file per container', () => {
  const a = entry('k8s-ubuntu-stig-train-v1.json', 'shop/web-1/app', { namespace: 'shop', imageDigest: 'sha256:aaa' });
  const b = entry('k8s-ubuntu-stig-train-v2.json', 'shop/web-2/app', { namespace: 'shop', imageDigest: 'sha256:bbb' });
  const one = buildExport('ckl', [a, b], { mode: 'combined' });
  assert.equal(one.files.length, 1);
  const ckl = checkCklStructure(one.files[0].content);
  assert.equal(ckl.CHECKLIST.STIGS.iSTIG.length, 2);
  assert.deepEqual(ckl.CHECKLIST.STIGS.iSTIG.map((s) => sid(s, 'customname')), ['shop/web-1/app', 'shop/web-2/app']);
  assert.equal(ckl.CHECKLIST.ASSET.HOST_NAME, 'shop (2 containers)');
  assert.match(ckl.CHECKLIST.ASSET.TARGET_COMMENT, /sha256:aaa[\s\S]*sha256:bbb/);
  // each iSTIG has its own uuid, and every VULN's STIG_UUID points at its own iSTIG
  const uuids = ckl.CHECKLIST.STIGS.iSTIG.map((s) => sid(s, 'uuid'));
  assert.notEqual(uuids[0], uuids[1]);
  ckl.CHECKLIST.STIGS.iSTIG.forEach((s, i) => assert.ok(s.VULN.every((v) => attr(v, 'STIG_UUID')[0] === uuids[i])));

  const per = buildExport('ckl', [a, b], { mode: 'per-container' });
  assert.deepEqual(per.files.map((f) => f.name), ['shop_web-1_app.ckl', 'shop_web-2_app.ckl']);
  for (const f of per.files) assert.equal(checkCklStructure(f.content).CHECKLIST.STIGS.iSTIG.length, 1);
  // two labels that sanitise alike do not overwrite each other
  const clash = buildExport('ckl', [entry('rhel8-one-of-each-status.json', 'a/b'), entry('rhel8-one-of-each-status.json', 'a_b')], { mode: 'per-container' });
  assert.deepEqual(clash.files.map((f) => f.name), ['a_b.ckl', 'a_b-2.ckl']);
});

test('CKL: ROLE / ASSET_TYPE / TECH_AREA / HOST_NAME / classification options land in the ASSET and header', () => {
  const ckl = checkCklStructure(
    toCkl([entry('rhel8-one-of-each-status.json', 'x/y/z')], { hostName: 'payments-api', role: 'Member Server', assetType: 'Computing', techArea: 'UNIX OS', classification: 'CUI', marking: 'CUI' }),
  );
  const a = ckl.CHECKLIST.ASSET;
  assert.deepEqual([a.HOST_NAME, a.ROLE, a.TECH_AREA, a.MARKING], ['payments-api', 'Member Server', 'UNIX OS', 'CUI']);
  assert.equal(sid(ckl.CHECKLIST.STIGS.iSTIG[0], 'classification'), 'CUI');
});

test('CKL: a report without STIG tags exports with a note naming what is missing; the control id stands in', () => {
  const r = buildExport('ckl', [entry('container-baseline-local.json', 'demo/api/app')]);
  assert.equal(r.notes.length, 1);
  assert.match(r.notes[0], /demo\/api\/app: no STIG tag gid on every control, rid on every control, stig_id on every control/);
  const ckl = checkCklStructure(r.files[0].content);
  const [s] = ckl.CHECKLIST.STIGS.iSTIG;
  assert.match(sid(s, 'description') ?? '', /no STIG tag gid/);
  const v = s.VULN.find((x) => attr(x, 'Rule_ID')[0] === 'acct-01');
  assert.ok(v, 'Rule_ID falls back to the control id');
  assert.equal(attr(v, 'Vuln_Num')[0], 'acct-01');
  assert.deepEqual(buildExport('ckl', [entry('k8s-ubuntu-stig-train-v1.json')]).notes, [], 'no note when every control has the tags');
});

test('CKL: hostile strings come out escaped and valid, controls visible, long text capped at 32,767', () => {
  const xml = toCkl([{ report: hostileReport(), label: `ns/${HOSTILE}` }]);
  const ckl = checkCklStructure(xml);
  assert.doesNotMatch(xml, /<script>/);
  const v = ckl.CHECKLIST.STIGS.iSTIG[0].VULN[0];
  const title = attr(v, 'Rule_Title')[0];
  assert.ok(title.startsWith(`<script>alert("x")</script> & 'q' ]]> \\u0001\\u0008\\u000b\\u001b\\ufffe \\ud800 end`), title);
  assert.ok(attr(v, 'Rule_ID')[0].startsWith('SV-1r1_rule<script>'));
  assert.ok(v.FINDING_DETAILS.length <= TEXT_LIMIT && v.FINDING_DETAILS.length > TEXT_LIMIT - 10, String(v.FINDING_DETAILS.length));
  assert.match(v.FINDING_DETAILS, /\[truncated: \d+ more characters; see the HDF report\]$/);
  assert.ok(ckl.CHECKLIST.ASSET.HOST_NAME.startsWith('ns/<script>'));
});

test('CKLB: the STIG Viewer 3 document shape, rule statuses in the CKLB set, same statuses as the CKL', () => {
  const e = entry('k8s-ubuntu-stig-train-v1.json', 'demo/web/app', { imageDigest: 'sha256:feed' });
  const doc = JSON.parse(buildExport('cklb', [e]).files[0].content) as {
    title: string;
    id: string;
    cklb_version: string;
    target_data: Record<string, unknown>;
    stigs: Array<{ stig_id: string; version: string; release_info: string; uuid: string; size: number; rules: Array<Record<string, unknown>> }>;
  };
  assert.equal(doc.cklb_version, '1.0');
  assert.match(doc.id, /^[0-9a-f-]{36}$/);
  assert.ok(doc.title);
  assert.equal(doc.target_data.host_name, 'demo/web/app');
  assert.match(String(doc.target_data.comments), /sha256:feed/);
  const [s] = doc.stigs;
  assert.deepEqual([s.stig_id, s.version, s.release_info, s.size, s.rules.length], ['canonical-ubuntu-22.04-lts-stig-baseline', '1', 'Release: 0', 183, 183]);
  for (const r of s.rules) {
    assert.ok(typeof r.rule_id_src === 'string' && r.rule_id_src, 'rule_id_src');
    assert.ok((CKLB_STATUSES as readonly string[]).includes(String(r.status)), String(r.status));
    assert.equal(typeof r.finding_details, 'string');
    assert.equal(typeof r.comments, 'string');
    assert.equal(r.stig_uuid, s.uuid);
  }
  const r = s.rules.find((x) => x.rule_id_src === 'SV-260468r954041_rule')!;
  assert.deepEqual([r.rule_id, r.group_id, r.rule_version, r.ccis], ['SV-260468r954041', 'V-260468', 'UBTU-22-211010', ['CCI-001233']]);
  assert.deepEqual(count(s.rules, (x) => String(x.status)), { not_applicable: 101, not_a_finding: 31, open: 30, not_reviewed: 21 });
});

test('CKLB: many containers → one document with a stig per container; hostile text round-trips exactly through JSON', () => {
  const doc = toCklbObject([entry('rhel8-one-of-each-status.json', 'a/b/c'), { report: hostileReport(), label: HOSTILE }]) as { stigs: Array<{ rules: Array<Record<string, string>>; customname: string }> };
  assert.equal(doc.stigs.length, 2);
  const text = JSON.stringify(doc);
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(text, /[\u0000-\u001f]/, 'JSON.stringify escapes control characters');
  const back = JSON.parse(text) as typeof doc;
  assert.equal(back.stigs[1].customname, HOSTILE);
  assert.equal(back.stigs[1].rules[0].rule_title, HOSTILE);
  const details = back.stigs[1].rules[0].finding_details;
  assert.ok(details.length <= TEXT_LIMIT && details.length > TEXT_LIMIT - 10 && details.includes('\\u0001'), 'capped, controls visible');
});

test('CKL/CKLB: the DISA STIG name, version, release and benchmark date can be given (heimdall2#5554), as SAF writes releaseinfo', () => {
  const stig = { title: 'Canonical Ubuntu 22.04 LTS Security Technical Implementation Guide', version: '2', release: '3', benchmarkDate: '24 Jul 2025' };
  const ckl = checkCklStructure(toCkl([entry('k8s-ubuntu-stig-train-v1.json')], { stig }));
  const [s] = ckl.CHECKLIST.STIGS.iSTIG;
  assert.deepEqual([sid(s, 'title'), sid(s, 'version'), sid(s, 'releaseinfo')], [stig.title, '2', 'Release: 3 Benchmark Date: 24 Jul 2025']);
  assert.equal(attr(s.VULN[0], 'STIGRef')[0], `${stig.title} :: Version 2, Release: 3 Benchmark Date: 24 Jul 2025`);
  const doc = toCklbObject([entry('k8s-ubuntu-stig-train-v1.json')], { stig }) as { stigs: Array<{ stig_name: string; display_name: string; version: string; release_info: string }> };
  assert.deepEqual([doc.stigs[0].display_name, doc.stigs[0].version, doc.stigs[0].release_info], ['Canonical Ubuntu 22.04 LTS STIG', '2', 'Release: 3 Benchmark Date: 24 Jul 2025']);
});

test('export arguments: formats, modes, checklist options and the STIG header; wrong values are usage errors that say what is allowed', () => {
  const o = parseExportArgs(['cklb', 'a.json', 'b.json', '-o', 'out', '--mode=per-container', '--profile-error-as-open', '--role', 'Workstation', '--tech-area', 'UNIX OS', '--stig-version', '2', '--benchmark-date', '24 Jul 2025', '--attestations', 'x.yml', '--attestations', 'y.json']);
  assert.deepEqual([o.format, o.inputs, o.out, o.mode, o.attestationFiles], ['cklb', ['a.json', 'b.json'], 'out', 'per-container', ['x.yml', 'y.json']]);
  assert.deepEqual([o.checklist.profileErrorAsOpen, o.checklist.role, o.checklist.techArea, o.checklist.stig], [true, 'Workstation', 'UNIX OS', { title: undefined, version: '2', release: undefined, benchmarkDate: '24 Jul 2025' }]);
  assert.throws(() => parseExportArgs(['ckl', 'a.json', '--out', 'x', '--stig-version', 'V2']), /--stig-version must be a number/);
  assert.throws(() => parseExportArgs(['ckl', 'a.json', '--out', 'x', '--benchmark-date', 'yesterday']), /--benchmark-date must be a date/);
  assert.throws(() => parseExportArgs(['ckl', 'a.json', '--out', 'x', '--out', 'y']), /--out given more than once/);
  assert.throws(() => parseExportArgs(['ckl', '-', '-', '--out', 'x']), /only one report can come from standard input/);
  assert.throws(() => parseExportArgs(['ckl', 'a.json', '--out', 'x', '--classification', 'SECRET']), /--classification must be one of UNCLASSIFIED/);
});
