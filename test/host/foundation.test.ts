import * as assert from 'node:assert';
import * as vscode from 'vscode';
import { activateExtension, EXTENSION_ID } from './util';

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

  test('auditor install steps open as a document', async () => {
    await vscode.commands.executeCommand('kubeCompliance.showAuditorSetup');
    const doc = vscode.window.activeTextEditor?.document;
    assert.ok(doc?.getText().includes('train-k8s-container-mitre'));
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
