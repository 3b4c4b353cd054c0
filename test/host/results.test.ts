// The results panel in the real VS Code host: source links, untrusted text, editor feedback, serializer revival,
// malformed reports, comparison, exports and the "Open With" editor. Expected values come from the fixture files
// and results-semantics.md, not from running the code.
import * as assert from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { KubeComplianceApi } from '../../src/extension';
import type { PanelSnapshot } from '../../src/protocol/messages';
import type { ResultsView } from '../../src/features/results/resultsView';
import { activateExtension, waitFor } from './util';

const fixtures = process.env.KC_FIXTURES_DIR ?? join(__dirname, '..', 'fixtures');
const reports = join(fixtures, 'reports');
const LOCAL = join(reports, 'container-baseline-local.json');
const TWO = join(reports, 'container-baseline-local-two-controls.json');
const XSS = '<img src=x onerror=alert(1)>';

interface LoadedLike {
  path: string;
  panel: { controls: Array<{ id: string; key: number }> };
}

function workspaceRoot(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'the host tests open a workspace folder');
  return f.uri.fsPath;
}

/** 1-based line of `control 'ID' do` in the file, read from the file itself. */
function controlLine(file: string, id: string): number {
  const lines = readFileSync(file, 'utf8').split('\n');
  const i = lines.findIndex((l) => new RegExp(`^\\s*control\\s+['"]${id}['"]\\s+do`).test(l));
  assert.ok(i >= 0, `control ${id} is in ${file}`);
  return i + 1;
}

function tempDir(): string {
  const base = process.env.KC_TEST_RUN_DIR ?? tmpdir();
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, 'results-'));
}

async function inspectWhen(view: ResultsView, what: string, ok: (s: PanelSnapshot) => boolean): Promise<PanelSnapshot> {
  let last: PanelSnapshot | undefined;
  try {
    return await waitFor(what, async () => {
      if (!view.isReady) return undefined;
      last = await view.request('inspect', {});
      return ok(last) ? last : undefined;
    });
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : err}; last snapshot: ${JSON.stringify(last)?.slice(0, 600)}`);
  }
}

function panelView(api: KubeComplianceApi): ResultsView {
  const v = api.results.panel.view;
  assert.ok(v, 'the results panel is open');
  return v;
}

suite('results panel', () => {
  let api: KubeComplianceApi;
  let ws: string;

  suiteSetup(async () => {
    api = await activateExtension();
    ws = workspaceRoot();
    assert.ok(existsSync(join(ws, 'container-baseline', 'controls', 'filesystem.rb')), 'the workspace holds the container-baseline profile');
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('showResults opens the panel with the report (Heimdall counts of container-baseline-local)', async () => {
    const loaded = await vscode.commands.executeCommand<LoadedLike>('kubeCompliance.showResults', { reportPath: LOCAL, label: 'local run' });
    assert.ok(loaded, 'showResults returns the loaded report');
    const view = panelView(api);
    // results-semantics §9: Passed 6, Failed 2, N/A 1, PE 1 → 6 / (6 + 2 + 1) = 66.7 %
    const snap = await inspectWhen(view, 'the report rendered', (s) => s.matchingControls === 10);
    assert.match(snap.text, /Passed\s*6/);
    assert.match(snap.text, /Failed\s*2/);
    assert.match(snap.text, /Not Applicable\s*1/);
    assert.match(snap.text, /Profile Error\s*1/);
    assert.match(snap.text, /66\.7%/);
    assert.match(snap.text, /local run/);
    assert.match(snap.text, /debian 12\.11/);
    assert.match(snap.text, /5\.24\.24/);
  });

  test('choosing fs-04 opens container-baseline/controls/filesystem.rb at its control line', async () => {
    const loaded = await vscode.commands.executeCommand<LoadedLike>('kubeCompliance.showResults', { reportPath: LOCAL });
    const view = panelView(api);
    await inspectWhen(view, 'the report rendered', (s) => s.matchingControls === 10);
    const file = join(ws, 'container-baseline', 'controls', 'filesystem.rb');
    const expectedLine = controlLine(file, 'fs-04');
    const key = loaded.panel.controls.find((c) => c.id === 'fs-04')!.key;
    // exactly what the panel sends when the user chooses the control
    const reply = (await view.receive({ type: 'request', id: 7001, method: 'openSource', params: { key } })) as { opened: boolean; path?: string; line?: number };
    assert.equal(reply.opened, true, JSON.stringify(reply));
    assert.equal(reply.line, expectedLine);
    const editor = await waitFor('the source editor', () => vscode.window.visibleTextEditors.find((e) => e.document.uri.fsPath === file));
    assert.equal(editor.selection.active.line, expectedLine - 1);
    // a failed result of the control links to the same place
    const viaResult = (await view.receive({ type: 'request', id: 7002, method: 'openSource', params: { key, resultIndex: 0 } })) as { opened: boolean; line?: number };
    assert.equal(viaResult.line, expectedLine);
  });

  test('a malformed message from the panel is ignored', async () => {
    const view = panelView(api);
    assert.equal(await view.receive({ type: 'request', id: 1, method: 'runShell', params: { cmd: 'rm -rf /' } }), undefined);
    assert.equal(await view.receive({ type: 'export', format: 'exe' }), undefined);
  });

  test('a control with no workspace source says so and keeps the embedded code', async () => {
    const dir = tempDir();
    const data = JSON.parse(readFileSync(LOCAL, 'utf8'));
    for (const c of data.profiles[0].controls) c.source_location = { ref: '/nonexistent/elsewhere/lib.rb', line: 3 };
    data.profiles[0].groups = [];
    const copy = join(dir, 'nowhere.json');
    writeFileSync(copy, JSON.stringify(data));
    const loaded = await vscode.commands.executeCommand<LoadedLike>('kubeCompliance.showResults', { reportPath: copy });
    const view = panelView(api);
    const key = loaded.panel.controls.find((c) => c.id === 'acct-01')!.key;
    const reply = (await view.receive({ type: 'request', id: 7003, method: 'openSource', params: { key } })) as { opened: boolean; message?: string };
    assert.equal(reply.opened, false);
    assert.match(reply.message ?? '', /not found/i);
    // "Open this code in an editor": the code embedded in the report, in an untitled Ruby document
    await view.receive({ type: 'showCode', key });
    const editor = await waitFor('the embedded code', () => vscode.window.visibleTextEditors.find((e) => e.document.isUntitled && e.document.getText().includes("control 'acct-01' do")));
    assert.equal(editor.document.languageId, 'ruby');
    await vscode.window.showTextDocument(editor.document);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  test('a control titled <img src=x onerror=alert(1)> renders as text', async () => {
    const dir = tempDir();
    const data = JSON.parse(readFileSync(LOCAL, 'utf8'));
    const fs04 = data.profiles[0].controls.find((c: { id: string }) => c.id === 'fs-04');
    fs04.title = XSS;
    fs04.results[0].message = `<b>${XSS}</b>`;
    const copy = join(dir, 'xss.json');
    writeFileSync(copy, JSON.stringify(data));
    await vscode.commands.executeCommand('kubeCompliance.showResults', { reportPath: copy });
    const view = panelView(api);
    await inspectWhen(view, 'the XSS report rendered', (s) => s.matchingControls === 10 && s.text.includes(XSS));
    view.select('fs-04');
    const snap = await inspectWhen(view, 'fs-04 selected with its detail', (s) => s.selectedId === 'fs-04' && !!s.detailLoaded);
    assert.equal(snap.detailTitle, XSS, 'the title is the literal text');
    assert.ok(snap.text.includes(`<b>${XSS}</b>`), 'the message is the literal text');
    assert.equal(snap.imgElements, 0, 'no <img> element exists in the panel');
  });

  test('the panel page has a strict CSP: nothing by default, scripts only with its nonce, no unsafe-inline or eval', async () => {
    await vscode.commands.executeCommand('kubeCompliance.showResults', { reportPath: LOCAL });
    const view = panelView(api);
    await inspectWhen(view, 'the report rendered (so the nonce script ran)', (s) => s.matchingControls === 10);
    const page = view.webview.html;
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(page);
    assert.ok(meta, 'a CSP meta element');
    const directives = new Map(meta[1].split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v] as [string, string[]]));
    assert.deepEqual(directives.get('default-src'), ["'none'"]);
    const scriptSrc = directives.get('script-src') ?? [];
    assert.equal(scriptSrc.length, 1, `script-src is the nonce alone: ${scriptSrc.join(' ')}`);
    const nonce = /^'nonce-([A-Za-z0-9+/=]{16,})'$/.exec(scriptSrc[0])?.[1];
    assert.ok(nonce, `a nonce of at least 16 characters: ${scriptSrc[0]}`);
    assert.ok(!/unsafe-inline|unsafe-eval/.test(meta[1]), `no unsafe-inline or unsafe-eval: ${meta[1]}`);
    const scripts = [...page.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.ok(scripts.length >= 1);
    for (const [, attrs, body] of scripts) {
      assert.match(attrs, new RegExp(`nonce="${nonce}"`), 'every script carries the nonce');
      assert.match(attrs, /src="/, 'no inline script');
      assert.equal(body.trim(), '');
    }
    assert.ok(!/\son[a-z]+=/i.test(page), 'no inline event handlers');
    // a fresh page gets a fresh nonce
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('kubeCompliance.showResults', { reportPath: LOCAL });
    const again = panelView(api);
    assert.notEqual(again, view, 'a new panel');
    assert.ok(!again.webview.html.includes(nonce), 'the nonce is not reused');
  });

  test('diagnostics mark failed and errored controls and are replaced by the next run', async () => {
    await vscode.commands.executeCommand('kubeCompliance.showResults', { reportPath: LOCAL });
    const fsFile = vscode.Uri.file(join(ws, 'container-baseline', 'controls', 'filesystem.rb'));
    const acctFile = vscode.Uri.file(join(ws, 'container-baseline', 'controls', 'accounts.rb'));
    const rtFile = vscode.Uri.file(join(ws, 'container-baseline', 'controls', 'runtime.rb'));
    const ours = (u: vscode.Uri) => vscode.languages.getDiagnostics(u).filter((d) => d.source === 'Kube Compliance');

    // fs-04 failed, critical → Error; acct-03 failed, medium → Warning; rt-03 Profile Error → Error
    const fsD = ours(fsFile);
    assert.deepEqual(fsD.map((d) => d.code), ['fs-04']);
    assert.equal(fsD[0].severity, vscode.DiagnosticSeverity.Error);
    assert.equal(fsD[0].range.start.line, controlLine(fsFile.fsPath, 'fs-04') - 1);
    const acctD = ours(acctFile);
    assert.deepEqual(acctD.map((d) => d.code), ['acct-03']);
    assert.equal(acctD[0].severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(acctD[0].range.start.line, controlLine(acctFile.fsPath, 'acct-03') - 1);
    const rtD = ours(rtFile);
    assert.deepEqual(rtD.map((d) => d.code), ['rt-03'], 'rt-03 (failed + backtrace) is a Profile Error; rt-01 (impact 0) is N/A, no diagnostic');
    assert.equal(rtD[0].severity, vscode.DiagnosticSeverity.Error);

    // CodeLens: each control of the file with its last status
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', fsFile);
    const titles = lenses.filter((l) => l.command?.command === 'kubeCompliance.revealControl').map((l) => `${l.range.start.line + 1} ${l.command!.title}`);
    assert.ok(titles.includes(`${controlLine(fsFile.fsPath, 'fs-04')} $(error) Failed · critical`), titles.join(' | '));
    assert.ok(titles.includes(`${controlLine(fsFile.fsPath, 'fs-02')} $(pass) Passed · high`), titles.join(' | '));

    // the next run holds only fs-04 and acct-03: runtime.rb's diagnostic goes away
    await vscode.commands.executeCommand('kubeCompliance.showResults', { reportPath: TWO });
    assert.deepEqual(ours(rtFile), []);
    assert.deepEqual(ours(fsFile).map((d) => d.code), ['fs-04']);
    assert.deepEqual(ours(acctFile).map((d) => d.code), ['acct-03']);
    const after = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', fsFile);
    assert.ok(after.some((l) => l.range.start.line === controlLine(fsFile.fsPath, 'fs-02') - 1 && /not in the latest run/.test(l.command?.title ?? '')));
  });

  test('diagnostic severity follows the control severity (critical/high Error, medium Warning, low Information, none Hint; Profile Error always Error)', async () => {
    const dir = tempDir();
    const data = JSON.parse(readFileSync(LOCAL, 'utf8'));
    const byId = (id: string) => data.profiles[0].controls.find((c: { id: string }) => c.id === id);
    const fail = (id: string, severity: string) => {
      const c = byId(id);
      c.tags.severity = severity;
      c.impact = 0.5; // the tag decides the severity (results-semantics §3); impact > 0 keeps the control applicable
      c.results = c.results.map((r: Record<string, unknown>) => ({ ...r, status: 'failed', message: 'forced failure' }));
    };
    fail('fs-01', 'high');
    fail('fs-02', 'low');
    fail('fs-03', 'none');
    fail('fs-04', 'critical');
    byId('rt-03').tags.severity = 'low'; // stays a Profile Error (backtrace)
    const copy = join(dir, 'severities.json');
    writeFileSync(copy, JSON.stringify(data));
    await vscode.commands.executeCommand('kubeCompliance.showResults', { reportPath: copy });
    const sev = (file: string) =>
      Object.fromEntries(
        vscode.languages
          .getDiagnostics(vscode.Uri.file(join(ws, 'container-baseline', 'controls', file)))
          .filter((d) => d.source === 'Kube Compliance')
          .map((d) => [String(d.code), d.severity]),
      );
    const S = vscode.DiagnosticSeverity;
    assert.deepEqual(sev('filesystem.rb'), { 'fs-01': S.Error, 'fs-02': S.Information, 'fs-03': S.Hint, 'fs-04': S.Error });
    assert.deepEqual(sev('runtime.rb'), { 'rt-03': S.Error });
    assert.deepEqual(sev('accounts.rb'), { 'acct-03': S.Warning });
  });

  test('a CodeLens click shows its control in the panel', async () => {
    await vscode.commands.executeCommand('kubeCompliance.showResults', { reportPath: LOCAL });
    const fsFile = vscode.Uri.file(join(ws, 'container-baseline', 'controls', 'filesystem.rb'));
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', fsFile);
    const lens = lenses.find((l) => l.range.start.line === controlLine(fsFile.fsPath, 'fs-03') - 1 && l.command?.command === 'kubeCompliance.revealControl');
    assert.ok(lens?.command, 'a lens above fs-03');
    await vscode.commands.executeCommand(lens.command.command, ...(lens.command.arguments ?? []));
    const snap = await inspectWhen(panelView(api), 'fs-03 shown', (s) => s.selectedId === 'fs-03' && !!s.detailLoaded);
    assert.equal(snap.detailTitle, 'No world-writable files under /etc');
  });

  test('a malformed report gives a clear error and keeps the previous content', async () => {
    await vscode.commands.executeCommand('kubeCompliance.showResults', { reportPath: LOCAL });
    const view = panelView(api);
    await inspectWhen(view, 'the report rendered', (s) => s.matchingControls === 10);
    const dir = tempDir();
    const broken = join(dir, 'truncated.json');
    const text = readFileSync(LOCAL, 'utf8');
    writeFileSync(broken, text.slice(0, Math.floor(text.length / 2)));
    const r = await vscode.commands.executeCommand('kubeCompliance.showResults', { reportPath: broken });
    assert.equal(r, undefined);
    const snap = await inspectWhen(view, 'the error banner', (s) => /truncated\.json/.test(s.text));
    assert.match(snap.text, /truncated/i);
    assert.equal(snap.matchingControls, 10, 'the previous report is still shown');
    assert.match(snap.text, /66\.7%/);
  });

  test('the panel comes back from its saved state (serializer revival)', async () => {
    const pkg = vscode.extensions.getExtension('kube-compliance.kube-compliance')!.packageJSON;
    assert.ok(pkg.activationEvents.includes('onWebviewPanel:kubeCompliance.results'));
    const panel = vscode.window.createWebviewPanel('kubeCompliance.results', 'revived', vscode.ViewColumn.One, {});
    const view = await api.results.panel.revive(panel, { reportPath: LOCAL, label: 'revived run', filter: { text: 'fs-', sort: 'id' }, selectedId: 'fs-02' });
    const snap = await inspectWhen(view, 'the revived panel', (s) => s.selectedId === 'fs-02' && !!s.detailLoaded);
    assert.match(snap.text, /chmod 0644 \/etc\/passwd/, 'the fix text of fs-02 is in the detail');
    assert.equal(snap.matchingControls, 4, 'the filter "fs-" matches fs-01..fs-04');
    assert.match(snap.text, /revived run/);
    assert.equal(snap.detailTitle, '/etc/passwd is not writable by group or others');
    // the webview persists its filter/selection on every change
    const persisted = new Promise<unknown>((resolve) => {
      const sub = view.onDidPersist((s) => {
        sub.dispose();
        resolve(s);
      });
    });
    view.select('fs-03');
    const state = (await persisted) as { selectedId?: string; reportPath?: string; filter?: { text?: string } };
    assert.equal(state.selectedId, 'fs-03');
    assert.equal(state.reportPath, LOCAL);
    assert.equal(state.filter?.text, 'fs-');
  });

  test('filters from the host narrow the list', async () => {
    await vscode.commands.executeCommand('kubeCompliance.showResults', { reportPath: LOCAL });
    const view = panelView(api);
    await inspectWhen(view, 'the report', (s) => s.matchingControls > 0);
    view.setFilter({ text: '', statuses: ['Failed', 'Profile Error'], severities: [] });
    await inspectWhen(view, 'failed + errored only', (s) => s.matchingControls === 3);
    view.setFilter({ statuses: [], text: 'nist:CM-6' });
    await inspectWhen(view, 'nist:CM-6', (s) => s.matchingControls === 1 && /fs-04/.test(s.text));
    view.setFilter({ text: '', statuses: [], severities: ['medium'] });
    // medium by tag: acct-01..03, fs-01, rt-02, rt-03
    await inspectWhen(view, 'medium only', (s) => s.matchingControls === 6);
    view.setFilter({ text: '', statuses: [], severities: [], groupByFile: true });
    const grouped = await inspectWhen(view, 'grouped', (s) => s.matchingControls === 10 && /controls\/runtime\.rb/.test(s.text));
    assert.match(grouped.text, /controls\/accounts\.rb/);
    view.setFilter({ groupByFile: false });
  });

  test('comparing STIG v1 with v2 shows the controls that flipped', async () => {
    const view = (await vscode.commands.executeCommand('kubeCompliance.compareReports', {
      older: join(reports, 'k8s-ubuntu-stig-train-v1.json'),
      newer: join(reports, 'k8s-ubuntu-stig-train-v2.json'),
    })) as ResultsView;
    assert.ok(view);
    // results-semantics §7: 8 Passed→Failed, 2 Failed→Not Reviewed; compliance 31/82 → 23/82
    const snap = await inspectWhen(view, 'the comparison', (s) => /New failures/.test(s.text));
    assert.match(snap.text, /New failures \(8\)/);
    assert.match(snap.text, /Other status changes \(2\)/);
    assert.match(snap.text, /10 controls changed status · 11 controls with result-level changes/);
    const pct = (n: number) => `${Math.round((n / 82) * 1000) / 10}%`;
    assert.ok(snap.text.includes(pct(31)) && snap.text.includes(pct(23)), `${pct(31)} → ${pct(23)} in: ${snap.text.slice(0, 300)}`);
  });

  test('exports CSV and a Markdown summary, and copies the HDF JSON', async () => {
    await vscode.commands.executeCommand('kubeCompliance.showResults', { reportPath: LOCAL });
    const dir = tempDir();
    const csv = await vscode.commands.executeCommand<string>('kubeCompliance.exportCsv', { target: join(dir, 'out.csv') });
    const csvText = readFileSync(csv, 'utf8');
    for (const id of ['acct-01', 'fs-04', 'rt-03']) assert.ok(csvText.includes(id), `${id} in the CSV`);
    const md = await vscode.commands.executeCommand<string>('kubeCompliance.exportMarkdown', { target: join(dir, 'out.md') });
    assert.match(readFileSync(md, 'utf8'), /67\s*%|66\.7\s*%/);
    const n = await vscode.commands.executeCommand<number>('kubeCompliance.copyHdf');
    assert.equal(n, readFileSync(LOCAL, 'utf8').length);
    assert.equal(await vscode.env.clipboard.readText(), readFileSync(LOCAL, 'utf8'));
  });

  test('Open Report opens a report file from disk (a file Uri, as from the explorer) in the panel', async () => {
    await vscode.commands.executeCommand('kubeCompliance.showResults', { reportPath: LOCAL });
    const loaded = await vscode.commands.executeCommand<LoadedLike>('kubeCompliance.openReport', vscode.Uri.file(TWO));
    assert.equal(loaded?.path, TWO);
    assert.deepEqual(loaded.panel.controls.map((c) => c.id).sort(), ['acct-03', 'fs-04']);
    assert.equal(api.results.latest?.path, TWO);
    await inspectWhen(panelView(api), 'the two-control report', (s) => s.matchingControls === 2 && /fs-04/.test(s.text) && /acct-03/.test(s.text));
  });

  test('"Open With" shows a .json report in the report editor', async () => {
    await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(TWO), 'kubeCompliance.reportEditor');
    const view = await waitFor('the report editor', () => [...api.results.editors.views][0]);
    const snap = await inspectWhen(view, 'the report editor rendered', (s) => s.matchingControls === 2);
    assert.match(snap.text, /Failed\s*2/);
    assert.match(snap.text, /0%/);
  });
});
