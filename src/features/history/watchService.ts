/**
 * Watch mode (opt-in per namespace, remembered per workspace): a pod watch on the namespace, through the context's
 * cluster client (its QPS limiter, credentials and reconnects), feeds the rescan planner (src/core/history/watch.ts).
 * A target whose running image digest or pod template changed is rescanned — once, after `watch.debounceSeconds` of
 * quiet — with the profile, inputs and waivers of its last scan, one rescan at a time from here and within
 * `scan.concurrency` like every scan. Only targets already in the history are rescanned (watch mode does not pick
 * profiles). The user is notified only when the drift from the previous run is a regression (new failures or
 * regressed controls); everything else goes to the log.
 */
import * as vscode from 'vscode';
import { Disposable } from '../../core/disposable';
import type { RawPod } from '../../core/cluster/client';
import type { ClusterPool } from '../../core/cluster/pool';
import type { WatchHandle } from '../../core/cluster/watch';
import { isRegression, type Drift } from '../../core/history/drift';
import { RescanPlanner, type RescanRequest } from '../../core/history/watch';
import type { Platform } from '../../services';
import { STATE } from '../../platform/state';
import type { ScanService } from '../scan/scanService';
import type { ProfileChoice, RunRecord } from '../scan/types';
import type { HistoryService } from './historyService';

export interface RescanOutcome {
  readonly request: RescanRequest;
  readonly record?: RunRecord;
  readonly drift?: Drift;
  /** The user was told (a regression). */
  readonly notified: boolean;
  /** Why nothing was rescanned, or why the rescan failed. */
  readonly note?: string;
}

const nsKey = (context: string, namespace: string): string => `${context}/${namespace}`;

export class WatchService extends Disposable {
  private readonly watches = new Map<string, { planner: RescanPlanner; handle?: WatchHandle }>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly rescanned = this.register(new vscode.EventEmitter<RescanOutcome>());
  /** Fires after each rescan watch mode started (or decided not to start). */
  readonly onDidRescan = this.rescanned.event;

  constructor(
    private readonly p: Platform,
    private readonly scan: ScanService,
    private readonly history: HistoryService,
    private readonly pool: ClusterPool,
  ) {
    super();
    for (const k of p.state.get(STATE.watchedNamespaces, [])) {
      const i = k.indexOf('/');
      void this.start(k.slice(0, i), k.slice(i + 1)).catch((e) => p.log.warn(`watch ${k}: ${e instanceof Error ? e.message : String(e)}`));
    }
  }

  isWatching(context: string, namespace: string): boolean {
    return this.watches.has(nsKey(context, namespace));
  }

  /** Turns watch mode on (asking first) or off for a namespace; returns whether it is on now. */
  async toggle(context: string, namespace: string): Promise<boolean> {
    const key = nsKey(context, namespace);
    if (this.watches.has(key)) {
      this.stop(key);
      await this.persist();
      void vscode.window.showInformationMessage(`Kube Compliance: no longer watching ${namespace}.`);
      return false;
    }
    const ok = await this.p.confirmations.confirm({
      id: 'watch.enable',
      title: `Watch ${namespace} and rescan on changes?`,
      detail: `When a running container's image digest or its workload's pod template changes, the container is scanned again with the profile of its last scan (after ${this.p.config.get('watch.debounceSeconds')} s without further changes). Only containers scanned before are rescanned. You are notified only when compliance regresses.`,
      action: 'Watch',
    });
    if (!ok) return false;
    await this.start(context, namespace);
    await this.persist();
    return true;
  }

  private async persist(): Promise<void> {
    await this.p.state.update(STATE.watchedNamespaces, [...this.watches.keys()]);
  }

  private stop(key: string): void {
    const w = this.watches.get(key);
    w?.handle?.dispose();
    w?.planner.dispose();
    this.watches.delete(key);
  }

  private async start(context: string, namespace: string): Promise<void> {
    const key = nsKey(context, namespace);
    this.stop(key);
    await this.history.refresh();
    const planner = new RescanPlanner(context, (r) => this.enqueue(r), Math.max(0, this.p.config.get('watch.debounceSeconds')) * 1000);
    planner.seed(this.history.entries);
    const entry: { planner: RescanPlanner; handle?: WatchHandle } = { planner };
    this.watches.set(key, entry);
    const client = this.pool.get(context || undefined).client;
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`;
    const relist = async (): Promise<string | undefined> => {
      const list = await client.list<RawPod>(path);
      for (const pod of list.items) planner.observe('ADDED', pod);
      return list.resourceVersion;
    };
    const rv = await relist();
    if (this.watches.get(key) !== entry) return; // stopped meanwhile
    entry.handle = client.watch(path, (type, obj) => planner.observe(type, obj as RawPod), {
      resourceVersion: rv,
      onResync: () => void relist().catch((e) => this.p.log.warn(`watch ${key}: relist failed: ${e instanceof Error ? e.message : String(e)}`)),
      onReconnect: (err, ms) => this.p.log.info(`watch ${key}: reconnecting in ${ms} ms (${err instanceof Error ? err.message : String(err)})`),
      onStop: (err) => {
        this.p.log.warn(`watch ${key} stopped: ${err.message}`);
        void vscode.window.showWarningMessage(`Kube Compliance: watching ${namespace} stopped: ${err.message}. Turn watch mode on again once the access is fixed.`);
        this.stop(key);
        void this.persist();
      },
    });
    this.p.log.info(`watch ${key}: watching pods for image digest and pod template changes`);
  }

  private enqueue(r: RescanRequest): void {
    this.p.log.info(`watch: ${r.key} changed (${r.why}); rescanning ${r.target.namespace}/${r.target.pod}/${r.target.container}`);
    this.queue = this.queue.then(() => this.rescan(r)).catch((e) => this.p.log.warn(`watch: rescan of ${r.key} failed: ${e instanceof Error ? e.message : String(e)}`));
  }

  /** Resolves when every rescan queued so far has ended (host tests). */
  idle(): Promise<unknown> {
    return this.queue;
  }

  private async rescan(r: RescanRequest): Promise<void> {
    const group = this.history.groups().find((g) => g.key === r.key);
    const previous = group?.entries[0];
    if (!previous) {
      this.rescanned.fire({ request: r, notified: false, note: 'not scanned before: watch mode rescans only targets in the history' });
      return;
    }
    const run = this.scan.runs.find(previous.id);
    const profile: ProfileChoice = run ? { profile: run.profile, ...(run.inputFile ? { inputFile: run.inputFile } : {}), ...(run.waiverFile ? { waiverFile: run.waiverFile } : {}) } : { profile: previous.profile.location };
    const t = r.target;
    const record = await this.scan.run({ target: { context: t.context, namespace: t.namespace, pod: t.pod, container: t.container }, profile, showResults: false, notify: false });
    await this.history.settled();
    if (!record?.reportPath) {
      const note = record ? record.message : 'the rescan did not start';
      this.p.log.warn(`watch: rescan of ${r.key}: ${note}`);
      this.rescanned.fire({ request: r, ...(record ? { record } : {}), notified: false, note });
      return;
    }
    let drift: Drift | undefined;
    try {
      drift = await this.history.drift(previous.id, record.id);
    } catch (e) {
      const note = e instanceof Error ? e.message : String(e);
      this.rescanned.fire({ request: r, record, notified: false, note });
      return;
    }
    const regression = isRegression(drift);
    const label = group!.label;
    const summary = `compliance ${drift.compliance.from}% → ${drift.compliance.to}%, ${drift.newFailures.length} new failure(s), ${drift.regressed.length} regressed, ${drift.fixed.length} fixed`;
    this.p.log.info(`watch: ${label} rescanned after ${r.why}: ${summary}`);
    if (regression) {
      void vscode.window.showWarningMessage(`Kube Compliance: ${label} regressed after a change (${r.why}): ${summary}.`, 'Show Drift').then((c) => c && this.history.show(record.id));
    }
    this.rescanned.fire({ request: r, record, drift, notified: regression });
  }

  override dispose(): void {
    for (const k of [...this.watches.keys()]) this.stop(k);
    super.dispose();
  }
}
