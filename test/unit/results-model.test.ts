import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { convertFileContextual, isContextualizedEvaluation } from 'inspecjs';
import { findJsonSyntaxError } from '../../src/core/results/jsonSyntax';
import { descriptionOf, isReportError, parseReport, profileLabel, ReportError, summarize, type Report, type Severity } from '../../src/core/results';

const fixtures = process.env.KC_FIXTURES_DIR ?? join(__dirname, '..', 'fixtures');
const reports = join(fixtures, 'reports');
const text = (name: string): string => readFileSync(join(reports, name), 'utf8');
const load = (name: string): Report => parseReport(text(name));

interface Expected {
  controls: number;
  passed: number;
  failed: number;
  notApplicable: number;
  notReviewed: number;
  profileError: number;
  compliance: number;
  severity: Record<Severity, number>;
}

// Statuses and compliance: results-semantics §9 (Heimdall column). Severity counts: from each file by the §3 rules
// (severityoverride → severity tag → impact band), over the top-most controls.
const EXPECTED: Record<string, Expected> = {
  'container-baseline-local.json': {
    controls: 10, passed: 6, failed: 2, notApplicable: 1, notReviewed: 0, profileError: 1, compliance: 67,
    severity: { none: 1, low: 1, medium: 6, high: 1, critical: 1 },
  },
  'container-baseline-local-enhanced.json': {
    controls: 10, passed: 6, failed: 2, notApplicable: 1, notReviewed: 0, profileError: 1, compliance: 67,
    severity: { none: 1, low: 1, medium: 6, high: 1, critical: 1 },
  },
  'container-baseline-local-two-controls.json': {
    controls: 2, passed: 0, failed: 2, notApplicable: 0, notReviewed: 0, profileError: 0, compliance: 0,
    severity: { none: 0, low: 0, medium: 1, high: 0, critical: 1 },
  },
  'inspec-json-reporter.json': {
    controls: 4, passed: 3, failed: 1, notApplicable: 0, notReviewed: 0, profileError: 0, compliance: 75,
    severity: { none: 0, low: 0, medium: 3, high: 1, critical: 0 },
  },
  'k8s-ubuntu-stig-train-v1.json': {
    controls: 183, passed: 31, failed: 29, notApplicable: 101, notReviewed: 10, profileError: 12, compliance: 38,
    severity: { none: 0, low: 18, medium: 151, high: 14, critical: 0 },
  },
  'k8s-ubuntu-stig-train-v2.json': {
    controls: 183, passed: 23, failed: 35, notApplicable: 101, notReviewed: 12, profileError: 12, compliance: 28,
    severity: { none: 0, low: 18, medium: 151, high: 14, critical: 0 },
  },
  'triple-overlay.json': {
    controls: 5, passed: 1, failed: 1, notApplicable: 1, notReviewed: 2, profileError: 0, compliance: 25,
    // the top-most layer has no severity tags: impact 0.5 → medium ×4, impact 0 → none
    severity: { none: 1, low: 0, medium: 4, high: 0, critical: 0 },
  },
  'rhel8-one-of-each-status.json': {
    controls: 4, passed: 1, failed: 1, notApplicable: 1, notReviewed: 1, profileError: 0, compliance: 33,
    severity: { none: 0, low: 0, medium: 2, high: 2, critical: 0 },
  },
  'nginx-baseline-failures.json': {
    controls: 41, passed: 34, failed: 3, notApplicable: 1, notReviewed: 3, profileError: 0, compliance: 85,
    severity: { none: 0, low: 5, medium: 33, high: 3, critical: 0 },
  },
};

for (const [file, e] of Object.entries(EXPECTED)) {
  test(`${file}: Heimdall status counts, compliance and severity counts`, () => {
    const s = summarize(load(file));
    assert.deepEqual(
      {
        controls: s.controls, passed: s.passed, failed: s.failed, notApplicable: s.notApplicable,
        notReviewed: s.notReviewed, profileError: s.profileError, compliance: s.compliance, severity: s.severity,
      },
      e,
    );
    const counted = e.passed + e.failed + e.notReviewed + e.profileError;
    assert.equal(s.complianceExact, counted === 0 ? 0 : (100 * e.passed) / counted, 'unrounded compliance = Passed / (all but N/A)');
  });
}

test('every fixture in the folder has expected counts in this test', () => {
  const files = readdirSync(reports).filter((f) => f.endsWith('.json')).sort();
  assert.deepEqual(files, Object.keys(EXPECTED).sort());
});

test('container-baseline: per-control status, severity, results and report metadata', () => {
  const r = load('container-baseline-local.json');
  const by = new Map(r.controls.map((c) => [c.id, c]));
  assert.deepEqual(
    r.controls.map((c) => [c.id, c.status]),
    [
      ['acct-01', 'Passed'], ['acct-02', 'Passed'], ['acct-03', 'Failed'],
      ['fs-01', 'Passed'], ['fs-02', 'Passed'], ['fs-03', 'Passed'], ['fs-04', 'Failed'],
      ['rt-01', 'Not Applicable'], ['rt-02', 'Passed'], ['rt-03', 'Profile Error'],
    ],
  );
  // impact bands with 0.1: 0 none, 0.3 low, 0.5 medium, 0.7 high, 0.9 critical (here tags agree)
  assert.deepEqual(['rt-01', 'fs-03', 'acct-01', 'fs-02', 'fs-04'].map((id) => by.get(id)!.severity), ['none', 'low', 'medium', 'high', 'critical']);
  // rt-03: InSpec wrote "failed", but the result has a backtrace → error → Profile Error
  const rt03 = by.get('rt-03')!;
  assert.equal(rt03.results[0].status, 'error');
  assert.equal(rt03.results[0].reportedStatus, 'failed');
  assert.equal(rt03.results[0].exception, 'NoMethodError');
  assert.ok(rt03.results[0].backtrace!.length > 5);
  assert.match(rt03.results[0].message!, /undefined method `no_such_property'/);
  const fs04 = by.get('fs-04')!;
  assert.equal(fs04.key, 'container-baseline::fs-04');
  assert.deepEqual(fs04.sourceLocation, { ref: 'container-baseline/controls/filesystem.rb', line: 37 });
  assert.equal(fs04.groupFile, 'controls/filesystem.rb');
  assert.equal(fs04.impact, 0.9);
  assert.equal(fs04.profileName, 'container-baseline');
  assert.deepEqual(fs04.layers, ['container-baseline']);
  assert.match(fs04.code, /^control 'fs-04' do/);
  assert.equal(fs04.title, 'A marker file required by policy exists');
  assert.ok(typeof fs04.results[0].runTime === 'number' && fs04.results[0].startTime);
  assert.equal(r.platform.name, 'debian');
  assert.equal(r.platform.release, '12.11');
  assert.equal(r.platform.targetId, 'f7767a46-386a-56c4-94df-13f192200202');
  assert.equal(r.auditorVersion, '5.24.24');
  assert.equal(r.duration, 0.099957151);
  assert.equal(r.profile.name, 'container-baseline');
  assert.equal(r.profile.version, '0.3.0');
  assert.equal(r.profile.title, 'Container Baseline (fixture)');
  assert.equal(r.format, 'exec-json');
  assert.deepEqual(
    r.inputs.map((i) => [i.name, i.value]),
    [['allowed_shells', ['/bin/sh', '/bin/ash', '/bin/bash']], ['max_world_writable', 0]],
  );
  assert.deepEqual(r.warnings, []);
  // plain data: survives structured cloning / JSON as is
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
});

test('enhanced outcomes: InSpec status kept as information, Heimdall status computed', () => {
  const r = load('container-baseline-local-enhanced.json');
  const by = new Map(r.controls.map((c) => [c.id, c]));
  assert.equal(by.get('rt-03')!.inspecStatus, 'error');
  assert.equal(by.get('rt-01')!.inspecStatus, 'not_applicable');
  // STIG: 11 zero-result controls are InSpec "passed" but Profile Error by the rules
  const v1 = load('k8s-ubuntu-stig-train-v1.json');
  const disagree = v1.controls.filter((c) => c.results.length === 0 && c.inspecStatus === 'passed');
  assert.equal(disagree.length, 11);
  assert.ok(disagree.every((c) => c.status === 'Profile Error'));
  const inspec = new Map<string, number>();
  for (const c of v1.controls) inspec.set(c.inspecStatus!, (inspec.get(c.inspecStatus!) ?? 0) + 1);
  assert.deepEqual(Object.fromEntries(inspec), { passed: 42, failed: 29, not_reviewed: 10, error: 1, not_applicable: 101 });
});

test('rhel8: impact 0 with tag high is Not Applicable AND severity high; skip-only is Not Reviewed with its reason', () => {
  const r = load('rhel8-one-of-each-status.json');
  const by = new Map(r.controls.map((c) => [c.id, c]));
  assert.equal(by.get('SV-230223')!.status, 'Not Applicable');
  assert.equal(by.get('SV-230223')!.severity, 'high');
  assert.equal(by.get('SV-230223')!.impact, 0);
  assert.equal(by.get('SV-230328')!.status, 'Not Reviewed');
  assert.match(by.get('SV-230328')!.results[0].skipMessage!, /only_if/);
  assert.ok(descriptionOf(by.get('SV-230221')!, 'check'), 'STIG controls carry a check text');
  assert.ok(descriptionOf(by.get('SV-230221')!, 'fix'));
  assert.ok(by.get('SV-230221')!.nist.length > 0 && by.get('SV-230221')!.cci.length > 0);
});

test('triple overlay: top-most controls only, root status, top-most metadata, layers and full code', () => {
  const r = load('triple-overlay.json');
  assert.equal(r.profiles.length, 3);
  assert.equal(r.controls.length, 5);
  const top = 'cms-ars-3.1-moderate-aws-rds-oracle-database-12c-stig-overlay';
  assert.ok(r.controls.every((c) => c.profileName === top && c.profileIndex === 0));
  const by = new Map(r.controls.map((c) => [c.id, c]));
  assert.deepEqual(
    [...by].map(([id, c]) => [id, c.status]),
    [['V-61409', 'Not Reviewed'], ['V-61449', 'Not Reviewed'], ['V-61635', 'Failed'], ['V-61867', 'Not Applicable'], ['V-61677', 'Passed']],
  );
  const v61635 = by.get('V-61635')!;
  assert.deepEqual(v61635.results.map((x) => x.status), ['passed', 'failed'], 'results come from the root layer');
  assert.deepEqual(v61635.layers, [top, 'aws-rds-oracle-database-12c-stig-baseline', 'Oracle Database 12c Security Technical Implementation Guide']);
  assert.match(v61635.fullCode!, /# Profile name: /);
  // V-61867: the top layer has impact 0 and no severity tag → none (root's tag says medium: rootSeverity, what SAF counts)
  assert.equal(by.get('V-61867')!.severity, 'none');
  assert.equal(by.get('V-61867')!.rootSeverity, 'medium');
  assert.equal(r.profiles[1].parentProfile, top);
  assert.equal(r.profiles[0].depends[0].name, 'aws-rds-oracle-database-12c-stig-baseline');
  assert.equal(profileLabel(r.profile), top, 'a title of "." is not shown');
});

test('legacy InSpec 1.37 layout: flat top-level controls ignored, profile controls read', () => {
  const r = load('nginx-baseline-failures.json');
  assert.equal(r.format, 'legacy');
  assert.equal(r.controls.length, 41);
  assert.equal(r.profile.status, undefined);
  assert.equal(summarize(r).results, 378);
  assert.equal(r.platform.targetId, undefined);
});

test('inspec-json-reporter: generated ids and null titles are tolerated', () => {
  const r = load('inspec-json-reporter.json');
  const gen = r.controls.filter((c) => c.id.startsWith('(generated from '));
  assert.equal(gen.length, 3);
  assert.ok(gen.every((c) => c.title === undefined));
});

// ---- synthetic reports for the rules the fixtures don't cover

function minimal(controls: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    platform: { name: 'debian', release: '12' },
    profiles: [{ name: 'p', sha256: 'x', supports: [], attributes: [], groups: [], controls }],
    statistics: { duration: 1 },
    version: '5.22.0',
    ...extra,
  };
}
const ctl = (id: string, over: Record<string, unknown> = {}): Record<string, unknown> => ({
  id, title: id, impact: 0.5, tags: {}, code: '', source_location: { ref: 'p/controls/a.rb', line: 1 },
  results: [{ status: 'passed', code_desc: 'ok', run_time: 0.1, start_time: 't' }], ...over,
});

test('status rules: waiver → N/A, skip+pass → Passed, skip only → Not Reviewed, no results key → Profile Error, zero results → Profile Error', () => {
  const r = parseReport(minimal([
    ctl('waived', { waiver_data: { skipped_due_to_waiver: true, justification: 'accepted risk', run: false, expiration_date: '2027-01-01' }, results: [{ status: 'skipped', code_desc: 'x', run_time: 0, start_time: 't' }] }),
    ctl('skip-pass', { results: [{ status: 'skipped', code_desc: 'a', run_time: 0, start_time: 't' }, { status: 'passed', code_desc: 'b', run_time: 0, start_time: 't' }] }),
    ctl('skip-only', { results: [{ status: 'skipped', code_desc: 'a', skip_message: 'because', run_time: 0, start_time: 't' }] }),
    ctl('no-results-key', { results: undefined }),
    ctl('zero-results', { results: [] }),
    ctl('error-and-na', { impact: 0, results: [{ status: 'passed', code_desc: 'a', backtrace: ['x.rb:1'], run_time: 0, start_time: 't' }] }),
    ctl('no-status', { results: [{ code_desc: 'a', run_time: 0, start_time: 't' }] }),
  ]));
  const st = Object.fromEntries(r.controls.map((c) => [c.id, c.status]));
  assert.deepEqual(st, {
    waived: 'Not Applicable',
    'skip-pass': 'Passed',
    'skip-only': 'Not Reviewed',
    'no-results-key': 'Profile Error',
    'zero-results': 'Profile Error',
    'error-and-na': 'Profile Error', // rule 1 (error) comes before rule 2 (impact 0)
    'no-status': 'Profile Error',
  });
  const w = r.controls[0];
  assert.equal(w.waived, true);
  assert.deepEqual(w.waiver, { skippedDueToWaiver: true, run: false, justification: 'accepted risk', expirationDate: '2027-01-01' });
  assert.equal(r.controls.find((c) => c.id === 'no-status')!.results[0].status, 'no_status');
  assert.ok(r.warnings.some((x) => x.includes('no-results-key')));
});

test('severity rules: severityoverride beats severity beats impact; case-insensitive; unknown tag words fall back to impact', () => {
  const r = parseReport(minimal([
    ctl('override', { impact: 0.1, tags: { severity: 'low', severityoverride: 'CRITICAL' } }),
    ctl('tag', { impact: 0.95, tags: { severity: 'Medium' } }),
    ctl('bogus-tag', { impact: 0.75, tags: { severity: 'severe' } }),
    ctl('i0.09', { impact: 0.09 }),
    ctl('i0.1', { impact: 0.1 }),
    ctl('i0.39', { impact: 0.39 }),
    ctl('i0.4', { impact: 0.4 }),
    ctl('i0.69', { impact: 0.69 }),
    ctl('i0.7', { impact: 0.7 }),
    ctl('i0.89', { impact: 0.89 }),
    ctl('i0.9', { impact: 0.9 }),
    ctl('i1', { impact: 1 }),
  ]));
  assert.deepEqual(
    r.controls.map((c) => c.severity),
    ['critical', 'medium', 'high', 'none', 'low', 'low', 'medium', 'medium', 'high', 'high', 'critical', 'critical'],
  );
});

test('absent optional fields: no title/desc/tags/code/source_location/waiver/platform/statistics/version', () => {
  const r = parseReport({ profiles: [{ name: 'bare', controls: [{ id: 'c1', impact: 0.7, results: [{ status: 'failed', code_desc: 'x' }] }] }] });
  const c = r.controls[0];
  assert.equal(c.status, 'Failed');
  assert.equal(c.severity, 'high');
  assert.equal(c.title, undefined);
  assert.deepEqual(c.tags, {});
  assert.deepEqual(c.nist, []);
  assert.equal(c.code, '');
  assert.equal(c.sourceLocation, undefined);
  assert.equal(c.waiver, undefined);
  assert.deepEqual(r.platform, {});
  assert.equal(r.auditorVersion, undefined);
  assert.equal(r.duration, undefined);
  assert.deepEqual(r.inputs, []);
});

test('sensitive inputs are not copied into the model', () => {
  const r = parseReport(minimal([ctl('a')], {
    profiles: [{ name: 'p', controls: [ctl('a')], attributes: [{ name: 'password', options: { value: 's3cret', sensitive: true } }] }],
  }));
  assert.deepEqual(r.inputs, [{ name: 'password', value: '***', sensitive: true, profile: 'p' }]);
  assert.ok(!JSON.stringify(r).includes('s3cret'));
});

test('an XSS-style title stays a plain string in the model', () => {
  const title = '<img src=x onerror=alert(1)>';
  const r = parseReport(minimal([ctl('xss', { title, results: [{ status: 'failed', code_desc: '<script>alert(2)</script>', message: '<b>x</b>', run_time: 0, start_time: 't' }] })]));
  assert.equal(r.controls[0].title, title);
  assert.equal(r.controls[0].results[0].codeDesc, '<script>alert(2)</script>');
  assert.equal(typeof r.controls[0].title, 'string');
});

test('parsed object input and bytes input give the same model as text input', () => {
  const t = text('rhel8-one-of-each-status.json');
  const a = parseReport(t);
  assert.deepEqual(parseReport(JSON.parse(t)), a);
  assert.deepEqual(parseReport(new TextEncoder().encode(`\ufeff${t}`)), a, 'bytes with a BOM');
});

test('duplicate control ids in one profile collapse into one control, as inspecjs links same-id controls', () => {
  const r = parseReport(minimal([ctl('dup', { results: [] }), ctl('dup')]));
  assert.equal(r.controls.length, 1);
  assert.equal(r.controls[0].status, 'Passed', 'the copy with results is the root');
});

// ---- errors

function rejects(input: unknown, kind: string, pattern: RegExp): ReportError {
  try {
    parseReport(input);
  } catch (e) {
    assert.ok(isReportError(e), `expected a ReportError, got ${String(e)}`);
    assert.equal((e as ReportError).kind, kind);
    assert.match((e as Error).message, pattern);
    return e as ReportError;
  }
  assert.fail('parseReport accepted the input');
}

test('truncated report: says truncated and the byte offset', () => {
  const t = text('container-baseline-local.json');
  const cut = t.slice(0, 8000);
  const e = rejects(cut, 'truncated', /not JSON: unexpected end at byte 8000 — the report file looks truncated/);
  assert.equal(e.byteOffset, 8000);
  rejects(t.slice(0, 1), 'truncated', /unexpected end at byte 1/);
});

test('malformed JSON: names the problem, byte, line and column', () => {
  rejects('{"profiles": [}', 'not-json', /^not JSON: .+ at byte 14 \(line 1, column 15\)$/);
  rejects('{\n  "a": 1,\n  oops\n}', 'not-json', /at byte 14 \(line 3, column 3\)/);
  // multi-byte characters before the error: byte offset, not character offset
  rejects('{"é": x}', 'not-json', /at byte 7 /);
  rejects('<html>502 Bad Gateway</html>', 'not-json', /not JSON/);
});

test('empty, non-object and non-report inputs', () => {
  rejects('', 'empty', /the report is empty \(0 bytes\)/);
  rejects('  \n', 'empty', /empty/);
  rejects('[1,2]', 'not-object', /expected a JSON object .* got an array/);
  rejects('42', 'not-object', /got a number/);
  rejects(null, 'not-object', /got null/);
  rejects('"text"', 'not-object', /got a string/);
  rejects({ name: 'x', controls: [] }, 'not-a-report', /profile's JSON .*not scan results/);
  rejects({ foo: 1 }, 'not-a-report', /no "profiles" array/);
  rejects({ profiles: {} }, 'invalid', /^profiles: expected an array, got an object/);
  rejects({ profiles: [] }, 'invalid', /"profiles" is empty/);
});

test('structurally invalid reports name the path of the bad value', () => {
  rejects({ profiles: [{ name: 'p', controls: [ctl('a'), 'oops'] }] }, 'invalid', /^profiles\[0\]\.controls\[1\]: expected a control object, got a string/);
  rejects({ profiles: [{ name: 'p', controls: [ctl('a', { results: { status: 'passed' } })] }] }, 'invalid', /^profiles\[0\]\.controls\[0\]\.results: expected an array/);
  rejects({ profiles: [{ name: 'p', controls: [ctl('a', { results: [null] })] }] }, 'invalid', /^profiles\[0\]\.controls\[0\]\.results\[0\]: expected a result object, got null/);
  rejects({ profiles: [{ name: 'p', controls: [{ impact: 0.5, results: [] }] }] }, 'invalid', /controls\[0\]\.id: expected a non-empty string/);
  rejects({ profiles: [{ controls: [] }] }, 'invalid', /profiles\[0\]\.name/);
  rejects({ profiles: [{ name: 'p', controls: [ctl('a', { attestation_data: { status: 'maybe' } })] }] }, 'invalid', /could not be evaluated: .*invalid status/);
});

test('huge input is refused before parsing, with the size', () => {
  rejects('{"profiles":[]}'.padEnd(2048, ' '), 'invalid', /empty/); // under the limit: parsed
  try {
    parseReport(' '.repeat(5000), { maxBytes: 4096 });
    assert.fail('accepted');
  } catch (e) {
    assert.equal((e as ReportError).kind, 'too-large');
    assert.match((e as Error).message, /^the report is 5 KB, more than the 4 KB this reader accepts/);
  }
});

test('JSON syntax locator agrees with JSON.parse on every prefix and on single-character corruptions of a report', () => {
  const t = text('container-baseline-local-two-controls.json');
  assert.equal(findJsonSyntaxError(t), undefined);
  for (let k = 1; k < t.trimEnd().length; k++) {
    const e = findJsonSyntaxError(t.slice(0, k));
    assert.ok(e, `prefix ${k} reported valid`);
    let parses = true;
    try {
      JSON.parse(t.slice(0, k));
    } catch {
      parses = false;
    }
    // a prefix that happens to be valid JSON cannot occur for an object; every prefix must be "truncated"
    assert.equal(parses, false);
    assert.equal(e.truncated, true, `prefix ${k}: ${e.problem}`);
  }
  const junk = ['}', ']', ',', ':', '"', 'x', '\\', '\n', '0', '-', 't'];
  for (let k = 0; k < t.length; k += 7) {
    for (const j of junk) {
      const bad = t.slice(0, k) + j + t.slice(k + 1);
      let ok = true;
      try {
        JSON.parse(bad);
      } catch {
        ok = false;
      }
      assert.equal(findJsonSyntaxError(bad) === undefined, ok, `corruption at ${k} with ${JSON.stringify(j)}`);
    }
  }
});

test('agrees control by control with inspecjs\' own file reader (convertFileContextual) on every fixture', () => {
  for (const file of Object.keys(EXPECTED)) {
    const t = text(file);
    const ours = parseReport(t);
    const theirs = convertFileContextual(t);
    assert.ok(isContextualizedEvaluation(theirs));
    const top = theirs.contains.flatMap((p) => p.contains.filter((c) => c.extendedBy.length === 0));
    assert.equal(ours.controls.length, top.length, file);
    top.forEach((c, i) => {
      const o = ours.controls[i];
      assert.equal(o.id, c.data.id, `${file} #${i}`);
      assert.equal(o.status, c.root.hdf.status, `${file} ${o.id} status`);
      assert.equal(o.severity, String(c.hdf.severity).toLowerCase(), `${file} ${o.id} severity`);
      assert.equal(o.rootSeverity, String(c.root.hdf.severity).toLowerCase(), `${file} ${o.id} root severity`);
      assert.deepEqual(o.results.map((r) => r.status), (c.root.hdf.segments ?? []).map((s) => s.status), `${file} ${o.id} results`);
    });
  }
});

test('a skipped or failed profile is reported in warnings with its reason', () => {
  const r = parseReport({
    profiles: [{ name: 'win', status: 'skipped', status_message: "Skipping profile: 'win' on unsupported platform: 'debian/12'.", controls: [] }],
  });
  assert.equal(r.controls.length, 0);
  assert.deepEqual(r.warnings, [`profile "win" was skipped: Skipping profile: 'win' on unsupported platform: 'debian/12'. — its controls did not run`]);
  assert.equal(summarize(r).compliance, 0);
});

test('fuzz: reports with values of the wrong type either parse or throw a ReportError, nothing else', () => {
  const base = JSON.parse(text('rhel8-one-of-each-status.json')) as unknown;
  const weird: unknown[] = [null, 0, -1, 1.5, '', 'x', true, [], {}, [null], { a: 1 }, '0.5', NaN];
  let seed = 7;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  /** Every (parent, key) in the tree. */
  const slots = (v: unknown, out: Array<[Record<string, unknown> | unknown[], string | number]> = []): typeof out => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        out.push([v, i]);
        slots(x, out);
      });
    }
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        out.push([v as Record<string, unknown>, k]);
        slots(x, out);
      }
    }
    return out;
  };
  let parsed = 0;
  let rejected = 0;
  for (let round = 0; round < 400; round++) {
    const copy = structuredClone(base);
    const all = slots(copy);
    for (let k = 0; k < 3; k++) {
      const [parent, key] = all[rand(all.length)];
      (parent as Record<string | number, unknown>)[key] = weird[rand(weird.length)];
    }
    try {
      const r = parseReport(copy);
      summarize(r);
      JSON.stringify(r);
      parsed++;
    } catch (e) {
      assert.ok(isReportError(e), `round ${round}: ${e instanceof Error ? e.stack : String(e)}`);
      assert.ok((e as Error).message.length > 10);
      assert.doesNotMatch((e as Error).message, /could not be read/, 'a shape the reader did not foresee');
      rejected++;
    }
  }
  assert.ok(parsed > 0 && rejected > 0, `${parsed} parsed, ${rejected} rejected`);
});
