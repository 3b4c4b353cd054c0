// Runs the mocha suites of test/host inside a real VS Code extension host.
// - Where a desktop VS Code exists (VSCODE_EXECUTABLE_PATH), through @vscode/test-electron.
// - Otherwise (this machine and CI: VS Code desktop cannot be downloaded), in code-server's real Node extension host,
//   loaded through the workbench `payload` (extensionDevelopmentPath + extensionTestsPath), with Chromium as the window.
// Prints `N passed, N failed` and exits non-zero on any failure or timeout.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, ensureHost, forwardHostConsole, launchBrowser, makeRunDir, repoRoot, startCodeServer } from './lib/vscode-host.mjs';
import { startClusterProcess } from './lib/cluster.mjs';

const TIMEOUT_S = Number(process.env.KC_HOST_TIMEOUT_S || 900);
// The stand-in for Microsoft's Kubernetes extension (its VSIX is not on a registry this project can reach); see its
// README. Loaded for the full run and whenever KC_HOST_SUITES selects the kubernetesTools suite.
const KUBERNETES_TOOLS_STUB = join(repoRoot, 'test/fixtures/vscode-kubernetes-tools-stub');
const withKubernetesToolsStub = () => {
  const only = process.env.KC_HOST_SUITES?.split(',').filter(Boolean);
  return !only || only.some((o) => 'kubernetesTools'.startsWith(o));
};
const log = (m) => console.log(`[host-tests] ${m}`);

function build() {
  const r = spawnSync(process.execPath, [join(repoRoot, 'scripts/build.mjs'), '--tests'], { stdio: 'inherit', cwd: repoRoot });
  if (r.status !== 0) throw new Error('build failed');
}

/** The workspace the suites open: a copy of test/host/workspace plus the container-baseline fixture profile. */
function makeWorkspace(runDir) {
  const ws = join(runDir, 'workspace');
  mkdirSync(ws, { recursive: true });
  const own = join(repoRoot, 'test/host/workspace');
  if (existsSync(own)) cpSync(own, ws, { recursive: true });
  const baseline = join(repoRoot, 'test', 'fixtures', 'profiles', 'container-baseline');
  cpSync(baseline, join(ws, 'container-baseline'), { recursive: true });
  return ws;
}

async function viaTestElectron(runDir, ws, env) {
  const { runTests } = await import('@vscode/test-electron');
  Object.assign(process.env, env);
  await runTests({
    vscodeExecutablePath: process.env.VSCODE_EXECUTABLE_PATH,
    extensionDevelopmentPath: withKubernetesToolsStub() ? [repoRoot, KUBERNETES_TOOLS_STUB] : repoRoot,
    extensionTestsPath: join(repoRoot, 'dist-test/host/index.js'),
    launchArgs: [ws, '--disable-extensions', `--user-data-dir=${join(runDir, 'ud')}`],
  });
}

async function viaCodeServer(runDir, ws, env) {
  const prefix = ensureHost();
  // The Kubernetes extension's test stub, installed as a user extension: code-server's server loads only one
  // development extension (the last extensionDevelopmentPath of the payload), and it initialises its extensions list
  // from the folders found in --extensions-dir at start.
  if (withKubernetesToolsStub()) cpSync(KUBERNETES_TOOLS_STUB, join(runDir, 'ext', 'ms-kubernetes-tools.vscode-kubernetes-tools-0.0.0-stub'), { recursive: true });
  const server = await startCodeServer({ prefix, runDir, workspace: ws, env, log });
  let browser;
  const counts = { passed: 0, failed: 0, seen: false };
  try {
    browser = await launchBrowser(runDir);
    const { page } = browser;
    forwardHostConsole(page, (line) => {
      const m = /KC_HOST_RESULT (\{.*\})/.exec(line);
      if (m) Object.assign(counts, JSON.parse(m[1]), { seen: true });
      else console.log(`  ${line}`);
    });
    let done;
    const exited = new Promise((r) => (done = r));
    await page.exposeFunction('codeAutomationExit', (code) => done(code));
    const host = new URL(server.url).host;
    const remote = (p) => `vscode-remote://${host}${p}`;
    const payload = JSON.stringify([['extensionDevelopmentPath', remote(repoRoot)], ['extensionTestsPath', remote(join(repoRoot, 'dist-test/host/index.js'))]]);
    await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(payload)}`);
    let timer;
    const timeout = new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`host tests did not finish within ${TIMEOUT_S} s`)), TIMEOUT_S * 1000)));
    const code = await Promise.race([exited, timeout]);
    clearTimeout(timer);
    return { code, counts };
  } finally {
    await browser?.ctx.close().catch(() => {});
    await server.stop();
  }
}

async function main() {
  build();
  const runDir = makeRunDir('host');
  let cluster;
  let code = 1;
  let counts = { passed: 0, failed: 0, seen: false };
  try {
    const ws = makeWorkspace(runDir);
    const env = { KC_TEST_RUN_DIR: runDir, KC_FIXTURES_DIR: join(repoRoot, 'test', 'fixtures') };
    if (existsSync(join(repoRoot, 'test/emulator/main.ts'))) {
      const kubeconfig = join(runDir, 'kubeconfig');
      cluster = await startClusterProcess({ kubeconfig, log });
      Object.assign(env, { KUBECONFIG: kubeconfig, KC_TEST_CLUSTER_URL: cluster.url });
    }
    if (process.env.VSCODE_EXECUTABLE_PATH) {
      await viaTestElectron(runDir, ws, env);
      code = 0;
      counts = null;
    } else {
      ({ code, counts } = await viaCodeServer(runDir, ws, env));
    }
  } catch (err) {
    console.error(`[host-tests] ${err instanceof Error ? err.message : err}`);
    code = 1;
  } finally {
    await cluster?.stop();
    cleanup(runDir);
  }
  if (counts) {
    if (!counts.seen) console.error('[host-tests] the suites reported no result (did the extension host start?)');
    console.log(`${counts.passed} passed, ${counts.failed} failed`);
    if (!counts.seen || counts.failed > 0) code = code || 1;
  }
  process.exit(code);
}

main();
