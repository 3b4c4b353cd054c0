/**
 * One fleet run: a plan (dedupe.ts) through the scheduler, recorded in the index as each container's outcome is
 * known. The auditor run itself is the caller's `scanOne` (the VS Code scan service or the CLI's runner): it scans
 * one container and writes the report at the path it is given.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { scannedAs, type FleetPlan, type ScanUnit } from './dedupe';
import type { ProfileHash } from './hash';
import { FLEET_INDEX_FILE, FleetIndexWriter, reportRelativePath } from './indexFile';
import type { FleetIndex, FleetIndexItem } from './indexFormat';
import { runScheduled, type FleetCounts, type ItemResult, type RunOneResult } from './scheduler';
import type { FleetTarget } from './targets';

export interface FleetRunOptions {
  /** The run's folder: the index (`fleet-index.json`) and `reports/NS/POD/CONTAINER.json` go here. */
  readonly outDir: string;
  readonly profile: ProfileHash;
  readonly concurrency: number;
  readonly signal?: AbortSignal;
  readonly itemTimeoutMs?: number;
  /** Scans one container and writes its HDF report at `reportPath` (absolute; its folder exists). */
  scanOne(target: FleetTarget, reportPath: string, signal: AbortSignal): Promise<RunOneResult>;
  onProgress?(counts: FleetCounts): void;
  /** An index row changed (for a live table). */
  onItem?(item: FleetIndexItem, position: number): void;
  now?(): Date;
}

export interface FleetRunResult {
  readonly indexPath: string;
  readonly index: FleetIndex;
  readonly counts: FleetCounts;
  /** Index writes that failed (the run went on; the last successful write is on disk). */
  readonly recordErrors: readonly string[];
}

/** The index row of a target before it runs. */
export function indexItem(t: FleetTarget, outcome: FleetIndexItem['outcome'], message?: string): FleetIndexItem {
  const item: FleetIndexItem = {
    context: t.context,
    namespace: t.namespace,
    workload: { kind: t.workload.kind, name: t.workload.name },
    pod: t.pod,
    container: t.container,
    image: t.image,
    imageDigest: t.imageDigest,
    podTemplateHash: t.podTemplateHash,
    approach: t.approach,
    outcome,
    message,
  };
  return Object.fromEntries(Object.entries(item).filter(([, v]) => v !== undefined)) as unknown as FleetIndexItem;
}

/** What a follower's row says, given how its unit's scan ended. */
export function followerResult(unit: ScanUnit, r: ItemResult): ItemResult & { scannedAs?: string } {
  const as = scannedAs(unit.primary);
  switch (r.outcome) {
    case 'done':
      return { outcome: 'done', reportPath: r.reportPath, scannedAs: as, message: `Scanned as ${as} (same image digest, profile and inputs).` };
    case 'failed':
      return { outcome: 'failed', scannedAs: as, message: `Not scanned: the scan of ${as} (same image digest) failed: ${r.message ?? 'no reason given'}` };
    case 'skipped':
      return { outcome: 'skipped', scannedAs: as, message: `Not scanned: the scan of ${as} (same image digest) was skipped: ${r.message ?? 'no reason given'}` };
    case 'cancelled':
      return { outcome: 'cancelled', message: r.message };
  }
}

/** Runs a plan and keeps the index up to date; resolves when every item has ended (or was cancelled) and the index says so. */
export async function runFleet(plan: FleetPlan, o: FleetRunOptions): Promise<FleetRunResult> {
  const now = o.now ?? (() => new Date());
  // rows in a stable reading order: namespace, pod, then the order the targets came in
  const rows: Array<{ target: FleetTarget; unit?: number }> = [];
  plan.units.forEach((u, n) => rows.push({ target: u.primary, unit: n }, ...u.followers.map((target) => ({ target, unit: n }))));
  rows.push(...plan.unscannable.map((target) => ({ target })));
  const order = new Map(rows.map((r, i) => [r, i]));
  rows.sort((a, b) => a.target.namespace.localeCompare(b.target.namespace) || a.target.pod.localeCompare(b.target.pod) || order.get(a)! - order.get(b)!);
  const position = new Map(rows.map((r, i) => [r.target, i]));

  const items = rows.map((r) => (r.unit === undefined ? indexItem(r.target, 'skipped', `Not scannable: ${r.target.reason}`) : indexItem(r.target, 'queued')));
  if (plan.profileHash !== o.profile.hash) throw new Error('The plan was made for another profile hash than the one given to the run.');
  const indexPath = join(o.outDir, FLEET_INDEX_FILE);
  const writer = await FleetIndexWriter.create(indexPath, { profile: { location: o.profile.location, kind: o.profile.kind, hash: o.profile.hash }, inputsHash: plan.inputsHash, dedupe: plan.mode }, items, now);
  items.forEach((it, i) => o.onItem?.(it, i));

  const record = (changes: Array<{ index: number; patch: Partial<FleetIndexItem> }>) => {
    const done = writer.update(changes);
    const snapshot = writer.index.items;
    for (const c of changes) o.onItem?.(snapshot[c.index], c.index);
    return done;
  };
  const rowsOf = (u: ScanUnit) => [u.primary, ...u.followers].map((t) => position.get(t)!);

  const sched = await runScheduled(plan.units, {
    concurrency: o.concurrency,
    signal: o.signal,
    itemTimeoutMs: o.itemTimeoutMs,
    weight: (u) => 1 + u.followers.length,
    onProgress: o.onProgress,
    onStart: (u) => {
      const at = now().toISOString();
      void record(rowsOf(u).map((index) => ({ index, patch: { outcome: 'running', startedAt: at } }))).catch(() => undefined);
    },
    runOne: async (u, signal) => {
      const rel = reportRelativePath(u.primary);
      const abs = join(o.outDir, rel);
      await mkdir(dirname(abs), { recursive: true });
      const r = await o.scanOne(u.primary, abs, signal);
      if (r?.outcome !== 'done') return r;
      const own = r.reportPath && isAbsolute(r.reportPath) ? relative(o.outDir, r.reportPath) : r.reportPath;
      return { ...r, reportPath: !own ? rel : own.startsWith('..') ? r.reportPath : own.split(sep).join('/') };
    },
    onEnd: async (u, r) => {
      const at = now().toISOString();
      const primary = { outcome: r.outcome, message: r.message, reportPath: r.outcome === 'done' ? r.reportPath : undefined, endedAt: at };
      const changes = [{ index: position.get(u.primary)!, patch: primary }];
      for (const f of u.followers) {
        const fr = followerResult(u, r);
        changes.push({ index: position.get(f)!, patch: { outcome: fr.outcome, message: fr.message, reportPath: fr.reportPath, scannedAs: fr.scannedAs, endedAt: at } as typeof primary });
      }
      await record(changes);
    },
  });
  const recordErrors = [...sched.recordErrors];
  try {
    await writer.finish();
  } catch (e) {
    recordErrors.push(`the final index: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { indexPath, index: writer.index, counts: sched.counts, recordErrors };
}
