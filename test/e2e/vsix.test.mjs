// The packaged extension: `npm run package` makes a VSIX that installs into a real VS Code (code-server)
// and shows the Kube Compliance view container with its two views.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { cleanup, ensureHost, installVsix, launchBrowser, makeRunDir, repoRoot, startCodeServer } from '../../scripts/lib/vscode-host.mjs';

const artifacts = join(repoRoot, 'test-results', 'e2e');
let runDir, server, browser, prefix;

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  prefix = ensureHost();
  runDir = makeRunDir('vsix');
});

after(async () => {
  await browser?.ctx.close().catch(() => {});
  await server?.stop();
  if (runDir) cleanup(runDir);
});

test('npm run package produces a VSIX holding only the bundles, media, snippets, schemas and the manifest', () => {
  const r = spawnSync('npm', ['run', '--silent', 'package'], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(r.status, 0, `npm run package failed:\n${r.stdout}\n${r.stderr}`);
  const vsix = join(repoRoot, 'dist', 'kube-compliance.vsix');
  assert.ok(existsSync(vsix));
  const list = spawnSync('unzip', ['-Z1', vsix], { encoding: 'utf8' });
  assert.equal(list.status, 0, list.stderr);
  const files = list.stdout.trim().split('\n').filter((f) => f.startsWith('extension/'));
  assert.ok(files.includes('extension/dist/extension.js'));
  assert.ok(files.includes('extension/package.json'));
  const unexpected = files.filter((f) => !/^extension\/(dist\/|media\/|snippets\/|schemas\/|package\.json$|readme\.md$|changelog\.md$|LICENSE\.txt$)/i.test(f));
  assert.deepEqual(unexpected, [], 'the VSIX holds only dist/, media/, snippets/, schemas/, README, LICENSE, CHANGELOG and the manifest');
  assert.ok(!files.some((f) => f.includes('node_modules') || f.includes('/test/') || f.endsWith('.map')));
});

test('the VSIX installs into code-server and shows the Kube Compliance view container', async () => {
  const vsix = join(repoRoot, 'dist', 'kube-compliance.vsix');
  installVsix(prefix, runDir, vsix);
  assert.ok(readdirSync(join(runDir, 'ext')).some((d) => d.startsWith('kube-compliance.kube-compliance-')), 'installed into the extensions dir');

  const ws = join(runDir, 'workspace');
  mkdirSync(ws, { recursive: true });
  server = await startCodeServer({ prefix, runDir, workspace: ws, smokeTestDriver: false, env: { KUBECONFIG: join(runDir, 'no-kubeconfig') } });
  browser = await launchBrowser(runDir);
  const { page } = browser;
  await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
  const item = page.locator('.activitybar [aria-label^="Kube Compliance"]');
  await item.first().waitFor({ timeout: 60000 });
  await item.first().click();
  await page.locator('.pane-header', { hasText: 'Clusters' }).first().waitFor({ timeout: 30000 });
  await page.locator('.pane-header', { hasText: /Scan runs/i }).first().waitFor({ timeout: 30000 });
  // the installed extension activated: its Clusters view shows its own welcome content (no kubeconfig in this run)
  await page.getByText('No kubeconfig was found').first().waitFor({ timeout: 30000 });
  await page.screenshot({ path: join(artifacts, 'vsix-installed.png') });
});
