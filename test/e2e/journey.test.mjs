// The user's whole journey, clicked the way a user clicks it, in a real VS Code (code-server) in Chromium:
// open the workbench → open Kube Compliance → expand demo-admin and `demo` → see standard-app and distroless-app with
// their compatibility words → Scan standard-app/app (with the project's TEST-DOUBLE auditor: no real auditor can be
// installed here) → the task's output in the terminal → the results panel with its compliance % → click a failed
// control → the editor opens the control's file at its line. A screenshot of every step lands in test-results/e2e/.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot } from '../../scripts/lib/vscode-host.mjs';
import { containerRowText, expand, flatText, openDemoNamespace, openWorkbench, pick, rowBelow, snapshot, step } from './workbench.mjs';

let wb;

before(async () => {
  wb = await openWorkbench({
    name: 'journey',
    settings: (runDir) => ({ 'kubeCompliance.auditor.path': join(repoRoot, 'test/fixtures/test-double-auditor.mjs'), 'kubeCompliance.resultsFolder': join(runDir, 'results') }),
  });
});

after(async () => {
  await wb?.stop();
});

test('the whole journey: explorer → scan → terminal → results panel → source line', async () => {
  const { page } = wb;
  await openDemoNamespace(wb);

  await step(wb, 'see standard-app and distroless-app with their compatibility words', 120000, async () => {
    await expand(page, 'standard-app');
    await expand(page, 'distroless-app');
    // each pod has a container `app`: its row comes right below the pod's once the pod's children are loaded
    const standard = await containerRowText(page, 'standard-app');
    const distroless = await containerRowText(page, 'distroless-app');
    assert.match(standard, /^app\s*Standard · Kubernetes API/, `standard-app's container row: ${standard}`);
    assert.match(distroless, /^app\s*Distroless · debug container/, `distroless-app's container row: ${distroless}`);
  });

  await step(wb, 'run Scan on standard-app/app', 150000, async () => {
    const containerRow = await rowBelow(page, 'standard-app');
    assert.match(await flatText(containerRow), /^app\s*Standard/, 'the row below standard-app is its container');
    await containerRow.hover();
    await containerRow.locator('.action-label[aria-label^="Scan"]').click();
    // the profile picker: the workspace's demo-baseline, then "Scan"
    await pick(page, 'demo-baseline');
    await pick(page, /^\s*Scan(?!,)/); // "Scan", not "Scan, and use this profile by default…"
  });

  await step(wb, "see the task's output in the terminal", 120000, async () => {
    await page.locator('.terminal-wrapper .xterm-rows', { hasText: 'k8s-container://demo/standard-app/app?namespace=demo' }).first().waitFor({ timeout: 110000 });
  });

  await step(wb, 'see the results panel with its compliance %', 150000, async () => {
    const frame = page.frameLocator('iframe.webview').frameLocator('iframe#active-frame');
    const pct = frame.locator('.compliance .pct').first();
    await pct.waitFor({ timeout: 140000 });
    const compliance = (await pct.innerText()).trim();
    assert.match(compliance, /^\d+(\.\d+)?\s*%$/, `compliance text: ${compliance}`);
  });

  await step(wb, 'click a failed control and see its file open at its line', 90000, async () => {
    const frame = page.frameLocator('iframe.webview').frameLocator('iframe#active-frame');
    const failed = frame.locator('.row.control', { hasText: 'demo-fs-03' }).first();
    await failed.waitFor({ timeout: 30000 });
    await failed.click();
    // the editor shows filesystem.rb with the cursor on the control's line
    const file = join(wb.ws, 'demo-baseline', 'controls', 'filesystem.rb');
    const expectedLine = readFileSync(file, 'utf8').split('\n').findIndex((l) => /control 'demo-fs-03'/.test(l)) + 1;
    assert.ok(expectedLine > 0);
    await page.locator('.tabs-container .tab', { hasText: 'filesystem.rb' }).first().waitFor({ timeout: 60000 });
    // the editor's cursor line (its line number is drawn as the active one) is the control's line
    const editor = page.locator('.editor-instance', { has: page.locator('.view-line', { hasText: "control 'demo-fs-03' do" }) }).first();
    await editor.locator('.line-numbers.active-line-number', { hasText: new RegExp(`^${expectedLine}$`) }).first().waitFor({ timeout: 30000 });
  });
});

test('the shell-less journey: Scan on distroless-app/app asks in a real modal, adds the debug container, and the report describes the target', async () => {
  const { page } = wb;
  await step(wb, 'run Scan on distroless-app/app and confirm the helper in the dialog', 150000, async () => {
    // on its own feet: close whatever the first journey may have left open, and make sure the pod is expanded
    await page.keyboard.press('Escape');
    for (const label of ['demo-admin', 'demo', 'Pods', 'distroless-app']) await expand(page, label);
    const containerRow = await rowBelow(page, 'distroless-app');
    assert.match(await flatText(containerRow), /^app\s*Distroless · debug container/, 'the row below distroless-app is its container');
    await containerRow.hover();
    await containerRow.locator('.action-label[aria-label^="Scan"]').click();
    // the extension asks before it changes the pod (ephemeral containers cannot be removed): a real modal dialog
    const dialog = page.locator('.monaco-dialog-box', { hasText: 'Change pod demo/distroless-app' }).first();
    await dialog.waitFor({ timeout: 60000 });
    assert.match(await flatText(dialog), /You are asked once per pod/);
    await snapshot(wb, 'the question before the pod changes');
    await dialog.locator('.monaco-button', { hasText: 'Add Helper and Scan' }).first().click();
    await pick(page, 'demo-baseline');
    await pick(page, /^\s*Scan(?!,)/); // "Scan", not "Scan, and use this profile by default…"
  });

  await step(wb, 'the task runs the auditor through the helper', 120000, async () => {
    await page.locator('.terminal-wrapper .xterm-rows', { hasText: 'k8s-container://demo/distroless-app/kc-scan-helper?namespace=demo' }).first().waitFor({ timeout: 110000 });
  });

  await step(wb, "the results panel shows the distroless target's report (its platform, not the helper's)", 150000, async () => {
    const frame = page.frameLocator('iframe.webview').frameLocator('iframe#active-frame');
    await frame.locator('.report-label', { hasText: 'distroless-app' }).first().waitFor({ timeout: 140000 });
    // the helper is a static busybox without /etc/os-release: a Debian platform can only come from the target's root
    const platform = frame.locator('dl div', { has: frame.locator('dt', { hasText: /^Platform$/ }) }).locator('dd').first();
    assert.match(await flatText(platform), /^debian\b/);
    assert.match(await flatText(frame.locator('.compliance .pct').first()), /^\d+(\.\d+)?%$/);
  });
});
