// Fleet scans in the real VS Code host against the emulator's demo cluster, with the TEST-DOUBLE auditor: a whole
// namespace in one run, deduplicated by running image digest (the emulator reports containerStatuses[].imageID per
// image, as the kubelet does), unscannable containers listed with their reason, shell-less ones skipped when the
// user says so, the index and one report per scanned container on disk, the fleet report and its drill-down.
import * as assert from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { itemKey } from '../../src/core/fleet/indexFormat';
import { resolveReportPath } from '../../src/core/fleet/indexFile';
import type { KubeComplianceApi } from '../../src/extension';
import type { RunRecord } from '../../src/features/scan/types';
import { activateExtension, explorerChild, EXTENSION_ID } from './util';

const extRoot = (): string => vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
const DOUBLE = () => join(extRoot(), 'test/fixtures/test-double-auditor.mjs');
const PROFILE = () => join(extRoot(), 'test/fixtures/profiles/demo-baseline');
const cfg = () => vscode.workspace.getConfiguration('kubeCompliance');

suite('fleet: a namespace in one run, each running image scanned once', function () {
  this.timeout(300000);
  let api: KubeComplianceApi;

  suiteSetup(async () => {
    api = await activateExtension();
    const base = process.env.KC_TEST_RUN_DIR ?? tmpdir();
    mkdirSync(base, { recursive: true });
    await cfg().update('auditor.path', DOUBLE(), vscode.ConfigurationTarget.Global);
    await cfg().update('resultsFolder', mkdtempSync(join(base, 'fleet-results-')), vscode.ConfigurationTarget.Global);
    await api.scan.auditors.discover(true);
  });

  suiteTeardown(async () => {
    api.confirmations.answerWith(undefined);
    await cfg().update('auditor.path', undefined, vscode.ConfigurationTarget.Global);
    await cfg().update('resultsFolder', undefined, vscode.ConfigurationTarget.Global);
  });

  test('Scan Namespace demo, one scan per image, shell-less skipped: every container has a row, duplicates say which container was scanned', async () => {
    const asked: string[] = [];
    api.confirmations.answerWith((q) => {
      asked.push(q.id);
      return q.id === 'fleet.changePods' ? 'Skip Shell-less' : q.id === 'fleet.dedupe' ? 'image' : undefined;
    });
    const runs: RunRecord[] = [];
    const sub = api.scan.onDidFinishRun((r) => runs.push(r));
    let run;
    try {
      run = await api.fleet.run({ kind: 'namespace', namespace: 'demo' }, undefined, { profile: { profile: PROFILE() } });
    } finally {
      sub.dispose();
    }
    assert.ok(run, 'the run happened');
    assert.deepEqual(asked, ['fleet.dedupe', 'fleet.changePods'], 'asked once how to dedupe, once about the pods it would change');
    const { index, plan, indexPath } = run;
    assert.ok(existsSync(indexPath));
    assert.equal(index.complete, true);
    assert.equal(index.dedupe, 'image');

    // the three replicas of Deployment web run one digest: one report for all three
    const web = index.items.filter((i) => i.workload.kind === 'Deployment' && i.workload.name === 'web');
    assert.equal(web.length, 3, 'three replicas of web');
    assert.ok(web.every((i) => i.outcome === 'done' && i.reportPath), 'each has the report');
    assert.equal(new Set(web.map((i) => i.reportPath)).size, 1, 'the same report');
    // per running digest: exactly one container was scanned, every other one says which (and shares its report)
    const byDigest = new Map<string, typeof index.items>();
    for (const i of index.items.filter((x) => x.outcome === 'done')) byDigest.set(i.imageDigest ?? itemKey(i), [...(byDigest.get(i.imageDigest ?? itemKey(i)) ?? []), i]);
    for (const [digest, group] of byDigest) {
      const scanned = group.filter((i) => !i.scannedAs);
      assert.equal(scanned.length, 1, `one container of ${digest} was scanned: ${group.map((i) => `${i.pod}/${i.container}`).join(', ')}`);
      for (const f of group.filter((i) => i.scannedAs)) {
        assert.equal(f.scannedAs, `${scanned[0].namespace}/${scanned[0].pod}/${scanned[0].container}`);
        assert.equal(f.reportPath, scanned[0].reportPath);
      }
    }
    assert.ok(web.some((i) => i.scannedAs), 'at least two web replicas follow another container of their digest');

    // auditor runs = distinct (digest, profile, inputs) among the scannable containers
    assert.equal(runs.length, plan.scans);
    assert.ok(plan.scans < plan.containers, `dedupe saved runs: ${plan.scans} scans for ${plan.containers} containers`);

    // unscannable and skipped containers are listed with their reason, never silently dropped
    const distroless = index.items.find((i) => i.pod === 'distroless-app' && i.container === 'app');
    assert.equal(distroless?.outcome, 'skipped');
    assert.match(distroless?.message ?? '', /skip shell-less/);
    for (const i of index.items.filter((x) => x.outcome === 'skipped')) assert.ok(i.message, `${i.pod}/${i.container} says why`);

    // each done row's report exists; the fleet panel shows the rollup; drill-down opens the container's report
    for (const i of index.items.filter((x) => x.outcome === 'done')) assert.ok(existsSync(resolveReportPath(indexPath, i)!), `${i.pod}/${i.container} report`);
    const view = api.fleet.panel.current;
    assert.ok(view, 'the fleet report opened');
    assert.equal(view.indexPath, indexPath);
    assert.match(view.html, /Fleet compliance: <span id="compliance">\d+%<\/span>/);
    assert.match(view.html, new RegExp(`Deployment/web`));
    assert.ok(view.rollup.matrix.rows.length > 0, 'the control × container matrix has rows');
    const follower = web.find((i) => i.scannedAs)!;
    const opened = await api.fleet.panel.receive({ type: 'open', key: itemKey(follower) });
    assert.equal(opened, resolveReportPath(indexPath, follower));
    assert.equal(api.results.latest?.path, opened, 'the results panel shows that container\'s report');
    assert.equal(await api.fleet.panel.receive({ type: 'open', key: '../../etc/passwd' }), undefined, 'an unknown key opens nothing');

    // compliance badges: each scanned container, and the namespace rolled up over them, with the result's age
    const scannedCount = index.items.filter((i) => i.outcome === 'done').length;
    const ctx = await explorerChild(api, undefined, 'context', (c) => c.context === api.explorer.activeContext());
    const ns = await explorerChild(api, ctx, 'namespace', (n) => n.namespace === 'demo');
    const nsItem = api.explorer.provider.getTreeItem(ns);
    assert.match(String(nsItem.description), new RegExp(`\\d+% of ${scannedCount} · just now`));
    assert.match(String(nsItem.tooltip), /Last compliance: \d+% \(\d+ containers with a result\)/);
    const badge = api.scan.badges.get(follower);
    assert.equal(badge?.scannedAs, follower.scannedAs, 'a follower\'s badge says which container was scanned');
  });

  test('a selector-free namespace that does not exist has nothing to scan: one clear message, no index', async () => {
    const shown: string[] = [];
    const win = vscode.window as unknown as { showInformationMessage: (...a: unknown[]) => Thenable<unknown> };
    const original = win.showInformationMessage;
    win.showInformationMessage = (...a: unknown[]) => (shown.push(String(a[0])), Promise.resolve(undefined));
    try {
      const run = await api.fleet.run({ kind: 'namespace', namespace: 'no-such-ns' }, undefined, { profile: { profile: PROFILE() }, dedupe: 'image' });
      assert.equal(run, undefined);
    } finally {
      win.showInformationMessage = original;
    }
    assert.ok(shown.some((m) => /namespace no-such-ns has no containers to scan/.test(m)), shown.join(' | '));
  });

  test('Cancel stops the running auditors; finished rows stay, the rest say cancelled', async () => {
    api.confirmations.answerWith((q) => (q.id === 'fleet.changePods' ? 'Skip Shell-less' : undefined));
    process.env.KC_DOUBLE_SLOW_MS = '20000';
    let run;
    try {
      const pending = api.fleet.run({ kind: 'namespace', namespace: 'demo' }, undefined, { profile: { profile: PROFILE() }, dedupe: 'none', showReport: false });
      await new Promise((r) => setTimeout(r, 4000));
      api.fleet.cancel();
      run = await pending;
    } finally {
      delete process.env.KC_DOUBLE_SLOW_MS;
    }
    assert.ok(run);
    assert.ok(run.counts.cancelled > 0, JSON.stringify(run.counts));
    assert.equal(run.index.items.filter((i) => i.outcome === 'running' || i.outcome === 'queued').length, 0, 'no row is left running or queued');
    assert.equal(api.scan.activeRuns.length, 0, 'no auditor is left running');
  });
});
