import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { TokenBucket, retryAfterMs, type Clock } from '../../src/core/cluster/rateLimiter';

/** A virtual clock: sleeping advances time; nothing really waits. */
function virtualClock(): Clock & { t: number; sleeps: number[] } {
  const c = {
    t: 0,
    sleeps: [] as number[],
    now: () => c.t,
    sleep: async (ms: number) => {
      c.sleeps.push(ms);
      c.t += ms;
    },
  };
  return c;
}

test('burst requests go at once, then one every 1/qps seconds', async () => {
  const clock = virtualClock();
  const b = new TokenBucket(5, 3, clock);
  for (let i = 0; i < 3; i++) await b.acquire();
  assert.deepEqual(clock.sleeps, [], 'the burst needs no wait');
  await b.acquire();
  assert.deepEqual(clock.sleeps, [200], 'the 4th waits 1/5 s');
  await b.acquire();
  assert.deepEqual(clock.sleeps, [200, 200]);
});

test('tokens refill with time up to burst, not beyond', async () => {
  const clock = virtualClock();
  const b = new TokenBucket(10, 2, clock);
  await b.acquire();
  await b.acquire();
  clock.t += 10_000; // a long pause refills only to burst
  await b.acquire();
  await b.acquire();
  assert.deepEqual(clock.sleeps, []);
  await b.acquire();
  assert.deepEqual(clock.sleeps, [100]);
});

test('concurrent callers queue: 10 requests at qps 10 burst 5 take about half a second overall', async () => {
  const clock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
  const b = new TokenBucket(10, 5, clock);
  const t0 = Date.now();
  await Promise.all(Array.from({ length: 10 }, () => b.acquire()));
  const took = Date.now() - t0;
  assert.ok(took >= 450 && took < 1500, `took ${took} ms`);
});

test('delayNow reports the wait without taking a token', () => {
  const clock = virtualClock();
  const b = new TokenBucket(4, 1, clock);
  assert.equal(b.delayNow(), 0);
  void b.acquire();
  assert.equal(b.delayNow(), 250);
  assert.equal(b.delayNow(), 250);
});

test('an aborted wait gives its reservation back', async () => {
  const clock: Clock = { now: () => 0, sleep: async (_ms, signal) => { if (signal?.aborted) throw new Error('aborted'); } };
  const b = new TokenBucket(1, 1, clock);
  await b.acquire();
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(b.acquire(ac.signal));
  assert.equal(b.delayNow(), 1000, 'only the first request holds a token');
});

test('invalid settings fall back to client-go defaults', () => {
  const b = new TokenBucket(0, -1);
  assert.equal(b.qps, 20);
  assert.equal(b.burst, 40);
});

test('Retry-After: seconds, HTTP dates, bounds and fallbacks', () => {
  assert.equal(retryAfterMs('2'), 2000);
  assert.equal(retryAfterMs('0'), 0);
  assert.equal(retryAfterMs('0.5'), 500);
  assert.equal(retryAfterMs('3600', 0, 1000, 10000), 10000, 'capped');
  assert.equal(retryAfterMs(undefined, 0, 750), 750, 'missing: fallback');
  assert.equal(retryAfterMs('soon', 0, 750), 750, 'garbage: fallback');
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(retryAfterMs('Thu, 01 Jan 2026 00:00:03 GMT', now), 3000);
  assert.equal(retryAfterMs(['4', '9']), 4000);
});
