import * as assert from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import * as vscode from 'vscode';
import { parse } from 'yaml';
import type { ExplorerNode } from '../../src/features/explorer/explorer';
import { activateExtension, waitFor } from './util';

// The Clusters tree in the real VS Code host, against the emulator's demo cluster (KUBECONFIG from the runner).
async function provider() {
  const api = await activateExtension();
  return api.explorer.provider;
}

async function child<K extends ExplorerNode['kind']>(parent: ExplorerNode | undefined, kind: K, pick: (n: Extract<ExplorerNode, { kind: K }>) => boolean): Promise<Extract<ExplorerNode, { kind: K }>> {
  const p = await provider();
  const kids = await p.getChildren(parent);
  const found = kids.find((n) => n.kind === kind && pick(n as Extract<ExplorerNode, { kind: K }>));
  assert.ok(found, `no ${kind} under ${parent?.id ?? 'the root'}; got ${kids.map((k) => `${k.kind}:${k.id}${k.kind === 'message' ? ` (${k.label})` : ''}`).join(', ')}`);
  return found as Extract<ExplorerNode, { kind: K }>;
}

async function containerWords(pod: ExplorerNode): Promise<Record<string, string>> {
  const p = await provider();
  const out: Record<string, string> = {};
  for (const c of await p.getChildren(pod)) {
    assert.equal(c.kind, 'container');
    const item = p.getTreeItem(c);
    out[String(item.label)] = String(item.description);
  }
  return out;
}

suite('explorer: the Clusters tree against the demo cluster', () => {
  suiteSetup(function () {
    if (!process.env.KUBECONFIG) throw new Error('KUBECONFIG is not set: the host test runner starts the demo cluster and passes it');
  });

  test('shows the demo-admin context as current and the demo namespace', async () => {
    await vscode.commands.executeCommand('kubeCompliance.clusters.focus');
    const p = await provider();
    const admin = await child(undefined, 'context', (n) => n.context === 'demo-admin');
    const item = p.getTreeItem(admin);
    assert.match(String(item.description), /current/);
    assert.equal(item.collapsibleState, vscode.TreeItemCollapsibleState.Expanded, 'the explorer context is expanded');
    await child(admin, 'namespace', (n) => n.namespace === 'demo');
    await child(admin, 'namespace', (n) => n.namespace === 'demo-workloads');
  });

  test('pods and containers with their classification words', async () => {
    const p = await provider();
    const admin = await child(undefined, 'context', (n) => n.context === 'demo-admin');
    const demo = await child(admin, 'namespace', (n) => n.namespace === 'demo');
    const pods = await child(demo, 'group', (n) => n.workloadKind === 'Pod');
    const expected: Record<string, Record<string, string>> = {
      'standard-app': { app: 'Standard' },
      'alpine-app': { app: 'Alpine' },
      'minimal-app': { app: 'Minimal' },
      'distroless-app': { app: 'Distroless' },
      'multi-app': { app: 'Standard', sidecar: 'Alpine' },
      'shared-pid-app': { app: 'Distroless', scanner: 'Standard' },
      'stopped-app': { app: 'Not running' },
      'windows-app': { app: 'Windows' },
      'sandboxed-app': { app: 'Sandboxed' },
    };
    for (const [pod, words] of Object.entries(expected)) {
      const node = await child(pods, 'pod', (n) => n.name === pod);
      const podItem = p.getTreeItem(node);
      assert.match(String(podItem.description), /\d+\/\d+ ready/, `${pod} shows readiness`);
      const got = await containerWords(node);
      for (const [ctr, word] of Object.entries(words)) assert.ok(got[ctr]?.startsWith(`${word} ·`), `${pod}/${ctr}: "${got[ctr]}" should start with ${word}`);
    }
    // the approach and the reason are in the tooltip and the description
    const shared = await child(pods, 'pod', (n) => n.name === 'shared-pid-app');
    const app = (await p.getChildren(shared)).find((c) => c.kind === 'container' && c.name === 'app')!;
    const item = p.getTreeItem(app);
    assert.match(String(item.description), /^Distroless · sidecar \(scanner\)/);
    assert.match((item.tooltip as vscode.MarkdownString).value, /Approach:\*\* sidecar/);
    assert.equal(item.contextValue, 'container.scannable');
    assert.equal((app as { classification: { compatibility: string } }).classification.compatibility, 'Distroless');
    const windows = (await p.getChildren(await child(pods, 'pod', (n) => n.name === 'windows-app')))[0];
    assert.equal(p.getTreeItem(windows).contextValue, 'container.unscannable');
  });

  test('Deployment web groups its three replicas, each Standard', async () => {
    const p = await provider();
    const admin = await child(undefined, 'context', (n) => n.context === 'demo-admin');
    const demo = await child(admin, 'namespace', (n) => n.namespace === 'demo');
    const deployments = await child(demo, 'group', (n) => n.workloadKind === 'Deployment');
    const web = await child(deployments, 'workload', (n) => n.name === 'web');
    assert.match(String(p.getTreeItem(web).description), /3\/3 ready/);
    const replicas = await p.getChildren(web);
    assert.equal(replicas.length, 3);
    for (const r of replicas) assert.ok((await containerWords(r)).web.startsWith('Standard · Kubernetes API'));
  });

  test('Copy target URI and Show YAML (read-only, no secrets) on a container', async () => {
    const p = await provider();
    const admin = await child(undefined, 'context', (n) => n.context === 'demo-admin');
    const demo = await child(admin, 'namespace', (n) => n.namespace === 'demo');
    const pods = await child(demo, 'group', (n) => n.workloadKind === 'Pod');
    const std = await child(pods, 'pod', (n) => n.name === 'standard-app');
    const app = (await p.getChildren(std))[0];
    const uri = await vscode.commands.executeCommand('kubeCompliance.copyTargetUri', app);
    assert.equal(uri, 'k8s-container://demo/standard-app/app?namespace=demo');
    assert.equal(await vscode.env.clipboard.readText(), 'k8s-container://demo/standard-app/app?namespace=demo');
    const docUri = await vscode.commands.executeCommand<string>('kubeCompliance.showYaml', app);
    const doc = await waitFor('the YAML document', () => vscode.workspace.textDocuments.find((d) => d.uri.toString() === docUri));
    const text = doc.getText();
    assert.match(text, /kind: Pod/);
    assert.match(text, /name: standard-app/);
    assert.ok(!/managedFields/.test(text));
    assert.ok(!text.includes('kc-admin-'), 'no bearer token');
    assert.equal(doc.languageId, 'yaml');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('namespace filter and favourites are remembered per context', async () => {
    const p = await provider();
    const admin = await child(undefined, 'context', (n) => n.context === 'demo-admin');
    await vscode.commands.executeCommand('kubeCompliance.setNamespaceFilter', admin, 'workloads');
    let names = (await p.getChildren(admin)).filter((n) => n.kind === 'namespace').map((n) => (n as { namespace: string }).namespace);
    assert.deepEqual(names, ['demo-workloads']);
    assert.match(String(p.getTreeItem(admin).description), /filter: workloads/);
    await vscode.commands.executeCommand('kubeCompliance.setNamespaceFilter', admin, '');
    const demo = await child(admin, 'namespace', (n) => n.namespace === 'demo');
    await vscode.commands.executeCommand('kubeCompliance.addFavouriteNamespace', demo);
    names = (await p.getChildren(admin)).filter((n) => n.kind === 'namespace').map((n) => (n as { namespace: string }).namespace);
    assert.equal(names[0], 'demo', 'favourites come first');
    assert.deepEqual(p.prefs('demo-admin').favourites, ['demo']);
    assert.deepEqual(p.prefs('demo-readonly'), {}, 'other contexts keep their own settings');
    const fav = await child(admin, 'namespace', (n) => n.namespace === 'demo');
    assert.equal(p.getTreeItem(fav).contextValue, 'namespace.favourite');
    await vscode.commands.executeCommand('kubeCompliance.removeFavouriteNamespace', fav);
    assert.deepEqual(p.prefs('demo-admin').favourites, []);
  });

  test('demo-readonly: exec-able containers are Forbidden; Use Context switches the explorer without editing the kubeconfig', async () => {
    const api = await activateExtension();
    const p = api.explorer.provider;
    const ro = await child(undefined, 'context', (n) => n.context === 'demo-readonly');
    assert.equal(await vscode.commands.executeCommand('kubeCompliance.useContext', ro), 'demo-readonly');
    assert.equal(api.explorer.activeContext(), 'demo-readonly');
    assert.equal(p.getTreeItem(ro).collapsibleState, vscode.TreeItemCollapsibleState.Expanded);
    assert.equal(api.explorer.pool.kubeconfig.currentContext, 'demo-admin', 'the kubeconfig still says demo-admin');
    const demo = await child(ro, 'namespace', (n) => n.namespace === 'demo');
    const pods = await child(demo, 'group', (n) => n.workloadKind === 'Pod');
    for (const pod of ['standard-app', 'distroless-app']) {
      const words = await containerWords(await child(pods, 'pod', (n) => n.name === pod));
      assert.ok(words.app.startsWith('Forbidden ·'), `${pod}: ${words.app}`);
    }
    await vscode.commands.executeCommand('kubeCompliance.useContext', await child(undefined, 'context', (n) => n.context === 'demo-admin'));
  });

  test('a watch keeps an expanded namespace current (debounced refresh) and stops when it collapses', async () => {
    const api = await activateExtension();
    const p = api.explorer.provider;
    const admin = await child(undefined, 'context', (n) => n.context === 'demo-admin');
    const wl = await child(admin, 'namespace', (n) => n.namespace === 'demo-workloads');
    await p.getChildren(wl);
    assert.ok(p.watchedNamespaces.includes(wl.id), 'fetching a namespace starts its watch');
    const fired: string[] = [];
    const sub = p.onDidChangeTreeData((n) => fired.push(n ? n.id : '<root>'));
    try {
      // a container restart in the emulator (its admin endpoint) changes the pod: the namespace node refreshes
      await api.explorer.pool.client('demo-admin').request('POST', '/emulator/pods/demo-workloads/db-0/restart', { body: { container: 'db' } });
      await waitFor('a refresh of demo-workloads', () => fired.includes(wl.id), 15000);
    } finally {
      sub.dispose();
    }
    const db = await child(await child(wl, 'group', (n) => n.workloadKind === 'StatefulSet'), 'workload', (n) => n.name === 'db');
    const db0 = (await p.getChildren(db)).find((n) => n.kind === 'pod' && n.name === 'db-0')!;
    assert.match(String(p.getTreeItem(db0).description), /restart/, 'the refreshed pod shows its restart');
    p.collapsed(wl);
    assert.ok(!p.watchedNamespaces.includes(wl.id), 'collapsing stops the watch');
  });

  test('a new namespace appears in the expanded context by itself', async () => {
    const api = await activateExtension();
    const p = api.explorer.provider;
    const admin = await child(undefined, 'context', (n) => n.context === 'demo-admin');
    await p.getChildren(admin);
    assert.ok(p.watchedNamespaces.includes(`${admin.id}/!namespaces`), 'the expanded context watches its namespaces');
    const fired: string[] = [];
    const sub = p.onDidChangeTreeData((n) => fired.push(n ? n.id : '<root>'));
    try {
      await api.explorer.pool.client('demo-admin').request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'explorer-host-test' } } });
      await waitFor('a refresh of the context', () => fired.includes(admin.id), 15000);
    } finally {
      sub.dispose();
    }
    await child(admin, 'namespace', (n) => n.namespace === 'explorer-host-test');
    await api.explorer.pool.client('demo-admin').request('DELETE', '/api/v1/namespaces/explorer-host-test');
  });

  test('a container being scanned says so after its word and refreshes when the scan starts and ends', async () => {
    const api = await activateExtension();
    const p = api.explorer.provider;
    const admin = await child(undefined, 'context', (n) => n.context === 'demo-admin');
    const demo = await child(admin, 'namespace', (n) => n.namespace === 'demo');
    const pods = await child(demo, 'group', (n) => n.workloadKind === 'Pod');
    const app = (await p.getChildren(await child(pods, 'pod', (n) => n.name === 'alpine-app')))[0];
    const running = new Set<string>();
    const emitter = new vscode.EventEmitter<{ context: string; namespace: string; pod: string; container: string }>();
    const fired: string[] = [];
    const sub = p.onDidChangeTreeData((n) => fired.push(n ? n.id : '<root>'));
    const follow = p.followScans({ isRunning: (r) => running.has(`${r.namespace}/${r.pod}/${r.container}`), onDidChangeRunning: emitter.event });
    try {
      running.add('demo/alpine-app/app');
      emitter.fire({ context: 'demo-admin', namespace: 'demo', pod: 'alpine-app', container: 'app' });
      assert.ok(fired.includes(app.id), 'the container node refreshed');
      assert.match(String(p.getTreeItem(app).description), /^Alpine · Kubernetes API · scanning… · /);
      running.clear();
      emitter.fire({ context: 'demo-admin', namespace: 'demo', pod: 'alpine-app', container: 'app' });
      assert.ok(!String(p.getTreeItem(app).description).includes('scanning'));
    } finally {
      sub.dispose();
      follow.dispose();
      emitter.dispose();
      api.explorer.provider.followScans(api.scan);
    }
  });

  test('demo-expired: a 401 error node that says how to refresh the credentials, no pop-up', async () => {
    const p = await provider();
    const expired = await child(undefined, 'context', (n) => n.context === 'demo-expired');
    const kids = await p.getChildren(expired);
    assert.equal(kids.length, 1);
    const err = kids[0];
    assert.equal(err.kind, 'message');
    const item = p.getTreeItem(err);
    assert.match(String(item.label), /Credentials rejected \(401\)/);
    assert.equal(item.command?.command, 'kubeCompliance.showErrorDetails');
    const content = await vscode.commands.executeCommand<string>(item.command!.command, ...(item.command!.arguments ?? []));
    assert.match(content, /What to do/);
    assert.match(content, /token/);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('error nodes: an unreachable API shows its URL, a TLS failure points at the CA, a 403 on namespaces falls back to the context namespace', async () => {
    const api = await activateExtension();
    const p = api.explorer.provider;
    const admin = api.explorer.pool.client('demo-admin');
    const demoFiles = process.env.KUBECONFIG!;
    const demo = parse(readFileSync(demoFiles.split(delimiter)[0], 'utf8')) as { contexts: Array<{ name: string; context: { cluster: string } }>; clusters: Array<{ name: string; cluster: { server: string } }> };
    const clusterName = demo.contexts.find((c) => c.name === 'demo-admin')!.context.cluster;
    const server = demo.clusters.find((c) => c.name === clusterName)!.cluster.server;
    // a service account that may read pods in demo only (no namespace list), with a TokenRequest token
    const ns = '/api/v1/namespaces/demo';
    const name = 'audit-pods-only';
    await admin.request('POST', `${ns}/serviceaccounts`, { body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } } });
    await admin.request('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/demo/roles', {
      body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }] },
    });
    await admin.request('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/demo/rolebindings', {
      body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name }, subjects: [{ kind: 'ServiceAccount', name, namespace: 'demo' }] },
    });
    const tr = await admin.request<{ status: { token: string } }>('POST', `${ns}/serviceaccounts/${name}/token`, { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } } });
    // a CA that did not sign the emulator's certificate: any system root
    const wrongCa = readdirSync('/etc/ssl/certs').filter((f) => f.endsWith('.pem')).map((f) => join('/etc/ssl/certs', f))[0];
    assert.ok(wrongCa, 'a system CA certificate to use as the wrong CA');
    const dir = mkdtempSync(join(process.env.KC_TEST_RUN_DIR ?? tmpdir(), 'explorer-errors-'));
    const extra = join(dir, 'kubeconfig');
    writeFileSync(
      extra,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: audit-nowhere',
        '  cluster: {server: "https://127.0.0.1:1"}',
        '- name: audit-wrong-ca',
        `  cluster: {server: "${server}", certificate-authority: "${wrongCa}"}`,
        'users:',
        '- name: audit-sa',
        `  user: {token: "${tr.status.token}"}`,
        'contexts:',
        '- name: audit-unreachable',
        '  context: {cluster: audit-nowhere, user: audit-sa}',
        '- name: audit-tls',
        '  context: {cluster: audit-wrong-ca, user: audit-sa}',
        '- name: audit-pods-only',
        `  context: {cluster: ${clusterName}, user: audit-sa, namespace: demo}`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const cfg = vscode.workspace.getConfiguration('kubeCompliance');
    await cfg.update('kubeconfig', [demoFiles, extra].join(delimiter), vscode.ConfigurationTarget.Global);
    try {
      const ctx = (context: string) => waitFor(`context ${context}`, async () => (await p.getChildren(undefined)).find((n) => n.kind === 'context' && n.context === context));
      const only = async (context: string) => {
        const kids = await p.getChildren(await ctx(context));
        return kids;
      };

      const dead = await only('audit-unreachable');
      assert.equal(dead.length, 1);
      const deadItem = p.getTreeItem(dead[0]);
      assert.equal(dead[0].kind, 'message');
      assert.match(String(deadItem.label), /Cannot reach https:\/\/127\.0\.0\.1:1\b/, 'the node names the server URL');
      assert.equal(deadItem.command?.command, 'kubeCompliance.refresh', 'the action retries');

      const tls = await only('audit-tls');
      assert.equal(tls.length, 1);
      const tlsItem = p.getTreeItem(tls[0]);
      assert.ok(String(tlsItem.label).startsWith(`TLS failure talking to ${server.replace(/\/+$/, '')}`), String(tlsItem.label));
      assert.match(String(tlsItem.tooltip), /certificate-authority/, 'the tooltip says what to check');
      assert.equal(tlsItem.command?.command, 'kubeCompliance.showErrorDetails');

      const limited = await only('audit-pods-only');
      const labels = limited.map((n) => `${n.kind}:${n.kind === 'namespace' ? n.namespace : p.getTreeItem(n).label}`);
      assert.deepEqual(labels, ['message:Only namespace "demo"', 'namespace:demo'], labels.join(', '));
      assert.match(String(p.getTreeItem(limited[0]).tooltip), /may not list namespaces/);
      const pods = await child(limited[1], 'group', (n) => n.workloadKind === 'Pod');
      await child(pods, 'pod', (n) => n.name === 'standard-app');
    } finally {
      await cfg.update('kubeconfig', undefined, vscode.ConfigurationTarget.Global);
      await admin.request('DELETE', '/apis/rbac.authorization.k8s.io/v1/namespaces/demo/rolebindings/' + name).catch(() => undefined);
      await admin.request('DELETE', '/apis/rbac.authorization.k8s.io/v1/namespaces/demo/roles/' + name).catch(() => undefined);
      await admin.request('DELETE', `${ns}/serviceaccounts/${name}`).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
    await waitFor('the demo contexts alone again', async () => !(await p.getChildren(undefined)).some((n) => n.kind === 'context' && n.context.startsWith('audit-')));
  });

  test('no kubeconfig: the tree is empty and the welcome view (Choose a kubeconfig file) is switched on, no error pop-up', async () => {
    const api = await activateExtension();
    const p = api.explorer.provider;
    const commands = vscode.commands as unknown as { executeCommand: (...a: unknown[]) => Thenable<unknown> };
    const original = commands.executeCommand;
    const keys: Array<[string, unknown]> = [];
    commands.executeCommand = (...a: unknown[]) => {
      if (a[0] === 'setContext' && a[1] === 'kubeCompliance.kubeconfigMissing') keys.push([String(a[1]), a[2]]);
      return original.apply(vscode.commands, a);
    };
    const win = vscode.window as unknown as Record<'showErrorMessage' | 'showWarningMessage', (...a: unknown[]) => Thenable<unknown>>;
    const originalError = win.showErrorMessage;
    const originalWarning = win.showWarningMessage;
    const popups: string[] = [];
    win.showErrorMessage = (...a: unknown[]) => (popups.push(String(a[0])), originalError.apply(vscode.window, a));
    win.showWarningMessage = (...a: unknown[]) => (popups.push(String(a[0])), originalWarning.apply(vscode.window, a));
    const cfg = vscode.workspace.getConfiguration('kubeCompliance');
    const nowhere = join(process.env.KC_TEST_RUN_DIR ?? tmpdir(), 'no-such-dir', 'kubeconfig');
    try {
      await cfg.update('kubeconfig', nowhere, vscode.ConfigurationTarget.Global);
      const roots = await waitFor('an empty tree', async () => ((await p.getChildren(undefined)).length === 0 ? 'empty' : undefined));
      assert.equal(roots, 'empty');
      assert.deepEqual(keys.at(-1), ['kubeCompliance.kubeconfigMissing', true]);
      const pkg = JSON.parse(readFileSync(join(vscode.extensions.getExtension('kube-compliance.kube-compliance')!.extensionPath, 'package.json'), 'utf8'));
      const welcome = pkg.contributes.viewsWelcome.find((w: { view: string; when?: string }) => w.view === 'kubeCompliance.clusters' && w.when === 'kubeCompliance.kubeconfigMissing');
      assert.ok(welcome, 'a Clusters welcome view for the missing kubeconfig');
      assert.match(welcome.contents, /\(command:kubeCompliance\.chooseKubeconfig\)/);
      assert.deepEqual(popups, [], 'no error or warning notification');
    } finally {
      commands.executeCommand = original;
      win.showErrorMessage = originalError;
      win.showWarningMessage = originalWarning;
      await cfg.update('kubeconfig', undefined, vscode.ConfigurationTarget.Global);
    }
    await waitFor('the demo contexts back', async () => (await p.getChildren(undefined)).some((n) => n.kind === 'context' && n.context === 'demo-admin'));
  });

  test('init and ephemeral containers appear under their pod, marked as such, each description starting with its word', async () => {
    const api = await activateExtension();
    const p = api.explorer.provider;
    const client = api.explorer.pool.client('demo-admin');
    const standard = await client.getPodJson('demo', 'standard-app');
    const app = standard.spec!.containers[0];
    const name = 'audit-roles-app';
    await client.request('POST', '/api/v1/namespaces/demo/pods', {
      body: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: 'demo' },
        spec: { initContainers: [{ name: 'setup', image: app.image, command: ['true'] }], containers: [{ ...app, name: 'app' }] },
      },
    });
    try {
      await client.patchEphemeralContainers('demo', name, [{ name: 'debugger', image: app.image, command: ['sleep', '3600'], targetContainerName: 'app' }]);
      p.refresh();
      const admin = await child(undefined, 'context', (n) => n.context === 'demo-admin');
      const demo = await child(admin, 'namespace', (n) => n.namespace === 'demo');
      const pods = await child(demo, 'group', (n) => n.workloadKind === 'Pod');
      const pod = await child(pods, 'pod', (n) => n.name === name);
      const words = await containerWords(pod);
      assert.deepEqual(Object.keys(words).sort(), ['app', 'debugger', 'setup'], JSON.stringify(words));
      const WORDS = /^(Standard|Alpine|Minimal|Distroless|Windows|Sandboxed|Not running|Forbidden) · /;
      for (const [ctr, d] of Object.entries(words)) assert.match(d, WORDS, `${ctr}: ${d}`);
      assert.ok(words.setup.startsWith('Not running · '), `the completed init container is not running: ${words.setup}`);
      assert.match(words.setup, / · init · /);
      assert.match(words.debugger, / · ephemeral → app · /, 'an ephemeral container names its target');
      assert.doesNotMatch(words.app, / · (init|ephemeral) · /);
    } finally {
      // the refresh above replaced the clients: delete through the current one
      await api.explorer.pool.client('demo-admin').request('DELETE', `/api/v1/namespaces/demo/pods/${name}`);
      p.refresh();
    }
  });

  test('nothing is fetched for collapsed nodes: listing pods classifies no container; other namespaces are not read', async () => {
    const api = await activateExtension();
    const p = api.explorer.provider;
    p.refresh(); // fresh clients, models and probe caches
    const client = api.explorer.pool.client('demo-admin');
    const paths = new Set<string>();
    const classification: string[] = [];
    const spy = <K extends 'listPages' | 'list' | 'watch' | 'selfSubjectAccessReview' | 'exec'>(name: K, record: (args: unknown[]) => void) => {
      const original = (client[name] as (...a: unknown[]) => unknown).bind(client);
      (client as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
        record(args);
        return original(...args);
      };
    };
    spy('listPages', (a) => paths.add(String(a[0])));
    spy('list', (a) => paths.add(String(a[0])));
    spy('watch', (a) => paths.add(String(a[0])));
    spy('selfSubjectAccessReview', () => classification.push('review'));
    spy('exec', (a) => classification.push(`exec ${String(a[1])}/${String(a[2])}`));
    try {
      const admin = await child(undefined, 'context', (n) => n.context === 'demo-admin');
      const demo = await child(admin, 'namespace', (n) => n.namespace === 'demo');
      const pods = await child(demo, 'group', (n) => n.workloadKind === 'Pod');
      const standard = await child(pods, 'pod', (n) => n.name === 'standard-app');
      assert.deepEqual(classification, [], 'no access review or exec probe while every pod is collapsed');
      const outside = [...paths].filter((x) => x !== '/api/v1/namespaces' && !x.includes('/namespaces/demo/'));
      assert.deepEqual(outside, [], `only the namespace list and namespace demo were read: ${[...paths].join(', ')}`);
      assert.ok([...paths].some((x) => x.includes('/namespaces/demo/pods')), 'the pods of demo were listed');
      // expanding the pod classifies its containers (so the spies do see classification)
      await p.getChildren(standard);
      assert.ok(classification.includes('review'), classification.join(', '));
      assert.ok(classification.includes('exec standard-app/app'), classification.join(', '));
      assert.ok(!classification.some((c) => c.startsWith('exec ') && !c.startsWith('exec standard-app/')), `only the expanded pod was probed: ${classification.join(', ')}`);
    } finally {
      p.refresh();
    }
  });
});
