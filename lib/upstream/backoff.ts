/**
 * Delays between tries. Pure functions of the attempt number and a random source, so the
 * poller can reuse them and tests can pin them down.
 */

/**
 * Smithy/AWS SDK waiter delay after `attempt` attempts (1 = after the first):
 * random(minDelay, minDelay·2^(attempt-1)) while that stays within maxDelay, then maxDelay.
 * Units are the caller's (seconds or milliseconds alike).
 */
export function waiterDelay(attempt: number, minDelay: number, maxDelay: number, random: () => number = Math.random): number {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be an integer >= 1, got ${attempt}`);
  if (!(minDelay > 0) || !(maxDelay >= minDelay)) {
    throw new RangeError(`delays must satisfy 0 < minDelay <= maxDelay, got minDelay ${minDelay}, maxDelay ${maxDelay}`);
  }
  const ceiling = minDelay * 2 ** (attempt - 1);
  if (ceiling > maxDelay) return maxDelay;
  return minDelay + random() * (ceiling - minDelay);
}

export const RETRY_BASE_MS = 200;
export const RETRY_CAP_MS = 10_000;

/**
 * The client's delay before retry number `attempt` (1 = before the second try): exponential
 * backoff with full jitter, random(0, min(cap, base·2^(attempt-1))), so many clients that
 * failed together do not come back together.
 */
export function retryDelay(attempt: number, random: () => number = Math.random): number {
  return random() * Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** (attempt - 1));
}
