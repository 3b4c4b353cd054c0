// What the TEST-DOUBLE auditor (test/fixtures/test-double-auditor.mjs) reproduces of each real Kubernetes transport,
// pinned one behaviour at a time. Where each behaviour comes from upstream:
//
// Target URI → namespace/pod/container
//   inspec/train lib/train.rb `unpack_target_from_uri` (+ `parse_uri`, Addressable::URI): host, path as written,
//     query parameters merged into the options; reached from inspec/inspec lib/inspec/config.rb `_utc_merge_credset`.
//   inspec/train-k8s-container 1.3.1 lib/train/k8s/container/connection.rb `initialize`: options[:namespace] || host
//     || "default"; pod/container = first/last path segment.
//   mitre/train-k8s-container 2.2.0 lib/train-k8s-container/connection.rb `initialize`: path only (host ignored),
//     2 segments → namespace options[:namespace] || "default"; kubernetes_name_validator.rb (at most one '.').
// Errors and exit codes
//   inspec/inspec lib/inspec/cli.rb `exec`: ArgumentError/RuntimeError/Train::UserError → message only, exit 1;
//     others → `pretty_handle_exception` re-raises → Ruby's uncaught-exception report (ruby eval_error.c), exit 1.
//   MITRE retry_handler.rb (3 retries, 1/2/4 s, "Failed after 3 retries: …"), result_processor.rb (silent failure,
//     connection-error patterns, exit code from "command terminated with exit code N"), shell_detector.rb (`echo test`,
//     `test -x SHELL && echo OK`; "not found" in stderr → windows probes), kubectl_command_builder.rb (argv order),
//     kubectl_exec_client.rb (session mode unless TRAIN_K8S_SESSION_MODE=false), pty_session.rb (merged output, the
//     echo of a multi-line command left in it).
//   inspec 1.3.1 kubectl_exec_client.rb: one `kubectl exec … -- /bin/sh -c "CMD"` string through the local /bin/sh;
//     connection.rb `connect` runs `uname` and raises Train::K8s::Container::ConnectionError (a StandardError).
// Files: inspec/train lib/train/file/remote/unix.rb (`test -e P`), linux.rb (`cat P || echo -n`), extras/stat.rb
//   (`stat -L P 2>/dev/null --printf '%s\n%f\n…'`, exactly 9 lines or no stat).
// plugin list: inspec lib/plugins/inspec-plugin-manager-cli (cli_command.rb `list`, lib/inspec/ui.rb `table`,
//   tty-table's vertical fallback and its stderr notice; test/functional/helper.rb reads both layouts).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { targetUri } from '../../src/core/cluster/types';
import { parseReport } from '../../src/core/results';
import { parsePluginList } from '../../src/core/scan/auditor';
import { explainAuditorFailure, meaningfulStderrLine } from '../../src/core/scan/auditorFailure';
import { transportNoteFor } from '../../src/features/results/panelData';

const root = join(__dirname, '..', '..');
const DOUBLE = join(root, 'test/fixtures/test-double-auditor.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'kc-double-transports-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

interface Resolved {
  namespace?: string;
  pod?: string;
  container?: string;
  error?: string;
}
const loadDouble = async (): Promise<{ resolveTarget(uri: string, transport: string): Resolved }> => import(DOUBLE);

const TRANSPORTS = ['inspec-v1', 'mitre'] as const;

test('target URIs: the old host form reaches namespace "default" with MITRE\'s transport; ?namespace= reaches the pod with both', async () => {
  const { resolveTarget } = await loadDouble();
  const pick = (r: Resolved) => (r.error ? { error: r.error } : { namespace: r.namespace, pod: r.pod, container: r.container });
  const table: [string, Record<(typeof TRANSPORTS)[number], Resolved>][] = [
    ['k8s-container://demo/alpine-app/app', { 'inspec-v1': { namespace: 'demo', pod: 'alpine-app', container: 'app' }, mitre: { namespace: 'default', pod: 'alpine-app', container: 'app' } }],
    ['k8s-container://demo/alpine-app/app?namespace=demo', { 'inspec-v1': { namespace: 'demo', pod: 'alpine-app', container: 'app' }, mitre: { namespace: 'demo', pod: 'alpine-app', container: 'app' } }],
    // the triple-slash form MITRE's README uses loses the namespace with inspec's transport (pod = first segment)
    ['k8s-container:///demo/alpine-app/app', { 'inspec-v1': { namespace: 'default', pod: 'demo', container: 'app' }, mitre: { namespace: 'demo', pod: 'alpine-app', container: 'app' } }],
    ['k8s-container:///alpine-app/app', { 'inspec-v1': { namespace: 'default', pod: 'alpine-app', container: 'app' }, mitre: { namespace: 'default', pod: 'alpine-app', container: 'app' } }],
    ['k8s-container://demo', { 'inspec-v1': { error: 'Missing Parameter `pod`' }, mitre: { error: 'Missing Parameter `pod`' } }],
  ];
  for (const [uri, want] of table) for (const t of TRANSPORTS) assert.deepEqual(pick(resolveTarget(uri, t)), want[t], `${uri} with ${t}`);
  // MITRE's name check: at most one dot, which Kubernetes does not require
  assert.match(resolveTarget('k8s-container://demo/a.b.c/app?namespace=demo', 'mitre').error!, /^Invalid pod name 'a\.b\.c': must be RFC 1123 DNS subdomain/);
  assert.equal(resolveTarget('k8s-container://demo/a.b.c/app?namespace=demo', 'inspec-v1').pod, 'a.b.c');
});

test('the product\'s target URI resolves to the chosen container with both transports', async () => {
  const { resolveTarget } = await loadDouble();
  const refs = [
    { namespace: 'demo', pod: 'alpine-app', container: 'app' },
    { namespace: 'default', pod: 'web-5d9c8b7f6-x2x9q', container: 'nginx' },
    { namespace: 'kube-system', pod: 'coredns-1.a', container: 'coredns' },
    { namespace: 'a', pod: 'b', container: 'c' },
  ];
  for (const ref of refs) for (const t of TRANSPORTS) assert.deepEqual({ ...resolveTarget(targetUri(ref), t), uri: undefined }, { ...ref, uri: undefined }, `${targetUri(ref)} with ${t}`);
});

/** kubectl stand-ins: `local` runs the command after `--` on this machine; `missing` answers like a deleted pod. */
function kubectls(): { local: string; missing: string; log: string } {
  const dir = mkdtempSync(join(tmp, 'k-'));
  const log = join(dir, 'argv.log');
  const local = join(dir, 'kubectl-local');
  writeFileSync(local, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nwhile [ "$1" != "--" ]; do shift; done; shift; exec "$@"\n`);
  const missing = join(dir, 'kubectl-missing');
  writeFileSync(missing, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\necho 'Error from server (NotFound): pods "alpine-app" not found' >&2\nexit 1\n`);
  chmodSync(local, 0o755);
  chmodSync(missing, 0o755);
  return { local, missing, log };
}

function run(args: string[], env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, [DOUBLE, ...args], { encoding: 'utf8', env: { ...process.env, KC_DOUBLE_RETRY_BASE_MS: '1', ...env } });
}

function profile(name: string, controls: string): string {
  const dir = join(tmp, name);
  mkdirSync(join(dir, 'controls'), { recursive: true });
  writeFileSync(join(dir, 'inspec.yml'), `name: ${name}\nversion: 1.0.0\n`);
  writeFileSync(join(dir, 'controls', 'c.rb'), controls);
  return dir;
}

test('a missing pod, MITRE: 3 retries, then an uncaught Train::TransportError naming the pod; no report; the product explains it', () => {
  const k = kubectls();
  const out = join(tmp, 'missing-mitre.json');
  const p = profile('p-missing', "control 'c-1' do\n  describe file('/etc/passwd') do\n    it { should exist }\n  end\nend\n");
  const r = run(['exec', p, '-t', 'k8s-container://demo/alpine-app/app', '--reporter', 'cli', `json:${out}`], { KC_DOUBLE_KUBECTL: k.missing, KC_DOUBLE_TRANSPORT: 'mitre', TRAIN_K8S_SESSION_MODE: 'false' });
  assert.equal(r.status, 1);
  assert.equal(existsSync(out), false);
  const lines = r.stderr.trimEnd().split('\n');
  assert.match(lines[0], /retry_handler\.rb:29:in `rescue in with_retry': Failed after 3 retries: Error from server \(NotFound\): pods "alpine-app" not found \(Train::TransportError\)$/);
  assert.match(lines[lines.length - 1], /^\tfrom \/opt\/cinc-auditor\/bin\/inspec:11:in `<main>'$/);
  assert.equal((r.stdout.match(/WARN -- : Transient error \(attempt \d\/3\)/g) ?? []).length, 3, 'the retries are logged on stdout');
  // the old URI: MITRE's transport asked namespace "default"
  assert.match(readFileSync(k.log, 'utf8'), /^exec --stdin alpine-app -n default -c app -- \/bin\/sh -c echo test$/m);
  assert.equal(meaningfulStderrLine(r.stderr), 'Failed after 3 retries: Error from server (NotFound): pods "alpine-app" not found (Train::TransportError)');
  const f = explainAuditorFailure(r.stderr, { target: { namespace: 'demo', pod: 'alpine-app', container: 'app' } })!;
  assert.equal(f.kind, 'pod-not-found');
  assert.match(f.explanation, /namespace "demo"/);
});

test('a missing pod, inspec 1.3.1: `uname` at connect raises ConnectionError with kubectl\'s message', () => {
  const k = kubectls();
  const p = profile('p-missing-v1', "control 'c-1' do\n  describe file('/etc/passwd') do\n    it { should exist }\n  end\nend\n");
  const r = run(['exec', p, '-t', 'k8s-container://demo/alpine-app/app?namespace=demo', '--reporter', 'cli', `json:${join(tmp, 'v1.json')}`], { KC_DOUBLE_KUBECTL: k.missing, KC_DOUBLE_TRANSPORT: 'inspec-v1' });
  assert.equal(r.status, 1);
  assert.match(r.stderr.split('\n')[0], /connection\.rb:26:in `connect': Error from server \(NotFound\): pods "alpine-app" not found \(Train::K8s::Container::ConnectionError\)$/);
  assert.match(readFileSync(k.log, 'utf8'), /^exec --stdin alpine-app -n demo -c app -- \/bin\/sh -c uname$/m);
  assert.equal(r.stdout.includes('WARN'), false, 'inspec\'s transport does not retry');
});

test('an invalid name for MITRE: the ArgumentError message alone, exit 1, nothing run', () => {
  const k = kubectls();
  const r = run(['exec', profile('p-name', ''), '-t', 'k8s-container://demo/a.b.c/app?namespace=demo', '--reporter', `json:${join(tmp, 'n.json')}`], { KC_DOUBLE_KUBECTL: k.local, KC_DOUBLE_TRANSPORT: 'mitre' });
  assert.equal(r.status, 1);
  assert.equal(r.stderr, "Invalid pod name 'a.b.c': must be RFC 1123 DNS subdomain (lowercase alphanumeric, '-' or '.', start/end with alphanumeric)\n");
  assert.equal(existsSync(k.log), false);
});

test('MITRE one-off mode: a command that succeeds with no output is a Profile Error ("Silent failure"); `test …` is exempt; inspec\'s transport passes it', () => {
  const k = kubectls();
  const empty = join(tmp, 'empty-dir');
  mkdirSync(empty, { recursive: true });
  const p = profile(
    'p-silent',
    `control 'silent-1' do\n  describe command('find ${empty} -name nothing-here') do\n    its('stdout') { should eq '' }\n  end\nend\n\ncontrol 'exempt-1' do\n  describe command('test -d ${empty}') do\n    its('exit_status') { should eq 0 }\n  end\nend\n`,
  );
  const outcome = (transport: string) => {
    const out = join(tmp, `silent-${transport}.json`);
    const r = run(['exec', p, '-t', `k8s-container://demo/pod/app?namespace=demo`, '--reporter', `json:${out}`, '--enhanced-outcomes'], { KC_DOUBLE_KUBECTL: k.local, KC_DOUBLE_TRANSPORT: transport, TRAIN_K8S_SESSION_MODE: 'false' });
    return { r, report: parseReport(readFileSync(out, 'utf8')) };
  };
  const mitre = outcome('mitre');
  assert.equal(mitre.r.status, 100);
  const silent = mitre.report.controls.find((c) => c.id === 'silent-1')!;
  assert.equal(silent.status, 'Profile Error');
  assert.equal(silent.results[0].message, 'Failed after 3 retries: Silent failure - no output received');
  assert.equal(silent.results[0].exception, 'Train::TransportError');
  assert.match(transportNoteFor(silent, { name: 'train-k8s-container-mitre', version: '2.2.0' })!, /train-k8s-container-mitre 2\.2\.0 treats a command that succeeds with no output as a failure/);
  assert.equal(mitre.report.controls.find((c) => c.id === 'exempt-1')!.status, 'Passed');
  const v1 = outcome('inspec-v1');
  assert.equal(v1.r.status, 0, v1.r.stderr);
  assert.equal(v1.report.controls.find((c) => c.id === 'silent-1')!.status, 'Passed');
  assert.equal(transportNoteFor(v1.report.controls.find((c) => c.id === 'silent-1')!), undefined);
});

test('MITRE session mode (its default): the echo of Train\'s multi-line stat stays in the output, so file metadata is lost; one-off mode reads it', () => {
  const k = kubectls();
  const file = join(tmp, 'mode-644');
  writeFileSync(file, 'x\n');
  chmodSync(file, 0o644);
  const p = profile('p-session', `control 'mode-1' do\n  describe file('${file}') do\n    its('mode') { should cmp '0644' }\n  end\nend\n`);
  const status = (session: 'true' | 'false') => {
    const out = join(tmp, `session-${session}.json`);
    const r = run(['exec', p, '-t', 'k8s-container://demo/pod/app?namespace=demo', '--reporter', `json:${out}`], { KC_DOUBLE_KUBECTL: k.local, KC_DOUBLE_TRANSPORT: 'mitre', TRAIN_K8S_SESSION_MODE: session });
    assert.ok(existsSync(out), r.stderr);
    return parseReport(readFileSync(out, 'utf8')).controls[0].status;
  };
  assert.equal(status('false'), 'Passed');
  assert.equal(status('true'), 'Failed');
});

test('plugin list without a terminal is tty-table\'s vertical layout, with its notice on stderr; the product keeps the version', () => {
  for (const [transport, want] of [
    ['mitre', { name: 'train-k8s-container-mitre', version: '2.2.0' }],
    ['inspec-v1', { name: 'train-k8s-container', version: '1.3.1' }],
  ] as const) {
    const r = run(['plugin', 'list'], { KC_DOUBLE_TRANSPORT: transport });
    assert.equal(r.stderr, 'The table size exceeds the currently set width.Defaulting to vertical orientation.\n');
    assert.match(r.stdout, /^│ Plugin Name │ /m);
    assert.deepEqual(parsePluginList(r.stdout), [want]);
  }
});
