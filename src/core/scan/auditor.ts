import { execFile } from 'node:child_process';
import { basename } from 'node:path';
import { findExecutable } from '../executables';

/**
 * Finds the auditor the user has and what it can do: `kubeCompliance.auditor.path`, else `cinc-auditor`, else
 * `inspec` on PATH; its version (`AUDITOR version`); the Kubernetes container transport (`AUDITOR plugin list`),
 * preferring MITRE's maintained `train-k8s-container-mitre`; `--enhanced-outcomes` support (InSpec ≥ 5.21);
 * whether it needs the Chef licence. Every missing piece comes back as a problem that says what to install.
 * Processes are started with argv (no shell) and a timeout.
 */

export type AuditorFlavor = 'cinc' | 'inspec' | 'unknown';

export interface PluginEntry {
  readonly name: string;
  readonly version?: string;
}

export interface AuditorInfo {
  readonly path: string;
  readonly flavor: AuditorFlavor;
  /** e.g. "6.8.24"; undefined when `version` printed nothing recognisable. */
  readonly version?: string;
  readonly supportsEnhancedOutcomes: boolean;
  /** Chef InSpec needs CHEF_LICENSE; CINC Auditor does not. */
  readonly needsLicense: boolean;
  /** The transport gem found in `plugin list`, MITRE's preferred. */
  readonly transport?: PluginEntry;
  readonly plugins: readonly PluginEntry[];
}

export type ProblemKind = 'auditor-missing' | 'configured-path-missing' | 'auditor-broken' | 'license' | 'transport-missing' | 'transport-unmaintained' | 'kubectl-missing';

export interface InstallStep {
  readonly title: string;
  /** Shell text to run in a terminal; built only from constants and the auditor's own path. */
  readonly command: string;
}

export interface AuditorProblem {
  readonly kind: ProblemKind;
  /** Blocking problems stop a scan; the others are advice. */
  readonly blocking: boolean;
  readonly message: string;
  readonly steps: readonly InstallStep[];
}

export interface AuditorDiscovery {
  readonly auditor?: AuditorInfo;
  readonly problems: readonly AuditorProblem[];
  /** True when nothing blocking is missing. */
  readonly ready: boolean;
}

export interface DiscoverOptions {
  /** `kubeCompliance.auditor.path`; when set, it is the only candidate. */
  readonly configuredPath?: string;
  /** Environment for the probes (PATH, and CHEF_LICENSE when the user accepted it). */
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

export const MITRE_TRANSPORT = 'train-k8s-container-mitre';
export const INSPEC_TRANSPORT = 'train-k8s-container';
export const CINC_INSTALL = 'curl -L https://omnitruck.cinc.sh/install.sh | sudo bash -s -- -P cinc-auditor';

export interface ProcessResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly error?: string;
}

/** Runs `file args` without a shell and collects its output. Never rejects. */
export function runProcess(file: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 30000): Promise<ProcessResult> {
  return new Promise((resolvePromise) => {
    execFile(file, [...args], { env, timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024, windowsHide: true }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean }) | null;
      const code = e ? (typeof e.code === 'number' ? e.code : null) : 0;
      resolvePromise({ code, stdout: String(stdout), stderr: String(stderr), error: e && typeof e.code !== 'number' ? (e.killed ? `timed out after ${timeoutMs} ms` : e.message) : undefined });
    });
  });
}

/** First `x.y.z` in the text. */
export function parseVersion(text: string): string | undefined {
  return /(\d+\.\d+\.\d+)/.exec(text)?.[1];
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((n) => parseInt(n, 10) || 0);
  const pb = b.split('.').map((n) => parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

/** `--enhanced-outcomes` arrived in InSpec 5.21 (CINC Auditor follows InSpec's version numbers). */
export function supportsEnhancedOutcomes(version: string | undefined): boolean {
  return !!version && compareVersions(version, '5.21.0') >= 0;
}

export function detectFlavor(path: string, versionText: string): AuditorFlavor {
  const name = basename(path).toLowerCase();
  if (name.includes('cinc') || /cinc/i.test(versionText)) return 'cinc';
  if (name.startsWith('inspec') || /chef inspec/i.test(versionText)) return 'inspec';
  return 'unknown';
}

/**
 * The transport plugins in `plugin list` output. InSpec prints its plugin table with tty-table (lib/inspec/ui.rb
 * `table`, unicode borders) in one of two layouts:
 * - the table, one plugin a row: `│ train-k8s-container-mitre │ 2.2.0 │ gem (user) │ train-1 │ … │`;
 * - the vertical one tty-table falls back to when the table is wider than the screen (always without a terminal,
 *   where the width is taken as 80; it says "Defaulting to vertical orientation" on stderr): one block per plugin,
 *   a line per column, `│ Plugin Name │ train-k8s-container-mitre │` then `│ Version │ 2.2.0 │` …
 *   (InSpec's own functional tests read both: lib/plugins/inspec-plugin-manager-cli/test/functional/helper.rb
 *   `parse_plugin_list_lines`). ASCII borders (`|`) and plain lines are read too.
 */
export function parsePluginList(text: string): PluginEntry[] {
  const found = new Map<string, string | undefined>();
  let vertical: string | undefined; // the plugin named by the last `Plugin Name │ …` line
  for (const line of text.split(/\r?\n/)) {
    const cells = line.split(/[│┃|]/).map((c) => c.trim());
    if (cells.length > 1 && cells[0] === '') cells.shift();
    if (cells.length > 1 && cells[cells.length - 1] === '') cells.pop();
    if (cells.length === 2 && /^Plugin(?: Name)?$/i.test(cells[0])) {
      vertical = TRANSPORT_NAME.test(cells[1]) ? cells[1] : undefined;
      if (vertical && !found.has(vertical)) found.set(vertical, undefined);
      continue;
    }
    if (cells.length === 2 && /^Version$/i.test(cells[0])) {
      if (vertical && found.get(vertical) === undefined) found.set(vertical, VERSION_CELL.exec(cells[1])?.[0]);
      continue;
    }
    const i = cells.length > 1 ? cells.findIndex((c) => TRANSPORT_NAME.test(c)) : -1;
    if (i >= 0) {
      if (found.get(cells[i]) === undefined) found.set(cells[i], VERSION_CELL.exec(cells[i + 1] ?? '')?.[0]);
      continue;
    }
    // a plain line: `train-k8s-container-mitre 2.2.0`
    const m = /(?:^|\s)(train-k8s-container(?:-mitre)?)(?:\s+\(?v?(\d+\.\d+\.\d+[^\s)]*))?/.exec(line);
    if (m && found.get(m[1]) === undefined) found.set(m[1], m[2]);
  }
  return [...found].map(([name, version]) => (version ? { name, version } : { name }));
}

const TRANSPORT_NAME = /^train-k8s-container(?:-mitre)?$/;
const VERSION_CELL = /^\d+\.\d+\.\d+\S*/;

/** Shell-quotes the auditor's path for an install step shown and run in a terminal. */
function q(path: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

export function transportInstallStep(auditorPath: string): InstallStep {
  return { title: `Install MITRE's Kubernetes container transport (${MITRE_TRANSPORT})`, command: `${q(auditorPath)} plugin install ${MITRE_TRANSPORT}` };
}

export async function discoverAuditor(opts: DiscoverOptions = {}): Promise<AuditorDiscovery> {
  const env = opts.env ?? process.env;
  const timeout = opts.timeoutMs ?? 30000;
  const problems: AuditorProblem[] = [];
  if (!findExecutable('kubectl', env.PATH)) {
    problems.push({
      kind: 'kubectl-missing',
      blocking: true,
      message: 'kubectl is not on PATH. The auditor\'s Kubernetes transport runs "kubectl exec", so install kubectl (https://kubernetes.io/docs/tasks/tools/) and make sure it is on PATH.',
      steps: [],
    });
  }

  const configured = opts.configuredPath?.trim();
  let path: string | undefined;
  if (configured) {
    path = findExecutable(configured, env.PATH);
    if (!path) {
      problems.push({
        kind: 'configured-path-missing',
        blocking: true,
        message: `The setting kubeCompliance.auditor.path points at "${configured}", which is not an executable file. Correct the setting, or clear it to use cinc-auditor or inspec from PATH.`,
        steps: [],
      });
      return done(undefined, problems);
    }
  } else {
    path = findExecutable('cinc-auditor', env.PATH) ?? findExecutable('inspec', env.PATH);
    if (!path) {
      problems.push({
        kind: 'auditor-missing',
        blocking: true,
        message:
          'No auditor was found: neither cinc-auditor nor inspec is on PATH. Install CINC Auditor (free, no licence) and the train-k8s-container-mitre transport plugin, ' +
          'or set kubeCompliance.auditor.path.',
        steps: [
          { title: 'Install CINC Auditor (Linux/macOS; asks for sudo)', command: CINC_INSTALL },
          transportInstallStep('cinc-auditor'),
        ],
      });
      return done(undefined, problems);
    }
  }

  const v = await runProcess(path, ['version'], env, timeout);
  const versionText = `${v.stdout}\n${v.stderr}`;
  const flavor = detectFlavor(path, versionText);
  if (v.code === 172) {
    problems.push({ kind: 'license', blocking: true, message: 'Chef InSpec refused to run because the Chef License has not been accepted (exit 172).', steps: [] });
    return done({ path, flavor: 'inspec', supportsEnhancedOutcomes: false, needsLicense: true, plugins: [] }, problems);
  }
  if (v.code !== 0) {
    problems.push({
      kind: 'auditor-broken',
      blocking: true,
      message: `"${path} version" failed (${v.error ?? `exit ${v.code}`}): ${firstLines(v.stderr || v.stdout)}`,
      steps: [],
    });
    return done(undefined, problems);
  }
  const version = parseVersion(v.stdout) ?? parseVersion(versionText);

  const pl = await runProcess(path, ['plugin', 'list'], env, timeout);
  if (pl.code === 172) {
    problems.push({ kind: 'license', blocking: true, message: 'Chef InSpec refused to list its plugins because the Chef License has not been accepted (exit 172).', steps: [] });
    return done({ path, flavor: 'inspec', version, supportsEnhancedOutcomes: supportsEnhancedOutcomes(version), needsLicense: true, plugins: [] }, problems);
  }
  const plugins = pl.code === 0 ? parsePluginList(pl.stdout) : [];
  const transport = plugins.find((p) => p.name === MITRE_TRANSPORT) ?? plugins.find((p) => p.name === INSPEC_TRANSPORT);
  if (pl.code !== 0) {
    problems.push({
      kind: 'transport-missing',
      blocking: true,
      message: `"${basename(path)} plugin list" failed (${pl.error ?? `exit ${pl.code}`}), so the Kubernetes transport could not be checked: ${firstLines(pl.stderr || pl.stdout)}`,
      steps: [transportInstallStep(path)],
    });
  } else if (!transport) {
    problems.push({
      kind: 'transport-missing',
      blocking: true,
      message: `${basename(path)} has no Kubernetes container transport. Install MITRE's ${MITRE_TRANSPORT} plugin (a plain "gem install" does not show up in "plugin list").`,
      steps: [transportInstallStep(path)],
    });
  } else if (transport.name === INSPEC_TRANSPORT) {
    problems.push({
      kind: 'transport-unmaintained',
      blocking: false,
      message: `${basename(path)} uses inspec's unpublished ${INSPEC_TRANSPORT} ${transport.version ?? ''}; MITRE's ${MITRE_TRANSPORT} is the maintained one.`.replace('  ', ' '),
      steps: [transportInstallStep(path)],
    });
  }
  return done({ path, flavor, version, supportsEnhancedOutcomes: supportsEnhancedOutcomes(version), needsLicense: flavor === 'inspec', transport, plugins }, problems);
}

function done(auditor: AuditorInfo | undefined, problems: AuditorProblem[]): AuditorDiscovery {
  return { auditor, problems, ready: !!auditor && !problems.some((p) => p.blocking) };
}

function firstLines(text: string, n = 3): string {
  return text.trim().split(/\r?\n/).slice(0, n).join(' ').slice(0, 400) || '(no output)';
}

/** Markdown for the install guidance: what is missing and the steps that fix it. */
export function problemsMarkdown(d: AuditorDiscovery): string {
  const lines: string[] = [];
  for (const p of d.problems) {
    lines.push(`- ${p.message}`);
    for (const s of p.steps) lines.push(`  - ${s.title}: \`${s.command}\``);
  }
  return lines.join('\n');
}
