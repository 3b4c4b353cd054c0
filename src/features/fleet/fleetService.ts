/**
 * Fleet scans: a namespace, a workload or a selection in one run. The decisions live in src/core/fleet (expansion,
 * deduplication by running digest + profile + inputs, the scheduler, the index); this service asks the questions
 * (profile, "one scan per image" or "every container", the one consent for pods it would change), runs each scan
 * unit through the scan service (bounded by kubeCompliance.scan.concurrency, one progress notification with counts
 * and Cancel), and opens the fleet report when the run ends. Nothing already written is lost: the index is rewritten
 * as each container ends, and a cancelled or failed run keeps what finished.
 */
import { dirname, join, resolve } from 'node:path';
import * as vscode from 'vscode';
import { Disposable } from '../../core/disposable';
import { exportCompliance, fleetEntries, type ComplianceExportArgs, type ComplianceExportResult } from '../results/complianceExport';
import { podsToChange, planFleet, type DedupeMode, type FleetPlan } from '../../core/fleet/dedupe';
import { hashInputs, hashProfile } from '../../core/fleet/hash';
import { loadFleetReports, resolveReportPath } from '../../core/fleet/indexFile';
import type { FleetIndex } from '../../core/fleet/indexFormat';
import { summarize } from '../../core/results';
import { runFleet, type FleetRunResult } from '../../core/fleet/run';
import type { FleetCounts, RunOneResult } from '../../core/fleet/scheduler';
import { clusterSource, describeSelection, expandSelection, skipApproaches, type FleetSelection, type FleetTarget } from '../../core/fleet/targets';
import { APPROACH_LABEL } from '../../core/cluster/types';
import type { Platform } from '../../services';
import type { ExplorerService } from '../explorer/explorerService';
import { ScanSetupError } from '../scan/auditorService';
import { ScanCancelledError, type ScanService } from '../scan/scanService';
import type { ProfileChoice } from '../scan/types';
import type { ShelllessService } from '../shellless/shelllessService';
import { FleetPanel } from './fleetPanel';
import { inClusterScanOne, IN_CLUSTER_UNSUPPORTED, newRunId, profileDelivery } from '../../core/incluster/fleet';
import { NO_AUDITOR_IMAGE } from '../../core/incluster/single';

export interface FleetScanOptions {
  /** The profile; default: the workspace default, else the picker. */
  readonly profile?: ProfileChoice;
  /** Default: asked before the run. */
  readonly dedupe?: DedupeMode;
  /** Open the fleet report when the run ends (default true). */
  readonly showReport?: boolean;
}

export interface FleetRun extends FleetRunResult {
  readonly plan: FleetPlan;
}

export class FleetService extends Disposable {
  readonly panel: FleetPanel;
  private running: AbortController | undefined;
  /** The last finished fleet run in this window (tests, Show Last Fleet Report). */
  last: FleetRun | undefined;

  constructor(
    private readonly p: Platform,
    private readonly explorer: ExplorerService,
    private readonly scan: ScanService,
    private readonly shellless: ShelllessService,
  ) {
    super();
    this.panel = this.register(new FleetPanel(p));
    this.panel.setExporter((indexPath) => this.exportCompliance(indexPath, {}));
  }

  /** CKL / CKLB / XCCDF / CSV / HTML of every finished container of a fleet run (src/features/results/complianceExport.ts). */
  async exportCompliance(indexPath: string, args: ComplianceExportArgs): Promise<ComplianceExportResult | undefined> {
    const notes: string[] = [];
    const entries = await fleetEntries(indexPath, (n) => notes.push(n));
    return exportCompliance(this.p, entries, dirname(indexPath), args, notes);
  }

  /** Scans every container of the selection; undefined when the user cancelled before anything ran. */
  async run(selection: FleetSelection, context: string | undefined, o: FleetScanOptions = {}): Promise<FleetRun | undefined> {
    const { log, confirmations, config } = this.p;
    if (!vscode.workspace.isTrusted) throw new Error('Scans are disabled in this restricted workspace: InSpec profiles are Ruby code that the auditor runs on your machine. Trust the workspace to scan.');
    if (this.running) throw new Error('A fleet scan is already running; cancel it from its notification or wait for it to end.');
    const services = this.explorer.pool.get(context || undefined);
    const what = describe(selection);
    const expansion = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Kube Compliance: reading ${what}…` }, () =>
      expandSelection(clusterSource(services.model, services.classifier), selection),
    );
    for (const n of expansion.notes) log.info(`fleet: ${n}`);
    let targets = expansion.targets;
    if (!targets.length) {
      void vscode.window.showInformationMessage(`Kube Compliance: ${what} has no containers to scan.${expansion.notes.length ? ` ${expansion.notes.join(' ')}` : ''}`);
      return undefined;
    }
    const choice = o.profile ?? (await this.scan.profiles.resolve({ title: `Scan ${what} with which InSpec profile?` }));
    if (!choice) return undefined;
    const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd();
    const [profile, inputsHash] = await Promise.all([hashProfile(choice.profile, cwd), hashInputs(choice.inputFile, cwd)]);

    const scannable = targets.filter((t) => t.approach);
    const digests = new Set(scannable.map((t) => t.imageDigest ?? `${t.namespace}/${t.pod}/${t.container}`)).size;
    let mode = o.dedupe;
    if (!mode) {
      const pick = await confirmations.pick(
        { id: 'fleet.dedupe', title: `Scan ${what}: ${scannable.length} scannable container(s), ${digests} distinct running image(s)` },
        [
          { label: '$(layers) One scan per image', description: `${digests} auditor run(s)`, detail: 'For image-intrinsic profiles (packages, files of the image): containers running the same digest share one result, which says which container was scanned.', answer: 'image' as const },
          { label: '$(list-flat) Every container', description: `${scannable.length} auditor run(s)`, detail: 'For runtime state (processes, mounted secrets, environment): every container is scanned itself.', answer: 'none' as const },
        ],
      );
      if (!pick) return undefined;
      mode = pick.answer;
    }
    let plan = planFleet(targets, { mode, profileHash: profile.hash, inputsHash });
    const changes = podsToChange(plan);
    let approval: { dispose(): void } | undefined;
    const inCluster = config.get('scan.runner') === 'in-cluster';
    const auditorImage = config.text('inCluster.auditorImage');
    if (inCluster && !auditorImage) {
      throw new Error(NO_AUDITOR_IMAGE);
    }
    if (inCluster) {
      if (changes.length) {
        targets = skipApproaches(targets, ['debug-container', 'sidecar'], IN_CLUSTER_UNSUPPORTED);
        plan = planFleet(targets, { mode, profileHash: profile.hash, inputsHash });
      }
    } else if (changes.length) {
      const list = changes.map((c) => `• ${c.namespace}/${c.pod}: ${APPROACH_LABEL[c.approach]} for ${c.containers.join(', ')}`).join('\n');
      const answer = await confirmations.modal({
        id: 'fleet.changePods',
        title: `Change ${changes.length} pod(s) to scan their shell-less containers?`,
        detail: `${list}\n\nA debug container (or the sidecar's wrapper) is added to each; it stays in the pod until the pod is replaced. Or skip the shell-less containers: they are listed in the report with that reason.`,
        actions: ['Change Pods and Scan', 'Skip Shell-less'],
      });
      if (!answer) return undefined;
      if (answer === 'Skip Shell-less') {
        targets = skipApproaches(targets, ['debug-container', 'sidecar'], 'Skipped: you chose to skip shell-less containers');
        plan = planFleet(targets, { mode, profileHash: profile.hash, inputsHash });
      } else approval = this.shellless.approveForRun(changes);
    }

    const outDir = join(this.scan.resultsDir(), `fleet-${new Date().toISOString().replace(/[:.]/g, '').replace('T', '-').slice(0, 17)}-${services.client.contextName}`);
    const concurrency = Math.max(1, config.get('scan.concurrency'));
    const ac = new AbortController();
    this.running = ac;
    const keys = new TerminalKeys(concurrency);
    // in-cluster: one Job per scan unit (core/incluster), at most `concurrency` at once; the profile is archived once
    const runId = newRunId();
    const inClusterOne = inCluster
      ? inClusterScanOne({
          api: services.client,
          runId,
          profile: profileDelivery(choice.profile, cwd),
          auditorImage: auditorImage ?? '',
          scannerNamespace: config.text('inCluster.scannerNamespace'),
          activeDeadlineSeconds: config.get('inCluster.deadlineSeconds'),
          ttlSecondsAfterFinished: config.get('inCluster.ttlSecondsAfterFinished'),
          inputFile: choice.inputFile ? resolve(cwd, choice.inputFile) : undefined,
          waiverFile: choice.waiverFile ? resolve(cwd, choice.waiverFile) : undefined,
        })
      : undefined;
    if (inClusterOne) log.info(`fleet: in-cluster run ${runId} (image ${auditorImage}); its objects carry the label kube-compliance.io/run=${runId}`);
    log.info(`fleet: ${what}: ${plan.containers} container(s), ${plan.scans} scan(s) (${mode === 'image' ? 'one per image' : 'every container'}), ${plan.unscannable.length} not scannable; concurrency ${concurrency}; ${outDir}`);
    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Kube Compliance: scanning ${what}`, cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => ac.abort());
          let reported = 0;
          const onProgress = (c: FleetCounts) => {
            const ended = c.done + c.failed + c.skipped + c.cancelled;
            progress.report({ message: countsText(c), increment: c.total ? ((ended - reported) / c.total) * 100 : undefined });
            reported = ended;
          };
          return runFleet(plan, {
            outDir,
            profile,
            concurrency,
            signal: ac.signal,
            onProgress,
            scanOne: inClusterOne ?? ((t, reportPath, signal) => this.scanOne(t, reportPath, signal, choice, keys)),
          });
        },
      );
      for (const e of result.recordErrors) log.warn(`fleet: could not record: ${e}`);
      await this.recordBadges(result).catch((e) => log.warn(`fleet: badges: ${e instanceof Error ? e.message : String(e)}`));
      const run: FleetRun = { ...result, plan };
      this.last = run;
      log.info(`fleet: ${what} ended: ${countsText(result.counts)}; index ${result.indexPath}`);
      void vscode.window.showInformationMessage(`Kube Compliance: fleet scan of ${what}: ${countsText(result.counts)}.`);
      if (o.showReport !== false) await this.showReport(result.indexPath, result.index);
      return run;
    } finally {
      approval?.dispose();
      this.running = undefined;
    }
  }

  /** Every done container's last result, for the explorer's badges (followers get the result they were given). */
  private async recordBadges(result: FleetRunResult): Promise<void> {
    const reports = await loadFleetReports(result.indexPath, result.index);
    const entries = [];
    for (const item of result.index.items) {
      const path = item.outcome === 'done' ? resolveReportPath(result.indexPath, item) : undefined;
      const loaded = path ? reports.get(path) : undefined;
      if (!path || !loaded?.ok) continue;
      entries.push({ ref: item, badge: { at: item.endedAt ?? new Date().toISOString(), byStatus: summarize(loaded.report).byStatus, scannedAs: item.scannedAs, reportPath: path } });
    }
    await this.scan.badges.record(entries);
  }

  /** Stops the fleet run in progress (running auditors are stopped; what finished stays). */
  cancel(): void {
    this.running?.abort();
  }

  async showReport(indexPath: string, index?: FleetIndex): Promise<void> {
    await this.panel.show(indexPath, index);
  }

  private async scanOne(t: FleetTarget, reportPath: string, signal: AbortSignal, choice: ProfileChoice, keys: TerminalKeys): Promise<RunOneResult> {
    const cts = new vscode.CancellationTokenSource();
    const onAbort = () => cts.cancel();
    signal.addEventListener('abort', onAbort);
    const key = keys.take();
    try {
      const target = t.classification ?? t;
      const approach = t.classification && t.approach !== 'kubernetes-api' ? await this.scan.planFor(t.classification, cts.token) : undefined;
      const record = await this.scan.run({ target, approach, profile: choice, showResults: false, notify: false, resultFile: reportPath, token: cts.token, terminalKey: key });
      if (record.reportPath) return { outcome: 'done', reportPath: record.reportPath, message: record.message };
      return { outcome: 'failed', message: record.message };
    } catch (err) {
      if (err instanceof ScanCancelledError || err instanceof ScanSetupError) return { outcome: 'failed', message: err.message };
      return { outcome: 'failed', message: err instanceof Error ? err.message : String(err) };
    } finally {
      keys.give(key);
      signal.removeEventListener('abort', onAbort);
      cts.dispose();
    }
  }
}

/** One terminal per concurrent scan ("Kube Compliance: fleet 1" …), reused by the next scan in that slot. */
class TerminalKeys {
  private readonly free: string[];
  constructor(n: number) {
    this.free = Array.from({ length: n }, (_, i) => `fleet ${i + 1}`);
  }
  take(): string {
    return this.free.shift() ?? `fleet ${Date.now()}`;
  }
  give(k: string): void {
    this.free.push(k);
  }
}

function countsText(c: FleetCounts): string {
  return [`${c.done} done`, `${c.failed} failed`, c.skipped ? `${c.skipped} not scannable` : '', c.cancelled ? `${c.cancelled} cancelled` : '', c.running ? `${c.running} running` : '', c.queued ? `${c.queued} queued` : '']
    .filter(Boolean)
    .join(', ') + ` of ${c.total}`;
}

/** The selection in words (the core's wording; an explicit selection as a count, as the tree's selection is one). */
function describe(s: FleetSelection): string {
  return s.kind === 'containers' ? `${s.containers.length} selected item(s)` : describeSelection(s);
}
