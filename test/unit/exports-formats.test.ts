import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { readCsv } from './cliHelpers';
import { buildExport, SAF_CSV_COLUMNS, safTruncate, toHtml, toSafCsv, toXccdf, XCCDF_RESULTS } from '../../src/core/exports';
import { count, entry, HOSTILE, hostileReport, load, parseXml, XML_FORBIDDEN, xmlValid } from './exportsHelpers';

/**
 * XCCDF 1.2 results, CSV with SAF's hdf2csv columns (mitre/saf src/utils/csv.ts) and the self-contained HTML
 * report, on the real fixture reports. XML through fast-xml-parser (validator + parser), CSV through an RFC 4180
 * reader, HTML checked for what a browser would fetch.
 */

type RuleResult = { '@idref': string; result: string };
type Xccdf = {
  Benchmark: {
    '@xmlns': string;
    '@id': string;
    version: string;
    Group: Array<{ '@id': string; Rule: { '@id': string; '@severity': string; version: string; title: string; ident?: Array<{ '#text': string; '@system': string }> } }>;
    TestResult: Array<{ '@id': string; '@end-time': string; target: string; 'rule-result': RuleResult[]; score: { '#text': string } }>;
  };
};
const readXccdf = (xml: string): Xccdf => parseXml(xml, ['Group', 'TestResult', 'rule-result', 'ident', 'fact']) as unknown as Xccdf;

/** XCCDF 1.2 id patterns (xccdf_1.2.xsd: benchmarkIdType, ruleIdType, groupIdType, testresultIdType). */
const ID = { benchmark: /^xccdf_[^_]+_benchmark_.+$/, rule: /^xccdf_[^_]+_rule_.+$/, group: /^xccdf_[^_]+_group_.+$/, testresult: /^xccdf_[^_]+_testresult_.+$/ };

test('XCCDF 1.2: namespace, schema id patterns, one rule-result per control pointing at a Rule, results in the XCCDF set', () => {
  const xml = toXccdf([entry('k8s-ubuntu-stig-train-v1.json', 'demo/web/app', { imageDigest: 'sha256:beef' })], { now: new Date('2026-01-02T03:04:05Z') });
  assert.equal(xmlValid(xml), true);
  const b = readXccdf(xml).Benchmark;
  assert.equal(b['@xmlns'], 'http://checklists.nist.gov/xccdf/1.2');
  assert.match(b['@id'], ID.benchmark);
  assert.ok(b.version);
  assert.equal(b.Group.length, 183);
  const ruleIds = new Set(b.Group.map((g) => g.Rule['@id']));
  for (const g of b.Group) {
    assert.match(g['@id'], ID.group);
    assert.match(g.Rule['@id'], ID.rule);
  }
  const [tr] = b.TestResult;
  assert.match(tr['@id'], ID.testresult);
  assert.equal(tr['@end-time'], '2026-01-02T03:04:05.000Z');
  assert.equal(tr.target, 'demo/web/app');
  assert.equal(tr['rule-result'].length, 183);
  for (const rr of tr['rule-result']) {
    assert.ok(ruleIds.has(rr['@idref']), `rule-result ${rr['@idref']} names a Rule`);
    assert.ok((XCCDF_RESULTS as readonly string[]).includes(rr.result), rr.result);
  }
  // Heimdall's counts for this fixture: Passed 31, Failed 29, NR 10, PE 12, N/A 101
  assert.deepEqual(count(tr['rule-result'], (r) => r.result), { notapplicable: 101, pass: 31, fail: 29, notchecked: 10, error: 12 });
  const rule = b.Group.find((g) => g.Rule['@id'] === 'xccdf_hdf_rule_SV-260468r954041-rule')!.Rule;
  assert.deepEqual([rule.version, rule.ident], ['UBTU-22-211010', [{ '#text': 'CCI-001233', '@system': 'http://iase.disa.mil/cci' }]]);
  assert.equal(tr.score['#text'], ((100 * 31) / (31 + 29 + 10 + 12)).toFixed(2));
});

test('XCCDF: many containers → one Benchmark, rules written once, one TestResult each', () => {
  const xml = buildExport('xccdf', [entry('k8s-ubuntu-stig-train-v1.json', 'a/b/c'), entry('k8s-ubuntu-stig-train-v2.json', 'a/b/d')]).files[0].content;
  assert.equal(xmlValid(xml), true);
  const b = readXccdf(xml).Benchmark;
  assert.equal(b.Group.length, 183);
  assert.deepEqual(b.TestResult.map((t) => t.target), ['a/b/c', 'a/b/d']);
  assert.notEqual(b.TestResult[0]['@id'], b.TestResult[1]['@id']);
  // v2: Passed 23, Failed 35, NR 12, PE 12, N/A 101
  assert.equal(b.TestResult[1]['rule-result'].filter((r) => r.result === 'fail').length, 35);
});

test('XCCDF: hostile text is escaped and valid; ids stay NCName-safe; a report without STIG tags says so', () => {
  const xml = toXccdf([{ report: hostileReport(), label: HOSTILE }]);
  assert.equal(xmlValid(xml), true);
  assert.doesNotMatch(xml, XML_FORBIDDEN);
  assert.doesNotMatch(xml, /<script>/);
  const b = readXccdf(xml).Benchmark;
  for (const g of b.Group) assert.match(g.Rule['@id'], /^[\w.-]+$/);
  assert.match(b.TestResult[0]['@id'], /^[\w.-]+$/);
  assert.ok(b.Group[0].Rule.title.startsWith('<script>alert("x")</script> & \'q\' ]]> \\u0001'));
  const r = buildExport('xccdf', [entry('container-baseline-local.json', 'x')]);
  assert.match(r.notes[0], /no STIG tag gid/);
  assert.match(r.files[0].content, /no STIG tag gid/);
});

test("CSV: SAF hdf2csv's 16 columns, one row per control, Heimdall statuses, multi-line cells intact", () => {
  const rows = readCsv(toSafCsv([entry('rhel8-one-of-each-status.json', 'rhel8.json')]));
  assert.deepEqual(rows[0], [...SAF_CSV_COLUMNS]);
  assert.equal(rows.length, 5);
  for (const r of rows) assert.equal(r.length, 16);
  const col = (name: (typeof SAF_CSV_COLUMNS)[number]): number => SAF_CSV_COLUMNS.indexOf(name);
  assert.deepEqual(count(rows.slice(1), (r) => r[col('Status')]), { Passed: 1, Failed: 1, 'Not Applicable': 1, 'Not Reviewed': 1 });
  const na = rows.find((r) => r[col('ID')] === 'SV-230223')!;
  assert.deepEqual([na[col('Results Set')], na[col('Impact')], na[col('Severity')]], ['rhel8.json', '0', 'high']);
  const failed = rows.find((r) => r[col('Status')] === 'Failed')!;
  assert.match(failed[col('Results')], /^FAILED -- Test: .+\r\nMessage: /);
  assert.match(failed[col('800-53 Controls')], /\S/);
  assert.match(failed[col('CCI IDs')], /^CCI-\d+/);
  assert.match(failed[col('Check')], /\S/);
  assert.match(failed[col('Descriptions')], /^default: /);
  assert.equal(failed[col('Waived')], 'False');
});

test('CSV: many containers in one file (Results Set = container), fields over 32,767 truncated as SAF does, formulas neutralised', () => {
  const rows = readCsv(toSafCsv([entry('container-baseline-local.json', 'ns/a/app'), { report: hostileReport(), label: '=HYPERLINK("x")' }]));
  assert.equal(rows.length, 1 + 10 + 10);
  assert.deepEqual([...new Set(rows.slice(1).map((r) => r[0]))], ['ns/a/app', `'=HYPERLINK("x")`]);
  const hostile = rows.find((r) => r[0].startsWith("'=") && r[3] === HOSTILE)!;
  assert.ok(hostile, 'hostile title carried as-is inside a quoted cell');
  assert.equal(hostile[13].length, 32_757);
  assert.ok(hostile[13].endsWith('TRUNCATED'));
  assert.equal(safTruncate('x'.repeat(32_767)).length, 32_767, 'at the limit nothing is cut');
});

test('HTML: self-contained (no script, no external URL, CSP default-src none), executive summary and every control', () => {
  const html = toHtml([entry('k8s-ubuntu-stig-train-v1.json', 'demo/web/app')]);
  assert.match(html, /^<!DOCTYPE html>/);
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">/);
  assert.doesNotMatch(html, /<script|<link|<img|<iframe|src=|url\(/i);
  assert.doesNotMatch(html, /href="(?!#)/, 'only in-page links');
  assert.match(html, /Executive summary/);
  assert.match(html, /Compliance 37\.8%/, 'Heimdall: 31 / (31 + 29 + 10 + 12)');
  assert.equal((html.match(/<details /g) ?? []).length, 183);
  assert.match(html, /SV-260468/);
});

test('HTML: many containers get a per-container table and sections; hostile text never becomes markup', () => {
  const html = toHtml([entry('rhel8-one-of-each-status.json', 'a/b/c'), { report: hostileReport(), label: HOSTILE }]);
  assert.doesNotMatch(html, /<script/i);
  assert.match(html, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; &#39;q&#39;/);
  assert.match(html, /\\u0001/);
  assert.equal((html.match(/<section id="c\d+">/g) ?? []).length, 2);
  assert.match(html, /<a href="#c0">a\/b\/c<\/a>/);
  assert.equal((html.match(/<details /g) ?? []).length, 4 + load('container-baseline-local.json').controls.length);
});
