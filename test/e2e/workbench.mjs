// What the browser tests share: the packaged extension in a real VS Code (code-server) against the emulator's demo
// cluster, driven in Debian's Chromium; steps with fixed timeouts, a screenshot each and what was on screen when one
// failed; and the Clusters tree read the way a user sees it. Not a test file itself.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, ensureHost, installVsix, launchBrowser, makeRunDir, repoRoot, startCodeServer } from '../../scripts/lib/vscode-host.mjs';
import { startClusterProcess } from '../../scripts/lib/cluster.mjs';

export const artifacts = join(repoRoot, 'test-results', 'e2e');

/**
 * Packages the extension, starts the demo cluster and a code-server with the VSIX installed and a workspace holding
 * the demo-baseline profile (`settings`: an object, or a function of the run's folder), and opens Chromium. `stop()` tears all of it down and removes the run's files.
 * Screenshots named `${name}-*` from an earlier run are removed first, so they never pass for this run's.
 */
export async function openWorkbench({ name, settings = {}, workspaceTrust = false }) {
  mkdirSync(artifacts, { recursive: true });
  for (const f of readdirSync(artifacts)) if (f.startsWith(`${name}-`)) rmSync(join(artifacts, f));
  const prefix = ensureHost();
  const wb = { name, runDir: makeRunDir(name), cluster: undefined, server: undefined, browser: undefined, page: undefined, ws: undefined, shot: 0 };
  wb.stop = async () => {
    await wb.browser?.ctx.close().catch(() => {});
    await wb.server?.stop();
    await wb.cluster?.stop();
    cleanup(wb.runDir);
  };
  try {
    const pkg = spawnSync('npm', ['run', '--silent', 'package'], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(pkg.status, 0, `npm run package failed:\n${pkg.stderr}`);
    const kubeconfig = join(wb.runDir, 'kubeconfig');
    wb.cluster = await startClusterProcess({ kubeconfig });
    wb.ws = join(wb.runDir, 'workspace');
    cpSync(join(repoRoot, 'test/fixtures/profiles/demo-baseline'), join(wb.ws, 'demo-baseline'), { recursive: true });
    installVsix(prefix, wb.runDir);
    wb.server = await startCodeServer({ prefix, runDir: wb.runDir, workspace: wb.ws, smokeTestDriver: false, workspaceTrust, env: { KUBECONFIG: kubeconfig }, settings: typeof settings === 'function' ? settings(wb.runDir) : settings });
    wb.browser = await launchBrowser(wb.runDir);
    wb.page = wb.browser.page;
  } catch (err) {
    await wb.stop();
    throw err;
  }
  return wb;
}

/** One step: a fixed timeout, a message naming the step and what was on screen when it fails, a screenshot either way. */
export async function step(wb, title, timeoutMs, fn) {
  const label = `${wb.name}-${String(++wb.shot).padStart(2, '0')}-${title.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`;
  let timer;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs / 1000} s`)), timeoutMs))),
    ]);
    await wb.page.screenshot({ path: join(artifacts, `${label}.png`) }).catch(() => {});
  } catch (err) {
    await wb.page?.screenshot({ path: join(artifacts, `${label}-FAILED.png`) }).catch(() => {});
    const seen = await whatIsOnScreen(wb).catch((e) => `(could not read the page: ${e})`);
    throw new Error(`${wb.name} step "${title}" failed: ${err instanceof Error ? err.message : err}\n${seen}`);
  } finally {
    clearTimeout(timer);
  }
}

/** A screenshot in the middle of a step (e.g. of a dialog that the step then answers), numbered with the steps. */
export async function snapshot(wb, title) {
  const label = `${wb.name}-${String(++wb.shot).padStart(2, '0')}-${title.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`;
  await wb.page.screenshot({ path: join(artifacts, `${label}.png`) });
}

/**
 * What a failed step leaves behind for whoever reads the CI log (screenshots stay on the CI machine): the open
 * dialog, notifications and quick pick, the tree rows, and the tail of the extension's log channel.
 */
export async function whatIsOnScreen({ page, runDir }) {
  const texts = async (sel) => (await page.locator(sel).allInnerTexts().catch(() => [])).map((t) => t.replace(/\s+/g, ' ').trim()).filter(Boolean);
  const out = [
    `dialog: ${JSON.stringify(await texts('.monaco-dialog-box'))}`,
    `notifications: ${JSON.stringify(await texts('.notifications-toasts .notification-list-item'))}`,
    `quick input: ${JSON.stringify(await texts('.quick-input-widget:visible'))}`,
    `tree rows: ${JSON.stringify(await texts('.monaco-list-row'))}`,
  ];
  const found = logFiles(runDir);
  for (const f of found) out.push(`--- ${f.slice(runDir.length + 1)} (last 40 lines)\n${readFileSync(f, 'utf8').split('\n').slice(-40).join('\n')}`);
  if (!found.length) out.push(`(no Kube Compliance log under ${join(runDir, 'ud', 'logs')})`);
  return out.join('\n');
}

/** The extension's log channel files (code-server writes them under the user-data dir's logs). */
function logFiles(runDir) {
  const found = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (/Kube Compliance\.log$/.test(e.name)) found.push(join(d, e.name));
    }
  };
  try {
    walk(join(runDir, 'ud', 'logs'));
  } catch {
    // no logs folder yet
  }
  return found;
}

/** Everything the extension has logged in this run (its "Kube Compliance" output channel). */
export function extensionLog({ runDir }) {
  return logFiles(runDir).map((f) => readFileSync(f, 'utf8')).join('\n');
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The Clusters view's pane (hidden views keep their rows in the page, so tree lookups are scoped to it). */
export const clustersPane = (page) => page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Clusters' }) }).first();

/** A Clusters row by its exact label (the description is a sibling element). */
export function row(page, label) {
  return clustersPane(page).locator('.monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escape(label)}$`) }) });
}

/** Expands the Clusters row `label` (waits for it to appear and to report itself expanded). */
export async function expand(page, label) {
  const r = row(page, label).first();
  await r.waitFor({ timeout: 60000 });
  if ((await r.getAttribute('aria-expanded')) !== 'true') await r.click();
  // poll the locator, not an element handle: the tree recycles row elements when it re-renders
  for (const deadline = Date.now() + 30000; (await r.getAttribute('aria-expanded', { timeout: 5000 }).catch(() => null)) !== 'true'; ) {
    if (Date.now() > deadline) throw new Error(`${label} did not expand`);
    await page.waitForTimeout(100);
  }
}

/**
 * The row right below `label`'s in the Clusters tree: found by the list's own row index (`data-index`), never by DOM
 * order — the tree re-renders rows when a watch refreshes it (stopped-app's restarts), and a test must not depend on
 * where re-rendered rows sit among their siblings in the DOM.
 */
export async function rowBelow(page, label) {
  const index = Number(await row(page, label).first().getAttribute('data-index'));
  assert.ok(Number.isInteger(index), `the ${label} row has a list index`);
  return clustersPane(page).locator(`.monaco-list-row[data-index="${index + 1}"]`);
}

export const flatText = async (locator, timeout = 30000) => (await locator.innerText({ timeout })).replace(/\s+/g, ' ').trim();

/** Waits until the row below `pod` is its container `app` (the pod's children are loaded) and returns its text. */
export async function containerRowText(page, pod) {
  for (let i = 0; i < 200; i++) {
    const next = await rowBelow(page, pod).then((r) => flatText(r, 1000)).catch(() => '');
    if (next.startsWith('app')) return next;
    await page.waitForTimeout(250);
  }
  throw new Error(`no container row appeared under ${pod}`);
}

/** Chooses the first quick-pick row whose text matches `text` (waits for the pick to show it). */
export async function pick(page, text) {
  const item = page.locator('.quick-input-widget .monaco-list-row', { hasText: text }).first();
  await item.waitFor({ timeout: 60000 });
  await item.click();
}

/** Opens the workbench on the run's workspace, then the Kube Compliance view, and expands demo-admin → demo → Pods. */
export async function openDemoNamespace(wb) {
  const { page } = wb;
  await step(wb, 'open the workbench', 90000, async () => {
    await page.goto(`${wb.server.url}/?folder=${encodeURIComponent(wb.ws)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 80000 });
  });
  await step(wb, 'open the Kube Compliance view', 60000, async () => {
    await page.locator('.activitybar [aria-label^="Kube Compliance"]').first().click();
    await page.locator('.pane-header', { hasText: 'Clusters' }).first().waitFor();
    await row(page, 'demo-admin').first().waitFor({ timeout: 50000 });
  });
  await step(wb, 'expand demo-admin and the demo namespace', 90000, async () => {
    await expand(page, 'demo-admin');
    await expand(page, 'demo');
    await expand(page, 'Pods');
  });
}
