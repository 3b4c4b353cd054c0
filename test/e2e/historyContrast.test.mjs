// The History and drift page in VS Code's built-in themes, measured in the real workbench (code-server) in Chromium:
// two real scans of demo/standard-app/app with the project's TEST-DOUBLE auditor (test/fixtures/test-double-auditor.mjs)
// put two runs into the product's own history index, *Show History and Drift* opens the page from the Scan runs view,
// and for each theme the computed colours of the chart's line and points, its axis labels and the page's text are
// read inside the webview frame and checked against the background behind them with WCAG 2.1's contrast ratio:
// text ≥ 4.5:1 (SC 1.4.3 Contrast (Minimum)), graphical objects ≥ 3:1 (SC 1.4.11 Non-text Contrast). The page must
// make no request outside the local code-server, and a screenshot of each theme lands in test-results/e2e/.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { repoRoot } from '../../scripts/lib/vscode-host.mjs';
import { contrastRatio, effectiveBackground, GRAPHICS_MIN, hex, over, parseColor, relativeLuminance, TEXT_MIN } from './contrast.mjs';
import { artifacts, containerRowText, expand, flatText, openDemoNamespace, openWorkbench, pick, rowBelow, step } from './workbench.mjs';

// The built-in themes by their `workbench.colorTheme` ids in this VS Code (1.139: extensions/theme-defaults/package.json
// of code-server 4.139.1; the "Default " prefix of the older ids is gone except for the high-contrast ones), with
// the body class VS Code's webview host gives the page for each kind. Light 2026 and Dark 2026 are 1.139's defaults.
const THEMES = [
  { id: 'Light Modern', label: 'Light Modern', kind: 'vscode-light' },
  { id: 'Light+', label: 'Light+', kind: 'vscode-light' },
  { id: 'Light 2026', label: 'Light 2026', kind: 'vscode-light' },
  { id: 'Dark Modern', label: 'Dark Modern', kind: 'vscode-dark' },
  { id: 'Dark+', label: 'Dark+', kind: 'vscode-dark' },
  { id: 'Dark 2026', label: 'Dark 2026', kind: 'vscode-dark' },
  { id: 'Default High Contrast', label: 'Dark High Contrast', kind: 'vscode-high-contrast' },
  { id: 'Default High Contrast Light', label: 'Light High Contrast', kind: 'vscode-high-contrast-light' },
];

describe('the WCAG 2.1 contrast helper (test/e2e/contrast.mjs)', () => {
  test('known pairs: black on white is 21:1, #777 on white 4.48:1, a colour on itself 1:1', () => {
    assert.equal(contrastRatio('#000', '#fff'), 21);
    assert.equal(contrastRatio('#fff', '#000'), 21, 'the order of the pair does not matter');
    assert.equal(contrastRatio('#777777', '#ffffff').toFixed(2), '4.48');
    assert.equal(contrastRatio('rgb(30, 30, 30)', 'rgb(30, 30, 30)'), 1);
    assert.equal(relativeLuminance('#fff'), 1);
    assert.equal(relativeLuminance('#000'), 0);
    // #767676 is the lightest grey that passes 4.5:1 on white, the classic example
    assert.ok(contrastRatio('#767676', '#fff') >= TEXT_MIN);
  });

  test('a deliberately bad pair fails the thresholds the page is held to', () => {
    // #777 on white: just under SC 1.4.3's 4.5:1; light grey #ccc on white: under SC 1.4.11's 3:1
    assert.ok(contrastRatio('#777', '#fff') < TEXT_MIN);
    assert.ok(contrastRatio('#cccccc', '#ffffff') < GRAPHICS_MIN);
    assert.throws(() => assert.ok(contrastRatio('#777', '#fff') >= TEXT_MIN), /AssertionError|false/);
  });

  test('computed-style colours are read; translucent ones are composited over their background first', () => {
    assert.deepEqual(parseColor('rgba(204, 204, 204, 0.7)'), { r: 204, g: 204, b: 204, a: 0.7 });
    assert.deepEqual(parseColor('rgb(255 0 0 / 50%)'), { r: 255, g: 0, b: 0, a: 0.5 });
    assert.deepEqual(parseColor('#ccccccb3'), { r: 204, g: 204, b: 204, a: 0xb3 / 255 });
    assert.equal(hex(over('rgba(0, 0, 0, 0.5)', '#ffffff')), '#808080');
    // Dark+'s descriptionForeground (#ccccccb3) on its editor background #1e1e1e: 5.79:1, not #cccccc's 10.38:1
    assert.equal(contrastRatio('#ccccccb3', '#1e1e1e').toFixed(2), '5.79');
    assert.equal(contrastRatio('#cccccc', '#1e1e1e').toFixed(2), '10.38');
    assert.equal(hex(effectiveBackground(['transparent', 'rgba(0, 0, 0, 0)', 'rgb(31, 31, 31)', '#fff'])), '#1f1f1f');
    assert.throws(() => effectiveBackground(['transparent']), /no opaque background/);
    assert.throws(() => parseColor('var(--vscode-charts-blue)'), /not a colour/);
  });
});

describe('the History and drift page in the built-in themes', () => {
  let wb;
  const requests = [];
  const consoleProblems = [];

  before(async () => {
    wb = await openWorkbench({
      name: 'history-contrast',
      settings: (runDir) => ({ 'kubeCompliance.auditor.path': join(repoRoot, 'test/fixtures/test-double-auditor.mjs'), 'kubeCompliance.resultsFolder': join(runDir, 'results') }),
    });
    // every request the browser makes from now on (every page, frame and worker of the context), for the check
    // that nothing leaves the local code-server
    wb.browser.ctx.on('request', (r) => requests.push({ url: r.url(), frame: frameUrl(r) }));
    wb.page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) consoleProblems.push(m.text());
    });
  });

  after(async () => {
    await wb?.stop();
  });

  test('two scans, Show History and Drift, and the chart and text readable in light, dark and both high-contrast themes', async () => {
    const { page } = wb;
    await openDemoNamespace(wb);
    await step(wb, 'standard-app and its container', 120000, async () => {
      await expand(page, 'standard-app');
      assert.match(await containerRowText(page, 'standard-app'), /^app\s*Standard/);
    });
    for (const n of [1, 2]) {
      await step(wb, `scan standard-app/app (${n} of 2)`, 240000, async () => {
        await page.keyboard.press('Escape');
        await expand(page, 'standard-app');
        const containerRow = await rowBelow(page, 'standard-app');
        assert.match(await flatText(containerRow), /^app\s*Standard/, 'the row below standard-app is its container');
        // the inline action is clicked again if no profile picker opened (a click can land while the tree re-renders
        // after the previous scan; a picker that did open is never left behind, so this cannot start two scans)
        const picker = page.locator('.quick-input-widget .monaco-list-row:visible', { hasText: 'demo-baseline' }).first();
        for (let attempt = 1; ; attempt++) {
          await containerRow.hover();
          await containerRow.locator('.action-label[aria-label^="Scan"]').click();
          if (await picker.waitFor({ timeout: 20000 }).then(() => true, () => false)) break;
          if (attempt === 3) throw new Error('the Scan action opened no profile picker (3 clicks)');
        }
        await pick(page, 'demo-baseline');
        await pick(page, /^\s*Scan(?!,)/); // "Scan", not "Scan, and use this profile by default…"
        // the Scan runs view groups the runs by target: the scan is done when its target counts n runs
        await runsTarget(page, n).waitFor({ timeout: 220000 });
      });
    }

    let frame;
    await step(wb, 'Show History and Drift on the target in the Scan runs view', 120000, async () => {
      const target = runsTarget(page, 2);
      await target.hover();
      await target.locator('.action-label[aria-label^="Show History and Drift"]').click();
      frame = await historyFrame(page, 110000);
      const title = await frame.locator('svg.chart title').first().textContent();
      assert.match(title, /^Compliance over time: \d+(\.\d+)?%, \d+(\.\d+)?%$/, `the chart has the two runs: ${title}`);
    });

    const results = [];
    for (const theme of THEMES) {
      await step(wb, `theme ${theme.id}`, 90000, async () => {
        // as a user switches: Preferences: Color Theme in the command palette, then the theme by its label
        // (code-server's workbench does not pick up an edit of the user settings file while it runs)
        await selectTheme(page, theme.label);
        await waitForTheme(page, frame, theme, 60000);
        for (const r of await measure(frame)) results.push({ theme: theme.id, ...r });
      });
      await page.screenshot({ path: join(artifacts, `history-contrast-theme-${theme.id.replace('+', ' plus').replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`) });
    }
    // every figure in the log, then every failure at once (not only the first)
    for (const r of results) console.log(`${r.theme.padEnd(28)} ${r.what.padEnd(16)} ${r.ratio.toFixed(2).padStart(5)}:1  ${r.fg} on ${r.bg} (${r.count} elements, worst shown)`);
    const kinds = new Set(results.map((r) => r.what));
    assert.deepEqual([...kinds].sort(), ['axis labels', 'chart line', 'chart points', 'drift text', 'headings', 'report links', 'runs table text'], 'every kind of element was found and measured');
    const failures = results.filter((r) => r.ratio < (r.kind === 'text' ? TEXT_MIN : GRAPHICS_MIN));
    assert.deepEqual(
      failures.map((r) => `${r.theme}: ${r.what} ${r.ratio.toFixed(2)}:1 (${r.fg} on ${r.bg}) < ${r.kind === 'text' ? `${TEXT_MIN}:1 (WCAG 2.1 SC 1.4.3)` : `${GRAPHICS_MIN}:1 (WCAG 2.1 SC 1.4.11)`}`),
      [],
      'contrast of the history page in the built-in themes',
    );

    // no request left the page: every request made in the history webview's frames (its document and VS Code's
    // frame around it, which share the webview's id) went to the local code-server. The page's own CSP allows no
    // request at all; this checks what really happened. (Other parts of the workbench are not this page: the theme
    // picker queries the marketplace, the results panel loads its bundle from the virtual vscode-resource host.)
    const origin = new URL(wb.server.url).origin;
    const webviewId = new URL(frame.url()).searchParams.get('id');
    assert.ok(webviewId, `the history frame's URL names its webview: ${frame.url()}`);
    // a frame's own document is requested while the frame still shows its previous URL: match the request's URL too
    const idOf = (u) => (/^https?:/.test(u) ? new URL(u).searchParams.get('id') : null);
    const fromPage = requests.filter((r) => idOf(r.frame) === webviewId || idOf(r.url) === webviewId);
    assert.ok(fromPage.length > 0, 'the request log saw the history webview load (the log works)');
    assert.deepEqual(fromPage.filter((r) => new URL(r.url).origin !== origin), [], 'requests of the history page outside the local code-server');
    assert.deepEqual(consoleProblems, [], 'no Content Security Policy violation was reported');
    console.log(`the history webview's ${fromPage.length} requests, all to ${origin}: ${fromPage.map((r) => new URL(r.url).pathname.split('/').pop()).join(', ')}`);
  });
});

/** The Scan runs view's target row once it counts `n` runs ("2 runs · last 62%"). */
function runsTarget(page, n) {
  const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Scan runs' }) }).first();
  return pane.locator('.monaco-list-row', { hasText: new RegExp(`(?<!\\d)${n} runs? · last`) }).first();
}

/** The frame that holds the history page (VS Code nests it in two iframes; other webviews may be open too). */
async function historyFrame(page, timeoutMs) {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await page.waitForTimeout(250)) {
    for (const f of page.frames()) {
      const ok = await f.evaluate(() => !!document.querySelector('svg.chart') && /^History of /.test(document.querySelector('h1')?.textContent ?? '')).catch(() => false);
      if (ok) return f;
    }
  }
  throw new Error('no frame shows the history page');
}

/** Command palette → Preferences: Color Theme → the row labelled exactly `label`. */
async function selectTheme(page, label) {
  const exactRow = (text) => page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) }).first();
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input').first();
  await input.waitFor({ timeout: 20000 });
  await input.fill('>Preferences: Color Theme');
  // the exact command, not "Preferences: Browse Color Themes in Marketplace"
  await exactRow('Preferences: Color Theme').click({ timeout: 20000 });
  await input.fill(label);
  await exactRow(label).click({ timeout: 20000 });
}

/** Waits until the webview says it shows `theme` (VS Code sets data-vscode-theme-id and the kind's class on its body). */
async function waitForTheme(page, frame, theme, timeoutMs) {
  let seen;
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await page.waitForTimeout(200)) {
    seen = await frame.evaluate(() => ({ id: document.body.dataset.vscodeThemeId, kind: document.body.dataset.vscodeThemeKind, classes: document.body.className }));
    if (seen.id === theme.id && seen.kind === theme.kind && seen.classes.split(/\s+/).includes(theme.kind)) return;
  }
  throw new Error(`the history page did not switch to ${theme.id} (${theme.kind}); it says ${JSON.stringify(seen)}`);
}

/**
 * Inside the history page: the computed colour of each checked element (its `prop`), and the background layers
 * painted behind its centre, topmost first (document.elementsFromPoint: the real stacking, not the DOM's ancestry).
 * VS Code nests the page in two iframes and lays the outer one over the editor area: below the page's own layers come
 * those painted behind each iframe element in the document that holds it.
 */
async function measure(frame) {
  const probes = await frame.evaluate(() => {
    const layersAt = (x, y) => document.elementsFromPoint(x, y).map((e) => window.getComputedStyle(e).backgroundColor);
    const pick = (what, selector, prop, kind) =>
      [...document.querySelectorAll(selector)].map((el) => {
        el.scrollIntoView({ block: 'center' });
        const r = el.getBoundingClientRect();
        return { what, kind, color: window.getComputedStyle(el)[prop], layers: layersAt(r.left + r.width / 2, r.top + r.height / 2) };
      });
    const found = [
      ...pick('chart line', 'svg.chart path.line', 'stroke', 'graphics'),
      ...pick('chart points', 'svg.chart circle.dot', 'stroke', 'graphics'),
      ...pick('axis labels', 'svg.chart text.axis', 'fill', 'text'),
      ...pick('headings', 'h1, h2, h3', 'color', 'text'),
      ...pick('runs table text', 'table.runs th, table.runs td', 'color', 'text'),
      ...pick('drift text', '#drift-summary, #drift-note, #between, #between li', 'color', 'text'),
      ...pick('report links', 'a[data-open]', 'color', 'text'),
    ];
    window.scrollTo(0, 0); // the screenshot shows the page from its top, chart first
    return found;
  });
  const outer = [];
  for (let f = frame; f.parentFrame(); f = f.parentFrame()) {
    const el = await f.frameElement();
    outer.push(...(await el.evaluate((iframe) => {
      const r = iframe.getBoundingClientRect();
      const stack = iframe.ownerDocument.elementsFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      const at = stack.indexOf(iframe);
      if (at < 0) throw new Error('the webview iframe is not under its own centre (covered, or not laid out)');
      return stack.slice(at).map((e) => window.getComputedStyle(e).backgroundColor);
    })));
  }
  // per element kind: the lowest ratio of its elements, with the colours that gave it
  const worst = new Map();
  for (const p of probes) {
    const bg = effectiveBackground([...p.layers, ...outer]);
    const ratio = contrastRatio(p.color, bg);
    const prev = worst.get(p.what);
    if (!prev || ratio < prev.ratio) worst.set(p.what, { what: p.what, kind: p.kind, ratio, fg: p.color, bg: hex(bg), count: (prev?.count ?? 0) + 1 });
    else prev.count++;
  }
  return [...worst.values()];
}

function frameUrl(r) {
  try {
    return r.frame().url();
  } catch {
    return '(no frame: a worker)';
  }
}

