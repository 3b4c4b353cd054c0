import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { mapOutcomes } from '../../src/core/profiles/outcomes';
import { parseReport } from '../../src/core/results/index';

const REPORTS = join(__dirname, '..', 'fixtures', 'reports');
const report = (name: string) => parseReport(readFileSync(join(REPORTS, name), 'utf8'));

// container-baseline-local.json (results-semantics §9): fs-04 and acct-03 fail, rt-01 has impact 0 (N/A),
// rt-03 is `failed` with a NoMethodError backtrace (Profile Error), the rest pass.
test('outcomes: failed with the result message, skipped for N/A, errored for a backtrace, passed otherwise', () => {
  const byId = new Map(mapOutcomes(report('container-baseline-local.json')).map((o) => [o.id, o]));
  assert.equal(byId.size, 10);
  const fs04 = byId.get('fs-04')!;
  assert.equal(fs04.state, 'failed');
  assert.equal(fs04.messages.length, 1);
  assert.match(fs04.messages[0], /expected File \/etc\/kube-compliance\/approved to exist/);
  assert.equal(byId.get('acct-03')!.state, 'failed');
  assert.match(byId.get('acct-03')!.messages[0], /expected it to be <= 60/);
  const rt01 = byId.get('rt-01')!;
  assert.equal(rt01.state, 'skipped');
  assert.match(rt01.messages[0], /Not Applicable: impact 0/);
  const rt03 = byId.get('rt-03')!;
  assert.equal(rt03.state, 'errored');
  assert.match(rt03.messages[0], /NoMethodError/);
  for (const id of ['acct-01', 'acct-02', 'fs-01', 'fs-02', 'fs-03', 'rt-02']) assert.equal(byId.get(id)!.state, 'passed', id);
});

test('outcomes: a requested id missing from the report is errored, never passed', () => {
  const out = mapOutcomes(report('container-baseline-local-two-controls.json'), ['fs-04', 'fs-01']);
  assert.deepEqual(out.map((o) => [o.id, o.state]), [
    ['fs-04', 'failed'],
    ['fs-01', 'errored'],
  ]);
  assert.match(out[1].messages[0], /not in the report/);
});

test('outcomes: Not Reviewed (only skips) maps to skipped with the skip reason', () => {
  const out = mapOutcomes(report('rhel8-one-of-each-status.json'));
  const nr = out.filter((o) => o.status === 'Not Reviewed');
  assert.equal(nr.length, 1);
  assert.equal(nr[0].state, 'skipped');
  assert.match(nr[0].messages[0], /^Not Reviewed/);
});
