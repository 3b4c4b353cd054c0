/**
 * `kube-compliance scan`: a fleet scan without VS Code, for CI pipelines (issue 15 §6). The same pieces the extension
 * uses — expansion (targets.ts through the explorer's ClusterPool), deduplication (dedupe.ts), the run recorded in the
 * index (run.ts) — with the auditor started here: argv only (never a shell), one private 0600 single-context
 * kubeconfig for the run (removed when it ends, also when it is cancelled), TRAIN_K8S_SESSION_MODE=false, each auditor
 * in its own process group so cancelling stops it and every kubectl it started.
 *
 * Shell-less containers are scanned through the debug-container / sidecar helpers exactly as the extension does, but
 * a CI run cannot be asked: only `--allow-pod-changes` lets it change pods; without it they are listed as skipped with
 * that reason. Credentials never reach argv, the progress lines or the summary (the auditor's stderr is redacted).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ClusterPool } from '../cluster/pool';
import { KubeError } from '../cluster/errors';
import { findExecutable } from '../executables';
import { kubeconfigFiles } from '../kubeconfigFiles';
import { redact } from '../redact';
import { MITRE_TRANSPORT, discoverAuditor, type AuditorInfo } from '../scan/auditor';
import { mitreNameProblem } from '../scan/auditorFailure';
import { buildExecArgs, ScanArgumentError } from '../scan/argv';
import { DEFAULT_HELPER_IMAGE, ShelllessError, prepareDebugContainer } from '../scan/debugContainer';
import { interpretRun, type ProcessEnd } from '../scan/interpretRun';
import { KubeconfigError, minimiseKubeconfig, writePrivateKubeconfig, type PrivateKubeconfig } from '../scan/kubeconfig';
import { prepareSidecar } from '../scan/sidecar';
import { DEDUPE_MODES, podsToChange, planFleet, scannedAs, type DedupeMode, type FleetPlan } from './dedupe';
import { hashInputs, hashProfile, ProfileHashError } from './hash';
import { FLEET_INDEX_FILE } from './indexFile';
import { runFleet, type FleetRunResult } from './run';
import type { FleetCounts, RunOneResult } from './scheduler';
import { parseSelector, SelectorError } from './selector';
import { clusterSource, expandSelection, FleetSelectionError, skipApproaches, type FleetSelection, type FleetTarget } from './targets';
import { killGroup } from '../processGroup';
import type { ClusterClient } from '../cluster/client';
import { IN_CLUSTER_UNSUPPORTED, InClusterSetupError, RUNNERS, type RunnerKind } from '../incluster/fleet';
import { prepareInClusterCli } from '../incluster/headless';
import type { ProfileHash } from './hash';
import { describeSelection } from './targets';
export { describeSelection } from './targets';

/** The exit codes of `kube-compliance scan` (README "Results: how they are counted, and the headless CLI"). */
export const SCAN_EXIT = {
  /** Every container that could be scanned was scanned (unscannable ones are listed in the index with their reason). */
  ok: 0,
  /** The command line is wrong. */
  usage: 2,
  /** Nothing could be started: kubeconfig/context, cluster unreachable or refusing, auditor missing, profile unreadable, --out not empty. */
  setup: 3,
  /** The run ended, but at least one container failed to scan (its row says why; the others are complete). */
  failed: 4,
  /** The selection matched no container (or a namespace that does not exist), or none of its containers can be scanned. */
  nothing: 5,
  /** Cancelled (SIGINT/SIGTERM): running auditors were stopped; the index lists what finished and what was cancelled. */
  cancelled: 130,
} as const;

export class ScanUsageError extends Error {
  override readonly name = 'ScanUsageError';
}

/** Something outside the command line stops the run before it starts (exit 3), or the selection is empty (exit 5). */
export class ScanSetupError extends Error {
  override readonly name = 'ScanSetupError';
  constructor(
    message: string,
    readonly code: number = SCAN_EXIT.setup,
  ) {
    super(message);
  }
}

export interface HeadlessScanOptions {
  readonly selection: FleetSelection;
  readonly context?: string;
  readonly kubeconfig?: string;
  readonly profile: string;
  readonly inputFile?: string;
  readonly waiverFile?: string;
  readonly concurrency: number;
  readonly dedupe: DedupeMode;
  /** The fleet folder; default `kube-compliance-fleet-<timestamp>` in the working folder. */
  readonly out?: string;
  readonly auditor?: string;
  readonly skipShellLess: boolean;
  readonly allowPodChanges: boolean;
  /** The debug container's image (default busybox, as the extension's kubeCompliance.shellless.helperImage). */
  readonly helperImage?: string;
  /** `local` (default): auditors on this machine; `in-cluster`: one Job per scan unit (src/core/incluster). */
  readonly runner?: RunnerKind;
  readonly auditorImage?: string;
  readonly scannerNamespace?: string;
  readonly deadlineSeconds?: number;
  /** The Jobs' ttlSecondsAfterFinished (default 600; a safety net, the run deletes its objects itself). */
  readonly ttlSeconds?: number;
  /** With the in-cluster runner: write the objects' YAML here (`-`: stdout) instead of running them. */
  readonly exportManifests?: string;
}

export const SCAN_USAGE = `  kube-compliance scan (-n NS | -l KEY=VALUE (-n NS | --all-namespaces) | --all-namespaces | NS/POD[/CONTAINER]…)
                      --profile PATH|URL [--input-file F] [--waiver-file F] [--context NAME] [--kubeconfig FILE]
                      [--concurrency N] [--dedupe image|none] [--out DIR] [--auditor PATH]
                      [--skip-shell-less | --allow-pod-changes] [--helper-image IMAGE]
                      [--runner local|in-cluster [--auditor-image IMAGE] [--scanner-namespace NS] [--deadline S]
                       [--ttl S] [--export-manifests FILE|-]]`;

export const SCAN_HELP = `scan       scans every container of a selection as one fleet run (what "Scan Namespace…" does in
           VS Code) and writes the fleet folder: DIR/fleet-index.json and DIR/reports/NS/POD/CONTAINER.json.
             -n, --namespace NS       the namespace's containers (with -l: where the selector applies)
             -l, --selector SEL       pods matching a label selector (kubectl's -l), with -n or --all-namespaces
             -A, --all-namespaces     every namespace
             NS/POD[/CONTAINER]       these pods (every container) or containers; repeatable
             --profile PATH|URL       the InSpec profile (folder, archive or URL); required
             --input-file F, --waiver-file F   passed to the auditor
             --context NAME, --kubeconfig FILE   which cluster (default: KUBECONFIG / ~/.kube/config, current context)
             --concurrency N          auditors at once (default 4)
             --dedupe image|none      image (default): one scan per running image digest, the other containers of
                                      the digest get its result ("scanned as"); none: every container is scanned
             --out DIR                the fleet folder, new or empty (default ./kube-compliance-fleet-<time>)
             --auditor PATH           default: cinc-auditor, else inspec on PATH
             --skip-shell-less        do not scan containers without a shell (listed as skipped)
             --allow-pod-changes      scan them through a debug container / the scanner sidecar's wrapper (this
                                      changes those pods); without it they are skipped with that reason
             --runner in-cluster      scan from inside the cluster: one Job per scan unit in the target's
                                      namespace (or --scanner-namespace), running --auditor-image (required: a
                                      CINC Auditor image with MITRE's transport and kubectl); --concurrency Jobs at
                                      once, each stopped after --deadline seconds (default 1800), deleted by the
                                      cluster --ttl seconds after it finished if the run could not (default 600);
                                      reports come back verified through the Job pod's log (README "In-cluster
                                      runner")
             --export-manifests FILE  with --runner in-cluster: write the Jobs, ServiceAccounts, Roles,
                                      RoleBindings and ConfigMaps as YAML (- for stdout) and run nothing
           Progress goes to stderr, the summary to stdout. Then gate the run with
             kube-compliance threshold DIR/fleet-index.json --file THRESHOLD.yml
           Exit codes: 0 every scannable container scanned; 2 usage error; 3 could not start (kubeconfig,
           cluster, auditor, profile, --out not empty); 4 some containers failed to scan (the rest are in the
           index); 5 nothing matched or nothing scannable; 130 cancelled (SIGINT/SIGTERM).`;

const VALUE_FLAGS: Record<string, string> = {
  '-n': 'namespace',
  '--namespace': 'namespace',
  '-l': 'selector',
  '--selector': 'selector',
  '--context': 'context',
  '--kubeconfig': 'kubeconfig',
  '--profile': 'profile',
  '--input-file': 'inputFile',
  '--waiver-file': 'waiverFile',
  '--concurrency': 'concurrency',
  '--dedupe': 'dedupe',
  '--out': 'out',
  '-o': 'out',
  '--auditor': 'auditor',
  '--helper-image': 'helperImage',
  '--runner': 'runner',
  '--auditor-image': 'auditorImage',
  '--scanner-namespace': 'scannerNamespace',
  '--deadline': 'deadline',
  '--ttl': 'ttl',
  '--export-manifests': 'exportManifests',
};
const BOOLEAN_FLAGS: Record<string, string> = { '-A': 'allNamespaces', '--all-namespaces': 'allNamespaces', '--skip-shell-less': 'skipShellLess', '--allow-pod-changes': 'allowPodChanges' };

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function checkName(kind: 'namespace' | 'pod' | 'container', name: string, where: string): string {
  const ok = kind === 'pod' ? DNS1123_SUBDOMAIN.test(name) && name.length <= 253 : DNS1123_LABEL.test(name) && name.length <= 63;
  if (!ok) throw new ScanUsageError(`${where}: "${name}" is not a valid ${kind} name`);
  return name;
}

/** Parses `scan`'s arguments (everything after the word `scan`). Throws `ScanUsageError` naming what is wrong. */
export function parseScanArgs(args: readonly string[]): HeadlessScanOptions {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('-') && a.length > 1) {
      const eq = a.startsWith('--') ? a.indexOf('=') : -1;
      const flag = eq > 0 ? a.slice(0, eq) : a;
      if (BOOLEAN_FLAGS[flag]) {
        if (eq > 0) throw new ScanUsageError(`${flag} takes no value`);
        flags.add(BOOLEAN_FLAGS[flag]);
        continue;
      }
      const name = VALUE_FLAGS[flag];
      if (!name) throw new ScanUsageError(`scan does not take ${flag}`);
      const value = eq > 0 ? a.slice(eq + 1) : args[++i];
      if (value === undefined || value === '') throw new ScanUsageError(`${flag} needs a value`);
      if (values.has(name)) throw new ScanUsageError(`${flag} was given twice`);
      values.set(name, value);
    } else positional.push(a);
  }

  const ns = values.get('namespace');
  const sel = values.get('selector');
  const all = flags.has('allNamespaces');
  if (ns !== undefined) checkName('namespace', ns, '-n');
  let selection: FleetSelection;
  if (positional.length) {
    if (ns !== undefined || sel !== undefined || all) throw new ScanUsageError('give either NS/POD[/CONTAINER] arguments or -n / -l / --all-namespaces, not both');
    const containers = positional.map((p) => {
      const parts = p.split('/');
      if (parts.length < 2 || parts.length > 3 || parts.some((x) => !x)) throw new ScanUsageError(`"${p}" is not NS/POD or NS/POD/CONTAINER`);
      checkName('namespace', parts[0], p);
      checkName('pod', parts[1], p);
      if (parts[2] !== undefined) checkName('container', parts[2], p);
      return { namespace: parts[0], pod: parts[1], ...(parts[2] !== undefined ? { container: parts[2] } : {}) };
    });
    selection = { kind: 'containers', containers };
  } else if (sel !== undefined) {
    if (ns === undefined && !all) throw new ScanUsageError('-l needs -n NS or --all-namespaces (where the selector applies)');
    if (ns !== undefined && all) throw new ScanUsageError('give -n NS or --all-namespaces, not both');
    let reqs;
    try {
      reqs = parseSelector(sel);
    } catch (e) {
      if (e instanceof SelectorError) throw new ScanUsageError(`-l: invalid label selector ${e.message}`);
      throw e;
    }
    if (!reqs.length) throw new ScanUsageError('-l: the label selector is empty (e.g. -l app=web)');
    selection = { kind: 'selector', selector: sel, ...(ns !== undefined ? { namespace: ns } : {}) };
  } else if (ns !== undefined) {
    if (all) throw new ScanUsageError('give -n NS or --all-namespaces, not both');
    selection = { kind: 'namespace', namespace: ns };
  } else if (all) selection = { kind: 'all-namespaces' };
  else throw new ScanUsageError('scan needs a selection: -n NS, -l KEY=VALUE with -n or --all-namespaces, --all-namespaces, or NS/POD[/CONTAINER] arguments');

  const profile = values.get('profile');
  if (!profile) throw new ScanUsageError('scan needs --profile PATH|URL (the InSpec profile to run)');
  const c = values.get('concurrency') ?? '4';
  if (!/^\d+$/.test(c) || Number(c) < 1 || Number(c) > 256) throw new ScanUsageError(`--concurrency must be a whole number from 1 to 256, not "${c}"`);
  const dedupe = values.get('dedupe') ?? 'image';
  if (!(DEDUPE_MODES as readonly string[]).includes(dedupe)) throw new ScanUsageError(`--dedupe must be image or none, not "${dedupe}"`);
  if (flags.has('skipShellLess') && flags.has('allowPodChanges')) throw new ScanUsageError('--skip-shell-less and --allow-pod-changes contradict each other: give one');
  const runner = values.get('runner') ?? 'local';
  if (!(RUNNERS as readonly string[]).includes(runner)) throw new ScanUsageError(`--runner must be local or in-cluster, not "${runner}"`);
  for (const f of ['auditorImage', 'scannerNamespace', 'deadline', 'ttl', 'exportManifests']) {
    if (values.has(f) && runner !== 'in-cluster') throw new ScanUsageError(`--${f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} needs --runner in-cluster`);
  }
  if (runner === 'in-cluster' && values.has('auditor')) throw new ScanUsageError('--auditor is the local auditor; with --runner in-cluster give --auditor-image');
  if (runner === 'in-cluster' && !values.has('auditorImage')) throw new ScanUsageError('--runner in-cluster needs --auditor-image IMAGE: a CINC Auditor image with MITRE\'s train-k8s-container transport and kubectl (README "In-cluster runner")');
  const scannerNamespace = values.get('scannerNamespace');
  if (scannerNamespace !== undefined) checkName('namespace', scannerNamespace, '--scanner-namespace');
  const d = values.get('deadline');
  if (d !== undefined && (!/^\d+$/.test(d) || Number(d) < 1)) throw new ScanUsageError(`--deadline must be a whole number of seconds ≥ 1, not "${d}"`);
  const ttl = values.get('ttl');
  if (ttl !== undefined && !/^\d+$/.test(ttl)) throw new ScanUsageError(`--ttl must be a whole number of seconds ≥ 0, not "${ttl}"`);
  return {
    selection,
    context: values.get('context'),
    kubeconfig: values.get('kubeconfig'),
    profile,
    inputFile: values.get('inputFile'),
    waiverFile: values.get('waiverFile'),
    concurrency: Number(c),
    dedupe: dedupe as DedupeMode,
    out: values.get('out'),
    auditor: values.get('auditor'),
    skipShellLess: flags.has('skipShellLess'),
    allowPodChanges: flags.has('allowPodChanges'),
    helperImage: values.get('helperImage'),
    // the in-cluster options only when that runner is chosen (the local runner's options stay as they were)
    ...(runner === 'in-cluster'
      ? { runner: 'in-cluster' as const, auditorImage: values.get('auditorImage'), scannerNamespace, deadlineSeconds: d !== undefined ? Number(d) : undefined, ttlSeconds: ttl !== undefined ? Number(ttl) : undefined, exportManifests: values.get('exportManifests') }
      : {}),
  };
}

// -------------------------------------------------------------------------------------------- the auditor process

/** How long a stopped auditor gets to end after SIGTERM before its process group gets SIGKILL. */
export const KILL_GRACE_MS = 5000;

/**
 * Runs one auditor: argv only (no shell), its own process group (detached), stdout discarded (the report is the JSON
 * file), the end of stderr kept. Aborting `signal` sends SIGTERM to the whole group (the auditor and the kubectl
 * processes it started), then SIGKILL after the grace period. Resolves when the process has exited; never rejects.
 */
export function runAuditorProcess(file: string, args: readonly string[], o: { readonly cwd: string; readonly env: NodeJS.ProcessEnv; readonly signal?: AbortSignal }): Promise<ProcessEnd> {
  return new Promise((done) => {
    if (o.signal?.aborted) return done({ code: null, signal: null, cancelled: true, stderr: '' });
    let child;
    try {
      child = spawn(file, [...args], { cwd: o.cwd, env: o.env, detached: true, stdio: ['ignore', 'ignore', 'pipe'], windowsHide: true });
    } catch (e) {
      return done({ code: null, signal: null, cancelled: false, stderr: '', spawnError: e instanceof Error ? e.message : String(e) });
    }
    let stderr = '';
    let spawnError: string | undefined;
    let cancelled = false;
    let killTimer: NodeJS.Timeout | undefined;
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-64 * 1024);
    });
    const stop = () => {
      cancelled = true;
      if (!child.pid || child.exitCode !== null || child.signalCode !== null) return;
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), KILL_GRACE_MS);
    };
    o.signal?.addEventListener('abort', stop, { once: true });
    child.on('error', (e) => (spawnError = e.message));
    child.on('close', (code, sig) => {
      if (killTimer) clearTimeout(killTimer);
      o.signal?.removeEventListener('abort', stop);
      // whatever the auditor left behind in its group (a kubectl still attached) goes with it
      if (child.pid) killGroup(child.pid, 'SIGKILL');
      done({ code, signal: sig, cancelled, stderr, spawnError });
    });
  });
}

/** One holder at a time per key (a pod's helpers: the sidecar is pointed at one sibling at a time). */
class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    this.tails.set(key, tail);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

// -------------------------------------------------------------------------------------------- the run

export interface HeadlessIo {
  /** The summary (stdout). */
  out(s: string): void;
  /** Progress and notes (stderr). */
  err(s: string): void;
  /** SIGINT/SIGTERM. */
  readonly signal?: AbortSignal;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

export interface HeadlessScanResult {
  readonly code: number;
  readonly indexPath?: string;
  readonly run?: FleetRunResult;
  readonly plan?: FleetPlan;
}

export const SHELL_LESS_NEEDS_CONSENT =
  'Skipped: scanning this shell-less container would change its pod (a debug container added, or the scanner sidecar\'s wrapper installed); pass --allow-pod-changes to allow that in a headless run';


export function countsLine(c: FleetCounts): string {
  const ended = c.done + c.failed + c.skipped + c.cancelled;
  return `[${ended}/${c.total}] ${c.done} done, ${c.failed} failed, ${c.skipped} not scannable, ${c.cancelled} cancelled, ${c.running} running, ${c.queued} queued`;
}

function stamp(d = new Date()): string {
  return d.toISOString().replace(/[:.]/g, '').replace('T', '-').slice(0, 15);
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Runs `kube-compliance scan`; resolves to its exit code (never throws for what a CI run can meet). */
export async function headlessScan(o: HeadlessScanOptions, io: HeadlessIo): Promise<HeadlessScanResult> {
  const env = io.env ?? process.env;
  const cwd = io.cwd ?? process.cwd();
  const err = (s: string) => io.err(`kube-compliance: ${s}\n`);
  const pool = new ClusterPool({ kubeconfig: o.kubeconfig ? resolve(cwd, o.kubeconfig) : undefined }, env);
  let kubeconfig: PrivateKubeconfig | undefined;
  const onAbortCleanup = () => kubeconfig?.dispose();
  io.signal?.addEventListener('abort', onAbortCleanup, { once: true });
  try {
    return await scanWith(o, io, env, cwd, err, pool, (k) => (kubeconfig = k));
  } catch (e) {
    if (e instanceof ScanSetupError) {
      err(e.message);
      return { code: io.signal?.aborted ? SCAN_EXIT.cancelled : e.code };
    }
    if (io.signal?.aborted) {
      err(`cancelled: ${message(e)}`);
      return { code: SCAN_EXIT.cancelled };
    }
    if (e instanceof KubeError || e instanceof KubeconfigError || e instanceof FleetSelectionError || e instanceof ProfileHashError || e instanceof ScanArgumentError) {
      err(redact(e.message));
      return { code: SCAN_EXIT.setup };
    }
    throw e;
  } finally {
    io.signal?.removeEventListener('abort', onAbortCleanup);
    kubeconfig?.dispose();
    pool.dispose();
  }
}

async function scanWith(
  o: HeadlessScanOptions,
  io: HeadlessIo,
  env: NodeJS.ProcessEnv,
  cwd: string,
  err: (s: string) => void,
  pool: ClusterPool,
  keep: (k: PrivateKubeconfig) => void,
): Promise<HeadlessScanResult> {
  const cancelled = () => {
    if (io.signal?.aborted) throw new ScanSetupError('cancelled before any scan started; nothing was written', SCAN_EXIT.cancelled);
  };
  // --out: a new or empty folder, so a fleet folder never mixes two runs
  const outDir = resolve(cwd, o.out ?? `kube-compliance-fleet-${stamp()}`);
  if (existsSync(outDir)) {
    if (!statSync(outDir).isDirectory()) throw new ScanSetupError(`--out ${outDir} is a file; give a new or empty folder`);
    if (readdirSync(outDir).length) throw new ScanSetupError(`--out ${outDir} is not empty${existsSync(resolve(outDir, FLEET_INDEX_FILE)) ? ' (it holds an earlier fleet run)' : ''}; give a new or empty folder`);
  }
  for (const [flag, f] of [['--input-file', o.inputFile], ['--waiver-file', o.waiverFile]] as const) {
    if (f && !existsSync(resolve(cwd, f))) throw new ScanSetupError(`${flag} ${f}: no such file`);
  }

  // the auditor: --auditor, else cinc-auditor, else inspec on PATH
  const inCluster = o.runner === 'in-cluster';
  if (!inCluster && o.auditor && !findExecutable(isAbsolute(o.auditor) || o.auditor.includes('/') ? resolve(cwd, o.auditor) : o.auditor, env.PATH)) {
    throw new ScanSetupError(`--auditor ${o.auditor} is not an executable file`);
  }
  let auditor: AuditorInfo | undefined;
  if (!inCluster) {
    const discovery = await discoverAuditor({ configuredPath: o.auditor && o.auditor.includes('/') ? resolve(cwd, o.auditor) : o.auditor, env });
    if (!discovery.ready || !discovery.auditor) {
      throw new ScanSetupError(`the auditor is not ready:\n${discovery.problems.filter((p) => p.blocking).map((p) => `  ${p.message}${p.steps.map((s) => `\n    ${s.title}: ${s.command}`).join('')}`).join('\n')}`);
    }
    auditor = discovery.auditor;
    for (const p of discovery.problems) if (!p.blocking) err(`note: ${p.message}`);
  }
  cancelled();

  const [profile, inputsHash] = await Promise.all([hashProfile(o.profile, cwd), hashInputs(o.inputFile, cwd)]);
  const services = pool.get(o.context);
  const context = services.client.contextName;
  cancelled();

  // a namespace that does not exist is "nothing matched", said plainly (a list in it would just be empty)
  const namespace = o.selection.kind === 'namespace' || o.selection.kind === 'selector' ? o.selection.namespace : undefined;
  if (namespace) {
    try {
      await services.client.request('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}`, { signal: io.signal });
    } catch (e) {
      if (e instanceof KubeError && e.kind === 'not-found') throw new ScanSetupError(`namespace ${namespace} does not exist in context ${context}; nothing was scanned`, SCAN_EXIT.nothing);
      if (!(e instanceof KubeError && e.kind === 'forbidden')) throw e; // may not read namespaces: listing pods says more
    }
  }
  const what = describeSelection(o.selection);
  err(`reading ${what} (context ${context})…`);
  const expansion = await expandSelection(clusterSource(services.model, services.classifier), o.selection);
  for (const n of expansion.notes) err(`note: ${n}`);
  cancelled();
  let targets: readonly FleetTarget[] = expansion.targets;
  if (!targets.length) throw new ScanSetupError(`${what} matched no container; nothing was scanned`, SCAN_EXIT.nothing);

  const planOf = (t: readonly FleetTarget[]) => planFleet(t, { mode: o.dedupe, profileHash: profile.hash, inputsHash });
  let plan = planOf(targets);
  const changes = podsToChange(plan);
  if (inCluster) {
    if (changes.length) {
      targets = skipApproaches(targets, ['debug-container', 'sidecar'], IN_CLUSTER_UNSUPPORTED);
      plan = planOf(targets);
      err(`note: ${changes.length} pod(s) have shell-less containers, which the in-cluster runner does not scan (listed as skipped); scan them with --runner local`);
    }
  } else if (o.skipShellLess) {
    targets = skipApproaches(targets, ['debug-container', 'sidecar'], 'Skipped: --skip-shell-less');
    plan = planOf(targets);
  } else if (changes.length && !o.allowPodChanges) {
    targets = skipApproaches(targets, ['debug-container', 'sidecar'], SHELL_LESS_NEEDS_CONSENT);
    plan = planOf(targets);
    err(`note: ${changes.length} pod(s) would be changed to scan their shell-less containers (${changes.map((c) => `${c.namespace}/${c.pod}`).join(', ')}); they are skipped: pass --allow-pod-changes to scan them`);
  } else if (changes.length) {
    err(`note: --allow-pod-changes: ${changes.map((c) => `${c.namespace}/${c.pod} (${c.approach === 'debug-container' ? 'debug container' : 'sidecar wrapper'} for ${c.containers.join(', ')})`).join('; ')}`);
  }
  err(
    `${targets.length} container(s): ${plan.containers} scannable, ${plan.unscannable.length} not scannable; ${plan.scans} auditor run(s) ` +
      `(dedupe ${plan.mode}: ${plan.digests} distinct running image(s), ratio ${plan.ratio}); concurrency ${o.concurrency}; ` +
      (auditor ? `auditor ${auditor.path}${auditor.version ? ` ${auditor.version}` : ''}` : `in-cluster Jobs running ${o.auditorImage}`),
  );
  if (inCluster) return runInCluster(o, io, err, plan, outDir, cwd, services.client, context, what, profile);
  if (!auditor) throw new ScanSetupError('the auditor is not ready');

  // one private single-context kubeconfig for the run's auditors
  const m = minimiseKubeconfig(kubeconfigFiles(o.kubeconfig ? resolve(cwd, o.kubeconfig) : undefined, env), context);
  const kc = writePrivateKubeconfig(m.yaml);
  keep(kc);
  cancelled();
  mkdirSync(outDir, { recursive: true });

  const locks = new KeyedLock();
  const client = services.client;
  const scanOne = async (t: FleetTarget, reportPath: string, signal: AbortSignal): Promise<RunOneResult> => {
    const run = async (): Promise<RunOneResult> => {
      let transportTarget: Pick<FleetTarget, 'namespace' | 'pod' | 'container'> = t;
      if (t.approach === 'debug-container' || t.approach === 'sidecar') {
        const opts = { confirm: async () => o.allowPodChanges, signal, classification: t.classification, image: o.helperImage ?? DEFAULT_HELPER_IMAGE };
        try {
          const prepared = t.approach === 'debug-container' ? await prepareDebugContainer(client, t, opts) : await prepareSidecar(client, t, { ...opts, sidecar: t.classification?.sidecar });
          transportTarget = prepared.transportTarget;
        } catch (e) {
          if (e instanceof ShelllessError) return { outcome: 'failed', message: `${scannedAs(t)} cannot be scanned through the ${t.approach}: ${e.message}` };
          throw e;
        }
      }
      if (auditor.transport?.name === MITRE_TRANSPORT) {
        const refused = mitreNameProblem(transportTarget);
        if (refused) return { outcome: 'failed', message: refused };
      }
      const args = buildExecArgs({ profile: o.profile, target: transportTarget, resultFile: reportPath, enhancedOutcomes: auditor.supportsEnhancedOutcomes, inputFile: o.inputFile, waiverFile: o.waiverFile, cwd });
      const end = await runAuditorProcess(auditor.path, args, { cwd, env: { ...env, KUBECONFIG: kc.path, TRAIN_K8S_SESSION_MODE: 'false' }, signal });
      const r = interpretRun({
        end,
        resultFile: reportPath,
        reportText: existsSync(reportPath) ? readFileSync(reportPath, 'utf8') : undefined,
        auditorPath: auditor.path,
        target: { ...t, context },
        transportTarget,
        transport: auditor.transport,
      });
      if (r.discardReport || !r.reportPath) rmSync(reportPath, { force: true });
      if (r.reportPath) return { outcome: 'done', reportPath: r.reportPath, message: r.message };
      return { outcome: 'failed', message: r.message };
    };
    // a pod's helpers one at a time: the sidecar is pointed at one sibling for the whole scan
    if (t.approach === 'sidecar') return locks.run(`${t.namespace}/${t.pod}`, run);
    return run();
  };

  return runAndReport(o, io, err, plan, outDir, scanOne, context, what, profile);
}

type ScanOne = (t: FleetTarget, reportPath: string, signal: AbortSignal) => Promise<RunOneResult>;

/** The fleet run with a runner's `scanOne`, progress on stderr, the summary on stdout; the exit code. */
async function runAndReport(o: HeadlessScanOptions, io: HeadlessIo, err: (s: string) => void, plan: FleetPlan, outDir: string, scanOne: ScanOne, context: string, what: string, profile: ProfileHash): Promise<HeadlessScanResult> {
  // the scheduler counts scan units' containers; the unscannable rows are part of the fleet too
  const withUnscannable = (c: FleetCounts): FleetCounts => ({ ...c, total: c.total + plan.unscannable.length, skipped: c.skipped + plan.unscannable.length });
  let last = '';
  const result = await runFleet(plan, {
    outDir,
    profile,
    concurrency: o.concurrency,
    signal: io.signal,
    scanOne,
    onProgress: (c) => {
      const line = countsLine(withUnscannable(c));
      if (line !== last) io.err(`kube-compliance: ${line}\n`);
      last = line;
    },
    onItem: (item) => {
      if (item.outcome === 'failed' && !item.scannedAs) err(`failed: ${item.namespace}/${item.pod}/${item.container}: ${redact(item.message ?? '')}`);
    },
  });
  for (const e of result.recordErrors) err(`warning: could not record: ${e}`);
  const c = withUnscannable(result.counts);
  const aborted = io.signal?.aborted ?? false;
  const code = aborted ? SCAN_EXIT.cancelled : c.failed > 0 ? SCAN_EXIT.failed : plan.containers === 0 ? SCAN_EXIT.nothing : SCAN_EXIT.ok;
  io.out(
    [
      `Fleet scan of ${what} (context ${context})${o.runner === 'in-cluster' ? ' in-cluster' : ''} ${aborted ? 'CANCELLED' : 'ended'}: ${c.total} container(s), ${plan.scans} auditor run(s), dedupe ${plan.mode} (${plan.digests} digest(s), ratio ${plan.ratio})`,
      `  ${c.done} done, ${c.failed} failed, ${c.skipped} not scannable, ${c.cancelled} cancelled`,
      `Index: ${result.indexPath}`,
      aborted
        ? 'Cancelled: running auditors were stopped; what finished is in the index, the rest is marked cancelled.'
        : code === SCAN_EXIT.nothing
          ? 'Nothing scannable: every container is listed in the index with the reason.'
          : `Gate: kube-compliance threshold ${result.indexPath} --file THRESHOLD.yml`,
      '',
    ].join('\n'),
  );
  return { code, indexPath: result.indexPath, run: result, plan };
}

/** `--runner in-cluster` (src/core/incluster/headless.ts): the YAML export, or the run with one Job per unit. */
async function runInCluster(o: HeadlessScanOptions, io: HeadlessIo, err: (s: string) => void, plan: FleetPlan, outDir: string, cwd: string, client: ClusterClient, context: string, what: string, profile: ProfileHash): Promise<HeadlessScanResult> {
  let prepared;
  try {
    prepared = await prepareInClusterCli(o, { plan, cwd, client, context, signal: io.signal, out: (t) => io.out(t), err });
  } catch (e) {
    if (e instanceof InClusterSetupError) throw new ScanSetupError(e.message);
    throw e;
  }
  if (prepared.kind === 'exported') return { code: SCAN_EXIT.ok, plan };
  mkdirSync(outDir, { recursive: true });
  return runAndReport(o, io, err, plan, outDir, prepared.scanOne, context, what, profile);
}
