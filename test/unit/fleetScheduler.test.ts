import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { runScheduled, type FleetCounts, type ItemResult, type RunOneResult } from '../../src/core/fleet/scheduler';

const tick = () => new Promise((r) => setImmediate(r));
/** A runOne whose items end when the test says so (or when their signal is aborted). */
function controlled() {
  const pending = new Map<string, { resolve: (r: RunOneResult) => void; reject: (e: Error) => void; signal: AbortSignal }>();
  const started: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const runOne = (item: string, signal: AbortSignal) =>
    new Promise<RunOneResult>((resolve, reject) => {
      started.push(item);
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      const end = () => inFlight--;
      pending.set(item, { resolve: (r) => (end(), resolve(r)), reject: (e) => (end(), reject(e)), signal });
      // a well-behaved runner stops when its signal is aborted (the auditor is killed, its files removed)
      signal.addEventListener('abort', () => (end(), reject(new Error('auditor stopped'))), { once: true });
    });
  return { runOne, pending, started, max: () => maxInFlight };
}

test('bounded concurrency, items in order, outcomes kept per item', async () => {
  const c = controlled();
  const items = ['a', 'b', 'c', 'd', 'e'];
  const run = runScheduled(items, { concurrency: 2, runOne: c.runOne });
  await tick();
  assert.deepEqual(c.started, ['a', 'b']);
  c.pending.get('b')!.resolve({ outcome: 'done', reportPath: 'b.json' });
  await tick();
  assert.deepEqual(c.started, ['a', 'b', 'c']);
  c.pending.get('a')!.resolve({ outcome: 'failed', message: 'pods "a" not found' });
  c.pending.get('c')!.resolve({ outcome: 'skipped', message: 'declined' });
  await tick();
  c.pending.get('d')!.resolve({ outcome: 'done', reportPath: 'd.json' });
  await tick();
  c.pending.get('e')!.resolve({ outcome: 'done', reportPath: 'e.json' });
  const r = await run;
  assert.equal(c.max(), 2);
  assert.deepEqual(r.results.map((x) => x.outcome), ['failed', 'done', 'skipped', 'done', 'done']);
  assert.deepEqual(r.results[0], { outcome: 'failed', message: 'pods "a" not found' });
  assert.deepEqual(r.counts, { total: 5, queued: 0, running: 0, done: 3, failed: 1, skipped: 1, cancelled: 0 });
  await assert.rejects(runScheduled(items, { concurrency: 0, runOne: c.runOne }), RangeError);
  await assert.rejects(runScheduled(items, { concurrency: 1.5, runOne: c.runOne }), /whole number of at least 1, not 1.5/);
});

test('one crashing item does not stop the rest: a throw, a sync throw, or no outcome is a failure with a message', async () => {
  const r = await runScheduled(['ok', 'throws', 'sync', 'garbage', 'ok2'], {
    concurrency: 2,
    runOne: (item) => {
      if (item === 'sync') throw new TypeError('cannot read properties of undefined');
      if (item === 'throws') return Promise.reject(new Error('auditor crashed: exit 1'));
      if (item === 'garbage') return Promise.resolve({ outcome: 'maybe' } as unknown as RunOneResult);
      return Promise.resolve({ outcome: 'done', reportPath: `${item}.json` });
    },
  });
  assert.deepEqual(r.results, [
    { outcome: 'done', reportPath: 'ok.json' },
    { outcome: 'failed', message: 'auditor crashed: exit 1' },
    { outcome: 'failed', message: 'cannot read properties of undefined' },
    { outcome: 'failed', message: 'The run returned no outcome ({"outcome":"maybe"}).' },
    { outcome: 'done', reportPath: 'ok2.json' },
  ]);
});

test('cancel: waiting items end at once, running ones get the abort and end as cancelled; nothing recorded is lost', async () => {
  const c = controlled();
  const ac = new AbortController();
  const ended: string[] = [];
  const progress: FleetCounts[] = [];
  const run = runScheduled(['a', 'b', 'c', 'd', 'e'], {
    concurrency: 2,
    signal: ac.signal,
    runOne: c.runOne,
    onEnd: (item, r) => void ended.push(`${item}:${r.outcome}`),
    onProgress: (x) => progress.push(x),
  });
  await tick();
  c.pending.get('a')!.resolve({ outcome: 'done', reportPath: 'a.json' });
  await tick();
  assert.deepEqual(c.started, ['a', 'b', 'c']);
  ac.abort();
  assert.ok(c.pending.get('b')!.signal.aborted && c.pending.get('c')!.signal.aborted, 'running items see the abort');
  const r = await run;
  assert.deepEqual(c.started, ['a', 'b', 'c'], 'nothing starts after the cancel');
  assert.deepEqual(ended, ['a:done', 'd:cancelled', 'e:cancelled', 'b:cancelled', 'c:cancelled'], 'queued items end first, then the running ones as they stop');
  assert.deepEqual(r.results.map((x) => x.message ?? ''), ['', 'Cancelled while running. auditor stopped', 'Cancelled while running. auditor stopped', 'Cancelled before it started.', 'Cancelled before it started.']);
  assert.deepEqual(r.counts, { total: 5, queued: 0, running: 0, done: 1, failed: 0, skipped: 0, cancelled: 4 });
  assert.ok(progress.some((p) => p.running === 2 && p.queued === 0 && p.cancelled === 2), 'progress shows the queue emptied while two still stop');

  let calls = 0;
  const pre = new AbortController();
  pre.abort();
  const none = await runScheduled(['x', 'y'], { concurrency: 4, signal: pre.signal, runOne: async () => (calls++, { outcome: 'done', reportPath: 'x' }) });
  assert.equal(calls, 0);
  assert.deepEqual(none.results.map((x) => x.outcome), ['cancelled', 'cancelled']);
});

test('onEnd runs one call at a time and is awaited; a failing record is kept and the run goes on', async () => {
  let active = 0;
  let maxActive = 0;
  const log: string[] = [];
  const r = await runScheduled(['a', 'b', 'c', 'd'], {
    concurrency: 4,
    runOne: async (item) => ({ outcome: 'done', reportPath: `${item}.json` }),
    onEnd: async (item, res: ItemResult) => {
      maxActive = Math.max(maxActive, ++active);
      await new Promise((ok) => setTimeout(ok, 5));
      active--;
      if (item === 'b') throw new Error('ENOSPC: no space left on device');
      log.push(`${item}:${res.reportPath}`);
    },
  });
  assert.equal(maxActive, 1);
  assert.deepEqual(log, ['a:a.json', 'c:c.json', 'd:d.json']);
  assert.deepEqual(r.recordErrors, ['item 1: ENOSPC: no space left on device']);
  assert.deepEqual(r.results.map((x) => x.outcome), ['done', 'done', 'done', 'done']);
});

test('counts are in containers (an item weighs its followers), and an item that outlives its timeout fails', async () => {
  const seen: FleetCounts[] = [];
  const r = await runScheduled([3, 1, 2], {
    concurrency: 1,
    weight: (n) => n,
    itemTimeoutMs: 30,
    runOne: (n, signal) =>
      n === 1
        ? new Promise((_ok, fail) => signal.addEventListener('abort', () => fail(new Error('killed the auditor (SIGTERM)'))))
        : Promise.resolve({ outcome: 'done', reportPath: `${n}.json` }),
    onProgress: (c) => seen.push(c),
  });
  assert.deepEqual(seen[0], { total: 6, queued: 6, running: 0, done: 0, failed: 0, skipped: 0, cancelled: 0 });
  assert.ok(seen.some((c) => c.running === 3 && c.queued === 3));
  assert.deepEqual(r.counts, { total: 6, queued: 0, running: 0, done: 5, failed: 1, skipped: 0, cancelled: 0 });
  assert.deepEqual(r.results[1], { outcome: 'failed', message: 'Timed out after 0 s and was stopped. killed the auditor (SIGTERM)' });
});
