/** When the next delivery attempt of a round is due. */

const JITTER = 0.2;
/** A Retry-After longer than this is a receiver bug or hostile; waiting a day is enough. */
export const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

/**
 * Delay before attempt number `attemptsMade + 1` of a round: `schedule[attemptsMade]` ±20%
 * (so receivers that failed together are not retried in lockstep), and at least the
 * receiver's Retry-After. `null` when the schedule is used up: the watch becomes failed.
 */
export function nextAttemptDelay(
  attemptsMade: number,
  schedule: readonly number[],
  retryAfterMs?: number,
  random: () => number = Math.random,
): number | null {
  const base = schedule[attemptsMade];
  if (base === undefined) return null;
  const jittered = Math.round(base * (1 + JITTER * (2 * random() - 1)));
  if (retryAfterMs === undefined) return jittered;
  return Math.max(jittered, Math.min(Math.max(0, retryAfterMs), MAX_RETRY_AFTER_MS));
}
