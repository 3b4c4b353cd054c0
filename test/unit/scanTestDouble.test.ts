// The test-double auditor (test/fixtures/test-double-auditor.mjs) against a stand-in kubectl that runs the command
// on this machine, so its parsing, checks, report shape and exit codes are pinned without a cluster. The host tests
// run it against the emulator for real.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { convertFile } from 'inspecjs';
import { assessReport } from '../../src/core/scan/exitCodes';
import { parseReport, summarize } from '../../src/core/results';

const root = join(__dirname, '..', '..');
const DOUBLE = join(root, 'test/fixtures/test-double-auditor.mjs');
const PROFILE = join(root, 'test/fixtures/profiles/demo-baseline');

function withTmp(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'kc-double-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** kubectl stand-ins: `local` runs the command after `--` here and logs its argv; `down` fails like an unreachable pod. */
function kubectls(dir: string): { local: string; down: string; log: string } {
  const log = join(dir, 'kubectl.log');
  const local = join(dir, 'kubectl-local');
  writeFileSync(local, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nwhile [ "$1" != "--" ]; do shift; done; shift; exec "$@"\n`);
  const down = join(dir, 'kubectl-down');
  writeFileSync(down, `#!/bin/sh\necho 'error: unable to upgrade connection: container not found ("app")' >&2\nexit 1\n`);
  chmodSync(local, 0o755);
  chmodSync(down, 0o755);
  return { local, down, log };
}

function run(args: string[], env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, [DOUBLE, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
}

test('the double announces itself as a test double', () => {
  const head = readFileSync(DOUBLE, 'utf8').split('\n').slice(0, 4).join('\n');
  assert.match(head, /TEST DOUBLE — NOT an auditor/);
});

test('exec runs the checks through kubectl exec, writes a schema-valid report and exits 100 on failures', () => {
  withTmp((dir) => {
    const k = kubectls(dir);
    const out = join(dir, 'r.json');
    const r = run(['exec', PROFILE, '-t', 'k8s-container://demo/standard-app/app?namespace=demo', '--reporter', 'cli', `json:${out}`, '--enhanced-outcomes'], { KC_DOUBLE_KUBECTL: k.local, KC_DOUBLE_TRANSPORT: 'inspec-v1' });
    assert.equal(r.status, 100, r.stderr);
    assert.match(r.stdout, /Profile Summary/);
    const text = readFileSync(out, 'utf8');
    assert.deepEqual(Object.keys(convertFile(text, true)), ['1_0_ExecJson'], 'inspecjs recognises exec JSON');
    const raw = JSON.parse(text);
    assert.equal(assessReport(raw).ok, true);
    // every exec went to the named pod and container, through /bin/sh -c (inspec-v1's argument order)
    // (one log line per call; Train's multi-line stat command continues on the lines that follow its call)
    const calls = readFileSync(k.log, 'utf8').trim().split('\n').filter((l) => l.startsWith('exec '));
    assert.ok(calls.length > 5);
    for (const c of calls) assert.match(c, /^exec --stdin standard-app -n demo -c app -- \/bin\/sh -c /);
    const p = raw.profiles[0];
    assert.deepEqual(p.groups, [
      { id: 'controls/filesystem.rb', controls: ['demo-fs-01', 'demo-fs-02', 'demo-fs-03'] },
      { id: 'controls/runtime.rb', controls: ['demo-rt-01', 'demo-rt-02', 'demo-rt-03', 'demo-rt-04'] },
    ]);
    const byId = Object.fromEntries(p.controls.map((c: { id: string }) => [c.id, c]));
    assert.deepEqual(byId['demo-fs-03'].source_location, { line: 28, ref: join(PROFILE, 'controls/filesystem.rb') });
    assert.equal(byId['demo-fs-03'].status, 'failed', 'the policy marker does not exist on this machine');
    assert.equal(byId['demo-rt-04'].status, 'not_applicable', 'impact 0');
    assert.equal(byId['demo-fs-01'].status, 'passed');
    const report = parseReport(text);
    assert.equal(report.controls.length, 7);
    assert.ok(summarize(report).failed >= 1);
  });
});

test('--controls narrows controls and groups; --input-file overrides an input; a waiver with run: false skips', () => {
  withTmp((dir) => {
    const k = kubectls(dir);
    const out = join(dir, 'r.json');
    const inputs = join(dir, 'in puts.yml');
    writeFileSync(inputs, 'policy_marker: /etc/passwd\n');
    const waivers = join(dir, 'waivers.yml');
    writeFileSync(waivers, "demo-rt-03:\n  justification: 'accepted risk: root in the demo'\n  run: false\n");
    const r = run(
      ['exec', PROFILE, '-t', 'k8s-container://demo/standard-app/app?namespace=demo', '--reporter', `json:${out}`, '--controls', 'demo-fs-03', 'demo-rt-03', '--input-file', inputs, '--waiver-file', waivers],
      { KC_DOUBLE_KUBECTL: k.local, TRAIN_K8S_SESSION_MODE: 'false' },
    );
    assert.equal(r.status, 101, `a waived skip and no failure: ${r.stderr}`);
    const p = JSON.parse(readFileSync(out, 'utf8')).profiles[0];
    assert.deepEqual(p.controls.map((c: { id: string }) => c.id), ['demo-fs-03', 'demo-rt-03']);
    assert.deepEqual(p.groups.map((g: { controls: string[] }) => g.controls), [['demo-fs-03'], ['demo-rt-03']]);
    assert.equal(p.controls[0].results[0].status, 'passed', '/etc/passwd exists');
    assert.deepEqual(p.attributes.find((a: { name: string }) => a.name === 'policy_marker').options.value, '/etc/passwd');
    assert.equal(p.controls[1].results[0].status, 'skipped');
    assert.equal(p.controls[1].waiver_data.skipped_due_to_waiver, true);
    assert.equal(p.controls[0].status, undefined, 'no enhanced outcomes unless asked');
  });
});

test('an unreachable container ends the run before any report: exit 1 with the transport\'s exception', () => {
  withTmp((dir) => {
    const k = kubectls(dir);
    for (const [transport, cls] of [['inspec-v1', 'Train::K8s::Container::ConnectionError'], ['mitre', 'ShellNotAvailableError']] as const) {
      const out = join(dir, `${transport}.json`);
      const r = run(['exec', PROFILE, '-t', 'k8s-container://demo/standard-app/app?namespace=demo', '--reporter', 'cli', `json:${out}`], { KC_DOUBLE_KUBECTL: k.down, KC_DOUBLE_TRANSPORT: transport, KC_DOUBLE_RETRY_BASE_MS: '1' });
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr.split('\n')[0], new RegExp(`\\(${cls.replace(/:/g, ':')}|${cls}`), r.stderr);
      assert.match(r.stderr, /\tfrom \/opt\/cinc-auditor\/bin\/inspec:11:in `<main>'\n$/);
      assert.equal(existsSync(out), false, 'no reporter ran');
    }
  });
});

test('constructs it does not understand are error results, never passes', () => {
  withTmp((dir) => {
    const k = kubectls(dir);
    const prof = join(dir, 'p');
    spawnSync('mkdir', ['-p', join(prof, 'controls')]);
    writeFileSync(join(prof, 'inspec.yml'), 'name: p\nversion: 0.0.1\n');
    writeFileSync(join(prof, 'controls', 'x.rb'), "control 'x-1' do\n  describe passwd do\n    its('users') { should include 'root' }\n  end\nend\n");
    const out = join(dir, 'r.json');
    const r = run(['exec', prof, '-t', 'k8s-container://demo/a/b?namespace=demo', '--reporter', `json:${out}`, '--enhanced-outcomes'], { KC_DOUBLE_KUBECTL: k.local, TRAIN_K8S_SESSION_MODE: 'false' });
    assert.equal(r.status, 100);
    const c = JSON.parse(readFileSync(out, 'utf8')).profiles[0].controls[0];
    assert.equal(c.status, 'error');
    assert.equal(c.results[0].exception, 'TestDoubleUnsupported');
  });
});

test('version, plugin list, check, and the Chef licence refusal', () => {
  assert.match(run(['version'], {}).stdout, /^\d+\.\d+\.\d+/);
  assert.match(run(['plugin', 'list'], {}).stdout, /│ Plugin Name │ train-k8s-container-mitre +│\n│ Version +│ 2\.2\.0 /);
  assert.doesNotMatch(run(['plugin', 'list'], { KC_DOUBLE_NO_TRANSPORT: '1' }).stdout, /train-k8s-container/);
  assert.equal(run(['version'], { KC_DOUBLE_REQUIRE_LICENSE: '1', CHEF_LICENSE: '' }).status, 172);
  assert.equal(run(['version'], { KC_DOUBLE_REQUIRE_LICENSE: '1', CHEF_LICENSE: 'accept-no-persist' }).status, 0);
  const chk = run(['check', PROFILE, '--format', 'json'], {});
  assert.equal(chk.status, 0);
  assert.deepEqual(JSON.parse(chk.stdout).summary.controls, 7);
  withTmp((dir) => {
    spawnSync('mkdir', ['-p', join(dir, 'controls')]);
    writeFileSync(join(dir, 'inspec.yml'), 'name: dup\n');
    writeFileSync(join(dir, 'controls', 'a.rb'), "control 'a' do\nend\n\ncontrol 'a' do\nend\n");
    const bad = run(['check', dir, '--format', 'json'], {});
    assert.equal(bad.status, 1);
    assert.match(JSON.parse(bad.stdout).errors[0].msg, /Duplicate control 'a'/);
    assert.equal(JSON.parse(bad.stdout).errors[0].line, 4);
  });
});
