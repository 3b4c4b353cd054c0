import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assessReport, explainExit } from '../../src/core/scan/exitCodes';

const fixtures = process.env.KC_FIXTURES_DIR ?? join(__dirname, '..', 'fixtures');

test('exit codes are explained in words, and only 0/100/101 mean "read the report"', () => {
  const cases: Array<[number, string, boolean, RegExp]> = [
    [0, 'passed', true, /no test failed or was skipped/],
    [100, 'failed', true, /at least one test failed/],
    [101, 'skipped', true, /skipped tests and no failures/],
    [1, 'error', false, /error/],
    [172, 'license', false, /Chef License was not accepted/],
    [2, 'error', false, /unexpected exit code/],
  ];
  for (const [code, outcome, completed, message] of cases) {
    const e = explainExit(code);
    assert.equal(e.outcome, outcome, `exit ${code}`);
    assert.equal(e.completed, completed, `exit ${code}`);
    assert.match(e.message, message);
  }
  assert.equal(explainExit(null, 'SIGKILL').outcome, 'error');
  assert.match(explainExit(null, 'SIGKILL').message, /SIGKILL/);
  assert.equal(explainExit(100, null, true).outcome, 'cancelled', 'a cancelled run is cancelled whatever the code');
});

test('a real report with a platform and results is accepted', () => {
  const raw = JSON.parse(readFileSync(join(fixtures, 'reports/container-baseline-local-enhanced.json'), 'utf8'));
  const a = assessReport(raw);
  assert.equal(a.ok, true);
  assert.equal(a.platform, 'debian');
  assert.equal(a.controls, 10);
  assert.equal(a.results, 12);
});

test('platform "unknown" is an error, not a pass (MITRE exits 101 with zero tests when it cannot reach the target)', () => {
  const raw = {
    platform: { name: 'unknown', release: 'unknown' },
    profiles: [{ name: 'p', status: 'skipped', status_message: 'Skipping profile: p on unsupported platform: unknown/unknown.', controls: [] }],
    statistics: { duration: 0.01 },
    version: '5.24.24',
  };
  const a = assessReport(raw);
  assert.equal(a.ok, false);
  assert.match(a.problem!, /could not identify the target/);
  assert.match(a.problem!, /unsupported platform/, 'the auditor\'s own reason is quoted');
});

test('a known platform with no test result at all is an error too', () => {
  const a = assessReport({ platform: { name: 'debian', release: '12' }, profiles: [{ name: 'p', controls: [{ id: 'x', results: [] }] }] });
  assert.equal(a.ok, false);
  assert.match(a.problem!, /No control ran \(1 controls, 0 test results\)/);
  assert.equal(assessReport({ platform: { name: 'alpine' }, profiles: [] }).ok, false);
  assert.equal(assessReport(null).ok, false);
});

test('skipped results still count as having run', () => {
  const a = assessReport({ platform: { name: 'alpine', release: '3.20' }, profiles: [{ controls: [{ id: 'x', results: [{ status: 'skipped' }] }] }] });
  assert.equal(a.ok, true);
});
