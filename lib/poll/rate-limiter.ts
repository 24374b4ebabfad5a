/**
 * Upstream rate limiting. Callers are released one at a time, each at least 1.05 × 1000/rate
 * ms after the previous release: the upstream counts arrivals in sliding one-second windows,
 * so bursts (a token bucket's, or sleepers that all wake late after an event-loop stall) would
 * put more than `rate` requests into one window. The 5% margin absorbs network and
 * event-loop jitter between our release and the upstream's count.
 */
import type { RateLimiter } from "../upstream/client";

export type { RateLimiter };

const JITTER_MARGIN = 1.05;

/** Milliseconds between two releases at `ratePerSecond`, jitter margin included. */
const releaseInterval = (ratePerSecond: number) => (1000 / ratePerSecond) * JITTER_MARGIN;

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

interface Waiter {
  release: () => void;
}

/** In-process limiter: one instance per process shares the limit among all its callers. */
export function createRateLimiter(ratePerSecond: number, now: () => number = Date.now): RateLimiter {
  const interval = releaseInterval(ratePerSecond);
  const waiters: Waiter[] = [];
  let lastRelease = -Infinity;
  let timer: NodeJS.Timeout | undefined;

  const pump = () => {
    timer = undefined;
    const waiter = waiters[0];
    if (!waiter) return;
    const wait = lastRelease + interval - now();
    if (wait > 0) {
      timer = setTimeout(pump, wait);
      return;
    }
    waiters.shift();
    lastRelease = now();
    waiter.release();
    if (waiters.length > 0) timer = setTimeout(pump, interval);
  };

  return {
    acquire(signal) {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const onAbort = () => {
          const i = waiters.indexOf(waiter);
          if (i >= 0) waiters.splice(i, 1);
          reject(signal?.reason);
        };
        const waiter: Waiter = {
          release: () => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
          },
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        waiters.push(waiter);
        if (!timer) pump();
      });
    },
  };
}

/**
 * A limiter shared by several processes through `reserve`, which books the next free slot in
 * a common place (Redis) and says how long to wait for it. Local callers book one at a time,
 * each only after the previous one's slot has come, so a stalled event loop cannot wake a
 * backlog of booked slots at once.
 */
export function createSharedRateLimiter(reserve: (intervalMs: number) => Promise<number>, ratePerSecond: number): RateLimiter {
  const interval = releaseInterval(ratePerSecond);
  let turn: Promise<unknown> = Promise.resolve();
  return {
    acquire(signal) {
      const mine = turn.then(async () => {
        signal?.throwIfAborted();
        await sleep(await reserve(interval), signal);
      });
      turn = mine.catch(() => undefined);
      return mine;
    },
  };
}
