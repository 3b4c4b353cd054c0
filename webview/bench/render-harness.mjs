// Measures the results panel in headless Chromium, outside VS Code: loads the built `dist/webview.js` in a page with a
// stub `acquireVsCodeApi`, posts a `report` notification (src/protocol/messages.ts) and waits for the panel's own
// `rendered` command; then types into the filter box, one keystroke at a time.
// For `npm run bench:results` (bench/ is RESULTS-CORE's): `import { measurePanelRender } from '../webview/bench/render-harness.mjs'`.
// Needs `npm run build` first (dist/webview.js, dist/webview.css) and Chromium (/usr/bin/chromium or CHROMIUM_PATH).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const IN_PAGE = `
window.__kcBench = {
  mark() { return { seen: window.__kcMessages.length, t0: performance.now() }; },
  async after(mark, phase) {
    const find = () => window.__kcMessages.slice(mark.seen).find((m) => m.type === 'rendered' && m.phase === phase);
    while (!find()) await new Promise((r) => setTimeout(r, 0));
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    const msg = find();
    return { ms: performance.now() - mark.t0, inPanel: msg.ms, matching: msg.matching, rows: document.querySelectorAll('.rows > .row').length };
  },
  async first(report) {
    const mark = this.mark();
    window.postMessage({ type: 'report', report }, '*');
    return this.after(mark, 'report');
  },
};`;

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * @param {{ report: unknown, typeText?: string, viewport?: { width: number, height: number }, screenshot?: string }} opts
 *   `report`: a PanelReport (src/results/panelData.ts `toPanelReport`); `typeText`: typed into the filter, one key at a time.
 * @returns {Promise<{ firstRenderMs: number, firstRenderInPanelMs: number, keystrokes: { key: string, ms: number, inPanelMs: number, matching: number }[], rowsInDom: number }>}
 *   `firstRenderMs`: from posting the report to the panel's `rendered` + the next frame (wall clock in the page);
 *   `*InPanelMs`: what the panel itself measured (message handler → DOM updated); `rowsInDom`: rows the virtual list created.
 */
export async function measurePanelRender({ report, typeText = 'ssh', viewport = { width: 1400, height: 900 }, screenshot } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'kc-panel-bench-'));
  const asset = (f) => pathToFileURL(join(root, 'dist', f)).href;
  const page = join(dir, 'panel.html');
  writeFileSync(
    page,
    `<!DOCTYPE html><html><head><meta charset="UTF-8">
<link id="vscode-codicon-stylesheet" rel="stylesheet" href="${asset('codicon.css')}"><link rel="stylesheet" href="${asset('webview.css')}"></head>
<body><div id="app"></div>
<script>window.__kcMessages = []; window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__kcMessages.push(m), getState: () => undefined, setState: () => {} });</script>
<script src="${asset('webview.js')}"></script></body></html>`,
  );
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--allow-file-access-from-files'],
  });
  try {
    const p = await browser.newPage({ viewport });
    await p.goto(pathToFileURL(page).href);
    await p.waitForFunction(() => window.__kcMessages.some((m) => m.type === 'ready'));
    // in-page helpers as plain text: TS loaders (tsx) rewrite named functions in callbacks passed to evaluate()
    await p.addScriptTag({ content: IN_PAGE });
    const first = await p.evaluate((rep) => window.__kcBench.first(rep), report);
    const keystrokes = [];
    await p.locator('vscode-textfield.search input').click();
    for (const key of typeText) {
      const mark = await p.evaluate(() => window.__kcBench.mark());
      await p.keyboard.type(key);
      const r = await p.evaluate((m) => window.__kcBench.after(m, 'filter'), mark);
      keystrokes.push({ key, ms: r.ms, inPanelMs: r.inPanel, matching: r.matching });
    }
    if (screenshot) await p.screenshot({ path: screenshot });
    return { firstRenderMs: first.ms, firstRenderInPanelMs: first.inPanel, keystrokes, rowsInDom: first.rows };
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
