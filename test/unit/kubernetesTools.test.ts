// The optional integration with Microsoft's Kubernetes extension (src/core/kubernetesTools.ts and the package.json
// menus on its Cluster Explorer). Node shapes and context values are the ones of vscode-kubernetes-tools:
// - API nodes: vscode-kubernetes-tools/vscode-kubernetes-tools-api ts/cluster-explorer/v1_1.ts (ClusterExplorerResourceNode),
//   filled by vscode-kubernetes-tools/vscode-kubernetes-tools src/api/implementation/cluster-explorer/common.ts;
// - resource kinds (manifestKind, abbreviation): vscode-kubernetes-tools src/kuberesources.ts (allKinds);
// - context values: src/components/clusterexplorer/node.resource.ts (`vsKubernetes.resource.${kind.abbreviation}`)
//   and node.resource.namespace.ts (`.inactive` appended to namespaces other than the active one).
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ComplianceBadge } from '../../src/core/fleet/badges';
import { badgePrefixes, kubeconfigToUse, newestReport, targetOfNode } from '../../src/core/kubernetesTools';

const kind = (manifestKind: string, abbreviation: string) => ({ manifestKind, abbreviation });
const resource = (k: ReturnType<typeof kind>, name: string, namespace: string | null) => ({ nodeType: 'resource', namespace, name, resourceKind: k, metadata: {} });
// src/kuberesources.ts allKinds
const KINDS = {
  pod: kind('Pod', 'pod'),
  deployment: kind('Deployment', 'deployment'),
  statefulSet: kind('StatefulSet', 'statefulset'),
  daemonSet: kind('DaemonSet', 'daemonset'),
  job: kind('Job', 'job'),
  cronjob: kind('CronJob', 'cronjob'),
  replicaSet: kind('ReplicaSet', 'rs'),
  namespace: kind('Namespace', 'namespace'),
  service: kind('Service', 'service'),
  configMap: kind('ConfigMap', 'configmap'),
};

test('its resource nodes map to a pod, a workload or a namespace; everything else to nothing', () => {
  assert.deepEqual(targetOfNode(resource(KINDS.pod, 'web-1', 'demo')), { kind: 'pod', namespace: 'demo', name: 'web-1' });
  assert.deepEqual(targetOfNode(resource(KINDS.deployment, 'web', 'demo')), { kind: 'workload', namespace: 'demo', workloadKind: 'Deployment', name: 'web' });
  assert.deepEqual(targetOfNode(resource(KINDS.replicaSet, 'web-5d9', 'demo')), { kind: 'workload', namespace: 'demo', workloadKind: 'ReplicaSet', name: 'web-5d9' });
  assert.deepEqual(targetOfNode(resource(KINDS.cronjob, 'nightly', 'ops')), { kind: 'workload', namespace: 'ops', workloadKind: 'CronJob', name: 'nightly' });
  // a Namespace is cluster-scoped: its node's namespace is null and its name is the namespace
  assert.deepEqual(targetOfNode(resource(KINDS.namespace, 'demo', null)), { kind: 'namespace', namespace: 'demo' });
  // a pod whose metadata has no namespace is in "default" (docs/extending/commandtargets.md: node.namespace || 'default')
  assert.deepEqual(targetOfNode(resource(KINDS.pod, 'p', null)), { kind: 'pod', namespace: 'default', name: 'p' });
  for (const other of [resource(KINDS.service, 's', 'demo'), resource(KINDS.configMap, 'c', 'demo'), { nodeType: 'context', name: 'demo-admin' }, { nodeType: 'folder.resource', resourceKind: KINDS.pod }, { nodeType: 'extension' }, undefined, null, 'pod/x']) {
    assert.equal(targetOfNode(other), undefined, JSON.stringify(other));
  }
});

test('badge prefixes: a pod, its namespace, and a workload through its pods', () => {
  assert.deepEqual(badgePrefixes('ctx', { kind: 'pod', namespace: 'demo', name: 'web-1' }), ['ctx/demo/web-1/']);
  assert.deepEqual(badgePrefixes('ctx', { kind: 'namespace', namespace: 'demo' }), ['ctx/demo/']);
  assert.deepEqual(badgePrefixes('ctx', { kind: 'workload', namespace: 'demo', workloadKind: 'Deployment', name: 'web' }, ['web-1', 'web-2']), ['ctx/demo/web-1/', 'ctx/demo/web-2/']);
  assert.deepEqual(badgePrefixes('ctx', { kind: 'workload', namespace: 'demo', workloadKind: 'Deployment', name: 'web' }), [], 'a workload without pods has no badge');
});

test('Show Last Report opens the newest result that has a report, under the prefixes (or exactly one key)', () => {
  const b = (at: string, reportPath?: string): ComplianceBadge => ({ at, byStatus: { Passed: 1, Failed: 0, 'Profile Error': 0, 'Not Reviewed': 0, 'Not Applicable': 0 }, reportPath });
  const all = {
    'ctx/demo/web-1/app': b('2026-12-05T10:00:00Z', '/r/a.json'),
    'ctx/demo/web-1/app2': b('2026-12-05T12:00:00Z', '/r/b.json'),
    'ctx/demo/web-2/app': b('2026-12-05T13:00:00Z'),
    'ctx/other/web-1/app': b('2026-12-05T14:00:00Z', '/r/c.json'),
  };
  assert.equal(newestReport(all, ['ctx/demo/web-1/'])?.badge.reportPath, '/r/b.json');
  assert.equal(newestReport(all, ['ctx/demo/'])?.key, 'ctx/demo/web-1/app2', 'the newer result without a report is skipped');
  assert.equal(newestReport(all, ['ctx/demo/web-1/app'], true)?.badge.reportPath, '/r/a.json', 'exact: app2 is another container');
  assert.equal(newestReport(all, ['ctx/demo/web-2/']), undefined);
});

test('kubeconfig: ours when set; else theirs (host path) when following; else the default', () => {
  const host = { pathType: 'host', hostPath: '/home/u/.kube/other' } as const;
  assert.deepEqual(kubeconfigToUse('/mine', true, host), { path: '/mine', followed: false });
  assert.deepEqual(kubeconfigToUse('  ', true, host), { path: '/home/u/.kube/other', followed: true });
  assert.deepEqual(kubeconfigToUse(undefined, false, host), { path: undefined, followed: false }, 'opted out');
  assert.deepEqual(kubeconfigToUse(undefined, true, undefined), { path: undefined, followed: false }, 'extension absent');
  assert.deepEqual(kubeconfigToUse(undefined, true, { pathType: 'wsl', wslPath: '/root/.kube/config' }), { path: undefined, followed: false }, 'a path inside WSL is not readable here');
});

// ---- the menus on its Cluster Explorer

interface MenuEntry {
  command: string;
  when?: string;
}
const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));
const itemMenus = (pkg.contributes.menus['view/item/context'] as MenuEntry[]).filter((m) => m.command.startsWith('kubeCompliance.kubernetesTools.'));

/** Whether an entry shows for a node of its view with this context value (the `viewItem =~ /re/flags` part). */
function showsOn(m: MenuEntry, contextValue: string): boolean {
  const when = m.when ?? '';
  assert.match(when, /^view == extension\.vsKubernetesExplorer && viewItem =~ \//, `${m.command}: ${when}`);
  const re = /viewItem =~ \/(.+)\/([a-z]*)$/.exec(when);
  assert.ok(re, `${m.command}: a regular expression on viewItem, as its docs ask (docs/extending/commandtargets.md)`);
  return new RegExp(re[1], re[2]).test(contextValue);
}
const commandsOn = (contextValue: string) => [...new Set(itemMenus.filter((m) => showsOn(m, contextValue)).map((m) => m.command.replace('kubeCompliance.kubernetesTools.', '')))].sort();

test('its pods, workloads and namespaces (active or not) get Scan / Scan Namespace / Show Last Report; other nodes nothing', () => {
  assert.ok(itemMenus.length > 0);
  const all = ['scan', 'scanNamespace', 'showLastReport'];
  assert.deepEqual(commandsOn('vsKubernetes.resource.pod'), all);
  for (const k of ['deployment', 'statefulset', 'daemonset', 'job', 'cronjob', 'rs']) assert.deepEqual(commandsOn(`vsKubernetes.resource.${k}`), all, k);
  assert.deepEqual(commandsOn('vsKubernetes.resource.namespace'), ['scanNamespace', 'showLastReport']);
  assert.deepEqual(commandsOn('vsKubernetes.resource.namespace.inactive'), ['scanNamespace', 'showLastReport']);
  // our container children (contextValue from src/features/explorer/explorer.ts containerItem)
  assert.deepEqual(commandsOn('container.scannable'), ['scan', 'showLastReport']);
  assert.deepEqual(commandsOn('container.helper'), []);
  for (const other of ['vsKubernetes.resource.service', 'vsKubernetes.resource.configmap', 'vsKubernetes.cluster', 'vsKubernetes.kind', 'vsKubernetes.resource.node']) assert.deepEqual(commandsOn(other), [], other);
});

test('the integration activates Kube Compliance with its view and hides its commands from the palette', () => {
  assert.ok((pkg.activationEvents as string[]).includes('onView:extension.vsKubernetesExplorer'));
  const palette = new Map((pkg.contributes.menus.commandPalette as MenuEntry[]).map((m) => [m.command, m.when]));
  for (const m of itemMenus) assert.equal(palette.get(m.command), 'false', m.command);
  assert.equal(pkg.contributes.configuration.properties['kubeCompliance.kubernetesTools.followKubeconfig'].default, true);
});
