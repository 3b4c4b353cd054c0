// Robustness of the harness and of `npm run demo` (issue 10 §1, §3): whatever starts the emulator or code-server
// stops it again, also when the start fails or times out, and Ctrl-C on the demo — after it is up, or while it is
// still starting — leaves nothing running and no files behind. With no auditor installed, the demo still shows the
// explorer and says, in the product's words, how to install one.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ensureHost, launchBrowser, makeRunDir, repoRoot, startCodeServer, cleanup } from '../../scripts/lib/vscode-host.mjs';
import { startClusterProcess } from '../../scripts/lib/cluster.mjs';
import { findExecutableSync } from '../../scripts/lib/which.mjs';

const scratch = mkdtempSync(join(tmpdir(), 'kc-harness-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Processes (other than this one) whose command line, cwd or root mentions `needle`. */
function processesWith(needle) {
  const found = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const where = ['cwd', 'root'].map((l) => { try { return readlinkSync(`/proc/${e}/${l}`); } catch { return ''; } });
      if (cmd.includes(needle) || where.some((w) => w.startsWith(needle))) found.push(`${e}: ${cmd.slice(0, 160)}`);
    } catch {}
  }
  return found;
}

async function settle(needle, ms = 5000) {
  const end = Date.now() + ms;
  while (processesWith(needle).length && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  return processesWith(needle);
}

test('an emulator that is not READY in time is stopped before the error; its stop is handed over before READY', async () => {
  const kubeconfig = join(mkdtempSync(join(scratch, 'cluster-')), 'kubeconfig');
  let handed;
  await assert.rejects(
    startClusterProcess({ kubeconfig, scenario: 'scale', extraArgs: ['--namespaces', '1', '--pods', '1'], timeoutMs: 200, onStop: (s) => (handed = s) }),
    /emulator not READY within 0.2 s/,
  );
  assert.equal(typeof handed, 'function', 'onStop received the stop function');
  assert.deepEqual(processesWith(kubeconfig), [], 'no emulator process is left running');
});

test('a code-server that does not answer in time is stopped with its whole process group before the error', async () => {
  const prefix = ensureHost();
  const runDir = makeRunDir('harness');
  try {
    const ws = join(runDir, 'workspace');
    mkdirSync(ws);
    await assert.rejects(startCodeServer({ prefix, runDir, workspace: ws, smokeTestDriver: false, readyTimeoutMs: 1 }), /did not answer \/healthz within/);
    assert.deepEqual(await settle(runDir, 1000), [], 'no code-server process is left running');
  } finally {
    cleanup(runDir);
  }
});

/** Runs `node scripts/demo.mjs` with its run dir under a fresh folder; resolves lines as they come. */
function startDemo(args = []) {
  const base = mkdtempSync(join(scratch, 'demo-'));
  const child = spawn(process.execPath, [join(repoRoot, 'scripts/demo.mjs'), ...args], {
    cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KC_RUN_TMP: base },
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const waitFor = async (re, ms, what) => {
    const end = Date.now() + ms;
    for (;;) {
      const m = re.exec(out);
      if (m) return m;
      if (child.exitCode !== null || Date.now() > end) throw new Error(`demo: no ${what} within ${ms / 1000} s:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return { child, base, exited, waitFor, output: () => out };
}

/** After a failed test: Ctrl-C the demo, and SIGKILL it if it does not end within 30 s. */
async function finish(demo) {
  if (demo.child.exitCode !== null || demo.child.signalCode !== null) return;
  demo.child.kill('SIGINT');
  let timer;
  await Promise.race([demo.exited, new Promise((r) => (timer = setTimeout(r, 30000)))]);
  clearTimeout(timer);
  if (demo.child.exitCode === null && demo.child.signalCode === null) demo.child.kill('SIGKILL');
}

test('npm run demo (--desktop without `code` falls back): the explorer works without an auditor and says how to install one; Ctrl-C stops everything', { timeout: 420000 }, async (t) => {
  if (findExecutableSync('cinc-auditor') || findExecutableSync('inspec')) t.diagnostic('an auditor is installed here: the no-auditor message is not checked');
  // without a desktop `code` (as here), `--desktop` must fall back to code-server and say so
  const desktop = !findExecutableSync('code');
  const demo = startDemo(desktop ? ['--desktop'] : []);
  const browserDir = makeRunDir('harness-browser');
  let browser;
  try {
    const [, url] = await demo.waitFor(/\[demo\] open: (http:\/\/127\.0\.0\.1:\d+\/\S*)/, 300000, 'URL');
    assert.equal(readdirSync(demo.base).length, 1, 'the demo made its run dir under KC_RUN_TMP');
    if (desktop) assert.match(demo.output(), /no desktop `code` command on PATH: using code-server instead/);
    browser = await launchBrowser(browserDir);
    const { page } = browser;
    await page.goto(url);
    await page.locator('.activitybar [aria-label^="Kube Compliance"]').first().click({ timeout: 90000 });
    await page.locator('.monaco-list-row', { hasText: 'demo-admin' }).first().waitFor({ timeout: 60000 });
    if (!findExecutableSync('cinc-auditor') && !findExecutableSync('inspec')) {
      await page.getByText('No working auditor was found').first().waitFor({ timeout: 60000 });
      await page.getByText('Install the auditor').first().waitFor({ timeout: 10000 });
    }
    await browser.ctx.close();
    browser = undefined;
    demo.child.kill('SIGINT');
    const { code } = await demo.exited;
    assert.equal(code, 0, demo.output());
    assert.match(demo.output(), /stopped; nothing left running or mounted/);
    assert.deepEqual(await settle(demo.base), [], 'no process of the demo is left');
    assert.deepEqual(readdirSync(demo.base), [], 'the run dir is removed');
  } finally {
    await browser?.ctx.close().catch(() => {});
    await finish(demo);
    cleanup(browserDir);
  }
});

test('npm run demo: Ctrl-C while the demo cluster is still starting stops it too', { timeout: 300000 }, async () => {
  const demo = startDemo();
  try {
    await demo.waitFor(/starting the demo cluster/, 240000, '"starting the demo cluster" line');
    // the emulator process exists once its command line is visible
    const end = Date.now() + 20000;
    while (!processesWith('test/emulator/main.ts').some((p) => p.includes(demo.base))) {
      assert.ok(Date.now() < end, `the emulator process never appeared:\n${demo.output()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    demo.child.kill('SIGINT');
    const { code } = await demo.exited;
    assert.equal(code, 0, demo.output());
    assert.doesNotMatch(demo.output(), /open: http/, 'stopped before it was up');
    assert.deepEqual(await settle(demo.base, 20000), [], 'the starting emulator was stopped');
    assert.deepEqual(readdirSync(demo.base), [], 'the run dir is removed');
  } finally {
    await finish(demo);
  }
});

test('the host-test harness: a run that does not finish in time prints the closing line, exits non-zero and leaves nothing running', { timeout: 300000 }, async () => {
  // a short base: Chromium's singleton socket path (under the run's TMPDIR) must stay below the 108-byte limit
  const base = mkdtempSync(join(tmpdir(), 'kch-'));
  after(() => rmSync(base, { recursive: true, force: true }));
  const child = spawn(process.execPath, [join(repoRoot, 'scripts/run-host-tests.mjs')], {
    cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KC_RUN_TMP: base, KC_HOST_TIMEOUT_S: '1', KC_HOST_SUITES: 'foundation' },
  });
  let out = '', err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise((r) => child.once('exit', (c) => r(c)));
  assert.notEqual(code, 0, `exit code on a timeout:\n${out}\n${err}`);
  assert.match(err, /host tests did not finish within 1 s/);
  assert.match(out.trimEnd().split('\n').pop(), /^\d+ passed, \d+ failed$/, 'the last line is the closing line');
  assert.deepEqual(await settle(base, 20000), [], 'code-server and the emulator are stopped');
  assert.deepEqual(readdirSync(base), [], 'the run dir is removed');
});
