import * as assert from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, EXTENSION_ID, waitFor } from './util';

/** The first file under `dir` whose text contains `needle`. */
function fileContaining(dir: string, needle: string): string | undefined {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    let st;
    try {
      st = statSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) {
      const f = fileContaining(p, needle);
      if (f) return f;
    } else if (st.isFile() && st.size < 10_000_000 && readFileSync(p, 'utf8').includes(needle)) return p;
  }
  return undefined;
}

suite('foundation: the extension in a real VS Code host', () => {
  test('activates and returns its API', async () => {
    const api = await activateExtension();
    assert.ok(api.log, 'API exposes the log');
    assert.equal(vscode.extensions.getExtension(EXTENSION_ID)?.isActive, true);
  });

  test('contributes the Kube Compliance view container and its two views', () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
    const container = pkg.contributes.viewsContainers.activitybar.find((c: { id: string }) => c.id === 'kubeCompliance');
    assert.equal(container.title, 'Kube Compliance');
    const views = pkg.contributes.views.kubeCompliance.map((v: { id: string }) => v.id);
    assert.deepEqual(views, ['kubeCompliance.clusters', 'kubeCompliance.runs']);
  });

  test('registers every command it declares', async () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
    const all = new Set(await vscode.commands.getCommands(true));
    for (const c of pkg.contributes.commands as Array<{ command: string }>) assert.ok(all.has(c.command), `command ${c.command} is not registered`);
  });

  test('the views open in the workbench', async () => {
    await vscode.commands.executeCommand('workbench.view.extension.kubeCompliance');
    await vscode.commands.executeCommand('kubeCompliance.clusters.focus');
  });

  test('a command runs and returns its value', async () => {
    const r = await vscode.commands.executeCommand('kubeCompliance.showLog');
    assert.equal(r, true);
  });

  test('the log channel exists and redacts secrets', async () => {
    const api = await activateExtension();
    assert.equal(api.log.channel.name, 'Kube Compliance');
    // the channel is a LogOutputChannel (has a level), not a plain output channel
    assert.ok(typeof api.log.channel.logLevel === 'number');
  });

  test('a bearer token, a JWT and a client key logged through the Log never reach the channel\'s log file', async () => {
    // scripts/run-host-tests.mjs sets it, and the user-data dir (with the logs) lies under it on both hosts
    const runDir = process.env.KC_TEST_RUN_DIR;
    assert.ok(runDir, 'KC_TEST_RUN_DIR is set');
    const api = await activateExtension();
    const marker = `kc-redaction-check-${Date.now()}`;
    const bearer = 'sha256~AbCdEfGhIjKlMnOpQrStUvWxYz0123456789';
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    const key = 'LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tc2VjcmV0';
    api.log.info(`${marker} Authorization: Bearer ${bearer}`, { user: { token: jwt } });
    api.log.warn(`${marker} client-key-data: ${key}`);
    const file = await waitFor('the log line written to the channel\'s file', () => fileContaining(runDir, `${marker} client-key-data`), 20000, 250);
    const text = readFileSync(file, 'utf8');
    assert.ok(text.includes(`${marker} Authorization: Bearer «redacted»`), 'the line is there, redacted');
    for (const secret of [bearer, jwt, key]) assert.ok(!text.includes(secret), `a secret reached ${file}`);
  });

  test('auditor install steps open as a document', async () => {
    await vscode.commands.executeCommand('kubeCompliance.showAuditorSetup');
    const doc = vscode.window.activeTextEditor?.document;
    assert.ok(doc?.getText().includes('train-k8s-container-mitre'));
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
