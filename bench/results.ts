// Benchmark: the results model and the results panel at 2,000 controls / 20,000 results.
//   npm run bench:results            (KC_BENCH_CONTROLS / KC_BENCH_RESULTS / KC_BENCH_RUNS to change the size)
// 1. Scales the largest fixture report (the STIG, 183 controls) up in memory: copies of its controls with unique ids
//    (`SV-260468.k`), their results repeated with numbered code_desc until the report holds the wanted totals.
// 2. parse = parseReport(text) on the report's JSON text (JSON.parse + validation + inspecjs status/overlay rules),
//    median of KC_BENCH_RUNS runs after a warm-up.
// 3. first render / filter: the real panel bundle (dist/webview.js, RESULTS-PANEL's webview) in headless Chromium
//    (playwright-core, /usr/bin/chromium, the host tests' CHROME_ARGS) with a stub acquireVsCodeApi:
//    first render = host-side conversion (toPanelReport) + postMessage (structured clone) + the panel's render + the
//    next frame; filter = a real keystroke in the filter field until the list is re-rendered and the next frame ran
//    (median over the keystrokes of typing and erasing a word).
// Prints `results-2k: parse N ms, first render M ms, filter K ms`, then details. Goal: parse + first render < 1.5 s,
// filter < 50 ms.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseReport, summarize } from '../src/core/results';
import { toPanelReport } from '../src/features/results/panelData';

const root = join(__dirname, '..');
const fixtures = process.env.KC_FIXTURES_DIR ?? join(root, 'test', 'fixtures');
const SOURCE = join(fixtures, 'reports', 'k8s-ubuntu-stig-train-v2.json');
const CONTROLS = Number(process.env.KC_BENCH_CONTROLS ?? 2000);
const RESULTS = Number(process.env.KC_BENCH_RESULTS ?? 20000);
const RUNS = Number(process.env.KC_BENCH_RUNS ?? 5);

type Json = Record<string, unknown>;

/** The fixture scaled to `controls` controls and `results` results, unique ids, as JSON text. */
export function scaleReport(raw: Json, controls: number, results: number): string {
  const profile = (raw.profiles as Json[])[0];
  const base = profile.controls as Json[];
  const withResults = base.filter((c) => (c.results as unknown[]).length > 0);
  // how many of the scaled controls carry results (zero-result controls stay empty: they are Profile Errors)
  const carrying = Array.from({ length: controls }, (_, i) => (base[i % base.length].results as unknown[]).length > 0).filter(Boolean).length;
  if (!withResults.length || carrying === 0) throw new Error('the source report has no results to scale');
  let remaining = results;
  let carriersLeft = carrying;
  const out: Json[] = [];
  const groupOf = new Map<string, string>();
  for (const g of (profile.groups as Json[]) ?? []) for (const id of g.controls as string[]) groupOf.set(id, g.id as string);
  const groups = new Map<string, string[]>();
  for (let i = 0; i < controls; i++) {
    const src = base[i % base.length];
    const copy = Math.floor(i / base.length);
    const id = copy === 0 ? (src.id as string) : `${src.id as string}.${copy}`;
    const srcResults = src.results as Json[];
    let res: Json[] = [];
    if (srcResults.length) {
      const n = Math.round(remaining / carriersLeft);
      remaining -= n;
      carriersLeft--;
      res = Array.from({ length: n }, (_, k) => {
        const r = srcResults[k % srcResults.length];
        return k < srcResults.length ? r : { ...r, code_desc: `${r.code_desc as string} [${k}]` };
      });
    }
    out.push({ ...src, id, results: res });
    const g = groupOf.get(src.id as string) ?? 'controls/misc.rb';
    const list = groups.get(g) ?? [];
    list.push(id);
    groups.set(g, list);
  }
  const scaled = {
    ...raw,
    profiles: [{ ...profile, controls: out, groups: [...groups].map(([gid, ids]) => ({ id: gid, controls: ids })) }],
  };
  return JSON.stringify(scaled);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (n: number): string => n.toFixed(n < 10 ? 1 : 0);

function ensureWebviewBundle(): { path: string; note: string } {
  const bundle = join(root, 'dist', 'webview.js');
  // every source of the panel bundle: the webview app (components, store…) and the protocol both sides import
  const sources = [...readdirSync(join(root, 'webview'), { recursive: true, encoding: 'utf8' }).map((f) => join('webview', f)), ...readdirSync(join(root, 'src', 'protocol')).map((f) => join('src', 'protocol', f))]
    .filter((f) => /\.(ts|css)$/.test(f))
    .map((f) => join(root, f));
  const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs));
  if (existsSync(bundle) && statSync(bundle).mtimeMs >= newest) return { path: bundle, note: 'dist/webview.js' };
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0 || !existsSync(bundle)) throw new Error(`npm run build failed, so the panel bundle is missing:\n${r.stderr || r.stdout}`);
  return { path: bundle, note: 'dist/webview.js (rebuilt)' };
}

/** What the bench's page script and the browser provide (the bench is type-checked without the DOM library). */
interface PageWindow {
  __posted: Array<{ type: string }>;
  __msg: unknown;
  __keyAt?: number;
  __filtered?: Promise<number>;
  __next(pred: (m: { type: string; phase?: string; ms?: number }) => boolean): Promise<{ type: string; ms?: number }>;
  postMessage(message: unknown, targetOrigin: string): void;
  addEventListener(type: string, listener: () => void, options: { once: boolean; capture: boolean }): void;
  requestAnimationFrame(callback: () => void): number;
  document: { body: { offsetHeight: number }; querySelectorAll(selector: string): { length: number } };
}

interface PanelTimes {
  firstRender: number;
  panelRender: number;
  convert: number;
  filter: number[];
  rows: number;
}

async function measurePanel(text: string): Promise<PanelTimes> {
  const { chromium } = await import('playwright-core');
  const { CHROME_ARGS } = (await import(pathToFileURL(join(root, 'scripts', 'lib', 'vscode-host.mjs')).href)) as { CHROME_ARGS: string[] };
  const { path: bundle } = ensureWebviewBundle();
  const dir = mkdtempSync(join(tmpdir(), 'kc-bench-results-'));
  const browser = await chromium.launch({ executablePath: process.env.KC_CHROMIUM ?? '/usr/bin/chromium', headless: true, args: CHROME_ARGS });
  try {
    const css = join(root, 'dist', 'webview.css');
    writeFileSync(
      join(dir, 'panel.html'),
      `<!DOCTYPE html><html><head><meta charset="utf-8">
${existsSync(css) ? `<link rel="stylesheet" href="${pathToFileURL(css).href}">` : ''}
<script>
  window.__posted = [];
  window.__waiters = [];
  window.acquireVsCodeApi = () => ({
    postMessage(m) { window.__posted.push(m); for (const w of window.__waiters.splice(0)) w(m); },
    getState() { return undefined; },
    setState() {},
  });
  window.__next = (pred) => new Promise((resolve) => { const f = (m) => pred(m) ? resolve(m) : window.__waiters.push(f); window.__waiters.push(f); });
</script></head>
<body><div id="app"></div><script src="${pathToFileURL(bundle).href}"></script></body></html>`,
    );
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(join(dir, 'panel.html')).href);
    await page.waitForFunction(() => (globalThis as unknown as PageWindow).__posted.some((m) => m.type === 'ready'), undefined, { timeout: 30_000 });

    // host side: the model → the panel's list data (the parse itself is measured separately)
    const report = parseReport(text);
    const t0 = performance.now();
    const panelReport = toPanelReport(report, summarize(report), '/bench/results-2k.json', 'results-2k');
    const convert = performance.now() - t0;
    // The message object must exist in the page before timing; the timed part posts it (structured clone, as
    // VS Code's webview postMessage delivers it), lets the panel render, and waits for the next frame.
    const payload = JSON.stringify({ type: 'report', report: panelReport });
    await page.evaluate((p) => {
      (globalThis as unknown as PageWindow).__msg = JSON.parse(p);
    }, payload);
    const first = await page.evaluate(async () => {
      const w = globalThis as unknown as PageWindow;
      const start = performance.now();
      const done = w.__next((m) => m.type === 'rendered' && m.phase === 'report');
      w.postMessage(w.__msg, '*');
      const r = await done;
      void w.document.body.offsetHeight;
      await new Promise((res) => w.requestAnimationFrame(() => setTimeout(res, 0)));
      return { total: performance.now() - start, panel: r.ms ?? 0, rows: w.document.querySelectorAll('.rows > *').length };
    });
    if (errors.length) throw new Error(`the panel threw: ${errors.join('; ')}`);
    if (first.rows === 0) throw new Error('the panel rendered no rows');

    // filter keystrokes: type a word into the filter field and erase it, one key at a time
    const field = page.locator('vscode-textfield.search input');
    await field.click();
    const filter: number[] = [];
    const keys = [...'audit'].concat(Array(5).fill('Backspace'));
    for (const key of keys) {
      await page.evaluate(() => {
        const w = globalThis as unknown as PageWindow;
        w.__filtered = new Promise<number>((resolve) => {
          w.addEventListener('keydown', () => (w.__keyAt = performance.now()), { once: true, capture: true });
          void w.__next((m) => m.type === 'rendered' && m.phase === 'filter').then(() => {
            void w.document.body.offsetHeight;
            w.requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - (w.__keyAt ?? 0)), 0));
          });
        });
      });
      await page.keyboard.press(key);
      filter.push(await page.evaluate(() => (globalThis as unknown as PageWindow).__filtered!));
    }
    if (errors.length) throw new Error(`the panel threw: ${errors.join('; ')}`);
    return { firstRender: convert + first.total, panelRender: first.panel, convert, filter, rows: first.rows };
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const raw = JSON.parse(readFileSync(SOURCE, 'utf8')) as Json;
  const text = scaleReport(raw, CONTROLS, RESULTS);
  // parse: warm-up, then the median of RUNS
  let report = parseReport(text);
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    report = parseReport(text);
    times.push(performance.now() - t);
    const u = process.cpuUsage(c);
    cpu.push((u.user + u.system) / 1000);
  }
  const parse = median(times);
  const s = summarize(report);
  if (s.controls !== CONTROLS || s.results !== RESULTS) throw new Error(`scaling produced ${s.controls} controls / ${s.results} results`);
  const label = `results-${Math.round(CONTROLS / 1000)}k`;
  let panel: PanelTimes | undefined;
  let missing: string | undefined;
  try {
    panel = await measurePanel(text);
  } catch (e) {
    missing = e instanceof Error ? e.message : String(e);
  }
  if (panel) {
    const f = median(panel.filter);
    console.log(`${label}: parse ${ms(parse)} ms, first render ${ms(panel.firstRender)} ms, filter ${ms(f)} ms`);
    console.log(
      `  report ${(text.length / 1024 / 1024).toFixed(1)} MB, ${s.controls} controls, ${s.results} results; parse runs ${times.map(ms).join('/')} ms ` +
        `(CPU ${ms(median(cpu))} ms; load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores); ` +
        `first render = convert ${ms(panel.convert)} + post, panel render ${ms(panel.panelRender)}, next frame (${panel.rows} rows drawn); ` +
        `filter keystrokes ${panel.filter.map(ms).join('/')} ms (max ${ms(Math.max(...panel.filter))})`,
    );
    const okLoad = parse + panel.firstRender < 1500;
    const okFilter = f < 50;
    console.log(`  goals: parse + first render ${ms(parse + panel.firstRender)} ms < 1500 ${okLoad ? 'met' : 'NOT met'}; filter ${ms(f)} ms < 50 ${okFilter ? 'met' : 'NOT met'}`);
  } else {
    console.log(`${label}: parse ${ms(parse)} ms, first render n/a, filter n/a`);
    console.log(`  report ${(text.length / 1024 / 1024).toFixed(1)} MB, ${s.controls} controls, ${s.results} results; the panel could not be measured: ${missing}`);
    process.exitCode = 1;
  }
}

if (require.main === module) void main();
