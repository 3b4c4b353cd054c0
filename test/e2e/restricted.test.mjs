// Restricted Mode, for real: code-server with Workspace Trust on opens the workspace untrusted (no stubs). Profiles
// are Ruby that the auditor runs, so Kube Compliance declares `untrustedWorkspaces: limited`: browsing clusters and
// reading reports work, scanning is switched off and the Scan runs view says why.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot } from '../../scripts/lib/vscode-host.mjs';
import { containerRowText, expand, extensionLog, flatText, openDemoNamespace, openWorkbench, rowBelow, step } from './workbench.mjs';

const REPORT = join(repoRoot, 'test', 'fixtures', 'reports', 'rhel8-one-of-each-status.json');
let wb;

before(async () => {
  wb = await openWorkbench({
    name: 'restricted',
    workspaceTrust: true,
    settings: { 'kubeCompliance.auditor.path': join(repoRoot, 'test/fixtures/test-double-auditor.mjs') },
  });
});

after(async () => {
  await wb?.stop();
});

test('Restricted Mode: the explorer and reports work, scanning is off and says why', async () => {
  const { page } = wb;
  await openDemoNamespace(wb);

  await step(wb, 'the workspace is in Restricted Mode and the Scan runs view explains why scans are off', 60000, async () => {
    await page.locator('.statusbar', { hasText: 'Restricted Mode' }).first().waitFor({ timeout: 30000 });
    const welcome = page.locator('.pane-body .welcome-view-content', { hasText: 'Scans are disabled in this restricted workspace' }).first();
    await welcome.waitFor({ timeout: 30000 });
    assert.ok(await welcome.locator('a, .monaco-button', { hasText: 'Manage Workspace Trust' }).count(), 'the welcome view offers Manage Workspace Trust');
  });

  await step(wb, "the container is classified, and its Scan action is disabled and does nothing", 90000, async () => {
    await expand(page, 'standard-app');
    assert.match(await containerRowText(page, 'standard-app'), /^app\s*Standard · Kubernetes API/);
    const containerRow = await rowBelow(page, 'standard-app');
    await containerRow.hover();
    const scan = containerRow.locator('.action-label[aria-label^="Scan"]').first();
    await scan.waitFor({ timeout: 30000 });
    assert.equal(await scan.getAttribute('aria-disabled'), 'true', `the Scan action is disabled: ${await scan.evaluate((e) => e.outerHTML)}`);
    await scan.click({ force: true });
    // nothing may start: no profile picker, no terminal (checked after a pause long enough for either to appear)
    await page.waitForTimeout(3000);
    assert.equal(await page.locator('.quick-input-widget:visible').count(), 0, 'no profile picker opened');
    assert.equal(await page.locator('.terminal-wrapper').count(), 0, 'no terminal opened');
    // and the extension never got as far as a scan (it logs each one as it starts)
    assert.doesNotMatch(extensionLog(wb), /\bscan [^\n]*(auditor ready|k8s-container:\/\/)/, 'nothing was scanned');
  });

  await step(wb, 'a report opens in the results panel, with the compliance the CLI computes', 120000, async () => {
    const dir = join(wb.ws, 'reports');
    mkdirSync(dir, { recursive: true });
    const report = join(dir, 'rhel8.json');
    copyFileSync(REPORT, report);
    const expected = JSON.parse(spawnSync(process.execPath, [join(repoRoot, 'dist/cli.js'), 'summary', report, '--format', 'json'], { encoding: 'utf8' }).stdout);
    // Open Report… in the Scan runs view's title bar, then code-server's file dialog (a quick input taking a path)
    const runsHeader = page.locator('.pane-header', { hasText: 'Scan runs' }).first();
    await runsHeader.hover();
    await runsHeader.locator('.action-label[aria-label^="Open Report"]').click();
    // the dialog opens on the workspace folder: choose `reports`, then the file
    const entry = (name) => page.locator('.quick-input-widget:visible .monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^${name.replace('.', '\\.')}$`) }) }).first();
    await entry('reports').click({ timeout: 30000 });
    await entry('rhel8.json').click({ timeout: 30000 });
    const frame = page.frameLocator('iframe.webview').frameLocator('iframe#active-frame');
    const pct = frame.locator('.compliance .pct').first();
    await pct.waitFor({ timeout: 60000 });
    // the panel shows Heimdall's unrounded value (33.3%), the CLI's JSON SAF's integer percent (33)
    const shown = await flatText(pct);
    assert.match(shown, /^\d+(\.\d+)?%$/);
    assert.equal(Math.round(parseFloat(shown)), expected.compliance, `panel ${shown}, CLI ${expected.compliance}`);
  });
});
