// The user's whole journey, clicked the way a user clicks it, in a real VS Code (code-server) in Chromium:
// open the workbench → open Kube Compliance → expand demo-admin and `demo` → see standard-app and distroless-app with
// their compatibility words → Scan standard-app/app (with the project's TEST-DOUBLE auditor: no real auditor can be
// installed here) → the task's output in the terminal → the results panel with its compliance % → click a failed
// control → the editor opens the control's file at its line. A screenshot of every step lands in test-results/e2e/.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { cleanup, ensureHost, launchBrowser, makeRunDir, repoRoot, startCodeServer } from '../../scripts/lib/vscode-host.mjs';
import { startClusterProcess } from '../../scripts/lib/cluster.mjs';

const artifacts = join(repoRoot, 'test-results', 'e2e');
let runDir, cluster, server, browser, page, ws;
let shot = 0;

/** One step of the journey: a fixed timeout, a message naming the step when it fails, a screenshot either way. */
async function step(name, timeoutMs, fn) {
  const label = `${String(++shot).padStart(2, '0')}-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`;
  let timer;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs / 1000} s`)), timeoutMs))),
    ]);
    await page.screenshot({ path: join(artifacts, `journey-${label}.png`) }).catch(() => {});
  } catch (err) {
    await page?.screenshot({ path: join(artifacts, `journey-${label}-FAILED.png`) }).catch(() => {});
    const seen = await whatIsOnScreen().catch((e) => `(could not read the page: ${e})`);
    throw new Error(`journey step "${name}" failed: ${err instanceof Error ? err.message : err}\n${seen}`);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * What a failed step leaves behind for whoever reads the CI log (screenshots stay on the CI machine): the open
 * dialog, notifications and quick pick, the Clusters rows, and the tail of the extension's log channel.
 */
async function whatIsOnScreen() {
  const texts = async (sel) => (await page.locator(sel).allInnerTexts().catch(() => [])).map((t) => t.replace(/\s+/g, ' ').trim()).filter(Boolean);
  const out = [
    `dialog: ${JSON.stringify(await texts('.monaco-dialog-box'))}`,
    `notifications: ${JSON.stringify(await texts('.notifications-toasts .notification-list-item'))}`,
    `quick input: ${JSON.stringify(await texts('.quick-input-widget:visible'))}`,
    `tree rows: ${JSON.stringify(await texts('.monaco-list-row'))}`,
  ];
  const logs = join(runDir, 'ud', 'logs');
  const found = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (/Kube Compliance\.log$/.test(e.name)) found.push(join(d, e.name));
    }
  };
  try {
    walk(logs);
  } catch {
    // no logs folder yet
  }
  for (const f of found) out.push(`--- ${f.slice(runDir.length + 1)} (last 40 lines)\n${readFileSync(f, 'utf8').split('\n').slice(-40).join('\n')}`);
  if (!found.length) out.push(`(no Kube Compliance log under ${logs})`);
  return out.join('\n');
}

/** A tree row by its exact label (the description is a sibling element). */
function row(label) {
  return page.locator('.monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) });
}

async function expand(label) {
  const r = row(label).first();
  await r.waitFor({ timeout: 60000 });
  if ((await r.getAttribute('aria-expanded')) !== 'true') await r.click();
  await page.waitForFunction((el) => el?.getAttribute('aria-expanded') === 'true', await r.elementHandle(), { timeout: 30000 });
}

/**
 * The row right below `label`'s in the Clusters tree: found by the list's own row index (`data-index`), never by DOM
 * order — the tree re-renders rows when a watch refreshes it (stopped-app's restarts), and re-rendered rows may sit
 * anywhere among their siblings in the DOM. Scoped to the Clusters pane: hidden views keep their rows in the page.
 */
async function rowBelow(label) {
  const clusters = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Clusters' }) }).first();
  const index = Number(await clusters.locator('.monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) }).first().getAttribute('data-index'));
  assert.ok(Number.isInteger(index), `the ${label} row has a list index`);
  return clusters.locator(`.monaco-list-row[data-index="${index + 1}"]`);
}

const flatText = async (locator, timeout = 30000) => (await locator.innerText({ timeout })).replace(/\s+/g, ' ').trim();

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  // screenshots of an earlier run must not pass for this run's
  for (const f of readdirSync(artifacts)) if (f.startsWith('journey-')) rmSync(join(artifacts, f));
  const prefix = ensureHost();
  runDir = makeRunDir('e2e');
  const pkg = spawnSync('npm', ['run', '--silent', 'package'], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(pkg.status, 0, `npm run package failed:\n${pkg.stderr}`);
  const kubeconfig = join(runDir, 'kubeconfig');
  cluster = await startClusterProcess({ kubeconfig });
  ws = join(runDir, 'workspace');
  cpSync(join(repoRoot, 'test/fixtures/profiles/demo-baseline'), join(ws, 'demo-baseline'), { recursive: true });
  const node24 = join(prefix, 'node24/node_modules/node/bin');
  const inst = spawnSync(join(prefix, 'cs/node_modules/.bin/code-server'),
    ['--user-data-dir', join(runDir, 'ud'), '--extensions-dir', join(runDir, 'ext'), '--install-extension', join(repoRoot, 'dist/kube-compliance.vsix')],
    { encoding: 'utf8', env: { ...process.env, PATH: `${node24}:${process.env.PATH}`, XDG_CONFIG_HOME: join(runDir, 'xdg/config'), XDG_DATA_HOME: join(runDir, 'xdg/data'), XDG_CACHE_HOME: join(runDir, 'xdg/cache'), TMPDIR: join(runDir, 'tmp') } });
  assert.equal(inst.status, 0, `installing the VSIX failed:\n${inst.stderr}`);
  server = await startCodeServer({
    prefix, runDir, workspace: ws, smokeTestDriver: false,
    env: { KUBECONFIG: kubeconfig },
    settings: { 'kubeCompliance.auditor.path': join(repoRoot, 'test/fixtures/test-double-auditor.mjs'), 'kubeCompliance.resultsFolder': join(runDir, 'results') },
  });
  browser = await launchBrowser(runDir);
  page = browser.page;
});

after(async () => {
  await browser?.ctx.close().catch(() => {});
  await server?.stop();
  await cluster?.stop();
  if (runDir) cleanup(runDir);
});

test('the whole journey: explorer → scan → terminal → results panel → source line', async () => {
  await step('open the workbench', 90000, async () => {
    await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 80000 });
  });

  await step('open the Kube Compliance view', 60000, async () => {
    await page.locator('.activitybar [aria-label^="Kube Compliance"]').first().click();
    await page.locator('.pane-header', { hasText: 'Clusters' }).first().waitFor();
    await row('demo-admin').first().waitFor({ timeout: 50000 });
  });

  await step('expand demo-admin and the demo namespace', 90000, async () => {
    await expand('demo-admin');
    await expand('demo');
    await expand('Pods');
  });

  await step('see standard-app and distroless-app with their compatibility words', 120000, async () => {
    await expand('standard-app');
    await expand('distroless-app');
    // each pod has a container `app`: its row comes right below the pod's once the pod's children are loaded
    const containerRowAfter = async (pod) => {
      for (let i = 0; i < 200; i++) {
        const next = await rowBelow(pod).then((r) => flatText(r, 1000)).catch(() => '');
        if (next.startsWith('app')) return next;
        await page.waitForTimeout(250);
      }
      throw new Error(`no container row appeared under ${pod}`);
    };
    const standard = await containerRowAfter('standard-app');
    const distroless = await containerRowAfter('distroless-app');
    assert.match(standard, /^app\s*Standard · Kubernetes API/, `standard-app's container row: ${standard}`);
    assert.match(distroless, /^app\s*Distroless · debug container/, `distroless-app's container row: ${distroless}`);
  });

  await step('run Scan on standard-app/app', 150000, async () => {
    const containerRow = await rowBelow('standard-app');
    assert.match(await flatText(containerRow), /^app\s*Standard/, 'the row below standard-app is its container');
    await containerRow.hover();
    await containerRow.locator('.action-label[aria-label^="Scan"]').click();
    // the profile picker: the workspace's demo-baseline, then "Scan"
    const pick = async (text) => {
      const item = page.locator('.quick-input-widget .monaco-list-row', { hasText: text }).first();
      await item.waitFor({ timeout: 60000 });
      await item.click();
    };
    await pick('demo-baseline');
    await pick(/^\s*Scan\b/);
  });

  await step("see the task's output in the terminal", 120000, async () => {
    await page.locator('.terminal-wrapper .xterm-rows', { hasText: 'k8s-container://demo/standard-app/app' }).first().waitFor({ timeout: 110000 });
  });

  let compliance;
  await step('see the results panel with its compliance %', 150000, async () => {
    const frame = page.frameLocator('iframe.webview').frameLocator('iframe#active-frame');
    const pct = frame.locator('.compliance .pct').first();
    await pct.waitFor({ timeout: 140000 });
    compliance = (await pct.innerText()).trim();
    assert.match(compliance, /^\d+(\.\d+)?\s*%$/, `compliance text: ${compliance}`);
  });

  await step('click a failed control and see its file open at its line', 90000, async () => {
    const frame = page.frameLocator('iframe.webview').frameLocator('iframe#active-frame');
    const failed = frame.locator('.row.control', { hasText: 'demo-fs-03' }).first();
    await failed.waitFor({ timeout: 30000 });
    await failed.click();
    // the editor shows filesystem.rb with the cursor on the control's line
    const file = join(ws, 'demo-baseline', 'controls', 'filesystem.rb');
    const expectedLine = readFileSync(file, 'utf8').split('\n').findIndex((l) => /control 'demo-fs-03'/.test(l)) + 1;
    assert.ok(expectedLine > 0);
    await page.locator('.tabs-container .tab', { hasText: 'filesystem.rb' }).first().waitFor({ timeout: 60000 });
    // the editor's cursor line (its line number is drawn as the active one) is the control's line
    const editor = page.locator('.editor-instance', { has: page.locator('.view-line', { hasText: "control 'demo-fs-03' do" }) }).first();
    await editor.locator('.line-numbers.active-line-number', { hasText: new RegExp(`^${expectedLine}$`) }).first().waitFor({ timeout: 30000 });
  });
});
