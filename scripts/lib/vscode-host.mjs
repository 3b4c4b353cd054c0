// A real VS Code host without Electron: code-server (VS Code server + web workbench, Node 24 extension host)
// driven by Debian's Chromium through playwright-core. Used by the host tests, the e2e tests and `npm run demo`.
// Facts behind every choice here: ../shared/docs/vscode-host.md.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import util from 'node:util';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const CHROME_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

const NOISE = /open-vsx|Failed to load resource|github|getaddrinfo|vsda|onWillSaveTextDocument|ERR_NAME_NOT_RESOLVED|marketplace/i;

/** Installs (or finds) Node 24 + code-server + Chromium; returns the cache prefix. */
export function ensureHost() {
  const r = spawnSync('bash', [join(repoRoot, 'scripts/setup-vscode-host.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error('scripts/setup-vscode-host.sh failed (see above)');
  return r.stdout.trim().split('\n').pop();
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** A temp folder for one run, with isolated HOME-like folders, so nothing lands in $HOME or /tmp. */
export function makeRunDir(label) {
  const base = process.env.KC_RUN_TMP || tmpdir();
  const d = mkdtempSync(join(base, `kube-compliance-${label}-`));
  for (const sub of ['ud/User', 'ext', 'xdg/config', 'xdg/data', 'xdg/cache', 'tmp', 'home']) mkdirSync(join(d, sub), { recursive: true });
  return d;
}

/**
 * Starts code-server on 127.0.0.1 in its own process group. Returns { url, port, stop(), dir }.
 * `env` is added to the server's environment, and so to the extension host's (KUBECONFIG, PATH…).
 * `onStop(stop)` receives the stop function as soon as the process exists (before it is ready); a start that fails
 * (exit, or no /healthz within `readyTimeoutMs`) has stopped the process group before it throws.
 */
export async function startCodeServer({ prefix, runDir, workspace, env = {}, settings = {}, smokeTestDriver = true, port, log = () => {}, isolateHome = true, readyTimeoutMs = 30000, onStop = () => {}, workspaceTrust = false }) {
  port = port ?? (await freePort());
  const userSettings = {
    'terminal.integrated.gpuAcceleration': 'off', 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off',
    'update.mode': 'none', 'extensions.autoCheckUpdates': false, 'extensions.autoUpdate': false, 'chat.disableAIFeatures': true,
    // workspaceTrust: the folder opens in Restricted Mode (untrusted) without the startup question
    'security.workspace.trust.enabled': workspaceTrust, 'security.workspace.trust.startupPrompt': 'never', 'workbench.tips.enabled': false, 'window.restoreWindows': 'none',
    'git.enabled': false, 'extensions.ignoreRecommendations': true, 'workbench.enableExperiments': false,
    ...settings,
  };
  writeFileSync(join(runDir, 'ud/User/settings.json'), JSON.stringify(userSettings, null, 2));
  // In code-server the extension host is a *remote* one: settings of `machine` / `machine-overridable` scope
  // (auditor path, kubeconfig, results folder) are read from the remote machine's settings, not the user's.
  mkdirSync(join(runDir, 'ud/Machine'), { recursive: true });
  writeFileSync(join(runDir, 'ud/Machine/settings.json'), JSON.stringify(settings, null, 2));
  writeFileSync(join(runDir, 'config.yaml'), `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const node24 = join(prefix, 'node24/node_modules/node/bin');
  const args = ['--config', join(runDir, 'config.yaml'), '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
    '--user-data-dir', join(runDir, 'ud'), '--extensions-dir', join(runDir, 'ext'),
    '--disable-telemetry', '--disable-update-check', '--disable-getting-started-override', '--ignore-last-opened'];
  if (!workspaceTrust) args.push('--disable-workspace-trust');
  if (smokeTestDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
  args.push(workspace);
  const out = createWriteStream(join(runDir, 'code-server.log'));
  const child = spawn(join(prefix, 'cs/node_modules/.bin/code-server'), args, {
    detached: true, // own process group: stop() kills the ptyHost and every other child with it
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PATH: `${node24}:${process.env.PATH}`,
      XDG_CONFIG_HOME: join(runDir, 'xdg/config'), XDG_DATA_HOME: join(runDir, 'xdg/data'), XDG_CACHE_HOME: join(runDir, 'xdg/cache'),
      TMPDIR: join(runDir, 'tmp'),
      // tests keep $HOME clean (kubectl's ~/.kube/cache, shells' history…); the demo keeps the real HOME so a
      // user's auditor finds its plugins
      ...(isolateHome ? { HOME: join(runDir, 'home') } : {}),
      ...env,
    },
  });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  let exited = false;
  child.on('exit', () => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  // the whole process group, also when code-server itself has already exited
  async function stop() {
    try { process.kill(-child.pid, 'SIGTERM'); } catch { return; }
    for (let i = 0; i < 30; i++) {
      try { process.kill(-child.pid, 0); } catch { return; }
      await new Promise((r) => setTimeout(r, 100));
    }
    try { process.kill(-child.pid, 'SIGKILL'); } catch {}
  }
  onStop(stop);
  // the caller can stop it from now on (e.g. on Ctrl-C before it is ready); a server that does not come up is
  // stopped (with its whole process group) before the error is thrown
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exited) {
      await stop(); // whatever it started before it exited
      throw new Error(`code-server exited at start; see ${join(runDir, 'code-server.log')}`);
    }
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {}
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer /healthz within ${readyTimeoutMs / 1000} s; see ${join(runDir, 'code-server.log')}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  log(`code-server ${url} (pid ${child.pid})`);
  return { url, port, child, stop };
}

/**
 * Installs a VSIX into the run's code-server (its own user-data and extensions folders, HOME-less XDG dirs).
 * Throws with code-server's output when the install fails.
 */
export function installVsix(prefix, runDir, vsix = join(repoRoot, 'dist', 'kube-compliance.vsix')) {
  const node24 = join(prefix, 'node24/node_modules/node/bin');
  const r = spawnSync(join(prefix, 'cs/node_modules/.bin/code-server'),
    ['--user-data-dir', join(runDir, 'ud'), '--extensions-dir', join(runDir, 'ext'), '--install-extension', vsix],
    { encoding: 'utf8', env: { ...process.env, PATH: `${node24}:${process.env.PATH}`, XDG_CONFIG_HOME: join(runDir, 'xdg/config'), XDG_DATA_HOME: join(runDir, 'xdg/data'), XDG_CACHE_HOME: join(runDir, 'xdg/cache'), TMPDIR: join(runDir, 'tmp') } });
  if (r.status !== 0) throw new Error(`installing ${vsix} into code-server failed:\n${r.stdout}\n${r.stderr}`);
}

/** Launches Debian's Chromium headless with a throw-away profile. */
export async function launchBrowser(runDir, { viewport = { width: 1400, height: 900 } } = {}) {
  const { chromium } = await import('playwright-core');
  const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  const udd = join(runDir, 'chrome');
  mkdirSync(udd, { recursive: true });
  // Chromium writes to $HOME (~/.config/chromium, ~/.cache/dconf, ~/.pki): give it the run's own HOME
  const env = { ...process.env, HOME: join(runDir, 'home'), XDG_CONFIG_HOME: join(runDir, 'xdg/config'), XDG_CACHE_HOME: join(runDir, 'xdg/cache'), XDG_DATA_HOME: join(runDir, 'xdg/data'), TMPDIR: join(runDir, 'tmp') };
  const ctx = await chromium.launchPersistentContext(udd, { executablePath, headless: true, args: CHROME_ARGS, viewport, env });
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  return { ctx, page };
}

/** Forwards the extension host's console (it arrives as ('%c INFO', 'color:…', ...args)) to `onLine`. */
export function forwardHostConsole(page, onLine) {
  page.on('console', async (m) => {
    let v;
    try { v = await Promise.all(m.args().map((a) => a.jsonValue())); } catch { v = [m.text()]; }
    if (typeof v[0] === 'string' && v[0].startsWith('%c')) v = v.slice(2);
    const line = v.length ? util.format(...v) : m.text();
    if (!NOISE.test(line)) onLine(line);
  });
}

export function cleanup(dir) {
  if (process.env.KC_KEEP_RUN_DIR) return;
  try { rmSync(dir, { recursive: true, force: true, maxRetries: 3 }); } catch {}
}

export { homedir };
