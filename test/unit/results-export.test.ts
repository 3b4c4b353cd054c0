import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readCsv } from './cliHelpers';
import { CSV_COLUMNS, mdText, parseReport, toCsv, toMarkdownSummary, type Report } from '../../src/core/results';

const fixtures = process.env.KC_FIXTURES_DIR ?? join(__dirname, '..', 'fixtures');
const load = (name: string): Report => parseReport(readFileSync(join(fixtures, 'reports', name), 'utf8'));

test('CSV: header plus one row per top-most control, quoted where needed', () => {
  const r = load('container-baseline-local.json');
  const rows = readCsv(toCsv(r));
  assert.deepEqual(rows[0], [...CSV_COLUMNS]);
  assert.equal(rows.length, 11);
  const col = (name: (typeof CSV_COLUMNS)[number]): number => CSV_COLUMNS.indexOf(name);
  const fs04 = rows.find((x) => x[col('Control ID')] === 'fs-04')!;
  assert.equal(fs04[col('Status')], 'Failed');
  assert.equal(fs04[col('Severity')], 'critical');
  assert.equal(fs04[col('Failed results')], '1');
  assert.equal(fs04[col('Source')], 'container-baseline/controls/filesystem.rb:37');
  const rt03 = rows.find((x) => x[col('Control ID')] === 'rt-03')!;
  assert.equal(rt03[col('Status')], 'Profile Error');
  assert.equal(rt03[col('Error results')], '1');
  assert.match(rt03[col('Messages')], /^ERROR: File \/etc\/os-release no_such_property/);
  assert.equal(readCsv(toCsv(load('triple-overlay.json'))).length, 6, 'overlay: 5 controls, not 15');
});

test('CSV cells that would be spreadsheet formulas are neutralised', () => {
  const r = parseReport({ profiles: [{ name: 'p', controls: [{ id: 'x', title: '=HYPERLINK("http://evil","click")', impact: 0.5, tags: {}, results: [{ status: 'passed', code_desc: 'ok' }] }] }] });
  const row = readCsv(toCsv(r))[1];
  assert.equal(row[CSV_COLUMNS.indexOf('Title')], `'=HYPERLINK("http://evil","click")`);
});

test('Markdown summary: compliance, status × severity table, failures; untrusted text escaped', () => {
  const md = toMarkdownSummary(load('container-baseline-local.json'));
  assert.match(md, /^## Container Baseline \(fixture\) 0\.3\.0\n/);
  assert.match(md, /\*\*Compliance: 67%\*\* \(6 of 9 controls passed; Not Applicable excluded\)/);
  assert.match(md, /Target: debian 12\.11 \(f7767a46-386a-56c4-94df-13f192200202\) · Profile: container-baseline 0\.3\.0 · Auditor: 5\.24\.24/);
  assert.match(md, /\| Status \| Total \| Critical \| High \| Medium \| Low \| None \|/);
  assert.match(md, /\| Passed \| 6 \| 0 \| 1 \| 4 \| 1 \| 0 \|/);
  assert.match(md, /\| Not Applicable \| 1 \| 0 \| 0 \| 0 \| 0 \| 1 \|/);
  assert.match(md, /\| \*\*Total\*\* \| \*\*10\*\* \| 1 \| 1 \| 6 \| 1 \| 1 \|/);
  assert.match(md, /### Failed and errored controls \(3\)\n\n\| Control \| Status \| Severity \| Title \|\n\|---\|---\|---\|---\|\n\| fs-04 \| Failed \| critical \|/);

  const xss = parseReport({ profiles: [{ name: 'p', title: '<b>t</b>', controls: [{ id: 'a|b', title: '<img src=x onerror=alert(1)>', impact: 0.5, tags: {}, results: [{ status: 'failed', code_desc: 'x' }] }] }] });
  const out = toMarkdownSummary(xss);
  assert.ok(!out.includes('<img'), 'no raw tag');
  assert.ok(out.includes('&lt;img src=x onerror=alert(1)&gt;'));
  assert.ok(out.includes('| a\\|b |'), 'pipes cannot break the table');
  assert.equal(mdText('a\nb'), 'a b');
});
