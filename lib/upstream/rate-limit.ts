/**
 * Upstream rate limiting: the limit is the account's, so every request (reads, polls, retries)
 * waits its turn here. Callers are released one at a time, each at least 1.05 × 1000/rate ms
 * after the previous release: the upstream counts arrivals in sliding one-second windows, so
 * bursts (a token bucket's, or sleepers that all wake late after an event-loop stall) would
 * put more than `rate` requests into one window. The 5% margin absorbs network and
 * event-loop jitter between our release and the upstream's count.
 *
 * Two implementations: one process keeps its own turn (createRateLimiter); processes sharing
 * a Redis book their turns there (createSharedRateLimiter), so many function instances
 * together stay under the one limit.
 */
import { sleep } from "../sleep";

/** Paces requests; resolves when one may be sent, rejects with the signal's reason if it aborts first. */
export interface RateLimiter {
  acquire(signal?: AbortSignal): Promise<void>;
}

const JITTER_MARGIN = 1.05;

/** Milliseconds between two releases at `ratePerSecond`, jitter margin included. */
const releaseInterval = (ratePerSecond: number) => (1000 / ratePerSecond) * JITTER_MARGIN;

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

/** What the shared limiter needs of a Redis client: running a Lua script (ioredis's `Redis` has it). */
export interface RedisScripting {
  eval(script: string, numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
}

// KEYS: the slot key. ARGV: interval ms. Books the next free slot, by the server's clock so
// every instance agrees; returns how long to wait for it (ms, as text: Redis truncates Lua numbers).
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
local after = slot + tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%.3f', after), 'PX', math.ceil(after - now) + 1000)
return string.format('%.3f', slot - now)
`;

/**
 * A limiter shared by every process using `redis`: the next free slot (epoch ms, server clock)
 * lives at `key`. Local callers book one at a time, each only after the previous one's slot
 * has come, so a stalled event loop cannot wake a backlog of booked slots at once.
 */
export function createSharedRateLimiter(redis: RedisScripting, key: string, ratePerSecond: number): RateLimiter {
  const interval = releaseInterval(ratePerSecond);
  let turn: Promise<unknown> = Promise.resolve();
  return {
    acquire(signal) {
      const mine = turn.then(async () => {
        signal?.throwIfAborted();
        await sleep(Number(await redis.eval(RESERVE, 1, key, interval)), signal);
      });
      turn = mine.catch(() => undefined);
      return mine;
    },
  };
}
