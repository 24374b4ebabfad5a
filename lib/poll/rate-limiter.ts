/**
 * Upstream rate limiting. Requests are spaced evenly (one slot every 1000/rate ms) instead of
 * allowed in bursts: the upstream counts in sliding one-second windows, and a token bucket
 * that lets `rate` requests through at once can put 2×rate into one such window.
 */
export interface RateLimiter {
  /** Resolves when the caller may send one request; rejects if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<void>;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** In-process limiter: one instance per process shares the limit among all its callers. */
export function createRateLimiter(ratePerSecond: number, now: () => number = Date.now): RateLimiter {
  // +1 ms per slot keeps timer and network jitter from squeezing rate+1 into a window.
  const interval = 1000 / ratePerSecond + 1;
  let nextSlot = 0;
  return {
    async acquire(signal) {
      const t = now();
      const slot = Math.max(t, nextSlot);
      nextSlot = slot + interval;
      if (slot > t) await sleep(slot - t, signal);
    },
  };
}
