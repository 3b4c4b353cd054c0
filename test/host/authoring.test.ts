import * as assert from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { AuthoringService } from '../../src/features/authoring/authoringService';
import type { AuthoringRunRecord } from '../../src/features/authoring/testController';
import type { ExplorerNode } from '../../src/features/explorer/explorer';
import { activateExtension, EXTENSION_ID, waitFor } from './util';

// Profile authoring in the real VS Code host, against the emulator (KUBECONFIG from the harness) and SCAN's
// test-double auditor. Line numbers below are counted by hand in test/fixtures/profiles/container-baseline.

function profileDir(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  return join(folder.uri.fsPath, 'container-baseline');
}

async function authoring(): Promise<AuthoringService> {
  const api = await activateExtension();
  assert.ok(api.authoring, 'the API exposes authoring');
  await api.authoring.workspace.whenReady();
  return api.authoring;
}

/** Edits through a WorkspaceEdit (independent of which editor has focus while the task terminal opens). */
async function replaceIn(doc: vscode.TextDocument, range: vscode.Range, text: string): Promise<void> {
  const e = new vscode.WorkspaceEdit();
  e.replace(doc.uri, range, text);
  assert.ok(await vscode.workspace.applyEdit(e), 'edit applied');
}

async function insertIn(doc: vscode.TextDocument, at: vscode.Position, text: string): Promise<void> {
  const e = new vscode.WorkspaceEdit();
  e.insert(doc.uri, at, text);
  assert.ok(await vscode.workspace.applyEdit(e), 'edit applied');
}

/**
 * Saves the document. In code-server a save issued right after a task terminal opened is sometimes refused
 * (`save()` resolves false, the document stays dirty, nothing is written); the save is then issued again.
 * What is under test is what our extension does once the save happens, not the workbench's save queue.
 */
async function saveDoc(doc: vscode.TextDocument): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await doc.save()) return;
    if (!doc.isDirty) return;
    await new Promise((r) => setTimeout(r, 400));
  }
  assert.fail(`${doc.uri.fsPath} could not be saved`);
}

function nextRun(service: AuthoringService, reason: 'explorer' | 'save', timeoutMs = 90000): Promise<AuthoringRunRecord> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`no ${reason} run finished within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const sub = service.tests.onDidFinishRun((r) => {
      if (r.reason !== reason || r.cancelled) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(r);
    });
  });
}

suite('authoring: profiles as tests, run against a pinned container', function () {
  this.timeout(180000);

  suiteSetup(async () => {
    assert.ok(process.env.KUBECONFIG, 'the harness sets KUBECONFIG to the emulator');
    for (const f of ['filesystem.rb', 'runtime.rb', 'accounts.rb']) {
      const file = join(profileDir(), 'controls', f);
      originals.set(file, await vscode.workspace.fs.readFile(vscode.Uri.file(file)));
    }
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const double = join(ext.extensionPath, 'test', 'fixtures', 'test-double-auditor.mjs');
    await vscode.workspace.getConfiguration('kubeCompliance').update('auditor.path', double, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('kubeCompliance').update('authoring.runOnSave', true, vscode.ConfigurationTarget.Global);
    // SCAN re-discovers the auditor when the setting changes; wait until it sees the double
    const api = await activateExtension();
    await waitFor('the test-double auditor to be discovered', async () => (await api.scan.auditors.discover(true)).ready, 30000);
  });

  // the suites after this one open the same workspace copy: put the profile back as it was
  const originals = new Map<string, Uint8Array>();

  suiteTeardown(async () => {
    const s = await authoring();
    await waitFor('authoring runs to finish', () => !s.tests.busy, 60000);
    await s.pinned.unpin();
    for (const [file, bytes] of originals) await vscode.workspace.fs.writeFile(vscode.Uri.file(file), bytes);
    for (const file of originals.keys()) {
      await waitFor(`${file} to be back as it was`, () => {
        const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file);
        return !doc || (!doc.isDirty && doc.getText() === new TextDecoder().decode(originals.get(file)));
      });
    }
    await vscode.workspace.getConfiguration('kubeCompliance').update('auditor.path', undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('kubeCompliance').update('authoring.runOnSave', undefined, vscode.ConfigurationTarget.Global);
  });

  test('the test items appear: container-baseline → its three control files → every control with its range', async () => {
    const s = await authoring();
    const root = profileDir();
    const profile = await waitFor('the container-baseline profile item', () => s.tests.controller.items.get(`profile:${root}`));
    assert.equal(profile.label, 'container-baseline');
    assert.equal(profile.description, '0.3.0 · Container Baseline (fixture)');
    const files: string[] = [];
    profile.children.forEach((f) => files.push(f.label));
    assert.deepEqual(files.sort(), ['controls/accounts.rb', 'controls/filesystem.rb', 'controls/runtime.rb']);
    const fsFile = profile.children.get(`file:${join(root, 'controls/filesystem.rb')}`)!;
    const ranges: Array<[string, number, number]> = [];
    fsFile.children.forEach((c) => ranges.push([c.label, c.range!.start.line, c.range!.end.line]));
    // 0-based: fs-01 lines 3–12, fs-02 14–24, fs-03 26–35, fs-04 37–45 (1-based, counted in the file)
    assert.deepEqual(ranges.sort(), [
      ['fs-01', 2, 11],
      ['fs-02', 13, 23],
      ['fs-03', 25, 34],
      ['fs-04', 36, 44],
    ]);
    const fs04 = fsFile.children.get(`control:${join(root, 'controls/filesystem.rb')}#fs-04`)!;
    assert.equal(fs04.description, 'A marker file required by policy exists');
    assert.equal(fs04.uri?.fsPath, join(root, 'controls/filesystem.rb'));
  });

  test('"Pin as Authoring Target" on the explorer\'s container node pins it (kept in workspaceState)', async () => {
    const s = await authoring();
    const api = await activateExtension();
    const p = api.explorer.provider;
    const find = async (parent: ExplorerNode | undefined, pick: (n: ExplorerNode) => boolean): Promise<ExplorerNode> => {
      const kids = await p.getChildren(parent);
      const found = kids.find(pick);
      assert.ok(found, `not found under ${parent?.id ?? 'the root'}: ${kids.map((k) => k.id).join(', ')}`);
      return found;
    };
    const admin = await find(undefined, (n) => n.kind === 'context' && n.context === 'demo-admin');
    const demo = await find(admin, (n) => n.kind === 'namespace' && n.namespace === 'demo');
    const pods = await find(demo, (n) => n.kind === 'group' && n.workloadKind === 'Pod');
    const pod = await find(pods, (n) => n.kind === 'pod' && n.name === 'standard-app');
    const node = await find(pod, (n) => n.kind === 'container' && n.name === 'app');
    // the menu entry's `when` clause matches the node
    assert.match(String(p.getTreeItem(node).contextValue), /^container/);
    await vscode.commands.executeCommand('kubeCompliance.pinTarget', node);
    const t = s.pinned.target!;
    assert.deepEqual([t.context, t.namespace, t.pod, t.container, t.approach], ['demo-admin', 'demo', 'standard-app', 'app', 'kubernetes-api']);
    assert.equal(t.compatibility, 'Standard');
    // the status bar names the pinned container and opens its options
    assert.equal(s.pinned.status.text, '$(pinned) demo/standard-app/app');
    assert.equal(s.pinned.status.command, 'kubeCompliance.showPinnedTarget');
    assert.match((s.pinned.status.tooltip as vscode.MarkdownString).value, /context: `demo-admin`/);
  });

  test('running fs-04 against demo-admin/demo/standard-app/app marks it failed, with the message at its control line', async () => {
    const s = await authoring();
    const file = join(profileDir(), 'controls/filesystem.rb');
    const item = await waitFor('fs-04 item', () => s.tests.controlItem(file, 'fs-04'));
    const cts = new vscode.CancellationTokenSource();
    const [record] = await s.tests.runRequest(new vscode.TestRunRequest([item]), cts.token, 'explorer');
    assert.ok(record, 'one profile group ran');
    assert.equal(record.error, undefined, `the run produced a report (error: ${record.error})`);
    assert.deepEqual(record.controls, ['fs-04'], 'only fs-04 was passed to --controls');
    assert.equal(record.outcomes.length, 1);
    const o = record.outcomes[0];
    assert.equal(o.id, 'fs-04');
    assert.equal(o.state, 'failed');
    assert.equal(o.file, file);
    assert.equal(o.line, 36, 'located at `control \'fs-04\' do` (line 37, 0-based 36)');
    assert.match(o.messages[0], /\/etc\/kube-compliance\/approved/);
    // the report the auditor wrote holds fs-04 only
    const report = JSON.parse(readFileSync(record.reportPath!, 'utf8'));
    assert.deepEqual(report.profiles[0].controls.map((c: { id: string }) => c.id), ['fs-04']);
    // editor feedback (RESULTS-PANEL's diagnostics) marks the control line
    const api = await activateExtension();
    const diags = await waitFor('a diagnostic on fs-04', () => api.results.feedback.diagnostics.get(vscode.Uri.file(file))?.find((d) => d.code === 'fs-04'));
    assert.equal(diags.range.start.line, 36);
  });

  test('saving after an edit re-runs only the edited control', async () => {
    const s = await authoring();
    const file = join(profileDir(), 'controls/filesystem.rb');
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    const line = doc.lineAt(4); // `  title 'The OS release file is present'` inside fs-01
    assert.match(line.text, /The OS release file is present/);
    const finished = nextRun(s, 'save');
    const started = new Promise<readonly string[]>((resolve) => {
      const sub = s.onDidStartSaveRun((e) => {
        sub.dispose();
        resolve(e.controls);
      });
    });
    await replaceIn(doc, line.range, "  title 'The OS release file is present (edited)'");
    await saveDoc(doc);
    assert.deepEqual(await started, ['fs-01']);
    const record = await finished;
    assert.deepEqual(record.controls, ['fs-01'], '--controls narrowed to the edited control');
    assert.deepEqual(record.outcomes.map((o) => [o.id, o.state]), [['fs-01', 'passed']]);
    const report = JSON.parse(readFileSync(record.reportPath!, 'utf8'));
    assert.deepEqual(report.profiles[0].controls.map((c: { id: string }) => c.id), ['fs-01'], 'the auditor ran fs-01 only');
    // fs-04's failure from the previous run is still shown (feedback merges authoring runs)
    const api = await activateExtension();
    assert.ok(api.results.feedback.diagnostics.get(vscode.Uri.file(file))?.some((d) => d.code === 'fs-04'));
    assert.equal(api.results.feedback.statusOf('fs-01'), 'Passed');
    // both authoring runs so far (fs-04 from the explorer, fs-01 on save) used the one dedicated, reused terminal
    const authoringTerminals = vscode.window.terminals.filter((t) => t.name.includes('Kube Compliance: authoring'));
    assert.equal(authoringTerminals.length, 1, `terminals: ${vscode.window.terminals.map((t) => t.name).join(' | ')}`);
  });

  test('a save while a run for the same control is in flight cancels that run first', async () => {
    const s = await authoring();
    const api = await activateExtension();
    const file = join(profileDir(), 'controls/filesystem.rb');
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    const titleLine = () => doc.lineAt(doc.getText().split('\n').findIndex((l) => l.includes("title '/etc/passwd is not writable")));
    const records: AuthoringRunRecord[] = [];
    const sub = s.tests.onDidFinishRun((r) => records.push(r));
    // the test double sleeps this long per command it runs in the target (it inherits the host's environment)
    process.env.KC_DOUBLE_SLOW_MS = '2500';
    try {
      await replaceIn(doc, titleLine().range, "  title '/etc/passwd is not writable by group or others (1)'");
      await saveDoc(doc);
      await waitFor('the first re-run to be in flight', () => api.scan.activeRuns.length > 0, 30000);
      delete process.env.KC_DOUBLE_SLOW_MS;
      await replaceIn(doc, titleLine().range, "  title '/etc/passwd is not writable by group or others (2)'");
      assert.ok(doc.isDirty, 'the second edit made the document dirty');
      await saveDoc(doc);
      await waitFor('both runs to finish', () => records.length >= 2, 90000);
    } finally {
      delete process.env.KC_DOUBLE_SLOW_MS;
      sub.dispose();
    }
    assert.deepEqual(records.map((r) => [r.reason, r.controls, r.cancelled]), [
      ['save', ['fs-02'], true],
      ['save', ['fs-02'], false],
    ]);
    assert.deepEqual(records[1].outcomes.map((o) => [o.id, o.state]), [['fs-02', 'passed']], JSON.stringify(records[1]));
    await waitFor('no scan left running', () => api.scan.activeRuns.length === 0, 20000);
  });

  test('a save that changes no control re-runs nothing', async () => {
    const s = await authoring();
    const file = join(profileDir(), 'controls/filesystem.rb');
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    let started = false;
    const sub = s.onDidStartSaveRun(() => (started = true));
    await insertIn(doc, new vscode.Position(0, 0), '# a comment outside every control\n');
    await saveDoc(doc);
    await new Promise((r) => setTimeout(r, 1500));
    sub.dispose();
    assert.equal(started, false, 'no run started');
    // the index followed: fs-04 moved one line down
    const item = s.tests.controlItem(file, 'fs-04');
    assert.equal(item?.range?.start.line, 37);
  });

  test('duplicate control ids and an invalid inspec.yml become diagnostics', async () => {
    const s = await authoring();
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const dir = vscode.Uri.joinPath(folder, 'scratch-profile');
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(dir, 'inspec.yml'), new TextEncoder().encode('title: no name\nversion: 0.1.0\n'));
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(dir, 'controls', 'a.rb'), new TextEncoder().encode("control 'dup-1' do\nend\n\ncontrol \"dup-1\" do\nend\n"));
    const manifest = vscode.Uri.joinPath(dir, 'inspec.yml');
    const noName = await waitFor('the missing-name diagnostic', () => vscode.languages.getDiagnostics(manifest).find((d) => /no `name`/.test(d.message)));
    assert.equal(noName.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(noName.range.start.line, 0);
    const dups = await waitFor('two duplicate-id diagnostics', () => {
      const list = vscode.languages.getDiagnostics(vscode.Uri.joinPath(dir, 'controls', 'a.rb')).filter((d) => d.code === 'duplicate-control');
      return list.length === 2 ? list : undefined;
    });
    assert.deepEqual(dups.map((d) => d.range.start.line).sort(), [0, 3]);
    // the tree shows the profile as invalid, with both controls
    const item = await waitFor('scratch profile item', () => s.tests.controller.items.get(`profile:${dir.fsPath}`));
    assert.ok(item.error, 'the profile item carries the inspec.yml error');
    await vscode.workspace.fs.delete(dir, { recursive: true });
    await waitFor('the scratch profile to leave the tree', () => !s.tests.controller.items.get(`profile:${dir.fsPath}`));
  });

  test('`AUDITOR check` on save turns its errors into diagnostics at their line', async () => {
    const s = await authoring();
    const file = join(profileDir(), 'controls/runtime.rb');
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    const end = doc.lineAt(doc.lineCount - 1).range.end;
    // a second rt-01: the test double's check reports a duplicate control at the line of the second definition
    await insertIn(doc, end, "\n\ncontrol 'rt-01' do\n  impact 0.1\nend\n");
    const dupLine = doc.getText().split('\n').findIndex((l, i, all) => l.startsWith("control 'rt-01'") && all.slice(0, i).some((x) => x.startsWith("control 'rt-01'")));
    assert.ok(dupLine > 0);
    await saveDoc(doc);
    const d = await waitFor('a check diagnostic', () => s.checker.diagnosticsFor(doc.uri).find((x) => /Duplicate control/i.test(x.message)), 30000);
    assert.equal(d.range.start.line, dupLine);
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
  });
});
