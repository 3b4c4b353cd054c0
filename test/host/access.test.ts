// Access in the real VS Code host against the emulator's demo cluster (RBAC enforced; the harness starts it and sets
// KUBECONFIG), with the TEST-DOUBLE auditor (test/fixtures/test-double-auditor.mjs) as kubeCompliance.auditor.path:
// a scan as demo-readonly is refused before anything starts, naming the missing permission; "Create Scanner Identity"
// on the explorer's container node asks first (answered through the Confirmations service (test/host/util.ts answerQuestions) — the
// question is still asked and recorded), then a scan as that identity runs through the real task with the identity's
// 0600 kubeconfig; renewal rewrites it; removal leaves no labelled object and no kubeconfig behind. The notifications'
// buttons (Renew Token on a rejected token, Remove Scanner Identity after a scan) are clicked by answering
// vscode.window's message calls with the button's label, as the workbench does when the user clicks it.
import * as assert from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { parse } from 'yaml';
import type { IdentityRecord } from '../../src/core/access';
import type { KubeComplianceApi } from '../../src/extension';
import type { RunRecord } from '../../src/features/scan/types';
import { scopeArg } from '../../src/platform/commandArgs';
import { activateExtension, answerQuestions, demoContainerNode, EXTENSION_ID, nextFinishedRun, waitFor } from './util';

const extRoot = (): string => vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
const cfg = () => vscode.workspace.getConfiguration('kubeCompliance');
const PROFILE = () => join(extRoot(), 'test/fixtures/profiles/demo-baseline');
const MANAGED = 'app.kubernetes.io/managed-by=kube-compliance';

async function labelled(api: KubeComplianceApi): Promise<string[]> {
  const c = api.explorer.pool.client('demo-admin');
  const sas = (await c.core.listNamespacedServiceAccount({ namespace: 'demo', labelSelector: MANAGED })).items.map((x) => `ServiceAccount ${x.metadata?.name}`);
  const roles = (await c.rbac.listNamespacedRole({ namespace: 'demo', labelSelector: MANAGED })).items.map((x) => `Role ${x.metadata?.name}`);
  const rbs = (await c.rbac.listNamespacedRoleBinding({ namespace: 'demo', labelSelector: MANAGED })).items.map((x) => `RoleBinding ${x.metadata?.name}`);
  return [...sas, ...roles, ...rbs];
}

suite('access: RBAC preflight and the scanner identity in the real VS Code host', function () {
  this.timeout(180000);
  let api: KubeComplianceApi;
  let resultsDir: string;
  let identity: IdentityRecord | undefined;

  suiteSetup(async () => {
    api = await activateExtension();
    if (!process.env.KUBECONFIG) throw new Error('KUBECONFIG is not set: the host test runner starts the demo cluster and passes it');
    const base = process.env.KC_TEST_RUN_DIR ?? tmpdir();
    mkdirSync(base, { recursive: true });
    resultsDir = mkdtempSync(join(base, 'access-results-'));
    await cfg().update('auditor.path', join(extRoot(), 'test/fixtures/test-double-auditor.mjs'), vscode.ConfigurationTarget.Global);
    await cfg().update('resultsFolder', resultsDir, vscode.ConfigurationTarget.Global);
    await api.scan.auditors.discover(true);
    // the Scan command must not stop at the profile picker
    await api.scan.profiles.setDefault({ profile: PROFILE() });
  });

  suiteTeardown(async () => {
    answerQuestions(api, { confirm: undefined });
    answerQuestions(api, { scanChoice: undefined });
    for (const r of api.access.identities()) await api.access.removeIdentity(r.id).catch(() => undefined);
    await api.scan.profiles.setDefault(undefined);
    await cfg().update('scan.useScannerIdentity', undefined, vscode.ConfigurationTarget.Global);
    await cfg().update('auditor.path', undefined, vscode.ConfigurationTarget.Global);
    await cfg().update('resultsFolder', undefined, vscode.ConfigurationTarget.Global);
  });

  test('a scan as demo-readonly is refused before anything starts, naming the missing permission', async () => {
    const started: string[] = [];
    const sub = vscode.tasks.onDidStartTask((e) => started.push(e.execution.task.definition.type));
    const runsBefore = api.scan.runs.runs.length;
    try {
      await assert.rejects(
        api.scan.run({ target: { context: 'demo-readonly', namespace: 'demo', pod: 'standard-app', container: 'app' }, profile: { profile: PROFILE() } }),
        (e: Error) => {
          assert.match(e.message, /demo-readonly may not create pods\/exec on pod standard-app in namespace demo/);
          assert.match(e.message, /demo-readonly may not get pods\/exec on pod standard-app in namespace demo/);
          assert.match(e.message, /Nothing was started/);
          return true;
        },
      );
      // the Scan command (as the explorer calls it) is refused the same way, quietly (the notification offers the next steps)
      const viaCommand = await vscode.commands.executeCommand('kubeCompliance.scan', { context: 'demo-readonly', namespace: 'demo', pod: 'standard-app', container: 'app' });
      assert.equal(viaCommand, undefined);
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      sub.dispose();
    }
    assert.deepEqual(started, [], 'no task started');
    assert.equal(api.scan.runs.runs.length, runsBefore, 'no run recorded');
    assert.deepEqual(
      api.access.lastRefusal?.missing.map((p) => `${p.verb} ${p.resource}/${p.subresource}`),
      ['get pods/exec', 'create pods/exec'],
    );
  });

  test('a tasks.json task as demo-readonly gets the same preflight: refused before the auditor starts, naming the missing permission', async () => {
    const def = { type: 'kube-compliance', context: 'demo-readonly', namespace: 'demo', pod: 'standard-app', container: 'app', profile: PROFILE() };
    const resolved = api.scan.resolveTask(new vscode.Task(def, vscode.workspace.workspaceFolders![0], 'tasks.json scan as demo-readonly', 'Workspace'));
    assert.ok(resolved, 'the task provider resolves the task');
    const done = nextFinishedRun(api);
    await vscode.tasks.executeTask(resolved);
    const record = await done;
    assert.equal(record.outcome, 'error', record.message);
    assert.equal(record.exitCode, null, 'the auditor never ran');
    assert.match(record.message, /demo-readonly may not create pods\/exec on pod standard-app in namespace demo/);
    assert.match(record.message, /Nothing was started/);
    assert.deepEqual(
      api.access.lastRefusal?.missing.map((p) => `${p.verb} ${p.resource}/${p.subresource}`),
      ['get pods/exec', 'create pods/exec'],
    );
  });

  test('Create Scanner Identity on the container node asks first; declined creates nothing, confirmed creates exactly the labelled objects and a 0600 kubeconfig in private storage', async () => {
    const node = await demoContainerNode(api, 'standard-app', 'app');
    const asked = api.access.questions.length;
    answerQuestions(api, { confirm: false });
    const declined = await vscode.commands.executeCommand('kubeCompliance.createScannerIdentity', node, { lifetimeMinutes: 15, debug: false });
    assert.equal(declined, undefined);
    assert.equal(api.access.questions.length, asked + 1, 'the question was asked');
    assert.match(api.access.questions.at(-1)!, /Create a scanner identity for pod demo\/standard-app\?/);
    assert.deepEqual(await labelled(api), [], 'declined: nothing created');

    answerQuestions(api, { confirm: true });
    const before = Date.now();
    identity = await vscode.commands.executeCommand<IdentityRecord>('kubeCompliance.createScannerIdentity', node, { lifetimeMinutes: 15, debug: false });
    assert.ok(identity, 'created');
    assert.deepEqual((await labelled(api)).sort(), [`Role ${identity.id}`, `RoleBinding ${identity.id}`, `ServiceAccount ${identity.id}`]);
    const role = await api.explorer.pool.client('demo-admin').rbac.readNamespacedRole({ namespace: 'demo', name: identity.id });
    assert.deepEqual(
      (role.rules ?? []).map((r) => `${r.resources?.join(',')}:${r.verbs.join(',')}:${r.resourceNames?.join(',')}`),
      ['pods:get:standard-app', 'pods/exec:get,create:standard-app'],
    );
    const lifetime = Date.parse(identity.expiresAt) - before;
    assert.ok(lifetime > 14 * 60_000 && lifetime <= 15 * 60_000 + 5000, `15 minute token (${lifetime} ms)`);
    // the kubeconfig: 0600, in the extension's storage, not in the workspace; one context with the token user
    assert.equal(statSync(identity.kubeconfigPath).mode & 0o777, 0o600);
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (folder) assert.ok(!identity.kubeconfigPath.startsWith(folder), 'not in the workspace');
    const kc = parse(readFileSync(identity.kubeconfigPath, 'utf8'));
    assert.equal(kc.contexts.length, 1);
    assert.equal(kc.contexts[0].context.namespace, 'demo');
    assert.ok(typeof kc.users[0].user.token === 'string' && kc.users[0].user.token.length > 20);
    assert.ok(!JSON.stringify(identity).includes(kc.users[0].user.token), 'the record never holds the token');
  });

  test('a scan as the scanner identity (per-scan choice) succeeds through the real task, with the identity kubeconfig and no token in sight', async () => {
    assert.ok(identity, 'identity from the previous test');
    await cfg().update('scan.useScannerIdentity', 'ask', vscode.ConfigurationTarget.Global);
    answerQuestions(api, { scanChoice: 'identity' });
    const tasks: vscode.Task[] = [];
    const sub = vscode.tasks.onDidStartTask((e) => tasks.push(e.execution.task));
    let record: RunRecord;
    try {
      record = await api.scan.run({ target: { context: 'demo-admin', namespace: 'demo', pod: 'standard-app', container: 'app' }, profile: { profile: PROFILE() } });
    } finally {
      sub.dispose();
      answerQuestions(api, { scanChoice: undefined });
    }
    const task = tasks.find((t) => t.definition.type === 'kube-compliance');
    assert.ok(task, 'a kube-compliance task ran');
    assert.equal(task.definition.kubeconfig, identity.kubeconfigPath, 'the task used the identity kubeconfig');
    // demo-baseline on standard-app: 4 passed, 2 failed, 1 not applicable (same as with the user's own credentials)
    assert.equal(record.outcome, 'failed', record.message);
    assert.deepEqual({ passed: record.counts?.passed, failed: record.counts?.failed, na: record.counts?.notApplicable }, { passed: 4, failed: 2, na: 1 });
    assert.ok(record.reportPath && existsSync(record.reportPath));
    const token = parse(readFileSync(identity.kubeconfigPath, 'utf8')).users[0].user.token as string;
    assert.ok(!JSON.stringify(task.definition).includes(token), 'not in the task definition');
    assert.ok(!JSON.stringify(record).includes(token), 'not in the run record');
    assert.ok(!JSON.stringify(api.scan.runs.runs).includes(token), 'not in the stored runs');
    assert.ok(!readFileSync(record.reportPath, 'utf8').includes(token), 'not in the report');
  });

  test('with the identity, another pod is refused by the preflight naming the identity; renewal rewrites the kubeconfig (0600)', async () => {
    assert.ok(identity);
    await assert.rejects(
      api.scan.run({ target: { context: 'demo-admin', namespace: 'demo', pod: 'alpine-app', container: 'app' }, profile: { profile: PROFILE() }, kubeconfigPath: identity.kubeconfigPath }),
      new RegExp(`scanner identity ${identity.id} may not create pods/exec on pod alpine-app in namespace demo`),
    );
    const oldToken = parse(readFileSync(identity.kubeconfigPath, 'utf8')).users[0].user.token;
    const renewed = await vscode.commands.executeCommand<IdentityRecord>('kubeCompliance.renewScannerIdentityToken', identity.id);
    assert.ok(renewed);
    assert.equal(renewed.kubeconfigPath, identity.kubeconfigPath);
    assert.equal(statSync(renewed.kubeconfigPath).mode & 0o777, 0o600);
    assert.notEqual(parse(readFileSync(renewed.kubeconfigPath, 'utf8')).users[0].user.token, oldToken, 'a new token');
    assert.ok(Date.parse(renewed.expiresAt) >= Date.parse(identity.expiresAt));
  });

  test('Export RBAC Manifest opens YAML in an untitled editor and creates nothing', async () => {
    const yaml = await vscode.commands.executeCommand<string>('kubeCompliance.exportRbacManifest', { kind: 'namespace', context: 'demo-admin', namespace: 'demo' }, { debug: false });
    assert.ok(yaml);
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor?.document.isUntitled, 'an untitled editor');
    assert.equal(editor.document.languageId, 'yaml');
    assert.equal(editor.document.getText(), yaml);
    assert.match(yaml, /kind: ServiceAccount[\s\S]*kind: Role[\s\S]*kind: RoleBinding/);
    assert.doesNotMatch(yaml, /resourceNames/, 'namespace scope');
    assert.equal((await labelled(api)).length, 3, 'only the identity of the earlier test exists');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  test('Remove Scanner Identity deletes the labelled objects and the kubeconfig, and nothing else', async () => {
    assert.ok(identity);
    const removed = await vscode.commands.executeCommand<{ deleted: string[] }>('kubeCompliance.removeScannerIdentity', identity.id);
    assert.deepEqual(removed?.deleted, [`RoleBinding ${identity.id}`, `Role ${identity.id}`, `ServiceAccount ${identity.id}`]);
    assert.deepEqual(await labelled(api), []);
    assert.equal(existsSync(identity.kubeconfigPath), false);
    assert.equal(existsSync(identity.dir), false);
    assert.deepEqual(api.access.identities(), []);
    // the demo pods and the user's own access are untouched
    assert.ok(await api.explorer.pool.client('demo-admin').core.readNamespacedPod({ namespace: 'demo', name: 'standard-app' }));
  });

  test('creating an identity with demo-readonly is refused (403) with the way out, and leaves nothing behind', async () => {
    answerQuestions(api, { confirm: true });
    const r = await vscode.commands.executeCommand('kubeCompliance.createScannerIdentity', { kind: 'pod', context: 'demo-readonly', namespace: 'demo', name: 'standard-app' }, { lifetimeMinutes: 15, debug: false });
    assert.equal(r, undefined);
    assert.match(api.access.lastError?.message ?? '', /Could not create the ServiceAccount demo\/kc-scanner-[0-9a-f]+: Forbidden/);
    assert.match(api.access.lastError?.message ?? '', /export the RBAC manifest/);
    assert.deepEqual(await labelled(api), []);
    assert.deepEqual(api.access.identities(), []);
  });

  test('a token the API server rejects (its ServiceAccount deleted behind our back) is told apart from a refusal; removal still cleans up', async () => {
    answerQuestions(api, { confirm: true });
    const node = await demoContainerNode(api, 'standard-app', 'app');
    const rec = await api.access.createIdentity(scopeArg(node), { lifetimeMinutes: 10, debug: false });
    assert.ok(rec);
    await api.explorer.pool.client('demo-admin').core.deleteNamespacedServiceAccount({ namespace: 'demo', name: rec.id });
    const started: string[] = [];
    const sub = vscode.tasks.onDidStartTask((e) => started.push(e.execution.task.name));
    try {
      await assert.rejects(
        api.scan.run({ target: { context: 'demo-admin', namespace: 'demo', pod: 'standard-app', container: 'app' }, profile: { profile: PROFILE() }, kubeconfigPath: rec.kubeconfigPath }),
        new RegExp(`rejected the token of scanner identity ${rec.id} \\(401`),
      );
    } finally {
      sub.dispose();
    }
    assert.deepEqual(started, [], 'nothing started');
    const removed = await api.access.removeIdentity(rec.id);
    assert.deepEqual(removed.deleted, [`RoleBinding ${rec.id}`, `Role ${rec.id}`]);
    assert.deepEqual(await labelled(api), []);
    assert.equal(existsSync(rec.kubeconfigPath), false);
  });
  test("the notifications' buttons: a rejected token offers Renew Token, which gets one that works; after the scan, Remove Scanner Identity removes it", async () => {
    answerQuestions(api, { confirm: true });
    const node = await demoContainerNode(api, 'standard-app', 'app');
    const rec = await api.access.createIdentity(scopeArg(node), { lifetimeMinutes: 10, debug: false });
    assert.ok(rec);
    // the API server no longer accepts the token in the identity's kubeconfig (as after a signing-key rotation)
    const doc = parse(readFileSync(rec.kubeconfigPath, 'utf8'));
    doc.users[0].user.token = 'revoked-token-0123456789';
    writeFileSync(rec.kubeconfigPath, JSON.stringify(doc), { mode: 0o600 });

    // the user's clicks: these notifications are answered by choosing one of their buttons; everything else is dismissed
    const win = vscode.window as unknown as Record<'showWarningMessage' | 'showInformationMessage', (...a: unknown[]) => Thenable<unknown>>;
    const original = { warning: win.showWarningMessage, info: win.showInformationMessage };
    const shown: Array<{ message: string; items: string[] }> = [];
    const answer = (choose: Array<[RegExp, string]>) => (...a: unknown[]) => {
      const message = String(a[0]);
      const items = a.slice(1).filter((x): x is string => typeof x === 'string');
      shown.push({ message, items });
      const hit = choose.find(([re]) => re.test(message));
      return Promise.resolve(hit && items.includes(hit[1]) ? hit[1] : undefined);
    };
    win.showWarningMessage = answer([[/rejected the token of scanner identity/, 'Renew Token']]);
    win.showInformationMessage = answer([[/was scanned as scanner identity/, 'Remove Scanner Identity']]);
    try {
      const target = { context: 'demo-admin', namespace: 'demo', pod: 'standard-app', container: 'app' };
      await assert.rejects(api.scan.run({ target, profile: { profile: PROFILE() }, kubeconfigPath: rec.kubeconfigPath }), /rejected the token/);
      const offer = shown.find((n) => /rejected the token/.test(n.message));
      assert.deepEqual(offer?.items, ['Renew Token', 'Remove Scanner Identity']);
      // "Renew Token": a new token from the TokenRequest API, written to the same 0600 kubeconfig
      const renewed = await waitFor('the renewed token', () => {
        const t = parse(readFileSync(rec.kubeconfigPath, 'utf8')).users[0].user.token as string;
        return t !== 'revoked-token-0123456789' ? t : undefined;
      });
      assert.ok(renewed.length > 20);
      assert.equal(statSync(rec.kubeconfigPath).mode & 0o777, 0o600);
      await waitFor('the renewal notice', () => shown.find((n) => /token of .* was renewed/.test(n.message)));

      // the next scan with the identity passes the preflight and runs
      const record = await api.scan.run({ target, profile: { profile: PROFILE() }, kubeconfigPath: rec.kubeconfigPath });
      assert.equal(record.outcome, 'failed', record.message);
      assert.equal(record.counts?.passed, 4);
      // "Remove Scanner Identity" on the notice after the scan: the labelled objects and the kubeconfig are gone
      const notice = await waitFor('the after-scan notice', () => shown.find((n) => /was scanned as scanner identity/.test(n.message)));
      assert.deepEqual(notice.items, ['Remove Scanner Identity', 'Keep']);
      await waitFor('the identity removed', async () => ((await labelled(api)).length === 0 && api.access.identities().length === 0 ? true : undefined));
      assert.equal(existsSync(rec.kubeconfigPath), false);
    } finally {
      win.showWarningMessage = original.warning;
      win.showInformationMessage = original.info;
      answerQuestions(api, { confirm: undefined });
    }
  });
});
