/**
 * The fleet scheduler: runs items through an injected `runOne(item, signal)` with bounded concurrency, and reports
 * each item's outcome as it ends. It knows nothing about auditors; the caller's `runOne` does the scan.
 *
 * - At most `concurrency` items run at once; the rest wait in order.
 * - Cancelling (the `signal`) ends every waiting item at once as `cancelled` and aborts the running ones' signals;
 *   a running item that then settles is `cancelled` too. The scheduler returns when every running item has settled,
 *   so `runOne` can clean up (stop the auditor, remove its temporary files) before the run is over.
 * - An item that throws, returns nothing usable or outlives `itemTimeoutMs` is `failed` with a message; the others
 *   go on.
 * - `onEnd` is called once per item, one call at a time and in the order items end, and awaited before the
 *   item's slot is reused: what it records (the index) is up to date after every item. If it throws, the error is
 *   kept in `recordErrors` and the run goes on.
 */

export type ItemOutcome = 'done' | 'failed' | 'skipped' | 'cancelled';
export type ItemState = 'queued' | 'running' | ItemOutcome;

export interface ItemResult {
  readonly outcome: ItemOutcome;
  /** Why it failed, was skipped or cancelled; or a note on a done item. */
  readonly message?: string;
  /** The item's report file, when it is done. */
  readonly reportPath?: string;
}

/** What `runOne` returns; whether an item was cancelled is the scheduler's call. */
export interface RunOneResult {
  readonly outcome: 'done' | 'failed' | 'skipped';
  readonly message?: string;
  readonly reportPath?: string;
}

/** Progress in containers (an item stands for `weight(item)` containers). */
export interface FleetCounts {
  readonly total: number;
  readonly queued: number;
  readonly running: number;
  readonly done: number;
  readonly failed: number;
  readonly skipped: number;
  readonly cancelled: number;
}

export interface SchedulerOptions<T> {
  /** Items that may run at once (≥ 1). */
  readonly concurrency: number;
  readonly signal?: AbortSignal;
  /** Fails an item still running after this many milliseconds (its signal is aborted first). */
  readonly itemTimeoutMs?: number;
  runOne(item: T, signal: AbortSignal): Promise<RunOneResult>;
  onStart?(item: T, index: number): void;
  onEnd?(item: T, result: ItemResult, index: number): void | Promise<void>;
  onProgress?(counts: FleetCounts): void;
  /** How many containers the item stands for (a scan and its followers). Default 1. */
  weight?(item: T): number;
}

export interface ScheduleResult {
  /** One per item, in the items' order. */
  readonly results: readonly ItemResult[];
  readonly counts: FleetCounts;
  /** Errors thrown by `onEnd` (e.g. the index could not be written), with the item's index. */
  readonly recordErrors: readonly string[];
}

const OUTCOMES = new Set(['done', 'failed', 'skipped']);

export async function runScheduled<T>(items: readonly T[], o: SchedulerOptions<T>): Promise<ScheduleResult> {
  if (!Number.isInteger(o.concurrency) || o.concurrency < 1) throw new RangeError(`concurrency must be a whole number of at least 1, not ${o.concurrency}`);
  const state: ItemState[] = items.map(() => 'queued');
  const results: Array<ItemResult | undefined> = items.map(() => undefined);
  const weights = items.map((it) => Math.max(0, o.weight?.(it) ?? 1));
  const recordErrors: string[] = [];
  let recording: Promise<void> = Promise.resolve();
  const running = new Set<AbortController>();

  const counts = (): FleetCounts => {
    const c = { total: 0, queued: 0, running: 0, done: 0, failed: 0, skipped: 0, cancelled: 0 };
    state.forEach((s, i) => {
      c.total += weights[i];
      c[s] += weights[i];
    });
    return c;
  };
  const progress = () => {
    try {
      o.onProgress?.(counts());
    } catch {
      // a progress display that fails must not stop the run
    }
  };
  const finish = (i: number, r: ItemResult): Promise<void> => {
    state[i] = r.outcome;
    results[i] = r;
    progress();
    recording = recording.then(async () => {
      try {
        await o.onEnd?.(items[i], r, i);
      } catch (e) {
        recordErrors.push(`item ${i}: ${e instanceof Error ? e.message : String(e)}`);
      }
    });
    return recording;
  };

  const cancelQueued = () => {
    state.forEach((s, i) => {
      if (s === 'queued') void finish(i, { outcome: 'cancelled', message: 'Cancelled before it started.' });
    });
    for (const c of running) c.abort(o.signal?.reason);
  };
  if (o.signal?.aborted) cancelQueued();
  else o.signal?.addEventListener('abort', cancelQueued, { once: true });

  const runItem = async (i: number): Promise<void> => {
    state[i] = 'running';
    o.onStart?.(items[i], i);
    progress();
    const ctl = new AbortController();
    running.add(ctl);
    let timedOut = false;
    const timer = o.itemTimeoutMs
      ? setTimeout(() => {
          timedOut = true;
          ctl.abort(new Error('timed out'));
        }, o.itemTimeoutMs)
      : undefined;
    let r: ItemResult;
    try {
      const got: unknown = await Promise.resolve().then(() => o.runOne(items[i], ctl.signal));
      const ok = typeof got === 'object' && got !== null && OUTCOMES.has((got as RunOneResult).outcome);
      r = ok ? (got as RunOneResult) : { outcome: 'failed', message: `The run returned no outcome (${JSON.stringify(got) ?? 'undefined'}).` };
    } catch (e) {
      r = { outcome: 'failed', message: e instanceof Error ? e.message : String(e) };
    } finally {
      clearTimeout(timer);
      running.delete(ctl);
    }
    if (o.signal?.aborted) r = { outcome: 'cancelled', message: `Cancelled while running.${r.message ? ` ${r.message}` : ''}` };
    else if (timedOut) r = { outcome: 'failed', message: `Timed out after ${Math.round(o.itemTimeoutMs! / 1000)} s and was stopped.${r.message ? ` ${r.message}` : ''}` };
    await finish(i, r);
  };

  let next = 0;
  const worker = async () => {
    for (;;) {
      while (next < items.length && state[next] !== 'queued') next++;
      if (next >= items.length) return;
      await runItem(next++);
    }
  };
  progress();
  try {
    await Promise.all(Array.from({ length: Math.min(o.concurrency, items.length) }, worker));
    await recording;
  } finally {
    o.signal?.removeEventListener('abort', cancelQueued);
  }
  return { results: results as ItemResult[], counts: counts(), recordErrors };
}
