import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { interpretRun, taskExitCode, type RunFacts } from '../../src/core/scan/interpretRun';

// Run interpretation moved out of the VS Code scan service (issue 14): exit code + stderr + report text → outcome.
// Reports are the real Chef InSpec 5.24 ones in test/fixtures/reports (container-baseline-local: 10 controls; rt-01 has
// impact 0 → Not Applicable, rt-03's failed result carries a backtrace → Profile Error, Heimdall's rules). Exit codes as InSpec documents them (docs/inspec/cli: 0, 1, 100, 101, 172).
const FIXTURES = process.env.KC_FIXTURES_DIR ?? join(__dirname, '..', 'fixtures');
const report = readFileSync(join(FIXTURES, 'reports', 'container-baseline-local.json'), 'utf8');
const target = { context: 'demo-admin', namespace: 'demo', pod: 'standard-app', container: 'app' };
const facts = (over: Omit<Partial<RunFacts>, 'end'> & { end?: Partial<RunFacts['end']> }): RunFacts => ({
  resultFile: '/results/run.json',
  reportText: undefined,
  auditorPath: '/usr/bin/cinc-auditor',
  target,
  transportTarget: target,
  transport: { name: 'train-k8s-container-mitre', version: '2.2.0' },
  ...over,
  end: { code: 0, signal: null, cancelled: false, stderr: '', ...over.end },
});

test('exit 100 with a real report: failed, its counts, the report may be shown', () => {
  const r = interpretRun(facts({ end: { code: 100 }, reportText: report }));
  assert.equal(r.outcome, 'failed');
  assert.equal(r.reportPath, '/results/run.json');
  assert.deepEqual({ passed: r.counts?.passed, failed: r.counts?.failed, na: r.counts?.notApplicable, error: r.counts?.error, controls: r.counts?.controls }, { passed: 6, failed: 2, na: 1, error: 1, controls: 10 });
  assert.equal(r.platform, JSON.parse(report).platform.name);
  assert.equal(taskExitCode({ outcome: r.outcome, reportPath: r.reportPath, exitCode: 100 }), 100);
});

test('exit 0 without a report is an error that names the missing file, never a pass', () => {
  const r = interpretRun(facts({ end: { code: 0 } }));
  assert.equal(r.outcome, 'error');
  assert.equal(r.reportPath, undefined);
  assert.match(r.message, /no JSON report was written to \/results\/run\.json/);
  assert.equal(taskExitCode({ outcome: r.outcome, exitCode: 0 }), 1, 'a "completed" code without a report still fails the task');
});

test('a report whose platform is unknown is an error: the scan never reached the container', () => {
  const raw = JSON.parse(report);
  raw.platform = { name: 'unknown', release: 'unknown' };
  const r = interpretRun(facts({ end: { code: 101 }, reportText: JSON.stringify(raw) }));
  assert.equal(r.outcome, 'error');
  assert.equal(r.platform, 'unknown');
  assert.match(r.message, /could not identify the target/);
});

test('a truncated report is an error that says it is not valid JSON', () => {
  const r = interpretRun(facts({ end: { code: 0 }, reportText: report.slice(0, 200) }));
  assert.equal(r.outcome, 'error');
  assert.match(r.message, /not valid JSON/);
});

test('exit 1: the explanation comes from the exception line of stderr, its tail is kept and redacted', () => {
  const stderr = [
    'W, [2026-12-05T19:01:01.123456 #42]  WARN -- : Transient error (attempt 1/3): Error from server (NotFound): pods "standard-app" not found, retrying in 1s',
    `/opt/gems/train-k8s-container-mitre-2.2.0/lib/train-k8s-container/retry_handler.rb:29:in 'with_retry': Failed after 3 retries: Error from server (NotFound): pods "standard-app" not found (Train::TransportError)`,
    "\tfrom /opt/cinc-auditor/bin/inspec:11:in '<main>'",
    'Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123456789',
  ].join('\n');
  const r = interpretRun(facts({ end: { code: 1, stderr } }));
  assert.equal(r.outcome, 'error');
  assert.match(r.message, /The pod "standard-app" was not found in namespace "demo"/);
  assert.match(r.message, /\(The auditor said: Failed after 3 retries: .*\(Train::TransportError\)\)$/);
  assert.ok(r.stderrTail?.includes("inspec:11:in '<main>'"));
  assert.ok(!r.stderrTail?.includes('abcdefghijklmnopqrstuvwxyz0123456789'), 'no token in the kept stderr');
});

test('cancelled: its own partial report is discarded, earlier results are kept; the task ends with 130', () => {
  const r = interpretRun(facts({ end: { code: null, signal: 'SIGTERM', cancelled: true }, reportText: report }));
  assert.equal(r.outcome, 'cancelled');
  assert.equal(r.discardReport, true);
  assert.equal(r.reportPath, undefined);
  assert.match(r.message, /Earlier results are kept\.$/);
  assert.equal(taskExitCode({ outcome: 'cancelled', exitCode: null }), 130);
});

test('an auditor that cannot be started says which path, and the Chef licence exit is its own outcome', () => {
  const spawn = interpretRun(facts({ end: { code: null, spawnError: 'spawn /usr/bin/cinc-auditor EACCES' } }));
  assert.equal(spawn.outcome, 'error');
  assert.equal(spawn.message, 'The auditor /usr/bin/cinc-auditor could not be started: spawn /usr/bin/cinc-auditor EACCES');
  const license = interpretRun(facts({ end: { code: 172 } }));
  assert.equal(license.outcome, 'license');
  assert.equal(taskExitCode({ outcome: 'license', exitCode: 172 }), 172);
});
