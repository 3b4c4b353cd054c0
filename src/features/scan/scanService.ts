import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import * as vscode from 'vscode';
import type { ApproachKind, ContainerClassification, ContainerRef } from '../../core/cluster/types';
import { APPROACH_LABEL, targetUri } from '../../core/cluster/types';
import { kubeconfigFiles } from '../../core/kubeconfigFiles';
import { redact } from '../../core/redact';
import { MITRE_TRANSPORT, type AuditorInfo } from '../../core/scan/auditor';
import { buildExecArgs, displayCommand, isUrlProfile } from '../../core/scan/argv';
import { mitreNameProblem } from '../../core/scan/auditorFailure';
import { interpretRun, taskExitCode } from '../../core/scan/interpretRun';
import { minimiseKubeconfig, writePrivateKubeconfig, type PrivateKubeconfig } from '../../core/scan/kubeconfig';
import type { ApproachPlan } from '../../core/scan/types';
import { Disposable, toDisposable } from '../../core/disposable';
import { sweepStaleKubeconfigs } from '../../core/scan/kubeconfig';
import type { ClusterPool } from '../../core/cluster/pool';
import type { Config } from '../../platform/config';
import type { Log } from '../../platform/log';
import type { Platform } from '../../services';
import type { ResultsService } from '../results/resultsService';
import { ComplianceBadges } from './badges';
import { AuditorService, type ChefLicenseAnswer } from './auditorService';
import { ProfilePicker } from './profilePicker';
import { profileName, RunsView } from './runsView';
import { AuditorTerminal, TASK_TYPE, type KubeComplianceTaskDefinition, type ProcessOutcome, type ProcessSpec, type RunLifecycle } from './scanTask';
import { InClusterScans } from './inClusterScan';
import { refKey, refLabel, ScanCancelledError, type ProfileChoice, type RunRecord, type ScanRequest } from './types';

export type { ProfileChoice, RunRecord, ScanRequest } from './types';
export { ScanCancelledError } from './types';

/** Turns a classified container into the plan for one approach (SHELL-LESS registers debug-container and sidecar). */
export type ApproachPlanner = (target: ContainerClassification, token: vscode.CancellationToken) => Promise<ApproachPlan>;

/** Runs before anything is started; throws (with a message that says what to do) to refuse the scan (ACCESS). */
export type ScanPreflight = (scan: { readonly target: ContainerRef; readonly plan: ApproachPlan; readonly kubeconfigPath?: string }, token: vscode.CancellationToken) => Promise<void>;

/**
 * Chooses the kubeconfig for a scan whose request named none (ACCESS: the scanner identity, per the setting or the
 * user's answer); undefined = the user's own credentials. Runs before the preflights; throws to refuse the scan.
 */
export type ScanCredentials = (scan: { readonly target: ContainerRef; readonly plan: ApproachPlan }, token: vscode.CancellationToken) => Promise<string | undefined>;

/** The Kubernetes API approach: the auditor's transport execs straight into the target container. */
export function identityPlan(target: Pick<ContainerRef, 'namespace' | 'pod' | 'container'>): ApproachPlan {
  return { kind: 'kubernetes-api', transportTarget: { namespace: target.namespace, pod: target.pod, container: target.container }, description: 'kubectl exec into the container' };
}

interface RunInput {
  readonly id: string;
  readonly target: ContainerRef;
  readonly plan: ApproachPlan;
  readonly choice: ProfileChoice;
  readonly controls?: readonly string[];
  readonly kubeconfigPath?: string;
  readonly resultFile?: string;
  readonly terminalKey?: string;
  readonly showResults: boolean;
  readonly notify: boolean;
  auditor?: AuditorInfo;
  license?: ChefLicenseAnswer;
  /** The preflights (e.g. RBAC) already ran (`run()`); a tasks.json task runs them when its terminal starts. */
  preflighted?: boolean;
}

interface ActiveScan {
  readonly input: RunInput;
  terminal?: AuditorTerminal;
  execution?: vscode.TaskExecution;
  readonly done: Promise<RunRecord>;
  readonly settle: (record: RunRecord | undefined, err?: unknown) => void;
}

/**
 * Runs scans as `vscode.Task`s (type `kube-compliance`): one auditor process per run, in a terminal, with a
 * temporary single-context kubeconfig; then interprets the exit code and the JSON report, records the run, and opens
 * the results panel. The same machinery serves the explorer's Scan command, tasks.json, authoring re-runs (narrowed
 * `controls`, a shared terminal), scanner identities (`kubeconfigPath`) and helper approaches (`approach`).
 */
export class ScanService extends Disposable implements vscode.TaskProvider {
  private readonly runningChanged = new vscode.EventEmitter<ContainerRef>();
  /** Fires with the container when a scan of it starts or ends (the explorer shows progress on its node). */
  readonly onDidChangeRunning = this.runningChanged.event;
  private readonly finished = new vscode.EventEmitter<RunRecord>();
  /** Fires with every finished run, whatever its outcome. */
  readonly onDidFinishRun = this.finished.event;
  private readonly active = new Map<string, ActiveScan>();
  private readonly runningCount = new Map<string, number>();
  private readonly planners = new Map<ApproachKind, ApproachPlanner>();
  private readonly preflights = new Set<ScanPreflight>();
  private readonly credentials = new Set<ScanCredentials>();
  private readonly statusBar: vscode.StatusBarItem;
  private slots = 0;
  /** Temporary kubeconfigs of runs in flight, removed at the latest when the extension shuts down. */
  private readonly liveKubeconfigs = new Set<PrivateKubeconfig>();
  private readonly waiting: Array<() => void> = [];

  private readonly context: vscode.ExtensionContext;
  private readonly log: Log;
  private readonly config: Config;
  readonly auditors: AuditorService;
  readonly profiles: ProfilePicker;
  readonly runs: RunsView;
  /** The last compliance result per container (the explorer's badges). */
  readonly badges: ComplianceBadges;
  /** Single scans with `kubeCompliance.scan.runner: in-cluster` (one Job each; inClusterScan.ts). */
  readonly inCluster: InClusterScans;

  constructor(
    p: Platform,
    private readonly results: ResultsService,
    pool: ClusterPool,
  ) {
    super();
    this.context = p.extension;
    this.log = p.log;
    this.config = p.config;
    try {
      const n = sweepStaleKubeconfigs();
      if (n) this.log.info(`removed ${n} temporary scan kubeconfig folder(s) left by an earlier window`);
    } catch {
      // best effort
    }
    this.auditors = this.register(new AuditorService(p));
    this.profiles = new ProfilePicker(p.state, p.log);
    this.runs = this.register(new RunsView(p.state));
    this.badges = this.register(new ComplianceBadges(p.state));
    this.inCluster = this.register(new InClusterScans(p, this, pool));
    this.register(vscode.window.registerTreeDataProvider('kubeCompliance.runs', this.runs));
    this.statusBar = this.register(vscode.window.createStatusBarItem('kubeCompliance.scanStatus', vscode.StatusBarAlignment.Left, 10));
    this.statusBar.name = 'Kube Compliance scans';
    this.statusBar.command = 'kubeCompliance.runs.focus';
    this.register(this.runningChanged);
    this.register(this.finished);
    this.register(vscode.tasks.registerTaskProvider(TASK_TYPE, this));
    this.register(toDisposable(() => {
      this.cancelAll();
      for (const k of this.liveKubeconfigs) k.dispose();
      this.liveKubeconfigs.clear();
    }));
    void this.auditors.discover();
  }

  // ------------------------------------------------------------------------------------------- extension points

  /** Registers how containers are reached for an approach other than the Kubernetes API. */
  registerApproach(kind: ApproachKind, planner: ApproachPlanner): vscode.Disposable {
    this.planners.set(kind, planner);
    return new vscode.Disposable(() => {
      if (this.planners.get(kind) === planner) this.planners.delete(kind);
    });
  }

  /** Adds a check that runs before every scan (e.g. RBAC preflight). */
  registerPreflight(check: ScanPreflight): vscode.Disposable {
    this.preflights.add(check);
    return new vscode.Disposable(() => this.preflights.delete(check));
  }

  /** Adds a chooser of the kubeconfig for scans that did not name one (e.g. the scanner identity). */
  registerCredentials(provider: ScanCredentials): vscode.Disposable {
    this.credentials.add(provider);
    return new vscode.Disposable(() => this.credentials.delete(provider));
  }

  /**
   * The plan for a classified container: the approach the explorer chose for it (or the one forced by
   * `kubeCompliance.scan.preferredApproach`), through its registered planner; the Kubernetes API is the identity plan.
   */
  async planFor(target: ContainerClassification, token: vscode.CancellationToken = new vscode.CancellationTokenSource().token): Promise<ApproachPlan> {
    if (!target.approach) throw new Error(`${refLabel(target)} cannot be scanned: ${target.missing ?? target.reason}`);
    const preferred = this.config.get('scan.preferredApproach');
    const kind: ApproachKind = preferred === 'kubernetes-api' || preferred === 'debug-container' || preferred === 'sidecar' ? preferred : target.approach;
    if (kind === 'kubernetes-api') return identityPlan(target);
    const planner = this.planners.get(kind);
    if (!planner) throw new Error(`${refLabel(target)} (${target.compatibility}) needs the ${APPROACH_LABEL[kind]} approach, which no installed component provides in this window.`);
    return planner(target, token);
  }

  isRunning(ref: Pick<ContainerRef, 'context' | 'namespace' | 'pod' | 'container'>): boolean {
    return (this.runningCount.get(refKey(ref)) ?? 0) > 0;
  }

  /** Runs being executed now (id, target, profile). */
  get activeRuns(): ReadonlyArray<{ id: string; target: ContainerRef; profile: string }> {
    return [...this.active.values()].map((a) => ({ id: a.input.id, target: a.input.target, profile: a.input.choice.profile }));
  }

  // ------------------------------------------------------------------------------------------- run

  /**
   * Runs one scan as a task and resolves to its run record (also for failed runs: see `outcome`). Rejects before
   * anything starts when the workspace is untrusted, the auditor is missing, no profile was chosen, or a preflight refused.
   */
  async run(request: ScanRequest): Promise<RunRecord> {
    if (!vscode.workspace.isTrusted) {
      const message = 'Scans are disabled in this restricted workspace: InSpec profiles are Ruby code that the auditor runs on your machine. Trust the workspace to scan.';
      void vscode.window.showWarningMessage(`Kube Compliance: ${message}`, 'Manage Workspace Trust').then((c) => {
        if (c) void vscode.commands.executeCommand('workbench.trust.manage');
      });
      throw new Error(message);
    }
    const runner = this.inCluster.decide(request);
    if (runner.runner === 'refused') throw new Error(runner.message);
    if (runner.runner === 'in-cluster') return this.inCluster.run(request, runner.auditorImage);
    const token = request.token ?? new vscode.CancellationTokenSource().token;
    const target: ContainerRef = { context: request.target.context, namespace: request.target.namespace, pod: request.target.pod, container: request.target.container };
    const plan = request.approach ?? identityPlan(target);
    const checking = Date.now();
    // discovery is cached; when it is not, the Clusters view shows progress while the auditor is asked
    const { auditor, license } = await vscode.window.withProgress({ location: { viewId: 'kubeCompliance.clusters' } }, () => this.auditors.require());
    this.log.info(`scan ${refLabel(target)}: auditor ready after ${Date.now() - checking} ms`);
    const choice = request.profile ?? (await this.profiles.resolve());
    if (!choice) throw new ScanCancelledError('No profile was chosen, so nothing was scanned.');
    let kubeconfigPath = request.kubeconfigPath;
    for (const provider of this.credentials) {
      if (kubeconfigPath) break;
      kubeconfigPath = await provider({ target, plan }, token);
    }
    for (const check of this.preflights) await check({ target, plan, kubeconfigPath }, token);
    if (token.isCancellationRequested) throw new ScanCancelledError('The scan was cancelled before it started.');

    if (request.terminalKey) {
      // one terminal per key: the previous run with this key ends first
      for (const a of this.active.values()) {
        if (a.input.terminalKey === request.terminalKey) {
          a.terminal?.cancel();
          await a.done.catch(() => undefined);
        }
      }
    }
    await this.acquireSlot(token);
    const input: RunInput = {
      id: newRunId(),
      target,
      plan,
      choice,
      controls: request.controls,
      kubeconfigPath,
      terminalKey: request.terminalKey,
      resultFile: request.resultFile,
      showResults: request.showResults !== false,
      notify: request.notify !== false,
      auditor,
      license,
      preflighted: true,
    };
    try {
      const { task, active } = this.createTask(input);
      this.active.set(input.id, active);
      const sub = token.onCancellationRequested(() => {
        active.terminal?.cancel();
        active.execution?.terminate();
      });
      // backstop: VS Code started the task and ended it without ever opening our terminal. Only an end after this
      // run's own start counts: a terminal-keyed run reuses the previous run's task identity (same definition, same
      // TaskExecution), and that run's end event can arrive after this run's executeTask.
      let startedByVsCode = false;
      const started = vscode.tasks.onDidStartTask((e) => {
        if (e.execution.task.name === task.name && e.execution.task.definition.runId === task.definition.runId) startedByVsCode = true;
      });
      const ended = vscode.tasks.onDidEndTask((e) => {
        if (startedByVsCode && e.execution === active.execution && !active.terminal) this.settle(input.id, undefined, new Error('VS Code ended the scan task before it started.'));
      });
      try {
        try {
          active.execution = await vscode.tasks.executeTask(task);
        } catch (err) {
          this.settle(input.id, undefined, err);
          throw err;
        }
        if (token.isCancellationRequested) {
          active.terminal?.cancel();
          active.execution.terminate();
        }
        // progress bars on both views while the auditor runs (the explorer can also follow onDidChangeRunning)
        return await vscode.window.withProgress({ location: { viewId: 'kubeCompliance.clusters' } }, () =>
          vscode.window.withProgress({ location: { viewId: 'kubeCompliance.runs' } }, () => active.done),
        );
      } finally {
        sub.dispose();
        started.dispose();
        ended.dispose();
      }
    } finally {
      this.releaseSlot();
    }
  }

  /** Cancels one scan in flight (its auditor and kubectl children); earlier results stay. */
  cancel(id: string): void {
    if (this.inCluster.cancel(id)) return;
    const a = this.active.get(id);
    a?.terminal?.cancel();
    a?.execution?.terminate();
  }

  /** Cancels every scan in flight. */
  cancelAll(): void {
    this.inCluster.cancelAll();
    for (const a of this.active.values()) {
      a.terminal?.cancel();
      a.execution?.terminate();
    }
  }

  // ------------------------------------------------------------------------------------------- tasks.json

  provideTasks(): vscode.Task[] {
    return [];
  }

  resolveTask(task: vscode.Task): vscode.Task | undefined {
    const d = task.definition as Partial<KubeComplianceTaskDefinition>;
    if (d.type !== TASK_TYPE || !d.namespace || !d.pod || !d.container || !d.profile) return undefined;
    const input: RunInput = {
      id: newRunId(),
      target: { context: d.context ?? '', namespace: d.namespace, pod: d.pod, container: d.container },
      plan: identityPlan({ namespace: d.namespace, pod: d.pod, container: d.container }),
      choice: { profile: this.expandPath(d.profile), inputFile: d.inputFile ? this.expandPath(d.inputFile) : undefined, waiverFile: d.waiverFile ? this.expandPath(d.waiverFile) : undefined },
      controls: Array.isArray(d.controls) ? d.controls.map(String) : undefined,
      kubeconfigPath: d.kubeconfig ? this.expandPath(d.kubeconfig) : undefined,
      showResults: true,
      notify: true,
    };
    const { execution } = this.makeExecution(input);
    return new vscode.Task(task.definition, task.scope ?? vscode.TaskScope.Workspace, task.name, 'Kube Compliance', execution);
  }

  // ------------------------------------------------------------------------------------------- internals

  private createTask(input: RunInput): { task: vscode.Task; active: ActiveScan } {
    const t = input.plan.transportTarget;
    const def: KubeComplianceTaskDefinition = input.terminalKey
      ? { type: TASK_TYPE, context: input.target.context, namespace: t.namespace, pod: t.pod, container: t.container, profile: input.choice.profile, runId: `terminal:${input.terminalKey}` }
      : {
          type: TASK_TYPE,
          context: input.target.context,
          namespace: t.namespace,
          pod: t.pod,
          container: t.container,
          profile: input.choice.profile,
          ...(input.controls?.length ? { controls: [...input.controls] } : {}),
          ...(input.choice.inputFile ? { inputFile: input.choice.inputFile } : {}),
          ...(input.choice.waiverFile ? { waiverFile: input.choice.waiverFile } : {}),
          ...(input.kubeconfigPath ? { kubeconfig: input.kubeconfigPath } : {}),
          runId: input.id,
        };
    const { execution, active } = this.makeExecution(input);
    const name = input.terminalKey
      ? `Kube Compliance: ${input.terminalKey}`
      : `Scan ${refLabel(input.target)}${input.plan.kind === 'kubernetes-api' ? '' : ` (${APPROACH_LABEL[input.plan.kind]}: ${input.plan.description})`}`;
    const folder = vscode.workspace.workspaceFolders?.[0];
    const task = new vscode.Task(def, folder ?? vscode.TaskScope.Workspace, name, 'Kube Compliance', execution);
    task.presentationOptions = {
      reveal: vscode.TaskRevealKind.Always,
      panel: input.terminalKey ? vscode.TaskPanelKind.Dedicated : vscode.TaskPanelKind.New,
      clear: !!input.terminalKey,
      showReuseMessage: false,
      echo: false,
    };
    return { task, active };
  }

  private makeExecution(input: RunInput): { execution: vscode.CustomExecution; active: ActiveScan } {
    let settle!: (r: RunRecord | undefined, err?: unknown) => void;
    const done = new Promise<RunRecord>((res, rej) => {
      settle = (r, err) => (r ? res(r) : rej(err instanceof Error ? err : new Error(String(err))));
    });
    done.catch(() => undefined);
    const active: ActiveScan = { input, done, settle };
    const execution = new vscode.CustomExecution(async () => {
      this.active.set(input.id, active);
      const terminal = new AuditorTerminal(this.lifecycle(input));
      active.terminal = terminal;
      return terminal;
    });
    return { execution, active };
  }

  private settle(id: string, record: RunRecord | undefined, err?: unknown): void {
    const a = this.active.get(id);
    if (!a) return;
    this.active.delete(id);
    a.settle(record, err);
  }

  private lifecycle(input: RunInput): RunLifecycle {
    let kubeconfig: PrivateKubeconfig | undefined;
    let resultFile = '';
    let cwd = '';
    let started = Date.now();
    let marked = false;
    const cleanup = () => {
      if (kubeconfig) {
        kubeconfig.dispose();
        this.liveKubeconfigs.delete(kubeconfig);
      }
      kubeconfig = undefined;
      if (marked) {
        marked = false;
        this.markRunning(input, false);
      }
    };
    return {
      start: async (): Promise<ProcessSpec> => {
        started = Date.now();
        if (!input.preflighted) {
          // a tasks.json task did not come through run(): the same checks before anything starts
          const cts = new vscode.CancellationTokenSource();
          try {
            for (const check of this.preflights) await check({ target: input.target, plan: input.plan, kubeconfigPath: input.kubeconfigPath }, cts.token);
          } finally {
            cts.dispose();
          }
          input.preflighted = true;
        }
        if (!input.auditor) ({ auditor: input.auditor, license: input.license } = await this.auditors.require());
        const auditor = input.auditor;
        if (auditor.transport?.name === MITRE_TRANSPORT) {
          const refused = mitreNameProblem(input.plan.transportTarget);
          if (refused) throw new Error(refused);
        }
        cwd = this.cwdFor(input.choice.profile);
        resultFile = input.resultFile ?? join(this.resultsDir(), `${stamp()}-${input.target.namespace}-${input.target.pod}-${input.target.container}-${input.id.slice(-6)}.json`);
        const args = buildExecArgs({
          profile: input.choice.profile,
          target: input.plan.transportTarget,
          resultFile,
          enhancedOutcomes: auditor.supportsEnhancedOutcomes,
          controls: input.controls,
          inputFile: input.choice.inputFile,
          waiverFile: input.choice.waiverFile,
          cwd,
        });
        let kubeconfigPath = input.kubeconfigPath;
        if (!kubeconfigPath) {
          const override = this.config.kubeconfigPath();
          const m = minimiseKubeconfig(kubeconfigFiles(override), input.target.context || undefined);
          kubeconfig = writePrivateKubeconfig(m.yaml);
          this.liveKubeconfigs.add(kubeconfig);
          kubeconfigPath = kubeconfig.path;
        } else if (!existsSync(kubeconfigPath)) {
          throw new Error(`The kubeconfig ${kubeconfigPath} for this scan does not exist (has the scanner identity been removed?).`);
        }
        const sessionMode = this.config.get('transport.sessionMode');
        const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: kubeconfigPath, TRAIN_K8S_SESSION_MODE: sessionMode ? 'true' : 'false' };
        // the user's own recorded answer only (asked when the auditor is Chef InSpec); never accepted on their behalf
        const license = input.license ?? this.auditors.licenseAnswer();
        if (license && license !== 'decline') env.CHEF_LICENSE = license;
        else delete env.CHEF_LICENSE;
        this.markRunning(input, true);
        marked = true;
        const display = `KUBECONFIG=${kubeconfig ? '<temporary single-context kubeconfig>' : kubeconfigPath} TRAIN_K8S_SESSION_MODE=${env.TRAIN_K8S_SESSION_MODE} ${displayCommand(auditor.path, args)}`;
        this.log.info(`scan ${input.id}: ${redact(display)}`);
        return { executable: auditor.path, args, cwd, env, display };
      },
      finish: async (outcome: ProcessOutcome) => {
        try {
          const record = this.interpret(input, outcome, resultFile, cwd, started);
          return this.complete(input, record);
        } catch (err) {
          this.settle(input.id, undefined, err);
          return { lines: [`Kube Compliance: ${err instanceof Error ? err.message : String(err)}`], exitCode: 1 };
        } finally {
          cleanup();
        }
      },
      failed: async (err: unknown) => {
        cleanup();
        const message = err instanceof Error ? err.message : String(err);
        this.log.error(`scan ${input.id} could not start: ${message}`);
        const record: RunRecord = {
          ...this.baseRecord(input, started),
          exitCode: null,
          outcome: 'error',
          message: `The scan could not start: ${message}`,
          resultFile,
          cwd,
        };
        return this.complete(input, record);
      },
    };
  }

  private async complete(input: RunInput, record: RunRecord): Promise<{ lines: string[]; exitCode: number }> {
    await this.recordFinished(record, { showResults: input.showResults, notify: input.notify, recorded: () => this.settle(input.id, record) });
    const lines = [`Kube Compliance: ${record.message}`];
    if (record.reportPath) lines.push(`Report: ${record.reportPath}`);
    return { lines, exitCode: taskExitCode(record) };
  }

  /**
   * What every finished run goes through, local or in-cluster: its Scan runs entry, the container's badge (not for
   * a run narrowed to some controls), onDidFinishRun (history), then `recorded`, the results panel and the notification.
   */
  async recordFinished(record: RunRecord, o: { readonly showResults: boolean; readonly notify: boolean; readonly recorded?: () => void }): Promise<void> {
    await this.runs.add(record);
    if (record.counts && record.reportPath && !record.controls) {
      // a run narrowed to some controls (authoring) says nothing about the container's compliance
      const c = record.counts;
      const byStatus = { Passed: c.passed, Failed: c.failed, 'Not Applicable': c.notApplicable, 'Not Reviewed': c.notReviewed, 'Profile Error': c.error };
      await this.badges.record([{ ref: record.target, badge: { at: new Date().toISOString(), byStatus, reportPath: record.reportPath } }]).catch((e) => this.log.warn(`badges: ${e instanceof Error ? e.message : String(e)}`));
    }
    this.finished.fire(record);
    o.recorded?.();
    if (record.reportPath && o.showResults) {
      try {
        await this.results.showResults({ reportPath: record.reportPath, cwd: record.cwd, label: `${refLabel(record.target)} · ${profileName(record.profile)}`, transport: record.transport });
      } catch (err) {
        this.log.warn(`results panel: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (o.notify) this.notify(record);
  }

  private baseRecord(input: RunInput, started: number) {
    return {
      id: input.id,
      target: input.target,
      transportTarget: input.plan.transportTarget,
      approach: input.plan.kind,
      approachDescription: input.plan.description,
      profile: input.choice.profile,
      inputFile: input.choice.inputFile,
      waiverFile: input.choice.waiverFile,
      controls: input.controls ? [...input.controls] : undefined,
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      auditor: { path: input.auditor?.path ?? '', version: input.auditor?.version },
      transport: input.auditor?.transport,
      targetUri: targetUri(input.plan.transportTarget),
    };
  }

  /** Exit code + report → what happened, in words (src/core/scan/interpretRun.ts decides). */
  private interpret(input: RunInput, o: ProcessOutcome, resultFile: string, cwd: string, started: number): RunRecord {
    const r = interpretRun({
      end: o,
      resultFile,
      reportText: existsSync(resultFile) ? readFileSync(resultFile, 'utf8') : undefined,
      auditorPath: input.auditor?.path,
      target: input.target,
      transportTarget: input.plan.transportTarget,
      transport: input.auditor?.transport,
    });
    if (r.stderrTail) this.log.warn(`scan ${input.id} auditor stderr:\n${r.stderrTail}`);
    // this run's own partial file only; earlier reports are separate files and stay untouched
    if (r.discardReport) rmSync(resultFile, { force: true });
    return {
      ...this.baseRecord(input, started),
      resultFile,
      cwd,
      stderrTail: r.stderrTail,
      exitCode: o.code,
      outcome: r.outcome,
      message: r.message,
      ...(r.platform !== undefined ? { platform: r.platform } : {}),
      ...(r.counts ? { counts: r.counts } : {}),
      ...(r.reportPath ? { reportPath: r.reportPath } : {}),
    };
  }

  private notify(r: RunRecord): void {
    const what = `Scan of ${refLabel(r.target)} with ${profileName(r.profile)}`;
    if (r.counts) {
      const c = r.counts;
      const text = `${what}: ${c.passed} passed, ${c.failed} failed${c.error ? `, ${c.error} error` : ''}${c.notApplicable ? `, ${c.notApplicable} not applicable` : ''}${c.notReviewed ? `, ${c.notReviewed} not reviewed` : ''} (compliance ${c.compliance}%). ${r.message}`;
      void vscode.window.showInformationMessage(`Kube Compliance: ${text}`);
      return;
    }
    if (r.outcome === 'cancelled') {
      void vscode.window.showInformationMessage(`Kube Compliance: ${what} was cancelled. Earlier results are kept.`);
      return;
    }
    const actions = r.outcome === 'license' ? ['Change Licence Answer', 'Show Log'] : ['Show Log'];
    void vscode.window.showErrorMessage(`Kube Compliance: ${what} failed. ${r.message}`, ...actions).then(async (c) => {
      if (c === 'Show Log') this.log.show();
      if (c === 'Change Licence Answer') {
        await this.auditors.forgetLicense();
        await this.auditors.ensureLicense().catch(() => undefined);
      }
    });
  }

  private markRunning(input: RunInput, on: boolean): void {
    this.trackRunning({ id: input.id, target: input.target, profile: input.choice.profile }, on);
  }

  /** A run starts or ends: the explorer's progress on its node, the Scan runs view's active entry, the status bar. */
  trackRunning(run: { readonly id: string; readonly target: ContainerRef; readonly profile: string }, on: boolean): void {
    const input = { id: run.id, target: run.target, choice: { profile: run.profile } };
    const key = refKey(input.target);
    const n = (this.runningCount.get(key) ?? 0) + (on ? 1 : -1);
    if (n > 0) this.runningCount.set(key, n);
    else this.runningCount.delete(key);
    this.runs.setActive({ id: input.id, label: refLabel(input.target), profile: input.choice.profile, startedAt: Date.now() }, on);
    this.runningChanged.fire(input.target);
    const total = [...this.runningCount.values()].reduce((a, b) => a + b, 0);
    if (total === 0) this.statusBar.hide();
    else {
      this.statusBar.text = total === 1 && on ? `$(loading~spin) Scanning ${refLabel(input.target)}` : `$(loading~spin) ${total} scan${total === 1 ? '' : 's'} running`;
      this.statusBar.tooltip = 'Kube Compliance: scans in progress. Terminate the task (or close its terminal) to cancel.';
      this.statusBar.show();
    }
  }

  private async acquireSlot(token: vscode.CancellationToken): Promise<void> {
    const limit = Math.max(1, this.config.get('scan.concurrency'));
    while (this.slots >= limit) {
      await new Promise<void>((res) => {
        this.waiting.push(res);
        token.onCancellationRequested(() => res());
      });
      if (token.isCancellationRequested) throw new ScanCancelledError('The scan was cancelled while it waited for another scan to finish.');
    }
    this.slots++;
  }

  private releaseSlot(): void {
    this.slots = Math.max(0, this.slots - 1);
    this.waiting.shift()?.();
  }

  /** `kubeCompliance.resultsFolder`, else the workspace storage, else global storage; created when missing. */
  resultsDir(): string {
    const setting = this.config.text('resultsFolder');
    const dir = setting ? this.expandPath(setting) : join((this.context.storageUri ?? this.context.globalStorageUri).fsPath, 'results');
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  private expandPath(p: string): string {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    let out = p.replace(/\$\{workspaceFolder\}/g, folder ?? '').replace(/\$\{userHome\}/g, homedir());
    if (out.startsWith('~/')) out = join(homedir(), out.slice(2));
    if (isUrlProfile(out) || isAbsolute(out)) return out;
    return resolve(folder ?? process.cwd(), out);
  }

  private cwdFor(profile: string): string {
    if (!isUrlProfile(profile)) {
      const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(profile));
      if (folder) return folder.uri.fsPath;
    }
    return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? (isUrlProfile(profile) ? this.resultsDir() : dirname(profile));
  }

}

function newRunId(): string {
  return `run-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '').replace('T', '-').slice(0, 17);
}

