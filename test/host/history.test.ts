// Scan history in the real VS Code host against the emulator's demo cluster, with the TEST-DOUBLE auditor
// (test/fixtures/test-double-auditor.mjs): three scans of the demo Deployment `web` (two pods of it), the second and
// third with an inputs file that points demo-baseline's `policy_marker` input at a file that exists (the control's own
// description says this makes it pass). Checks the history index in the results folder, the Scan runs view grouped by
// the workload, retention, and the history page's drift and chart.
import * as assert from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { KubeComplianceApi } from '../../src/extension';
import { isRegression } from '../../src/core/history/drift';
import type { HistoryView } from '../../src/features/history/historyService';
import type { RescanOutcome } from '../../src/features/history/watchService';
import { activateExtension, answerQuestions, EXTENSION_ID } from './util';

const extRoot = (): string => vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
const DOUBLE = () => join(extRoot(), 'test/fixtures/test-double-auditor.mjs');
const PROFILE = () => join(extRoot(), 'test/fixtures/profiles/demo-baseline');
const cfg = () => vscode.workspace.getConfiguration('kubeCompliance');

function currentContext(): string {
  const m = /^current-context:\s*"?([^"\n]+)"?/m.exec(readFileSync(process.env.KUBECONFIG!, 'utf8'));
  return m ? m[1].trim() : 'demo-admin';
}
const web = (sfx: string) => ({ context: currentContext(), namespace: 'demo', pod: `web-7c9d8f6b5d-${sfx}`, container: 'web' });

suite('history: runs by target, retention, drift and the chart', function () {
  this.timeout(180000);
  let api: KubeComplianceApi;
  let resultsDir: string;
  let inputs: string;

  suiteSetup(async () => {
    api = await activateExtension();
    const base = process.env.KC_TEST_RUN_DIR ?? tmpdir();
    mkdirSync(base, { recursive: true });
    resultsDir = mkdtempSync(join(base, 'history-results-'));
    inputs = join(resultsDir, '..', `history-inputs-${process.pid}.yml`);
    writeFileSync(inputs, 'policy_marker: /etc/os-release\n');
    await cfg().update('auditor.path', DOUBLE(), vscode.ConfigurationTarget.Global);
    await cfg().update('resultsFolder', resultsDir, vscode.ConfigurationTarget.Global);
    await cfg().update('history.retention', 2, vscode.ConfigurationTarget.Global);
    await api.scan.auditors.discover(true);
  });

  suiteTeardown(async () => {
    if (api.watch.isWatching(currentContext(), 'demo')) await api.watch.toggle(currentContext(), 'demo');
    answerQuestions(api, { confirm: undefined });
    for (const k of ['auditor.path', 'resultsFolder', 'history.retention', 'watch.debounceSeconds']) await cfg().update(k, undefined, vscode.ConfigurationTarget.Global);
    rmSync(inputs, { force: true });
  });

  test('three scans of one Deployment: recorded with workload, pod template hash and digest; grouped; the oldest pruned with its report', async () => {
    const scan = async (sfx: string, inputFile?: string) => {
      const r = await api.scan.run({ target: web(sfx), profile: { profile: PROFILE(), ...(inputFile ? { inputFile } : {}) }, showResults: false, notify: false });
      assert.ok(r?.reportPath, `the scan of ${sfx} produced a report: ${r?.message}`);
      await api.history.settled();
      return r;
    };
    const r1 = await scan('4xkqp');
    const r2 = await scan('4xkqp', inputs);
    let index = JSON.parse(readFileSync(join(resultsDir, 'history-index.json'), 'utf8'));
    assert.equal(index.kind, 'kube-compliance/history');
    assert.deepEqual(index.runs.map((e: { id: string }) => e.id), [r2.id, r1.id]);
    const e = index.runs[0];
    assert.deepEqual(e.workload, { kind: 'Deployment', name: 'web' });
    assert.equal(e.podTemplateHash, '7c9d8f6b5d', 'the pod-template-hash label of the demo ReplicaSet');
    assert.match(e.imageDigest, /^sha256:[0-9a-f]{64}$/, 'the running image digest from the pod\'s containerStatuses[].imageID');
    assert.equal(e.profile.name, 'demo-baseline');
    assert.equal(e.reportPath, r2.reportPath!.slice(resultsDir.length + 1), 'relative to the results folder');
    assert.equal(e.compliance, r2.counts!.compliance);

    // the Scan runs view: one target (the workload's container) with both runs
    const top = api.scan.runs.getChildren();
    const group = top.find((i) => i.kind === 'group' && i.label === 'demo/Deployment/web/web');
    assert.ok(group && group.kind === 'group', `groups: ${top.map((i) => (i.kind === 'group' ? i.label : i.kind)).join(', ')}`);
    assert.deepEqual(api.scan.runs.getChildren(group).map((i) => (i.kind === 'run' ? i.run.id : '')), [r2.id, r1.id]);
    const item = api.scan.runs.getTreeItem(group);
    assert.equal(item.contextValue, 'runs.target');
    assert.match(String(item.description), new RegExp(`^2 runs · last ${r2.counts!.compliance}%$`));

    // another pod of the same Deployment: same target; retention 2 prunes the oldest run and its report file
    const r3 = await scan('9m2wz', inputs);
    index = JSON.parse(readFileSync(join(resultsDir, 'history-index.json'), 'utf8'));
    assert.deepEqual(index.runs.map((x: { id: string }) => x.id), [r3.id, r2.id]);
    assert.equal(existsSync(r1.reportPath!), false, 'the pruned run\'s report is deleted');
    assert.equal(existsSync(r2.reportPath!), true);
    const g2 = api.scan.runs.getChildren().find((i) => i.kind === 'group' && i.label === 'demo/Deployment/web/web');
    assert.ok(g2 && g2.kind === 'group' && g2.runs.map((x) => x.id).includes(r3.id));
  });

  test('Show History and Drift: the drift of the last two runs, any two runs on request, the chart of the target', async () => {
    const ids = api.history.groups().find((g) => g.label === 'demo/Deployment/web/web')!.entries.map((x) => x.id);
    assert.equal(ids.length, 2);
    const view = (await vscode.commands.executeCommand('kubeCompliance.showHistory', ids[0])) as HistoryView;
    assert.equal(view.model.toId, ids[0]);
    assert.equal(view.model.fromId, ids[1]);
    assert.ok(view.model.drift, view.model.driftNote);
    // 9m2wz vs 4xkqp with the same inputs: the same image and template, another pod; nothing else changed
    assert.deepEqual(view.model.drift.between.map((b) => `${b.what}: ${b.from} → ${b.to}`), ['pod: web-7c9d8f6b5d-4xkqp → web-7c9d8f6b5d-9m2wz']);
    assert.match(view.html, /<svg class="chart" role="img"[^>]*><title id="chart-title">Compliance over time: \d+%, \d+%<\/title>/);
    assert.match(view.html, /<h1>History of demo\/Deployment\/web\/web<\/h1>/);
    // the workload (two pods scanned: still one container target) and the namespace charts
    assert.match(view.html, /<h3>Namespace demo \(the last run of each target in the history\)<\/h3><svg class="chart"/);

    // the first run's report is gone (retention); a report removed by hand is said, and its run cannot be compared
    rmSync(api.history.store.reportPath(api.history.entries.find((x) => x.id === ids[1])!));
    const broken = (await api.history.receive({ type: 'compare', from: ids[1], to: ids[0] }))!;
    assert.equal(broken.model.drift, undefined);
    assert.match(broken.model.driftNote!, /cannot be compared: its report .* no longer exists \(removed or moved by hand\?\)\. The history keeps the run's counts for the chart; choose another run to compare\./);
    assert.ok(broken.model.missingReports.has(ids[1]));
    assert.match(broken.html, /report missing/);
    assert.equal(broken.model.points.length, 2, 'the chart keeps the run whose report is gone');
  });

  test('the drift between a run without and with the inputs file: the policy marker control is fixed', async () => {
    const before = await api.scan.run({ target: web('tq7ln'), profile: { profile: PROFILE() }, showResults: false, notify: false });
    await api.history.settled();
    const after = await api.scan.run({ target: web('tq7ln'), profile: { profile: PROFILE(), inputFile: inputs }, showResults: false, notify: false });
    await api.history.settled();
    const d = await api.history.drift(after!.id, before!.id);
    assert.deepEqual(d.fixed.map((s) => s.id), ['demo-fs-03']);
    assert.deepEqual(d.newFailures, []);
    assert.ok(d.compliance.to > d.compliance.from);
    const view = await api.history.show(after!.id);
    assert.match(view.html, /<h3 id="fixed">Fixed \(1\)<\/h3>/);
  });

  test('watch mode: a rollout of web to another image is rescanned once with the last profile; the user is told only of a regression', async () => {
    const ctx = currentContext();
    await cfg().update('watch.debounceSeconds', 1, vscode.ConfigurationTarget.Global);
    answerQuestions(api, { confirm: true });
    assert.equal(await api.watch.toggle(ctx, 'demo'), true);
    assert.ok(api.confirmations.asked.some((q) => q.id === 'watch.enable'), 'the user is asked first');
    const outcome = new Promise<RescanOutcome>((resolve) => {
      const sub = api.watch.onDidRescan((o) => {
        sub.dispose();
        resolve(o);
      });
    });
    const before = api.history.groups().find((g) => g.label === 'demo/Deployment/web/web')!.entries[0];
    // what the Deployment controller does on `kubectl set image`: a ReplicaSet of the new template and its pod
    const { client } = api.pool.get(ctx);
    const alpine = await client.getPodJson('demo', 'alpine-app');
    const dep = await client.request<{ metadata: { uid: string }; spec: { template: { spec: { containers: Array<{ image: string }> } } } }>('GET', '/apis/apps/v1/namespaces/demo/deployments/web');
    const spec = structuredClone(dep.spec.template.spec);
    spec.containers[0].image = alpine.spec.containers[0].image;
    const hash = '6b7c8d9f5e';
    const labels = { app: 'web', 'pod-template-hash': hash };
    const rs = await client.request<{ metadata: { name: string; uid: string } }>('POST', '/apis/apps/v1/namespaces/demo/replicasets', {
      body: { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: `web-${hash}`, labels, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: dep.metadata.uid, controller: true }] }, spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec } } },
    });
    const podName = `web-${hash}-w4tch`;
    try {
      await client.request('POST', '/api/v1/namespaces/demo/pods', {
        body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: podName, labels, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid, controller: true }] }, spec },
      });
      const o = await Promise.race([outcome, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('no rescan within 120 s')), 120000))]);
      assert.equal(o.request.target.pod, podName);
      assert.match(o.request.why, new RegExp(`pod template 7c9d8f6b5d → ${hash}`));
      assert.ok(o.record?.reportPath, o.note);
      assert.equal(o.record!.profile, before.profile.location, 'the last scan\'s profile');
      assert.equal(o.record!.inputFile, inputs, 'and its inputs file');
      assert.ok(o.drift, o.note);
      const between = o.drift!.between.map((b) => b.what);
      assert.ok(between.includes('pod template hash') && between.includes('image digest'), between.join(', '));
      assert.equal(o.notified, isRegression(o.drift!), 'notified exactly when it is a regression');
      assert.equal(api.history.groups().find((g) => g.label === 'demo/Deployment/web/web')!.entries[0].id, o.record!.id);
      await api.watch.idle();
    } finally {
      await client.request('DELETE', `/api/v1/namespaces/demo/pods/${podName}`).catch(() => undefined);
      await client.request('DELETE', `/apis/apps/v1/namespaces/demo/replicasets/web-${hash}`).catch(() => undefined);
      assert.equal(await api.watch.toggle(ctx, 'demo'), false);
      answerQuestions(api, { confirm: undefined });
    }
  });
});
