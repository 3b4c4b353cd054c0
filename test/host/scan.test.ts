// Scanning in the real VS Code host against the emulator's demo cluster (the harness starts it and sets KUBECONFIG),
// with the TEST-DOUBLE auditor (test/fixtures/test-double-auditor.mjs) as kubeCompliance.auditor.path. The double
// really runs the profile's checks in the container through kubectl exec; expected values come from the demo-baseline
// profile and the demo images (Debian-like standard-app running as root, no /etc/kube-compliance/approved).
import * as assert from 'node:assert';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { parse } from 'yaml';
import type { KubeComplianceApi } from '../../src/extension';
import type { RunRecord } from '../../src/features/scan/types';
import { activateExtension, EXTENSION_ID, waitFor, nextFinishedRun } from './util';

const extRoot = (): string => vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
const DOUBLE = () => join(extRoot(), 'test/fixtures/test-double-auditor.mjs');
const PROFILE = () => join(extRoot(), 'test/fixtures/profiles/demo-baseline');
const cfg = () => vscode.workspace.getConfiguration('kubeCompliance');

function currentContext(): string {
  const kc = process.env.KUBECONFIG;
  assert.ok(kc && existsSync(kc), 'the harness sets KUBECONFIG to the demo cluster');
  const m = /^current-context:\s*"?([^"\n]+)"?/m.exec(readFileSync(kc, 'utf8'));
  return m ? m[1].trim() : 'demo-admin';
}

/** The bearer token of the current context's user in the demo kubeconfig (must never leave the temporary kubeconfig). */
function currentToken(): string {
  const doc = parse(readFileSync(process.env.KUBECONFIG!, 'utf8'));
  const ctx = doc.contexts.find((c: { name: string }) => c.name === currentContext());
  const token = doc.users.find((u: { name: string }) => u.name === ctx.context.user)?.user?.token;
  assert.ok(typeof token === 'string' && token.length > 8, 'the demo user has a token');
  return token;
}

const target = () => ({ context: currentContext(), namespace: 'demo', pod: 'standard-app', container: 'app' });

/** Private kubeconfig folders of scans started by this extension host. */
function scanTempDirs(): string[] {
  return readdirSync(tmpdir()).filter((n) => n.startsWith(`kube-compliance-scan-${process.pid}-`));
}

/** Processes whose environment points KUBECONFIG into `dir` (the auditor and every kubectl it started). */
function processesUsing(dir: string): number[] {
  const pids: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${p}/environ`, 'utf8').split('\0').some((e) => e.startsWith('KUBECONFIG=') && e.includes(dir))) pids.push(Number(p));
    } catch {
      // gone or not ours
    }
  }
  return pids;
}

suite('scan: the auditor as a VS Code task against the emulator', function () {
  this.timeout(120000);
  let api: KubeComplianceApi;
  let resultsDir: string;
  let first: RunRecord | undefined;

  suiteSetup(async () => {
    api = await activateExtension();
    const base = process.env.KC_TEST_RUN_DIR ?? tmpdir();
    mkdirSync(base, { recursive: true });
    resultsDir = mkdtempSync(join(base, 'scan-results-'));
    await cfg().update('auditor.path', DOUBLE(), vscode.ConfigurationTarget.Global);
    await cfg().update('resultsFolder', resultsDir, vscode.ConfigurationTarget.Global);
    await api.scan.auditors.discover(true);
  });

  suiteTeardown(async () => {
    delete process.env.KC_DOUBLE_NO_TRANSPORT;
    delete process.env.KC_DOUBLE_SLOW_MS;
    delete process.env.KC_DOUBLE_REQUIRE_LICENSE;
    await api.scan.profiles.setDefault(undefined);
    await cfg().update('auditor.path', undefined, vscode.ConfigurationTarget.Global);
    await cfg().update('resultsFolder', undefined, vscode.ConfigurationTarget.Global);
  });

  test('the test double is discovered as a ready auditor with the MITRE transport and enhanced outcomes', async () => {
    const d = await api.scan.auditors.discover(true);
    assert.equal(d.ready, true, JSON.stringify(d.problems));
    assert.equal(d.auditor?.path, DOUBLE());
    assert.equal(d.auditor?.transport?.name, 'train-k8s-container-mitre');
    // `plugin list` run without a terminal prints tty-table's vertical layout; the version is read from it
    assert.equal(d.auditor?.transport?.version, '2.2.0');
    assert.equal(d.auditor?.supportsEnhancedOutcomes, true);
  });

  test('scanning demo/standard-app/app runs a kube-compliance task and yields a report, a Runs entry and the results panel', async () => {
    const started: vscode.Task[] = [];
    const sub = vscode.tasks.onDidStartTask((e) => started.push(e.execution.task));
    const running: string[] = [];
    const sub2 = api.scan.onDidChangeRunning((r) => running.push(`${r.namespace}/${r.pod}/${r.container}:${api.scan.isRunning(r)}`));
    // the status bar item (private to the service): what it shows while the scan runs, and that it goes away
    const bar = (api.scan as unknown as { statusBar: vscode.StatusBarItem }).statusBar;
    const barShow = bar.show.bind(bar);
    const barHide = bar.hide.bind(bar);
    const statusBar: string[] = [];
    bar.show = () => (statusBar.push(`show ${bar.text}`), barShow());
    bar.hide = () => (statusBar.push('hide'), barHide());
    let record: RunRecord;
    try {
      record = await api.scan.run({ target: target(), profile: { profile: PROFILE() } });
    } finally {
      sub.dispose();
      sub2.dispose();
      bar.show = barShow;
      bar.hide = barHide;
    }
    assert.deepEqual(statusBar, ['show $(loading~spin) Scanning demo/standard-app/app', 'hide'], 'progress in the status bar while the scan runs');
    first = record;
    // a real task of our type, named after the target
    const task = started.find((t) => t.definition.type === 'kube-compliance');
    assert.ok(task, `a kube-compliance task started (saw ${started.map((t) => t.definition.type).join(', ')})`);
    assert.equal(task.name, 'Scan demo/standard-app/app');
    assert.equal(task.definition.pod, 'standard-app');
    assert.deepEqual(running, ['demo/standard-app/app:true', 'demo/standard-app/app:false'], 'progress events on the container');

    // the profile: demo-fs-03 (marker file) and demo-rt-03 (runs as root) fail, demo-rt-04 is impact 0
    assert.equal(record.outcome, 'failed', record.message);
    assert.equal(record.exitCode, 100);
    assert.match(record.message, /at least one test failed/);
    assert.equal(record.platform, 'debian');
    assert.ok(record.reportPath && existsSync(record.reportPath), 'the report exists');
    assert.ok(record.reportPath.startsWith(resultsDir), 'in kubeCompliance.resultsFolder');
    assert.deepEqual(
      { passed: record.counts?.passed, failed: record.counts?.failed, na: record.counts?.notApplicable, controls: record.counts?.controls },
      { passed: 4, failed: 2, na: 1, controls: 7 },
    );
    const raw = JSON.parse(readFileSync(record.reportPath, 'utf8'));
    const statuses = Object.fromEntries(raw.profiles[0].controls.map((c: { id: string; status: string }) => [c.id, c.status]));
    assert.equal(statuses['demo-fs-03'], 'failed');
    assert.equal(statuses['demo-rt-03'], 'failed');
    assert.equal(statuses['demo-rt-04'], 'not_applicable', '--enhanced-outcomes was passed');

    // recorded in the Scan runs view (workspaceState)
    assert.equal(api.scan.runs.runs[0].id, record.id);
    const item = api.scan.runs.getTreeItem({ kind: 'run', run: record });
    assert.equal(item.label, 'demo/standard-app/app');
    assert.equal(item.contextValue, 'run.report');
    assert.equal(item.command?.command, 'kubeCompliance.openRun');
    // the entry shows the profile, the counts and the time; its tooltip names the report
    const description = String(item.description);
    assert.ok(description.startsWith('demo-baseline · '), description);
    assert.match(description, /\b4 passed, 2 failed\b/);
    assert.match(description, /\b1 N\/A\b/);
    assert.ok(description.includes(new Date(record.startedAt).toLocaleString()), `the start time in ${description}`);
    assert.ok((item.tooltip as vscode.MarkdownString).value.includes(record.reportPath), 'the tooltip names the report');
    // the exact target handed to the auditor, which MITRE's transport (it ignores the URI's host) resolves to demo
    assert.equal(record.targetUri, 'k8s-container://demo/standard-app/app?namespace=demo');
    assert.deepEqual(record.transport, { name: 'train-k8s-container-mitre', version: '2.2.0' });
    assert.ok((item.tooltip as vscode.MarkdownString).value.includes('k8s-container://demo/standard-app/app?namespace=demo'), 'the tooltip names the target');
    assert.ok((item.tooltip as vscode.MarkdownString).value.includes('train-k8s-container-mitre 2.2.0'), 'the tooltip names the transport');

    // the results panel shows this report
    await waitFor('the results panel shows the report', () => api.results.latest?.path === record.reportPath);
    assert.ok(api.results.panel.view, 'the panel is open');
    // the Runs entry links back to its report once another report is shown
    const fixtures = process.env.KC_FIXTURES_DIR ?? join(extRoot(), 'test', 'fixtures');
    await vscode.commands.executeCommand('kubeCompliance.showResults', { reportPath: join(fixtures, 'reports', 'container-baseline-local.json') });
    assert.notEqual(api.results.latest?.path, record.reportPath);
    await vscode.commands.executeCommand(item.command!.command, ...(item.command!.arguments ?? []));
    await waitFor('the Runs entry reopens its report', () => api.results.latest?.path === record.reportPath);

    // the temporary kubeconfig is gone; the credentials were only ever in it
    assert.deepEqual(scanTempDirs(), []);
    const token = currentToken();
    assert.ok(!JSON.stringify(task.definition).includes(token), 'no token in the task definition');
    assert.ok(!JSON.stringify(record).includes(token), 'no token in the run record');
    assert.ok(!JSON.stringify(api.scan.runs.runs).includes(token), 'no token in workspaceState');
  });

  test('the Scan command on a tree node uses the workspace default profile', async () => {
    await api.scan.profiles.setDefault({ profile: PROFILE() });
    const node = {
      classification: {
        ...target(),
        pod: 'alpine-app',
        compatibility: 'Alpine',
        reason: 'busybox ash',
        approach: 'kubernetes-api',
        role: 'app',
        image: 'alpine:3.20',
      },
    };
    const record = (await vscode.commands.executeCommand('kubeCompliance.scan', node)) as RunRecord | undefined;
    assert.ok(record, 'the command returns the run record');
    assert.equal(record.target.pod, 'alpine-app');
    assert.equal(record.platform, 'alpine');
    assert.equal(record.outcome, 'failed');
    assert.equal(record.profile, PROFILE());
  });

  test('a tasks.json task (type kube-compliance) is resolved by the task provider and recorded', async () => {
    const def = { type: 'kube-compliance', namespace: 'demo', pod: 'standard-app', container: 'app', profile: PROFILE(), controls: ['demo-fs-01', 'demo-fs-02'] };
    const folder = vscode.workspace.workspaceFolders![0];
    const resolved = api.scan.resolveTask(new vscode.Task(def, folder, 'tasks.json scan', 'Workspace'));
    assert.ok(resolved?.execution instanceof vscode.CustomExecution);
    const done = nextFinishedRun(api);
    await vscode.tasks.executeTask(resolved);
    const record = await done;
    assert.equal(record.outcome, 'passed', record.message);
    assert.equal(record.exitCode, 0);
    assert.deepEqual(record.controls, ['demo-fs-01', 'demo-fs-02']);
    assert.equal(record.counts?.controls, 2, '--controls narrowed the run');
  });

  test('a profile path and an inputs file with spaces, quotes, $() and backticks reach the auditor verbatim and run nothing', async () => {
    const base = mkdtempSync(join(process.env.KC_TEST_RUN_DIR ?? tmpdir(), 'hostile-'));
    const hostile = `it's "a" $(touch kc-pwned-1) \`touch kc-pwned-2\` ;touch kc-pwned-3 & | touch kc-pwned-4`;
    const profileDir = join(base, `profile ${hostile}`);
    cpSync(PROFILE(), profileDir, { recursive: true });
    const inputs = join(base, `inputs ${hostile}.yml`);
    writeFileSync(inputs, 'policy_marker: /etc/passwd\n');
    const record = await api.scan.run({ target: target(), profile: { profile: profileDir, inputFile: inputs }, showResults: false, notify: false });
    assert.equal(record.exitCode, 100, record.message);
    assert.equal(record.profile, profileDir);
    // demo-fs-03 checks the file named by the policy_marker input: /etc/passwd exists, so the inputs file was read
    assert.deepEqual({ passed: record.counts?.passed, failed: record.counts?.failed }, { passed: 5, failed: 1 });
    const places = [base, profileDir, record.cwd, extRoot(), process.cwd(), tmpdir(), ...(vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath)];
    for (const dir of new Set(places)) {
      const pwned = existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith('kc-pwned')) : [];
      assert.deepEqual(pwned, [], `nothing was run by a shell in ${dir}`);
    }
  });

  test('cancelling leaves no auditor or kubectl process and no temporary kubeconfig; earlier results stay', async () => {
    process.env.KC_DOUBLE_SLOW_MS = '400';
    const cts = new vscode.CancellationTokenSource();
    const run = api.scan.run({ target: target(), profile: { profile: PROFILE() }, token: cts.token, showResults: false, notify: false });
    const dir = await waitFor('the scan has its private kubeconfig', () => scanTempDirs()[0], 30000, 50);
    const full = join(tmpdir(), dir);
    assert.equal(statSync(join(full, 'kubeconfig')).mode & 0o777, 0o600, 'the kubeconfig is 0600');
    await waitFor('the auditor and a kubectl are running', () => processesUsing(full).length >= 2, 30000, 50);
    const token = currentToken();
    for (const pid of processesUsing(full)) {
      let cmdline = '';
      try {
        cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        continue; // ended meanwhile
      }
      assert.ok(!cmdline.includes(token), 'no token on any command line of the run');
    }
    // the run's environment: MITRE's session mode off by default; no Chef licence answer was given, so none is passed
    const envs = processesUsing(full).map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      } catch {
        return undefined; // ended meanwhile
      }
    }).filter((e): e is string[] => !!e);
    assert.ok(envs.length > 0, 'the environment of a running process of the scan was read');
    for (const env of envs) {
      assert.ok(env.includes('TRAIN_K8S_SESSION_MODE=false'), 'TRAIN_K8S_SESSION_MODE=false (the setting defaults to off)');
      assert.ok(!env.some((e) => e.startsWith('CHEF_LICENSE=')), 'CHEF_LICENSE is never set on the user\'s behalf');
    }
    cts.cancel();
    const record = await run;
    delete process.env.KC_DOUBLE_SLOW_MS;
    assert.equal(record.outcome, 'cancelled');
    assert.equal(record.reportPath, undefined);
    assert.ok(!existsSync(full), 'the temporary kubeconfig folder is gone');
    await waitFor('no process of the run is left', () => processesUsing(full).length === 0, 5000, 100);
    assert.ok(first?.reportPath && existsSync(first.reportPath), 'the earlier report is untouched');
    assert.equal(api.scan.runs.runs[0].outcome, 'cancelled', 'the cancelled run is recorded too');
  });

  test('a shell-less container scanned directly is an error that says why, not a pass', async () => {
    // forced through the Kubernetes API approach: MITRE's transport finds no shell and refuses Train's piped probe
    const record = await api.scan.run({ target: { ...target(), pod: 'distroless-app' }, profile: { profile: PROFILE() }, showResults: false, notify: false });
    assert.equal(record.outcome, 'error');
    assert.equal(record.reportPath, undefined);
    assert.match(record.message, /has no shell for the transport to use/);
    assert.match(record.message, /\(The auditor said: Container has no shell - cannot execute complex command with operators: /);
    assert.doesNotMatch(record.message, /from \//, 'not a backtrace frame');
    assert.match(record.stderrTail ?? '', /inspec:11:in `<main>'/, 'the auditor\'s stderr is kept');
    assert.deepEqual(scanTempDirs(), [], 'the temporary kubeconfig is gone after a run that ended in an error');
  });

  test('the pre-fix target form fails with MITRE\'s transport the way it fails for real; the product\'s form reaches the pod', () => {
    // the auditor as the host runs it, with the old k8s-container://NS/POD/CONTAINER: MITRE's transport reads the path
    // only, looks for standard-app in "default", retries three times and ends with an uncaught Train::TransportError
    const old = spawnSync(process.execPath, [DOUBLE(), 'exec', PROFILE(), '-t', 'k8s-container://demo/standard-app/app', '--reporter', 'cli'], {
      encoding: 'utf8',
      env: { ...process.env, TRAIN_K8S_SESSION_MODE: 'false', KC_DOUBLE_RETRY_BASE_MS: '1' },
    });
    assert.equal(old.status, 1, old.stderr);
    assert.match(old.stderr.split('\n')[0], /Failed after 3 retries: Error from server \(NotFound\): pods "standard-app" not found \(Train::TransportError\)$/);
    const now = spawnSync(process.execPath, [DOUBLE(), 'detect', '-t', 'k8s-container://demo/standard-app/app?namespace=demo'], { encoding: 'utf8', env: { ...process.env, TRAIN_K8S_SESSION_MODE: 'false' } });
    assert.equal(now.status, 0, now.stderr);
    assert.match(now.stdout, /Name:\s+debian/);
  });

  test('a pod deleted between the click and the exec: one clear message, no report, no temporary kubeconfig', async () => {
    const kubectl = (...args: string[]) => spawnSync('kubectl', args, { encoding: 'utf8', env: process.env });
    const made = kubectl('run', 'short-lived', '-n', 'demo', '--image=demo.local/standard:12', '--restart=Never');
    assert.equal(made.status, 0, made.stderr);
    await waitFor('short-lived runs', () => /Running/.test(kubectl('get', 'pod', 'short-lived', '-n', 'demo', '-o', 'jsonpath={.status.phase}').stdout), 60000, 250);
    const del = kubectl('delete', 'pod', 'short-lived', '-n', 'demo', '--wait=true');
    assert.equal(del.status, 0, del.stderr);
    process.env.KC_DOUBLE_RETRY_BASE_MS = '1';
    let record: RunRecord;
    try {
      record = await api.scan.run({ target: { ...target(), pod: 'short-lived' }, profile: { profile: PROFILE() }, showResults: false, notify: false });
    } finally {
      delete process.env.KC_DOUBLE_RETRY_BASE_MS;
    }
    assert.equal(record.outcome, 'error');
    assert.equal(record.reportPath, undefined);
    assert.match(record.message, /The pod "short-lived" was not found in namespace "demo".*Refresh the explorer/);
    assert.deepEqual(scanTempDirs(), []);
  });

  test('a namespace that does not exist: one clear message naming it, no report, no temporary kubeconfig', async () => {
    // kubectl exec first GETs the pod; the API server answers `pods "NAME" not found` (its registry does not check the
    // namespace), then kubectl itself looks the namespace up and prints `namespaces "NS" not found` instead
    // (kubernetes/kubernetes#31594, resource builder's visitor) — real kubectl does this against the emulator too
    process.env.KC_DOUBLE_RETRY_BASE_MS = '1';
    let record: RunRecord;
    try {
      record = await api.scan.run({ target: { ...target(), namespace: 'no-such-ns' }, profile: { profile: PROFILE() }, showResults: false, notify: false });
    } finally {
      delete process.env.KC_DOUBLE_RETRY_BASE_MS;
    }
    assert.equal(record.outcome, 'error');
    assert.equal(record.reportPath, undefined);
    assert.match(record.message, /The namespace "no-such-ns" does not exist on this cluster.*Refresh the explorer/);
    assert.match(record.message, /\(The auditor said: Failed after 3 retries: Error from server \(NotFound\): namespaces "no-such-ns" not found \(Train::TransportError\)\)$/);
    assert.deepEqual(scanTempDirs(), []);
  });

  test('a missing transport or auditor gives the install guidance instead of a scan', async () => {
    process.env.KC_DOUBLE_NO_TRANSPORT = '1';
    try {
      await api.scan.auditors.discover(true); // discovery is cached; installing or removing a plugin is followed by "Check Auditor Again"
      // notifications and the install terminal are observed through stubs (no real terminal runs the install)
      const win = vscode.window as unknown as Record<'showErrorMessage' | 'showWarningMessage' | 'createTerminal', (...a: unknown[]) => unknown>;
      const originals = { showErrorMessage: win.showErrorMessage, showWarningMessage: win.showWarningMessage, createTerminal: win.createTerminal };
      const notes: Array<{ message: string; items: string[] }> = [];
      const modals: string[] = [];
      const sent: string[] = [];
      win.showErrorMessage = (...a: unknown[]) => (notes.push({ message: String(a[0]), items: a.slice(1).map(String) }), Promise.resolve(undefined));
      win.showWarningMessage = (...a: unknown[]) => {
        if ((a[1] as { modal?: boolean } | undefined)?.modal) {
          modals.push(`${String(a[0])}\n${String((a[1] as { detail?: string }).detail)}`);
          return Promise.resolve('Run in Terminal');
        }
        return Promise.resolve(undefined);
      };
      win.createTerminal = () => ({ name: 'stub', show: () => undefined, sendText: (t: string) => void sent.push(t), dispose: () => undefined });
      try {
        await assert.rejects(api.scan.run({ target: target(), profile: { profile: PROFILE() } }), /train-k8s-container-mitre/);
        const d = api.scan.auditors.last!;
        assert.equal(d.ready, false);
        const step = `${DOUBLE()} plugin install train-k8s-container-mitre`;
        assert.deepEqual(d.problems.find((p) => p.kind === 'transport-missing')?.steps.map((s) => s.command), [step]);
        // the notification says what to install and offers to do it
        const note = notes.find((n) => /train-k8s-container-mitre/.test(n.message));
        assert.ok(note, `a notification names the transport: ${JSON.stringify(notes)}`);
        assert.ok(note.items.includes('Install…'), note.items.join(', '));
        // Install… asks first (modal listing the commands), then runs exactly those steps in a terminal
        assert.equal(await vscode.commands.executeCommand('kubeCompliance.installAuditor'), true);
        assert.equal(modals.length, 1);
        assert.ok(modals[0].includes(step), modals[0]);
        assert.deepEqual(sent, [step]);
      } finally {
        Object.assign(win, originals);
      }
    } finally {
      delete process.env.KC_DOUBLE_NO_TRANSPORT;
    }
    await cfg().update('auditor.path', join(extRoot(), 'no-such-auditor'), vscode.ConfigurationTarget.Global);
    try {
      const runsBefore = api.scan.runs.runs.length;
      await assert.rejects(api.scan.run({ target: target(), profile: { profile: PROFILE() } }), /kubeCompliance\.auditor\.path/);
      assert.equal(api.scan.runs.runs.length, runsBefore, 'nothing was started');
      const cleared = await api.scan.auditors.discover(true);
      assert.equal(cleared.problems[0].kind, 'configured-path-missing');
      await cfg().update('auditor.path', '', vscode.ConfigurationTarget.Global);
      const none = await api.scan.auditors.discover(true);
      if (!none.auditor) {
        // no real auditor on this machine: the install steps name CINC Auditor and the MITRE transport
        const steps = none.problems.flatMap((p) => p.steps.map((s) => s.command)).join('\n');
        assert.match(steps, /omnitruck\.cinc\.sh/);
        assert.match(steps, /plugin install train-k8s-container-mitre/);
      }
    } finally {
      await cfg().update('auditor.path', DOUBLE(), vscode.ConfigurationTarget.Global);
      await api.scan.auditors.discover(true);
    }
  });

  test('Chef InSpec refusing without an accepted licence (exit 172) is explained, not shown as a result', async () => {
    // the double behaves like Chef InSpec from here on; no licence answer is recorded, so none is passed
    assert.equal(api.scan.auditors.licenseAnswer(), undefined);
    process.env.KC_DOUBLE_REQUIRE_LICENSE = '1';
    try {
      const record = await api.scan.run({ target: target(), profile: { profile: PROFILE() }, showResults: false, notify: false });
      assert.equal(record.exitCode, 172);
      assert.equal(record.outcome, 'license');
      assert.match(record.message, /Chef License was not accepted/);
      assert.equal(record.reportPath, undefined);
      assert.deepEqual(scanTempDirs(), [], 'the temporary kubeconfig is gone after the refused run');
    } finally {
      delete process.env.KC_DOUBLE_REQUIRE_LICENSE;
    }
  });

  test('Chef InSpec: the licence is asked once (modal), remembered, and only the user\'s answer is passed', async () => {
    // the double now says it is Chef InSpec and refuses without CHEF_LICENSE; the modal is answered by a stub
    const window = vscode.window as unknown as { showInformationMessage: (...a: unknown[]) => Thenable<unknown> };
    const original = window.showInformationMessage;
    const asked: Array<{ message: string; modal: boolean; items: string[] }> = [];
    window.showInformationMessage = (...a: unknown[]) => {
      const message = String(a[0]);
      if (!/Chef License/.test(message)) return original.apply(vscode.window, a);
      const items = a.slice(2).map(String);
      asked.push({ message, modal: (a[1] as { modal?: boolean } | undefined)?.modal === true, items });
      return Promise.resolve(items.find((i) => /accept-no-persist/.test(i)));
    };
    process.env.KC_DOUBLE_REQUIRE_LICENSE = '1';
    process.env.KC_DOUBLE_VERSION = 'Chef InSpec 5.22.40';
    try {
      assert.equal(api.scan.auditors.licenseAnswer(), undefined, 'no answer recorded yet');
      await api.scan.auditors.discover(true);
      const one = await api.scan.run({ target: target(), profile: { profile: PROFILE() }, showResults: false, notify: false });
      assert.equal(one.exitCode, 100, one.message);
      assert.equal(asked.length, 1, 'asked before the first scan');
      assert.ok(asked[0].modal, 'a modal question');
      assert.ok(asked[0].items.some((i) => /Decline/.test(i)), `declining is offered: ${asked[0].items.join(', ')}`);
      assert.equal(api.scan.auditors.licenseAnswer(), 'accept-no-persist');
      const two = await api.scan.run({ target: target(), profile: { profile: PROFILE() }, showResults: false, notify: false });
      assert.equal(two.exitCode, 100, two.message);
      assert.equal(asked.length, 1, 'not asked again');
    } finally {
      window.showInformationMessage = original;
      delete process.env.KC_DOUBLE_REQUIRE_LICENSE;
      delete process.env.KC_DOUBLE_VERSION;
      await api.scan.auditors.forgetLicense();
      await api.scan.auditors.discover(true);
    }
  });

  test('in a restricted (untrusted) workspace a scan is refused before anything starts, with a way to manage trust', async () => {
    const workspace = vscode.workspace as unknown as { isTrusted: boolean };
    const own = Object.getOwnPropertyDescriptor(workspace, 'isTrusted');
    const win = vscode.window as unknown as { showWarningMessage: (...a: unknown[]) => Thenable<unknown> };
    const originalWarning = win.showWarningMessage;
    const warnings: Array<{ message: string; items: string[] }> = [];
    win.showWarningMessage = (...a: unknown[]) => (warnings.push({ message: String(a[0]), items: a.slice(1).map(String) }), Promise.resolve(undefined));
    Object.defineProperty(workspace, 'isTrusted', { configurable: true, get: () => false });
    const started: string[] = [];
    const sub = vscode.tasks.onDidStartTask((e) => started.push(e.execution.task.definition.type));
    const runsBefore = api.scan.runs.runs.length;
    try {
      assert.equal(vscode.workspace.isTrusted, false, 'the stub is in place');
      await assert.rejects(api.scan.run({ target: target(), profile: { profile: PROFILE() } }), /restricted workspace/);
      assert.deepEqual(started, [], 'no task started');
      assert.equal(api.scan.runs.runs.length, runsBefore, 'nothing recorded');
      assert.deepEqual(scanTempDirs(), [], 'no temporary kubeconfig written');
      assert.equal(warnings.length, 1);
      assert.match(warnings[0].message, /Trust the workspace/);
      assert.deepEqual(warnings[0].items, ['Manage Workspace Trust']);
    } finally {
      sub.dispose();
      if (own) Object.defineProperty(workspace, 'isTrusted', own);
      else delete (workspace as { isTrusted?: boolean }).isTrusted;
      win.showWarningMessage = originalWarning;
    }
    assert.equal(vscode.workspace.isTrusted, true, 'trust restored');
  });

  test('the profile picker lists the workspace profiles; the default and recents are remembered', async () => {
    const found = await api.scan.profiles.workspaceProfiles();
    const baseline = found.find((p) => p.name === 'container-baseline');
    assert.ok(baseline, `the workspace's container-baseline profile is listed (${found.map((p) => p.name).join(', ')})`);
    assert.equal(baseline.title, 'Container Baseline (fixture)');
    // the fallback when the search service does not answer: the workspace folders read directly give the same list
    assert.deepEqual(await api.scan.profiles.workspaceProfiles(0), found);
    await api.scan.profiles.setDefault({ profile: baseline.path, inputFile: join(baseline.path, 'inputs.yml') });
    assert.deepEqual(api.scan.profiles.getDefault(), { profile: baseline.path, inputFile: join(baseline.path, 'inputs.yml') });
    assert.deepEqual(await api.scan.profiles.resolve(), api.scan.profiles.getDefault(), 'scans use the default without asking');
    await api.scan.profiles.remember({ profile: 'https://example.com/p.tar.gz' });
    assert.equal(api.scan.profiles.recents()[0].profile, 'https://example.com/p.tar.gz');
    await api.scan.profiles.setDefault(undefined);
  });

  test('the scan commands and the container menu entry are contributed', () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
    const inline = pkg.contributes.menus['view/item/context'].find((m: { command: string; group?: string }) => m.command === 'kubeCompliance.scan' && m.group?.startsWith('inline'));
    // on every container row but Kube Compliance's own helpers (contextValue container.helper)
    const re = new RegExp(/viewItem =~ \/(.*)\/$/.exec(inline.when)![1]);
    assert.ok(re.test('container.scannable') && re.test('container.unscannable') && !re.test('container.helper'), inline.when);
    assert.equal(pkg.contributes.commands.find((c: { command: string }) => c.command === 'kubeCompliance.scan').enablement, 'isWorkspaceTrusted');
    assert.ok(pkg.contributes.taskDefinitions.some((t: { type: string }) => t.type === 'kube-compliance'));
  });
});
