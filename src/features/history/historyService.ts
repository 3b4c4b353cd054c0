/**
 * Scan history: every finished scan with a report is recorded in the history index of the results folder
 * (src/core/history/store.ts: lock, merge, atomic write, retention), with the workload, image digest and pod
 * template hash the explorer's cached pod says ran. The Scan runs view groups its runs by the history's targets; the
 * history page shows a target's compliance over time, its runs and the drift between any two of them.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { Disposable } from '../../core/disposable';
import type { ClusterPool } from '../../core/cluster/pool';
import { runningDigest } from '../../core/fleet/targets';
import { driftBetween, type Drift, type RunContext } from '../../core/history/drift';
import { entryFor, groupHistory, groupKey, groupLabel, podTemplateHashOf, type HistoryEntry, type HistoryGroup } from '../../core/history/indexFormat';
import { HistoryStore } from '../../core/history/store';
import { timeline } from '../../core/history/timeline';
import { workloadOfPod } from '../../core/history/watch';
import { DEFAULT_MAX_REPORT_BYTES, isReportError, parseReport, type Report } from '../../core/results';
import type { Platform } from '../../services';
import type { ResultsService } from '../results/resultsService';
import type { ScanService } from '../scan/scanService';
import type { RunRecord } from '../scan/types';
import { renderHistoryPage, type HistoryPageModel } from './historyPage';

export const HISTORY_VIEW_TYPE = 'kubeCompliance.history';

/** What the page may send. Anything else is ignored. */
type PageMessage = { readonly type: 'compare'; readonly from: string; readonly to: string } | { readonly type: 'open'; readonly run: string };
const isPageMessage = (m: unknown): m is PageMessage => {
  const x = m as Record<string, unknown> | null;
  return !!x && typeof x === 'object' && ((x.type === 'compare' && typeof x.from === 'string' && typeof x.to === 'string') || (x.type === 'open' && typeof x.run === 'string'));
};

export interface HistoryView {
  readonly key: string;
  readonly model: HistoryPageModel;
  readonly html: string;
}

export class HistoryService extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  /** The history index changed (a run was recorded). */
  readonly onDidChange = this.changed.event;
  private storeCache: HistoryStore | undefined;
  private panel: vscode.WebviewPanel | undefined;
  /** What the history page shows now (host tests read it). */
  current: HistoryView | undefined;
  private cached: readonly HistoryEntry[] = [];
  /** Recordings in flight (host tests wait for them). */
  private pending: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly p: Platform,
    private readonly scan: ScanService,
    private readonly pool: ClusterPool,
    private readonly results: ResultsService,
  ) {
    super();
    this.register(scan.onDidFinishRun((r) => void this.track(this.recordRun(r))));
    void this.track(this.restore());
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.pending = Promise.all([this.pending, work.catch(() => undefined)]);
    return work;
  }

  /** Resolves when every recording started so far has been written. */
  settled(): Promise<unknown> {
    return this.pending;
  }

  get store(): HistoryStore {
    const dir = this.scan.resultsDir();
    if (this.storeCache?.folder !== dir) this.storeCache = new HistoryStore(dir);
    return this.storeCache;
  }

  /** The runs as last read (newest first per group); `refresh` re-reads. */
  get entries(): readonly HistoryEntry[] {
    return this.cached;
  }

  async refresh(): Promise<{ entries: readonly HistoryEntry[]; problems: readonly string[] }> {
    const r = await this.store.read();
    for (const p of r.problems) this.p.log.warn(`history: ${p}`);
    this.cached = r.entries;
    this.changed.fire();
    return r;
  }

  groups(): HistoryGroup[] {
    return groupHistory(this.cached);
  }

  /** The group a run of the Scan runs view belongs to, when the history has it. */
  groupOf(runId: string): { key: string; label: string } | undefined {
    const e = this.cached.find((x) => x.id === runId);
    return e ? { key: groupKey(e), label: groupLabel(e) } : undefined;
  }

  /** Records a finished scan (a report of the whole profile; runs narrowed to some controls say nothing of the target). */
  async recordRun(r: RunRecord): Promise<HistoryEntry | undefined> {
    if (!r.reportPath || r.controls?.length) return undefined;
    const report = await this.loadReport(r.reportPath).catch((e: Error) => {
      this.p.log.warn(`history: the run ${r.id} is not recorded: ${e.message}`);
      return undefined;
    });
    if (!report) return undefined;
    const store = this.store;
    const where = await this.whatRan(r);
    const entry = entryFor(
      {
        id: r.id,
        at: r.startedAt,
        target: { context: r.target.context, namespace: r.target.namespace, pod: r.target.pod, container: r.target.container },
        ...where,
        reportPath: store.relativeReportPath(r.reportPath),
        source: r.resultFile.includes('/fleet-') ? 'fleet' : 'scan',
        profileLocation: r.profile,
      },
      report,
    );
    try {
      const res = await store.record([entry], this.p.config.get('history.retention'));
      for (const n of res.notes) {
        this.p.log.warn(`history: ${n}`);
        void vscode.window.showWarningMessage(`Kube Compliance: ${n}`);
      }
      if (res.deletedReports.length) this.p.log.info(`history: retention removed ${res.pruned.length} old run(s) and ${res.deletedReports.length} report file(s)`);
    } catch (e) {
      const m = e instanceof Error ? e.message : String(e);
      this.p.log.error(`history: ${m}`);
      void vscode.window.showWarningMessage(`Kube Compliance: the scan's report is kept, but it could not be added to the scan history: ${m}`);
      return undefined;
    }
    await this.refresh();
    return entry;
  }

  /** Workload, image digest and pod template hash from the explorer's cached pod (nothing when it cannot be read). */
  private async whatRan(r: RunRecord): Promise<Pick<HistoryEntry, 'workload' | 'imageDigest' | 'podTemplateHash'>> {
    const fromTarget = (r.target as { imageID?: string }).imageID;
    try {
      const services = this.pool.get(r.target.context || undefined);
      const ns = await services.model.namespace(r.target.namespace);
      const cached = ns.pods.find((p) => p.name === r.target.pod);
      // a pod newer than the explorer's cache (a rollout the watch saw) is read itself
      const raw = cached?.pod ?? (await services.client.getPodJson(r.target.namespace, r.target.pod));
      const workload = cached ? cached.workload : workloadOfPod(raw);
      const statuses = [...(raw.status?.containerStatuses ?? []), ...(raw.status?.initContainerStatuses ?? [])] as Array<{ name?: string; imageID?: string }>;
      const digest = runningDigest(statuses.find((s) => s.name === r.target.container)?.imageID || fromTarget);
      const hash = podTemplateHashOf(raw.metadata?.labels);
      return { workload: { kind: workload.kind, name: workload.name }, ...(digest ? { imageDigest: digest } : {}), ...(hash ? { podTemplateHash: hash } : {}) };
    } catch (e) {
      this.p.log.info(`history: the pod of ${r.target.namespace}/${r.target.pod} could not be read (${e instanceof Error ? e.message : String(e)}); the run is recorded without its workload`);
      return fromTarget ? { imageDigest: runningDigest(fromTarget) } : {};
    }
  }

  /**
   * When the history index is missing or unusable (removed or broken by hand), the runs the Scan runs view still
   * lists, whose report files exist, are recorded again: nothing the workspace knows is lost.
   */
  private async restore(): Promise<void> {
    const r = await this.refresh();
    const fileThere = existsSync(this.store.path);
    if (fileThere && !r.problems.length) return;
    const known = new Set(r.entries.map((e) => e.id));
    const missing = this.scan.runs.runs.filter((x) => x.reportPath && !x.controls?.length && !known.has(x.id) && existsSync(x.reportPath));
    if (!missing.length) return;
    this.p.log.info(`history: ${fileThere ? 'the history index is unusable' : 'no history index'}; recording ${missing.length} run(s) from the Scan runs view again`);
    for (const run of [...missing].reverse()) await this.recordRun(run);
  }

  private async loadReport(path: string): Promise<Report> {
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`its report ${path} no longer exists (removed or moved by hand?). The history keeps the run's counts for the chart; choose another run to compare.`);
      throw e;
    }
    if (size > DEFAULT_MAX_REPORT_BYTES) throw new Error(`its report ${path} is larger than a report may be`);
    try {
      return parseReport(await readFile(path, 'utf8'));
    } catch (e) {
      if (isReportError(e)) throw new Error(`its report ${path} is not usable (edited by hand?): ${e.message}`);
      throw e;
    }
  }

  /** The drift between two runs of the history (older first, whichever order they are given in). */
  async drift(aId: string, bId: string): Promise<Drift> {
    const a = this.cached.find((e) => e.id === aId);
    const b = this.cached.find((e) => e.id === bId);
    if (!a || !b) throw new Error(`The run ${!a ? aId : bId} is not in the scan history (it was pruned by retention or the index was edited). Choose runs listed in the history.`);
    const [older, newer] = a.at <= b.at ? [a, b] : [b, a];
    const load = async (e: HistoryEntry) => {
      try {
        return await this.loadReport(this.store.reportPath(e));
      } catch (err) {
        throw new Error(`The run of ${e.at.slice(0, 19).replace('T', ' ')} cannot be compared: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    const ctx = (e: HistoryEntry): RunContext => ({ at: e.at, pod: e.target.pod, ...(e.imageDigest ? { imageDigest: e.imageDigest } : {}), ...(e.podTemplateHash ? { podTemplateHash: e.podTemplateHash } : {}), ...(e.inputsHash ? { inputsHash: e.inputsHash } : {}) });
    return driftBetween(await load(older), await load(newer), ctx(older), ctx(newer));
  }

  /** Opens the history page of a target (a group key, or any run of it): chart, runs, and the drift of two runs (default: the last two). */
  async show(keyOrRunId: string, fromId?: string, toId?: string): Promise<HistoryView> {
    const { problems } = await this.refresh();
    const byRun = this.cached.find((e) => e.id === keyOrRunId);
    const key = byRun ? groupKey(byRun) : keyOrRunId;
    const group = this.groups().find((g) => g.key === key);
    if (!group) throw new Error('This run is not in the scan history (it had no report, or ran only some controls). Scan the container again to start its history.');
    let to = toId ?? (byRun ? byRun.id : group.entries[0].id);
    let from = fromId ?? group.entries[group.entries.findIndex((e) => e.id === to) + 1]?.id;
    const missingReports = new Set(group.entries.filter((e) => !existsSync(this.store.reportPath(e))).map((e) => e.id));
    let drift: Drift | undefined;
    let driftNote: string | undefined;
    if (!from) driftNote = 'This target has one run in the history: scan it again to see what changes.';
    else {
      const [f, t] = [group.entries.find((e) => e.id === from)!, group.entries.find((e) => e.id === to)!];
      if (f && t && f.at > t.at) [from, to] = [to, from];
      try {
        drift = await this.drift(from, to);
      } catch (e) {
        driftNote = e instanceof Error ? e.message : String(e);
      }
    }
    const model: HistoryPageModel = {
      title: group.label,
      entries: group.entries,
      missingReports,
      points: timeline(this.cached, { kind: 'target', key }),
      scopes: this.scopeCharts(group.entries[0]),
      ...(from ? { fromId: from } : {}),
      toId: to,
      ...(drift ? { drift } : {}),
      ...(driftNote ? { driftNote } : {}),
      problems,
    };
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel(HISTORY_VIEW_TYPE, 'Scan History', vscode.ViewColumn.Active, { enableScripts: true, localResourceRoots: [] });
      this.panel.onDidDispose(() => {
        this.panel = undefined;
        this.current = undefined;
      });
      this.panel.webview.onDidReceiveMessage((m) => void this.receive(m).catch((e) => this.p.log.warn(`history page: ${e instanceof Error ? e.message : String(e)}`)));
    }
    const html = renderHistoryPage(model, randomBytes(16).toString('base64'));
    this.panel.webview.html = html;
    this.panel.title = `History: ${group.label}`;
    this.panel.reveal(undefined, false);
    this.current = { key, model, html };
    return this.current;
  }

  /** The workload's chart (when it has more than this container) and the namespace's, each a rollup over its targets. */
  private scopeCharts(e: HistoryEntry): HistoryPageModel['scopes'] {
    const out: Array<{ title: string; points: ReturnType<typeof timeline> }> = [];
    const t = e.target;
    if (e.workload && e.workload.kind !== 'Pod') {
      const points = timeline(this.cached, { kind: 'workload', context: t.context, namespace: t.namespace, workload: e.workload });
      if (points.some((p) => p.targets > 1)) out.push({ title: `Workload ${t.namespace}/${e.workload.kind}/${e.workload.name} (all its containers)`, points });
    }
    out.push({ title: `Namespace ${t.namespace} (the last run of each target in the history)`, points: timeline(this.cached, { kind: 'namespace', context: t.context, namespace: t.namespace }) });
    return out;
  }

  /** A message from the page: compare two runs, or open one run's report in the results panel. */
  async receive(m: unknown): Promise<HistoryView | undefined> {
    if (!isPageMessage(m) || !this.current) return undefined;
    if (m.type === 'compare') return this.show(this.current.key, m.from, m.to);
    const e = this.cached.find((x) => x.id === m.run);
    if (e) await this.scanResults(e);
    return this.current;
  }

  private async scanResults(e: HistoryEntry): Promise<void> {
    await this.results.showResults({ reportPath: this.store.reportPath(e), label: `${e.target.namespace}/${e.target.pod}/${e.target.container}` });
  }

  override dispose(): void {
    this.panel?.dispose();
    super.dispose();
  }
}
