// The in-cluster runner (issue 16) in the real VS Code host against the emulator's demo cluster: with
// kubeCompliance.scan.runner = in-cluster, a fleet scan of a namespace and a single scan from the tree each run as
// Kubernetes Jobs whose image is the emulator's auditor double (fleet.local/kube-compliance/cinc-auditor-double:test,
// pushed by test/emulator/index.ts → auditor-image.ts: the TEST DOUBLE auditor with the real kubectl, never CINC
// Auditor). Reports come back through the Job pod's log, verified; nothing labelled is left in the cluster. Then the
// errors a user meets: no auditor image set, a shell-less container.
import * as assert from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { resolveReportPath } from '../../src/core/fleet/indexFile';
import { IN_CLUSTER_UNSUPPORTED } from '../../src/core/incluster/fleet';
import { MANAGED_BY } from '../../src/core/incluster/manifests';
import { NO_AUDITOR_IMAGE } from '../../src/core/incluster/single';
import type { KubeComplianceApi } from '../../src/extension';
import type { RunRecord } from '../../src/features/scan/types';
import { labelledObjects } from '../emulator/labelled';
import { activateExtension, demoContainerNode, EXTENSION_ID, waitFor } from './util';

const extRoot = (): string => vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
const PROFILE = () => join(extRoot(), 'test/fixtures/profiles/demo-baseline');
const cfg = () => vscode.workspace.getConfiguration('kubeCompliance');
/** test/emulator/auditor-image.ts AUDITOR_DOUBLE_IMAGE (the emulator's registry serves it to the Job's pod). */
const AUDITOR_DOUBLE_IMAGE = 'fleet.local/kube-compliance/cinc-auditor-double:test';

/** Every object in namespace demo labelled as Kube Compliance's (all kinds the runner creates, and the Job's pods). */
async function leftInCluster(api: KubeComplianceApi): Promise<string[]> {
  const client = api.pool.client();
  return labelledObjects(client, 'demo', `app.kubernetes.io/managed-by=${MANAGED_BY}`);
}

/** Records every progress notification's title and messages while `fn` runs (the real withProgress still runs). */
async function withProgressSeen<T>(fn: (seen: string[], onMessage: (cb: (m: string) => void) => void) => Promise<T>): Promise<{ result: T; seen: string[] }> {
  const win = vscode.window as unknown as { withProgress: typeof vscode.window.withProgress };
  const original = win.withProgress;
  const seen: string[] = [];
  const listeners: Array<(m: string) => void> = [];
  win.withProgress = ((options: vscode.ProgressOptions, task: (p: vscode.Progress<{ message?: string }>, t: vscode.CancellationToken) => Thenable<unknown>) =>
    original(options, (progress, token) => {
      if (options.location === vscode.ProgressLocation.Notification) seen.push(`title: ${options.title}${options.cancellable ? ' (cancellable)' : ''}`);
      return task({ report: (v) => (v.message && (seen.push(v.message), listeners.forEach((l) => l(v.message!))), progress.report(v)) }, token);
    })) as typeof vscode.window.withProgress;
  try {
    return { result: await fn(seen, (cb) => listeners.push(cb)), seen };
  } finally {
    win.withProgress = original;
  }
}

/** Records the error notifications shown while `fn` runs (and answers none). */
async function errorsShown(fn: () => Promise<unknown>): Promise<string[]> {
  const win = vscode.window as unknown as { showErrorMessage: (...a: unknown[]) => Thenable<unknown> };
  const original = win.showErrorMessage;
  const shown: string[] = [];
  win.showErrorMessage = (...a: unknown[]) => (shown.push(String(a[0])), Promise.resolve(undefined));
  try {
    await fn();
  } finally {
    win.showErrorMessage = original;
  }
  return shown;
}

suite('inCluster: scans as Jobs in the cluster (runner in-cluster, the emulator\'s auditor image)', function () {
  this.timeout(300000);
  let api: KubeComplianceApi;

  suiteSetup(async () => {
    api = await activateExtension();
    const base = process.env.KC_TEST_RUN_DIR ?? tmpdir();
    mkdirSync(base, { recursive: true });
    await cfg().update('resultsFolder', mkdtempSync(join(base, 'incluster-results-')), vscode.ConfigurationTarget.Global);
    await cfg().update('scan.runner', 'in-cluster', vscode.ConfigurationTarget.Global);
    await cfg().update('inCluster.auditorImage', AUDITOR_DOUBLE_IMAGE, vscode.ConfigurationTarget.Global);
    // no local auditor: an in-cluster scan must not need one
    await cfg().update('auditor.path', join(base, 'no-such-auditor'), vscode.ConfigurationTarget.Global);
    await api.scan.profiles.setDefault({ profile: PROFILE() });
  });

  suiteTeardown(async () => {
    api.confirmations.answerWith(undefined);
    await api.scan.profiles.setDefault(undefined);
    for (const k of ['resultsFolder', 'scan.runner', 'inCluster.auditorImage', 'auditor.path']) await cfg().update(k, undefined, vscode.ConfigurationTarget.Global);
  });

  test('Scan Namespace demo in-cluster: one Job per image, verified reports, the fleet report, shell-less skipped, nothing labelled left', async () => {
    const asked: string[] = [];
    api.confirmations.answerWith((q) => (asked.push(q.id), undefined));
    const run = await api.fleet.run({ kind: 'namespace', namespace: 'demo' }, undefined, { profile: { profile: PROFILE() }, dedupe: 'image' });
    assert.ok(run, 'the run happened');
    assert.deepEqual(asked, [], 'in-cluster changes no pod: nothing to ask');
    const { index, indexPath, plan } = run;
    assert.equal(index.complete, true);
    const done = index.items.filter((i) => i.outcome === 'done');
    assert.ok(done.length >= 3, `several containers done: ${JSON.stringify(run.counts)}; ${index.items.filter((i) => i.outcome === 'failed').map((i) => `${i.pod}/${i.container}: ${i.message}`).join(' | ')}`);
    // minimal-app has a shell but no cat/stat: MITRE's platform detection fails there (the local runner fails it the
    // same way); its row says so, from the Job's termination message. Every other scannable container is done.
    const failed = index.items.filter((i) => i.outcome === 'failed');
    for (const f of failed) assert.match(`${f.pod}/${f.container}: ${f.message}`, /^minimal-app\/app: The scan Job of demo\/minimal-app failed .*unable to detect your platform/s);
    assert.ok(index.items.some((i) => i.pod === 'standard-app' && i.outcome === 'done'));
    for (const i of done.filter((x) => !x.scannedAs)) assert.match(i.message ?? '', /Scanned in the cluster by Job demo\/kc-scan-\w+-\d+ \(report \d+ bytes, sha256 verified\)/);
    for (const i of done) assert.ok(existsSync(resolveReportPath(indexPath, i)!), `${i.pod}/${i.container} report`);
    const web = index.items.filter((i) => i.workload.kind === 'Deployment' && i.workload.name === 'web');
    assert.equal(new Set(web.map((i) => i.reportPath)).size, 1, 'the web replicas share one Job\'s report');
    assert.ok(plan.scans < plan.containers);
    const distroless = index.items.find((i) => i.pod === 'distroless-app' && i.container === 'app');
    assert.equal(distroless?.outcome, 'skipped');
    assert.ok(distroless?.message?.includes(IN_CLUSTER_UNSUPPORTED), distroless?.message);
    const view = api.fleet.panel.current;
    assert.ok(view, 'the fleet report opened');
    assert.equal(view.indexPath, indexPath);
    assert.match(view.html, /Fleet compliance: <span id="compliance">\d+%<\/span>/);
    assert.deepEqual(await leftInCluster(api), [], 'no labelled Job, Pod, ServiceAccount, Role, RoleBinding or ConfigMap is left');
  });

  test('Scan on demo/standard-app/app from the tree runs one Job with progress and ends in the results panel and Scan runs', async () => {
    const node = await demoContainerNode(api, 'standard-app', 'app');
    const finished: RunRecord[] = [];
    const sub = api.scan.onDidFinishRun((r) => finished.push(r));
    let record: RunRecord | undefined;
    let seen: string[];
    try {
      ({ result: record, seen } = await withProgressSeen(() => vscode.commands.executeCommand<RunRecord | undefined>('kubeCompliance.scan', node) as Promise<RunRecord | undefined>));
    } finally {
      sub.dispose();
    }
    assert.ok(record, `the command returned the run record; progress: ${seen.join(' | ')}`);
    assert.ok(record.outcome === 'passed' || record.outcome === 'failed', `${record.outcome}: ${record.message}`);
    assert.match(record.message, /Scanned in the cluster by Job demo\/kc-scan-\w+-0 \(report \d+ bytes, sha256 verified\)/);
    assert.match(record.approachDescription, /^in-cluster Job demo\/kc-scan-\w+-0 \(image fleet\.local\/kube-compliance\/cinc-auditor-double:test\)$/);
    assert.equal(record.platform, 'debian', 'the double read the target\'s os-release through kubectl exec from the Job');
    assert.ok(record.reportPath && existsSync(record.reportPath), 'the verified report is in the results folder');
    assert.ok(record.counts && record.counts.controls > 0);
    // progress: a cancellable notification that named the Job's phases
    assert.ok(seen.includes('title: Kube Compliance: scanning demo/standard-app/app in the cluster (cancellable)'), seen.join(' | '));
    assert.ok(seen.some((m) => /^creating Job demo\/kc-scan-/.test(m)), seen.join(' | '));
    assert.ok(seen.some((m) => /reading and verifying the report/.test(m)), seen.join(' | '));
    assert.ok(seen.some((m) => /^deleting Job/.test(m)), seen.join(' | '));
    // recorded like a local scan: onDidFinishRun (history), Scan runs, badge, results panel
    assert.deepEqual(finished.map((r) => r.id), [record.id]);
    assert.equal(api.scan.runs.find(record.id)?.reportPath, record.reportPath);
    assert.equal(api.scan.badges.get(record.target)?.reportPath, record.reportPath);
    assert.equal(api.results.latest?.path, record.reportPath, 'the results panel shows the report');
    await api.history.settled();
    assert.ok(api.history.groupOf(record.id), 'the run is in the scan history');
    assert.equal(api.scan.activeRuns.length, 0);
    assert.equal(api.scan.isRunning(record.target), false);
    assert.deepEqual(await leftInCluster(api), []);
  });

  test('Cancel while the Job runs: a cancelled run, no report, every labelled object deleted', async () => {
    const target = { context: api.explorer.activeContext() ?? '', namespace: 'demo', pod: 'standard-app', container: 'app' };
    const { result: record } = await withProgressSeen((_seen, onMessage) => {
      onMessage((m) => {
        if (/waiting for its pod|auditor is scanning/.test(m)) api.scan.cancelAll();
      });
      return api.scan.run({ target, notify: false });
    });
    assert.equal(record.outcome, 'cancelled', record.message);
    assert.equal(record.reportPath, undefined);
    assert.match(record.message, /Cancelled: the scan Job was stopped and deleted/);
    assert.equal(api.scan.runs.find(record.id)?.outcome, 'cancelled', 'the cancelled run is listed');
    await waitFor('nothing labelled left', async () => (await leftInCluster(api)).length === 0, 30000, 500);
  });

  test('errors: no auditor image names the setting; a shell-less container says to use the local runner; nothing is created or asked', async () => {
    const node = await demoContainerNode(api, 'standard-app', 'app');
    const newestBefore = api.scan.runs.runs[0]?.id;
    await cfg().update('inCluster.auditorImage', '', vscode.ConfigurationTarget.Global);
    try {
      const shown = await errorsShown(() => Promise.resolve(vscode.commands.executeCommand('kubeCompliance.scan', node)));
      assert.deepEqual(shown, [`Kube Compliance: ${NO_AUDITOR_IMAGE}`]);
    } finally {
      await cfg().update('inCluster.auditorImage', AUDITOR_DOUBLE_IMAGE, vscode.ConfigurationTarget.Global);
    }
    const asked = api.confirmations.asked.length;
    const distroless = await demoContainerNode(api, 'distroless-app', 'app');
    const shown = await errorsShown(() => Promise.resolve(vscode.commands.executeCommand('kubeCompliance.scan', distroless)));
    assert.equal(shown.length, 1, shown.join(' | '));
    assert.match(shown[0], /demo\/distroless-app\/app has no shell .*the in-cluster runner does not scan shell-less containers: set kubeCompliance\.scan\.runner to "local"/);
    assert.equal(api.confirmations.asked.length, asked, 'no helper was offered');
    assert.equal(api.scan.runs.runs[0]?.id, newestBefore, 'no run was started');
    assert.deepEqual(await leftInCluster(api), []);
  });
});
