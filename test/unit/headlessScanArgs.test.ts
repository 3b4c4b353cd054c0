// `kube-compliance scan`'s command line (src/core/fleet/headless.ts parseScanArgs): selections, options, defaults and
// every usage error a CI author can make.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { countsLine, describeSelection, parseScanArgs, SCAN_EXIT, ScanUsageError } from '../../src/core/fleet/headless';

const P = ['--profile', 'prof'];

test('selections: -n, -l with -n or --all-namespaces, --all-namespaces, NS/POD[/CONTAINER]', () => {
  assert.deepEqual(parseScanArgs(['-n', 'demo', ...P]).selection, { kind: 'namespace', namespace: 'demo' });
  assert.deepEqual(parseScanArgs(['--namespace=demo', ...P]).selection, { kind: 'namespace', namespace: 'demo' });
  assert.deepEqual(parseScanArgs(['-l', 'app=web', '-n', 'demo', ...P]).selection, { kind: 'selector', selector: 'app=web', namespace: 'demo' });
  assert.deepEqual(parseScanArgs(['-l', 'app in (a,b)', '--all-namespaces', ...P]).selection, { kind: 'selector', selector: 'app in (a,b)' });
  assert.deepEqual(parseScanArgs(['-A', ...P]).selection, { kind: 'all-namespaces' });
  assert.deepEqual(parseScanArgs(['demo/web-1', 'demo/multi-app/sidecar', ...P]).selection, {
    kind: 'containers',
    containers: [{ namespace: 'demo', pod: 'web-1' }, { namespace: 'demo', pod: 'multi-app', container: 'sidecar' }],
  });
});

test('defaults: concurrency 4, dedupe image, shell-less skipped unless --allow-pod-changes', () => {
  const o = parseScanArgs(['-n', 'demo', '--profile', 'p']);
  assert.equal(o.concurrency, 4);
  assert.equal(o.dedupe, 'image');
  assert.equal(o.allowPodChanges, false);
  assert.equal(o.skipShellLess, false);
  assert.equal(o.out, undefined);
  assert.equal(o.auditor, undefined);
});

test('every option is read', () => {
  const o = parseScanArgs([
    '-n', 'demo', '--profile', 'https://example.com/p.tar.gz', '--input-file', 'in.yml', '--waiver-file', 'w.yml', '--context', 'ctx', '--kubeconfig', 'kc',
    '--concurrency', '8', '--dedupe', 'none', '--out', 'dir', '--auditor', '/opt/cinc/bin/cinc-auditor', '--allow-pod-changes', '--helper-image', 'busybox:1',
  ]);
  assert.deepEqual(
    { ...o, selection: undefined },
    {
      selection: undefined, profile: 'https://example.com/p.tar.gz', inputFile: 'in.yml', waiverFile: 'w.yml', context: 'ctx', kubeconfig: 'kc', concurrency: 8,
      dedupe: 'none', out: 'dir', auditor: '/opt/cinc/bin/cinc-auditor', allowPodChanges: true, skipShellLess: false, helperImage: 'busybox:1',
    },
  );
  assert.equal(parseScanArgs(['-n', 'demo', ...P, '--skip-shell-less']).skipShellLess, true);
});

test('usage errors name what is wrong', () => {
  const bad: Array<[string[], RegExp]> = [
    [[...P], /needs a selection/],
    [['-n', 'demo'], /--profile/],
    [['-l', 'app=web', ...P], /-l needs -n NS or --all-namespaces/],
    [['-l', 'app=web', '-n', 'demo', '-A', ...P], /not both/],
    [['-n', 'demo', '-A', ...P], /not both/],
    [['-n', 'demo', 'demo/pod', ...P], /not both/],
    [['-l', '=web', '-n', 'demo', ...P], /invalid label selector/],
    [['-l', ' ', '-n', 'demo', ...P], /empty/],
    [['-n', 'Demo_NS', ...P], /not a valid namespace name/],
    [['demo', ...P], /not NS\/POD/],
    [['demo/a/b/c', ...P], /not NS\/POD/],
    [['demo//c', ...P], /not NS\/POD/],
    [['-n', 'demo', ...P, '--concurrency', '0'], /--concurrency/],
    [['-n', 'demo', ...P, '--concurrency', 'four'], /--concurrency/],
    [['-n', 'demo', ...P, '--dedupe', 'digest'], /--dedupe must be image or none/],
    [['-n', 'demo', ...P, '--profile', 'other'], /given twice/],
    [['-n', 'demo', ...P, '--frobnicate'], /does not take --frobnicate/],
    [['-n', 'demo', ...P, '--out'], /--out needs a value/],
    [['-n', 'demo', ...P, '--skip-shell-less', '--allow-pod-changes'], /contradict/],
    [['-n', 'demo', ...P, '--all-namespaces=yes'], /takes no value/],
  ];
  for (const [args, re] of bad) {
    assert.throws(() => parseScanArgs(args), (e: Error) => e instanceof ScanUsageError && re.test(e.message), args.join(' '));
  }
});

test('exit codes are distinct and documented values', () => {
  assert.deepEqual(SCAN_EXIT, { ok: 0, usage: 2, setup: 3, failed: 4, nothing: 5, cancelled: 130 });
});

test('progress line and selection descriptions', () => {
  assert.equal(countsLine({ total: 10, queued: 2, running: 3, done: 2, failed: 1, skipped: 1, cancelled: 1 }), '[5/10] 2 done, 1 failed, 1 not scannable, 1 cancelled, 3 running, 2 queued');
  assert.equal(describeSelection({ kind: 'selector', selector: 'app=web', namespace: 'demo' }), 'pods matching app=web in namespace demo');
  assert.equal(describeSelection({ kind: 'containers', containers: [{ namespace: 'a', pod: 'b' }, { namespace: 'a', pod: 'c', container: 'd' }] }), 'a/b, a/c/d');
});

// the CLI as a process: usage errors exit 2 with the scan usage, --help exits 0 and documents the exit codes
const root = join(__dirname, '..', '..');
const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli.ts'), ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });

test('kube-compliance scan: a usage error exits 2; --help exits 0 and lists the exit codes', () => {
  const bad = cli(['scan', '-l', 'app=web', '--profile', 'p']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /-l needs -n NS or --all-namespaces/);
  assert.match(bad.stderr, /kube-compliance scan \(-n NS/);
  const help = cli(['scan', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Exit codes: 0 every scannable container scanned; 2 usage error; 3 could not start/);
  assert.match(help.stdout, /5 nothing matched or nothing scannable; 130 cancelled/);
  assert.match(cli(['--help']).stdout, /kube-compliance scan/);
});

test('kube-compliance scan: what stops it before it starts exits 3 (auditor not executable, --out not empty)', () => {
  const r = cli(['scan', '-n', 'demo', '--profile', 'test/fixtures/profiles/demo-baseline', '--auditor', '/nonexistent/auditor', '--out', join(root, 'test', 'fixtures')]);
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stderr, /--out .* is not empty/);
  const a = cli(['scan', '-n', 'demo', '--profile', 'test/fixtures/profiles/demo-baseline', '--auditor', '/nonexistent/auditor']);
  assert.equal(a.status, 3, a.stderr);
  assert.match(a.stderr, /--auditor \/nonexistent\/auditor is not an executable file/);
});
