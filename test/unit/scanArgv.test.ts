import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildExecArgs, displayCommand, ScanArgumentError, shellQuote, type ExecArgsInput } from '../../src/core/scan/argv';

const target = { namespace: 'demo', pod: 'standard-app', container: 'app' };
const base: ExecArgsInput = { profile: '/p/demo-baseline', target, resultFile: '/r/run.json', enhancedOutcomes: false, cwd: '/ws' };

/** What a child process really receives for this argv (started without a shell, as the scan task does). */
function received(args: string[]): string[] {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))', ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('the basic command line is exec PROFILE -t k8s-container://NS/POD/CTR?namespace=NS --reporter cli json:FILE', () => {
  // ?namespace=NS: MITRE's transport ignores the URI's host (see test/unit/testDoubleTransports.test.ts)
  assert.deepEqual(buildExecArgs(base), ['exec', '/p/demo-baseline', '-t', 'k8s-container://demo/standard-app/app?namespace=demo', '--reporter', 'cli', 'json:/r/run.json']);
});

test('enhanced outcomes, narrowed controls, inputs and waivers are appended in that order', () => {
  const args = buildExecArgs({ ...base, enhancedOutcomes: true, controls: ['fs-01', 'SV-1 with space'], inputFile: 'inputs.yml', waiverFile: '/w/waivers.yml' });
  assert.deepEqual(args.slice(7), ['--enhanced-outcomes', '--controls', 'fs-01', 'SV-1 with space', '--input-file', '/ws/inputs.yml', '--waiver-file', '/w/waivers.yml']);
});

test('relative profile and result paths become absolute, URLs are kept', () => {
  assert.equal(buildExecArgs({ ...base, profile: 'profiles/x' })[1], '/ws/profiles/x');
  assert.equal(buildExecArgs({ ...base, profile: 'https://example.com/p.tar.gz' })[1], 'https://example.com/p.tar.gz');
  assert.equal(buildExecArgs({ ...base, resultFile: 'out/r.json' })[6], 'json:/ws/out/r.json');
});

test('hostile profile paths and inputs reach the process verbatim and run nothing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kc-argv-'));
  try {
    const marker = join(dir, 'pwned');
    const hostile = [
      `my profile with spaces`,
      `it's "quoted"`,
      `$(touch ${marker})`,
      `\`touch ${marker}\``,
      `a\nnew line; touch ${marker}`,
      `-rf --chef-license accept`,
      `; touch ${marker} #`,
      `$HOME and \${PATH}`,
    ];
    for (const h of hostile) {
      const args = buildExecArgs({ ...base, profile: h, inputFile: h, waiverFile: `${h}.yml`, resultFile: `${h}.json`, cwd: dir });
      // a leading "-" can never reach the auditor as an option: local paths are absolute
      assert.equal(args[1], join(dir, h));
      assert.ok(args.filter((a) => a.startsWith('-')).every((a) => ['-t', '--reporter', '--input-file', '--waiver-file'].includes(a)), `no option smuggled in by ${JSON.stringify(h)}: ${JSON.stringify(args)}`);
      assert.deepEqual(received(args), args, `argv survives for ${JSON.stringify(h)}`);
      // the displayed command, pasted into a real shell, gives the same argv and runs nothing
      const shown = displayCommand('printargs', args);
      const sh = spawnSync('/bin/sh', ['-c', `printargs() { for a in "$@"; do printf '%s\\0' "$a"; done; }; ${shown}`], { encoding: 'utf8' });
      assert.equal(sh.status, 0, sh.stderr);
      assert.deepEqual(sh.stdout.split('\0').slice(0, -1), args, `display quoting round-trips for ${JSON.stringify(h)}`);
    }
    assert.ok(!existsSync(marker), 'no hostile input ran a command');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('control ids that the auditor would misread are refused with a clear error', () => {
  assert.throws(() => buildExecArgs({ ...base, controls: ['--reporter'] }), (e: unknown) => e instanceof ScanArgumentError && /starts with "-"/.test(e.message));
  assert.throws(() => buildExecArgs({ ...base, controls: ['ok', 'bad\nid'] }), (e: unknown) => e instanceof ScanArgumentError && /control characters/.test(e.message));
  assert.throws(() => buildExecArgs({ ...base, controls: [''] }), ScanArgumentError);
  // quotes, $() and backticks in a control id are just characters
  assert.deepEqual(buildExecArgs({ ...base, controls: ['$(id)', '`id`', `x'y"z`] }).slice(-4), ['--controls', '$(id)', '`id`', `x'y"z`]);
});

test('target names must be Kubernetes names, so the URI cannot be bent', () => {
  for (const t of [
    { ...target, namespace: 'Demo' },
    { ...target, namespace: 'demo/other' },
    { ...target, pod: 'pod name' },
    { ...target, pod: '-pod' },
    { ...target, container: 'app/../x' },
    { ...target, container: '$(id)' },
  ]) {
    assert.throws(() => buildExecArgs({ ...base, target: t }), ScanArgumentError, JSON.stringify(t));
  }
  assert.equal(buildExecArgs({ ...base, target: { namespace: 'ns-1', pod: 'web-5d9c.x-1', container: 'c1' } })[3], 'k8s-container://ns-1/web-5d9c.x-1/c1?namespace=ns-1');
});

test('an empty profile or a URL with a newline is refused', () => {
  assert.throws(() => buildExecArgs({ ...base, profile: '  ' }), /No profile/);
  assert.throws(() => buildExecArgs({ ...base, profile: 'https://x/\n--controls' }), /control characters/);
  assert.throws(() => buildExecArgs({ ...base, profile: 'a\0b' }), /NUL/);
});

test('shellQuote leaves plain words alone and quotes everything else', () => {
  assert.equal(shellQuote('json:/tmp/a.json'), 'json:/tmp/a.json');
  assert.equal(shellQuote(''), `''`);
  assert.equal(shellQuote(`it's`), `'it'\\''s'`);
  assert.equal(shellQuote('$(id)'), `'$(id)'`);
});
