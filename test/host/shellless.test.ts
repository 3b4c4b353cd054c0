// Shell-less containers in the real VS Code host against the emulator's demo cluster: the explorer's Scan command on
// demo/distroless-app/app goes through the debug-container approach (ephemeral helper), and demo/shared-pid-app/app
// through its scanner sidecar, with the TEST-DOUBLE auditor. The confirmation modal is answered through the
// extension's Confirmations service (answerQuestions in test/host/util.ts); the question itself is still asked and recorded.
import * as assert from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ContainerClassification } from '../../src/core/cluster/types';
import type { KubeComplianceApi } from '../../src/extension';
import type { RunRecord } from '../../src/features/scan/types';
import type { ExplorerNode } from '../../src/features/explorer/explorer';
import { activateExtension, answerQuestions, demoContainerNode, EXTENSION_ID, waitFor } from './util';

const extRoot = (): string => vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
const cfg = () => vscode.workspace.getConfiguration('kubeCompliance');

suite('shell-less: scanning distroless containers through a helper in the real VS Code host', function () {
  this.timeout(180000);
  let api: KubeComplianceApi;
  let resultsDir: string;

  suiteSetup(async () => {
    api = await activateExtension();
    if (!process.env.KUBECONFIG) throw new Error('KUBECONFIG is not set: the host test runner starts the demo cluster and passes it');
    const base = process.env.KC_TEST_RUN_DIR ?? tmpdir();
    mkdirSync(base, { recursive: true });
    resultsDir = mkdtempSync(join(base, 'shellless-results-'));
    await cfg().update('auditor.path', join(extRoot(), 'test/fixtures/test-double-auditor.mjs'), vscode.ConfigurationTarget.Global);
    await cfg().update('resultsFolder', resultsDir, vscode.ConfigurationTarget.Global);
    await api.scan.auditors.discover(true);
    await api.scan.profiles.setDefault({ profile: join(extRoot(), 'test/fixtures/profiles/distroless-target') });
    await api.shellless.forgetConsents();
    answerQuestions(api, { confirm: true });
  });

  suiteTeardown(async () => {
    answerQuestions(api, { confirm: undefined });
    delete process.env.KC_DOUBLE_TRANSPORT;
    await api.scan.profiles.setDefault(undefined);
    await cfg().update('auditor.path', undefined, vscode.ConfigurationTarget.Global);
    await cfg().update('resultsFolder', undefined, vscode.ConfigurationTarget.Global);
  });

  test('the explorer classifies distroless-app/app as Distroless, to be scanned through a debug container', async () => {
    const node = await demoContainerNode(api, 'distroless-app', 'app');
    const item = api.explorer.provider.getTreeItem(node);
    assert.match(String(item.description), /^Distroless · debug container/);
  });

  test('Scan on distroless-app/app: asks once, adds the helper, runs the task through it and opens the results', async () => {
    const node = await demoContainerNode(api, 'distroless-app', 'app');
    const asked = api.shellless.questions.length;
    const started: vscode.Task[] = [];
    const sub = vscode.tasks.onDidStartTask((e) => started.push(e.execution.task));
    let record: RunRecord | undefined;
    try {
      record = await vscode.commands.executeCommand<RunRecord | undefined>('kubeCompliance.scan', node);
    } finally {
      sub.dispose();
    }
    assert.ok(record, 'the Scan command returned a run record');
    assert.equal(api.shellless.questions.length, asked + 1, 'the user was asked before the pod changed');
    const q = api.shellless.questions.at(-1)!;
    assert.equal(q.approach, 'debug-container');
    assert.match(q.summary, /stays in the pod spec until the pod is replaced/);
    assert.equal(record.approach, 'debug-container');
    assert.match(record.transportTarget.container, /^kc-scan-helper(-\d+)?$/);
    assert.equal(record.approachDescription, `debug container ${record.transportTarget.container} → app`);
    const task = started.find((t) => t.definition.type === 'kube-compliance');
    assert.ok(task, 'a kube-compliance task ran');
    assert.match(task.name, /debug container kc-scan-helper/, 'the terminal title names the approach');
    // the report describes the target, not the helper: every control of distroless-target passed
    assert.equal(record.platform, 'debian', record.message);
    assert.equal(record.outcome, 'passed', `${record.message}\n${record.stderrTail ?? ''}`);
    assert.ok(record.reportPath && existsSync(record.reportPath));
    const raw = JSON.parse(readFileSync(record.reportPath, 'utf8'));
    assert.ok(raw.profiles[0].controls.some((c: { id: string }) => c.id === 'target-only-file'));
    await waitFor('the results panel shows the report', () => api.results.latest?.path === record.reportPath);
    assert.ok(api.results.panel.view, 'the results panel is open');
    // the explorer lists the helper under the pod as Kube Compliance's own, naming its target
    const helperNode = await demoContainerNode(api, 'distroless-app', record.transportTarget.container);
    const item = api.explorer.provider.getTreeItem(helperNode);
    assert.match(String(item.description), / · scan helper → app · /);
    assert.match((item.tooltip as vscode.MarkdownString).value, /Added by Kube Compliance to scan `app`/);
    assert.equal(item.contextValue, 'container.helper', 'no Scan or Pin on the helper itself: its target is scanned');
  });

  test('a second Scan reuses the same helper without asking again (MITRE transport)', async () => {
    process.env.KC_DOUBLE_TRANSPORT = 'mitre';
    const node = await demoContainerNode(api, 'distroless-app', 'app');
    const asked = api.shellless.questions.length;
    const before = api.scan.runs.runs[0];
    const record = await vscode.commands.executeCommand<RunRecord | undefined>('kubeCompliance.scan', node);
    assert.ok(record);
    assert.equal(api.shellless.questions.length, asked, 'not asked again for the same pod');
    assert.equal(record.transportTarget.container, before.transportTarget.container, 'the same ephemeral container');
    assert.equal(record.outcome, 'passed', record.message);
    const pod = await api.explorer.pool.client('demo-admin').getPodJson('demo', 'distroless-app');
    const ours = (pod.spec?.ephemeralContainers ?? []).filter((c: { name: string }) => c.name.startsWith('kc-scan-helper'));
    assert.equal(ours.length, 1, 'one helper in the pod spec');
  });

  test('Scan on shared-pid-app/app goes through its scanner sidecar', async () => {
    process.env.KC_DOUBLE_TRANSPORT = 'inspec-v1';
    const node = await demoContainerNode(api, 'shared-pid-app', 'app');
    const record = await vscode.commands.executeCommand<RunRecord | undefined>('kubeCompliance.scan', node);
    assert.ok(record);
    assert.equal(record.approach, 'sidecar');
    assert.equal(record.approachDescription, 'sidecar scanner → app');
    assert.equal(record.outcome, 'passed', record.message);
  });

  test('Add Scanner Sidecar on Deployment web shows the JSON patch as a read-only diff and, declined, changes nothing', async () => {
    answerQuestions(api, { confirm: false });
    try {
      const ok = await vscode.commands.executeCommand('kubeCompliance.addScannerSidecar', { kind: 'workload', context: 'demo-admin', namespace: 'demo', workloadKind: 'Deployment', name: 'web' });
      assert.equal(ok, false, 'declined: not applied');
    } finally {
      answerQuestions(api, { confirm: true });
    }
    const shown = await waitFor('the diff documents', () => {
      const docs = vscode.workspace.textDocuments.filter((d) => d.uri.scheme === 'kube-compliance-shellless');
      return docs.length >= 2 ? docs : undefined;
    });
    const after = shown.find((d) => d.uri.path.endsWith('web.with-scanner-sidecar.yaml'));
    assert.ok(after, `the patched side of the diff (saw ${shown.map((d) => d.uri.path).join(', ')})`);
    const text = after.getText();
    assert.match(text, /^# NOT APPLIED YET/);
    assert.match(text, /"path": "\/spec\/template\/spec\/shareProcessNamespace"/);
    assert.match(text, /shareProcessNamespace: true/);
    assert.match(text, /name: kc-scanner/);
    const dep = await api.explorer.pool.client('demo-admin').request<{ spec: { template: { spec: { containers: Array<{ name: string }>; shareProcessNamespace?: boolean } } } }>('GET', '/apis/apps/v1/namespaces/demo/deployments/web');
    assert.deepEqual(dep.spec.template.spec.containers.map((c) => c.name), ['web'], 'the Deployment was not changed');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('Add Scanner Sidecar is refused for a bare pod, without changing it', async () => {
    const ok = await vscode.commands.executeCommand('kubeCompliance.addScannerSidecar', { kind: 'workload', context: 'demo-admin', namespace: 'demo', workloadKind: 'Pod', name: 'distroless-app' });
    assert.equal(ok, false);
  });

  test('asked once per pod: a second helper in the same pod (another target) is added without a second question', async () => {
    const classification = (n: ExplorerNode) => (n as { classification: ContainerClassification }).classification;
    const app = classification(await demoContainerNode(api, 'multi-app', 'app'));
    const side = classification(await demoContainerNode(api, 'multi-app', 'sidecar'));
    const asked = api.shellless.questions.length;
    const first = await api.shellless.prepare('debug-container', app);
    assert.equal(api.shellless.questions.length, asked + 1, 'asked before the first helper was added');
    const q = api.shellless.questions.at(-1)!;
    assert.equal(q.pod, 'multi-app');
    assert.match(q.summary, /stays in the pod spec until the pod is replaced/);
    const second = await api.shellless.prepare('debug-container', side);
    assert.equal(api.shellless.questions.length, asked + 1, 'the pod was approved already: not asked again');
    assert.deepEqual([first.transportTarget.container, second.transportTarget.container], ['kc-scan-helper', 'kc-scan-helper-2']);
    const pod = await api.explorer.pool.client('demo-admin').getPodJson('demo', 'multi-app');
    assert.deepEqual(
      (pod.spec?.ephemeralContainers ?? []).map((c: { name: string; targetContainerName: string }) => [c.name, c.targetContainerName]),
      [
        ['kc-scan-helper', 'app'],
        ['kc-scan-helper-2', 'sidecar'],
      ],
    );
  });
});
