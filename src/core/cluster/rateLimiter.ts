/**
 * Client-side rate limiting in the manner of client-go's token bucket: `qps` tokens are added per second up to
 * `burst`; each request takes one token and waits when none is left. Waiters are served in arrival order.
 */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(t);
        reject(abortError(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const e = new Error('The operation was cancelled');
  e.name = 'AbortError';
  return e;
}

export class TokenBucket {
  private tokens: number;
  private last: number;
  readonly qps: number;
  readonly burst: number;

  constructor(qps: number, burst: number, private readonly clock: Clock = realClock) {
    this.qps = Number.isFinite(qps) && qps > 0 ? qps : 20;
    this.burst = Math.max(1, Math.floor(Number.isFinite(burst) && burst > 0 ? burst : 40));
    this.tokens = this.burst;
    this.last = clock.now();
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.qps) / 1000);
      this.last = now;
    }
  }

  /** How long a request made now would wait, without taking a token (ms). */
  delayNow(): number {
    const now = this.clock.now();
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.qps);
  }

  /** Takes one token; resolves when the request may be sent. Reserves immediately, so concurrent callers queue fairly. */
  async acquire(signal?: AbortSignal): Promise<void> {
    const now = this.clock.now();
    this.refill(now);
    this.tokens -= 1; // may go negative: the debt is the reservation of the callers ahead
    if (this.tokens >= 0) return;
    const wait = Math.ceil((-this.tokens * 1000) / this.qps);
    try {
      await this.clock.sleep(wait, signal);
    } catch (err) {
      this.tokens += 1; // give the reservation back
      throw err;
    }
  }
}

/** Parses a Retry-After header (seconds or HTTP date) into milliseconds, bounded to [0, maxMs]. */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now(), fallbackMs = 1000, maxMs = 30000): number {
  const v = Array.isArray(header) ? header[0] : header;
  if (v === undefined || v.trim() === '') return Math.min(fallbackMs, maxMs);
  const secs = Number(v.trim());
  if (Number.isFinite(secs)) return Math.max(0, Math.min(maxMs, Math.round(secs * 1000)));
  const date = Date.parse(v);
  if (Number.isFinite(date)) return Math.max(0, Math.min(maxMs, date - now));
  return Math.min(fallbackMs, maxMs);
}
