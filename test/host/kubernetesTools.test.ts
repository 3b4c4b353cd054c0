// Kube Compliance inside Microsoft's Kubernetes extension, in the real VS Code host, against the emulator's demo
// cluster, with the TEST-DOUBLE auditor. The Kubernetes extension here is the STUB in
// test/fixtures/vscode-kubernetes-tools-stub (same id, API broker, API versions, node shapes and context values as
// the upstream files its header names), loaded by scripts/run-host-tests.mjs next to Kube Compliance. The tests walk
// its tree as VS Code does (its TreeDataProvider's getChildren / getTreeItem) and invoke our commands with its own
// node objects, as its menus do.
import * as assert from 'node:assert';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { parse } from 'yaml';
import type { KubeComplianceApi } from '../../src/extension';
import type { FleetRun } from '../../src/features/fleet/fleetService';
import type { RunRecord } from '../../src/features/scan/types';
import type { ComplianceBadge } from '../../src/core/fleet/badges';
import { STATE } from '../../src/platform/state';
import { activateExtension, EXTENSION_ID, waitFor } from './util';

const KUBERNETES_EXTENSION_ID = 'ms-kubernetes-tools.vscode-kubernetes-tools';
const extRoot = (): string => vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
const DOUBLE = () => join(extRoot(), 'test/fixtures/test-double-auditor.mjs');
const PROFILE = () => join(extRoot(), 'test/fixtures/profiles/demo-baseline');
const cfg = () => vscode.workspace.getConfiguration('kubeCompliance');

/** What the stub's tree provider offers (its exports' non-upstream `stub` property). */
interface StubTree {
  getChildren(parent?: unknown): Promise<unknown[]>;
  getTreeItem(node: unknown): Promise<vscode.TreeItem>;
}

async function stubTree(): Promise<StubTree> {
  const ext = vscode.extensions.getExtension<{ stub: { explorer: StubTree } }>(KUBERNETES_EXTENSION_ID);
  assert.ok(ext, `${KUBERNETES_EXTENSION_ID} (the stub) is loaded next to Kube Compliance`);
  return (await ext.activate()).stub.explorer;
}

/** The child of `parent` in its tree whose item label is `label`; fails naming what was there. */
async function child(tree: StubTree, parent: unknown, label: string): Promise<unknown> {
  const kids = await tree.getChildren(parent);
  const labels: string[] = [];
  for (const k of kids) {
    const l = String((await tree.getTreeItem(k)).label);
    if (l === label) return k;
    labels.push(l);
  }
  assert.fail(`no "${label}" in its tree; got ${labels.join(', ')}`);
}

/** The Kubernetes extension's nodes: context demo-admin → Workloads → Pods / Deployments → …, Namespaces → … */
async function nodeAt(tree: StubTree, ...path: string[]): Promise<unknown> {
  let node: unknown = undefined;
  for (const label of path) node = await child(tree, node, label);
  return node;
}

/** Its children of a pod that Kube Compliance contributed: label → [description, contextValue]. */
async function containerRows(tree: StubTree, pod: unknown): Promise<Record<string, [string, string]>> {
  const out: Record<string, [string, string]> = {};
  for (const k of await tree.getChildren(pod)) {
    const item = await tree.getTreeItem(k);
    if ((k as { nodeType?: string }).nodeType === 'extension') out[String(item.label)] = [String(item.description), String(item.contextValue)];
  }
  return out;
}

suite('kubernetesTools: Scan and compliance badges in the Kubernetes extension\'s Cluster Explorer (stub)', function () {
  this.timeout(300000);
  let api: KubeComplianceApi;
  let tree: StubTree;
  let savedBadges: Record<string, ComplianceBadge> = {};

  suiteSetup(async () => {
    if (!process.env.KUBECONFIG) throw new Error('KUBECONFIG is not set: the host test runner starts the demo cluster and passes it');
    api = await activateExtension();
    tree = await stubTree();
    const base = process.env.KC_TEST_RUN_DIR ?? tmpdir();
    mkdirSync(base, { recursive: true });
    await cfg().update('auditor.path', DOUBLE(), vscode.ConfigurationTarget.Global);
    await cfg().update('resultsFolder', mkdtempSync(join(base, 'k8s-tools-results-')), vscode.ConfigurationTarget.Global);
    await api.scan.auditors.discover(true);
    await api.scan.profiles.setDefault({ profile: PROFILE() });
    // the tests read badges from "no result yet"; in the full host run earlier suites have scanned the same pods
    // (their badges are kept in workspace state), so start from none and give them back afterwards
    savedBadges = { ...api.scan.badges.entries() };
    await api.scan.badges.clear();
  });

  suiteTeardown(async () => {
    await api.state.update(STATE.badges, { ...savedBadges, ...api.scan.badges.entries() });
    api.confirmations.answerWith(undefined);
    await api.scan.profiles.setDefault(undefined);
    await cfg().update('auditor.path', undefined, vscode.ConfigurationTarget.Global);
    await cfg().update('resultsFolder', undefined, vscode.ConfigurationTarget.Global);
  });

  test('connects to its API (clusterexplorer v1_1, configuration v1_1) and follows its kubeconfig by default', async () => {
    const status = await api.kubernetesTools.connect();
    assert.deepEqual(status, { state: 'connected', configuration: true });
    assert.equal(api.kubernetesTools.followedPath, process.env.KUBECONFIG, 'its kubeconfig (KUBECONFIG here) is the one read');
    assert.equal(api.kubernetesTools.context(), 'demo-admin');
  });

  test('its pods get container children with the compatibility word; its own status child stays first', async () => {
    const multi = await nodeAt(tree, 'demo-admin', 'Workloads', 'Pods', 'multi-app');
    const podItem = await tree.getTreeItem(multi);
    assert.equal(podItem.contextValue, 'vsKubernetes.resource.pod');
    const kids = await tree.getChildren(multi);
    assert.equal((kids[0] as { nodeType?: string }).nodeType, 'error', 'its status message node comes first (upstream order)');
    assert.match(String((await tree.getTreeItem(kids[0])).label), /^Running \(2\/2\)$/);
    const rows = await containerRows(tree, multi);
    assert.deepEqual(Object.keys(rows).sort(), ['app', 'sidecar']);
    assert.ok(rows.app[0].startsWith('Standard · '), rows.app[0]);
    assert.ok(rows.sidecar[0].startsWith('Alpine · '), rows.sidecar[0]);
    assert.equal(rows.app[1], 'container.scannable');
    const expected: Record<string, string> = { 'distroless-app': 'Distroless', 'stopped-app': 'Not running', 'windows-app': 'Windows', 'minimal-app': 'Minimal' };
    for (const [pod, word] of Object.entries(expected)) {
      const r = await containerRows(tree, await nodeAt(tree, 'demo-admin', 'Workloads', 'Pods', pod));
      assert.ok(r.app?.[0].startsWith(`${word} · `), `${pod}: ${r.app?.[0]}`);
    }
    // nothing is added under other nodes
    const deployments = await nodeAt(tree, 'demo-admin', 'Workloads', 'Deployments');
    for (const k of await tree.getChildren(deployments)) assert.notEqual((k as { nodeType?: string }).nodeType, 'extension');
  });

  test('Scan on its pod scans the pod\'s containers; the pod then shows the last compliance % and age; Show Last Report opens it', async () => {
    const pod = await nodeAt(tree, 'demo-admin', 'Workloads', 'Pods', 'standard-app');
    const before = await tree.getTreeItem(pod);
    assert.doesNotMatch(String(before.description ?? ''), /%/, 'no badge before any scan');
    const asked: string[] = [];
    api.confirmations.answerWith((q) => (asked.push(q.title), q.id === 'fleet.dedupe' ? 'image' : undefined));
    const run = (await vscode.commands.executeCommand('kubeCompliance.kubernetesTools.scan', pod)) as FleetRun | undefined;
    assert.ok(run, 'a fleet run of the pod');
    assert.ok(asked.some((t) => /^Scan 1 selected item\(s\): 1 scannable container\(s\)/.test(t)), `one pod, one container: ${asked.join(' | ')}`);
    assert.deepEqual(run.index.items.map((i) => `${i.namespace}/${i.pod}/${i.container}`), ['demo/standard-app/app']);
    const item = await waitFor('the badge on its pod', async () => {
      const i = await tree.getTreeItem(await nodeAt(tree, 'demo-admin', 'Workloads', 'Pods', 'standard-app'));
      return /\d+% · just now$/.test(String(i.description ?? '')) ? i : undefined;
    });
    const badge = api.scan.badges.rollup(['demo-admin/demo/standard-app/'])!;
    assert.ok(String(item.description).endsWith(`${badge.compliance}% · just now`), String(item.description));
    assert.match(String(item.tooltip), /Last compliance: \d+% \(1 container with a result\)/);
    // the container child shows its own badge
    const rows = await containerRows(tree, pod);
    assert.match(rows.app[0], new RegExp(`· ${badge.compliance}% · just now$`));
    // Show Last Report on the pod opens the report the badge came from
    const reportPath = await vscode.commands.executeCommand<string>('kubeCompliance.kubernetesTools.showLastReport', pod);
    assert.equal(reportPath, api.scan.badges.entries()['demo-admin/demo/standard-app/app'].reportPath);
    await waitFor('the results panel shows it', () => api.results.latest?.path === reportPath);
  });

  test('Scan on one of our container children scans that container; Scan on a Deployment scans the workload and badges it', async () => {
    api.confirmations.answerWith((q) => (q.id === 'fleet.dedupe' ? 'image' : undefined));
    const multi = await nodeAt(tree, 'demo-admin', 'Workloads', 'Pods', 'multi-app');
    const sidecar = await child(tree, multi, 'sidecar');
    assert.equal((sidecar as { nodeType?: string }).nodeType, 'extension', 'the menu passes its wrapper of our node');
    const record = (await vscode.commands.executeCommand('kubeCompliance.kubernetesTools.scan', sidecar)) as RunRecord | undefined;
    assert.ok(record, 'a scan ran');
    assert.deepEqual([record.target.context, record.target.namespace, record.target.pod, record.target.container], ['demo-admin', 'demo', 'multi-app', 'sidecar']);
    assert.ok(record.reportPath, record.message);

    const web = await nodeAt(tree, 'demo-admin', 'Workloads', 'Deployments', 'web');
    assert.equal((await tree.getTreeItem(web)).contextValue, 'vsKubernetes.resource.deployment');
    const run = (await vscode.commands.executeCommand('kubeCompliance.kubernetesTools.scan', web)) as FleetRun | undefined;
    assert.ok(run);
    assert.equal(run.index.items.length, 3, 'the three pods of web');
    assert.ok(run.index.items.every((i) => i.pod.startsWith('web-7c9d8f6b5d-')));
    const item = await waitFor('the badge on its Deployment', async () => {
      const i = await tree.getTreeItem(await nodeAt(tree, 'demo-admin', 'Workloads', 'Deployments', 'web'));
      return /\d+% of 3 · just now$/.test(String(i.description ?? '')) ? i : undefined;
    });
    assert.ok(item);
    // its namespace node rolls up everything scanned in demo
    const ns = await nodeAt(tree, 'demo-admin', 'Namespaces', '* demo');
    const nsItem = await tree.getTreeItem(ns);
    assert.equal(nsItem.contextValue, 'vsKubernetes.resource.namespace');
    const all = api.scan.badges.rollup(['demo-admin/demo/'])!;
    assert.ok(String(nsItem.description).endsWith(`${all.compliance}% of ${all.containers} · just now`), String(nsItem.description));
  });

  test('Scan Namespace on its namespace node (and on a pod) runs a fleet scan of that namespace', async () => {
    const titles: string[] = [];
    // answer nothing: the run stops at its first question, whose title says what it would scan
    api.confirmations.answerWith((q) => (titles.push(q.title), undefined));
    const ns = await nodeAt(tree, 'demo-admin', 'Namespaces', '* demo');
    assert.equal(await vscode.commands.executeCommand('kubeCompliance.kubernetesTools.scanNamespace', ns), undefined);
    const pod = await nodeAt(tree, 'demo-admin', 'Workloads', 'Pods', 'alpine-app');
    assert.equal(await vscode.commands.executeCommand('kubeCompliance.kubernetesTools.scanNamespace', pod), undefined);
    assert.equal(titles.length, 2, titles.join(' | '));
    for (const t of titles) assert.match(t, /^Scan namespace demo: \d+ scannable container\(s\)/);
    // a namespace that is not the active one resolves as well ('.inactive' context value)
    const other = await nodeAt(tree, 'demo-admin', 'Namespaces', 'demo-workloads');
    assert.equal((await tree.getTreeItem(other)).contextValue, 'vsKubernetes.resource.namespace.inactive');
    await vscode.commands.executeCommand('kubeCompliance.kubernetesTools.scanNamespace', other);
    assert.match(titles[2] ?? '', /^Scan namespace demo-workloads: /);
  });

  test('follows its kubeconfig and context while ours is unset; our setting wins; the opt-out setting stops following', async () => {
    const demo = process.env.KUBECONFIG!;
    const dir = mkdtempSync(join(process.env.KC_TEST_RUN_DIR ?? tmpdir(), 'k8s-tools-kubeconfig-'));
    const theirs = join(dir, 'config');
    copyFileSync(demo, theirs);
    try {
      // its setting (vs-kubernetes → vs-kubernetes.kubeconfig, as src/components/kubectl/kubeconfig.ts reads it)
      await vscode.workspace.getConfiguration().update('vs-kubernetes', { 'vs-kubernetes.kubeconfig': theirs }, vscode.ConfigurationTarget.Global);
      await waitFor('our pool reads its kubeconfig', () => api.pool.kubeconfig.files.join() === theirs);
      assert.equal(api.kubernetesTools.followedPath, theirs);

      // Set as Current Cluster in its tree: `kubectl config use-context` on its file, then onDidChangeContext
      await vscode.commands.executeCommand('extension.vsKubernetesUseContext', 'demo-readonly');
      await waitFor('our explorer follows its context', () => api.explorer.activeContext() === 'demo-readonly');
      assert.equal(parse(readFileSync(theirs, 'utf8'))['current-context'], 'demo-readonly', 'its kubeconfig was changed, not ours');
      assert.equal(parse(readFileSync(demo, 'utf8'))['current-context'], 'demo-admin');
      assert.equal(api.kubernetesTools.context(), 'demo-readonly');
      await vscode.commands.executeCommand('extension.vsKubernetesUseContext', 'demo-admin');
      await waitFor('back to demo-admin', () => api.explorer.activeContext() === 'demo-admin');

      // kubeCompliance.kubeconfig set: ours wins, nothing is followed
      await cfg().update('kubeconfig', demo, vscode.ConfigurationTarget.Global);
      await waitFor('our own setting wins', () => api.pool.kubeconfig.files.join() === demo);
      assert.equal(api.kubernetesTools.followedPath, undefined);
      await cfg().update('kubeconfig', undefined, vscode.ConfigurationTarget.Global);
      await waitFor('following again', () => api.pool.kubeconfig.files.join() === theirs);

      // opted out: KUBECONFIG / ~/.kube/config, as without the extension
      await cfg().update('kubernetesTools.followKubeconfig', false, vscode.ConfigurationTarget.Global);
      await waitFor('not following', () => api.kubernetesTools.followedPath === undefined && api.pool.kubeconfig.files.join() === demo);
      assert.equal(api.config.kubeconfigPath(), undefined);
    } finally {
      await cfg().update('kubernetesTools.followKubeconfig', undefined, vscode.ConfigurationTarget.Global);
      await cfg().update('kubeconfig', undefined, vscode.ConfigurationTarget.Global);
      await vscode.workspace.getConfiguration().update('vs-kubernetes', undefined, vscode.ConfigurationTarget.Global);
      await waitFor('following KUBECONFIG again', () => api.pool.kubeconfig.files.join() === demo);
      await api.explorer.provider.useContext('demo-admin');
    }
  });
});
