/**
 * A single-container scan with `kubeCompliance.scan.runner: in-cluster` (issue 16 §1): one Job (src/core/incluster),
 * followed in a cancellable progress notification that names the Job's phase; Cancel stops the Job and deletes every
 * labelled object. The verified report is written to the results folder and the run ends like a local one, through
 * ScanService.recordFinished (Scan runs entry, badges, history, the results panel, the notification). Where the scan
 * runs, and the refusals, are decided in src/core/incluster/single.ts.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as vscode from 'vscode';
import type { ContainerRef } from '../../core/cluster/types';
import type { ClusterPool } from '../../core/cluster/pool';
import { Disposable } from '../../core/disposable';
import { newRunId, profileDelivery, unitSpec } from '../../core/incluster/fleet';
import { RUN_LABEL, unitName } from '../../core/incluster/manifests';
import { runInClusterUnit } from '../../core/incluster/runner';
import { decideSingleScan, interpretUnit, phaseText, type SingleScanDecision } from '../../core/incluster/single';
import { MITRE_TRANSPORT } from '../../core/scan/auditor';
import type { Platform } from '../../services';
import type { ScanService } from './scanService';
import { refLabel, ScanCancelledError, type RunRecord, type ScanRequest } from './types';

export class InClusterScans extends Disposable {
  private readonly running = new Map<string, AbortController>();

  constructor(
    private readonly p: Platform,
    private readonly scan: ScanService,
    private readonly pool: ClusterPool,
  ) {
    super();
    this.register({ dispose: () => this.cancelAll() });
  }

  /** Where this request runs (the settings and the target; core decides). */
  decide(request: Pick<ScanRequest, 'target' | 'approach' | 'controls' | 'resultFile' | 'terminalKey'>): SingleScanDecision {
    const t = request.target;
    const classified = 'compatibility' in t ? t : undefined;
    return decideSingleScan({
      runner: this.p.config.get('scan.runner'),
      auditorImage: this.p.config.text('inCluster.auditorImage'),
      target: t,
      approach: request.approach?.kind ?? classified?.approach,
      unscannable: classified && !classified.approach && !request.approach ? (classified.missing ?? classified.reason) : undefined,
      controls: request.controls,
      fleet: request.resultFile !== undefined || request.terminalKey !== undefined,
    });
  }

  /** Runs the scan as one Job and records it like a local run; resolves to its run record (failed runs too). */
  async run(request: ScanRequest, auditorImage: string): Promise<RunRecord> {
    const { config, log } = this.p;
    const target: ContainerRef = { context: request.target.context, namespace: request.target.namespace, pod: request.target.pod, container: request.target.container };
    const choice = request.profile ?? (await this.scan.profiles.resolve());
    if (!choice) throw new ScanCancelledError('No profile was chosen, so nothing was scanned.');
    const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd();
    const runId = newRunId();
    const id = `run-${Date.now().toString(36)}-${runId}`;
    const client = this.pool.client(target.context || undefined);
    const spec = unitSpec(
      {
        runId,
        profile: profileDelivery(choice.profile, cwd),
        auditorImage,
        scannerNamespace: config.text('inCluster.scannerNamespace'),
        activeDeadlineSeconds: config.get('inCluster.deadlineSeconds'),
        ttlSecondsAfterFinished: config.get('inCluster.ttlSecondsAfterFinished'),
        inputFile: choice.inputFile ? resolve(cwd, choice.inputFile) : undefined,
        waiverFile: choice.waiverFile ? resolve(cwd, choice.waiverFile) : undefined,
      },
      target,
      0,
    );
    const job = `${spec.scannerNamespace || target.namespace}/${unitName(runId, 0)}`;
    const resultFile = join(this.scan.resultsDir(), `${stamp()}-${target.namespace}-${target.pod}-${target.container}-${runId.slice(-6)}.json`);
    const ac = new AbortController();
    this.running.set(id, ac);
    const sub = request.token?.onCancellationRequested(() => ac.abort());
    const started = Date.now();
    log.info(`scan ${id}: in-cluster Job ${job} (image ${auditorImage}); its objects carry the label ${RUN_LABEL}=${runId}`);
    this.scan.trackRunning({ id, target, profile: choice.profile }, true);
    let record: RunRecord;
    try {
      const r = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Kube Compliance: scanning ${refLabel(target)} in the cluster`, cancellable: true },
        (progress, token) => {
          token.onCancellationRequested(() => ac.abort());
          return runInClusterUnit(client, spec, {
            signal: ac.signal,
            onPhase: (phase) => {
              const text = phaseText(phase, job);
              progress.report({ message: text });
              log.info(`scan ${id}: ${text}`);
            },
          });
        },
      );
      if (r.outcome === 'done' && r.report) writeFileSync(resultFile, r.report);
      const i = interpretUnit(r, { resultFile, target, transportTarget: target, transport: { name: MITRE_TRANSPORT } });
      record = {
        id,
        target,
        transportTarget: target,
        approach: 'kubernetes-api',
        approachDescription: `in-cluster Job ${job} (image ${auditorImage})`,
        profile: choice.profile,
        inputFile: choice.inputFile,
        waiverFile: choice.waiverFile,
        startedAt: new Date(started).toISOString(),
        durationMs: Date.now() - started,
        exitCode: r.exitCode ?? null,
        outcome: i.outcome,
        message: i.message,
        resultFile,
        cwd,
        auditor: { path: `in-cluster: ${auditorImage}` },
        transport: { name: MITRE_TRANSPORT },
        targetUri: `k8s-container://${target.namespace}/${target.pod}/${target.container}`,
        ...(i.platform !== undefined ? { platform: i.platform } : {}),
        ...(i.counts ? { counts: i.counts } : {}),
        ...(i.reportPath ? { reportPath: i.reportPath } : {}),
      };
      log.info(`scan ${id}: ${record.outcome}: ${record.message}`);
    } finally {
      sub?.dispose();
      this.running.delete(id);
      this.scan.trackRunning({ id, target, profile: choice.profile }, false);
    }
    await this.scan.recordFinished(record, { showResults: request.showResults !== false, notify: request.notify !== false });
    return record;
  }

  /** Stops one in-cluster scan (its Job and every labelled object are deleted). */
  cancel(id: string): boolean {
    const ac = this.running.get(id);
    ac?.abort();
    return !!ac;
  }

  cancelAll(): void {
    for (const ac of this.running.values()) ac.abort();
  }
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '').replace('T', '-').slice(0, 17);
}
