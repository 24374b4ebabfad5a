import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../lib/config";
import { MAX_RETRY_AFTER_MS, nextAttemptDelay } from "../../lib/delivery/schedule";

const SCHEDULE = loadConfig({}).deliverySchedule;

describe("nextAttemptDelay", () => {
  it("follows the default schedule (immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h) without jitter at the midpoint", () => {
    const delays = SCHEDULE.map((_, i) => nextAttemptDelay(i, SCHEDULE, undefined, () => 0.5));
    expect(delays).toEqual([0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
  });

  it("returns null once the schedule is used up, so the watch becomes failed", () => {
    expect(nextAttemptDelay(SCHEDULE.length, SCHEDULE)).toBeNull();
    expect(nextAttemptDelay(SCHEDULE.length + 3, SCHEDULE, 1_000)).toBeNull();
    expect(nextAttemptDelay(0, [])).toBeNull();
  });

  it("jitters by at most ±20%, reaching both ends", () => {
    expect(nextAttemptDelay(1, SCHEDULE, undefined, () => 0)).toBe(4_000);
    expect(nextAttemptDelay(1, SCHEDULE, undefined, () => 0.999999)).toBeCloseTo(6_000, -1);
    fc.assert(
      fc.property(fc.nat({ max: SCHEDULE.length - 1 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (i, r) => {
        const delay = nextAttemptDelay(i, SCHEDULE, undefined, () => r)!;
        return delay >= Math.floor(SCHEDULE[i]! * 0.8) && delay <= Math.ceil(SCHEDULE[i]! * 1.2);
      }),
    );
  });

  it("spreads receivers that failed together (Math.random by default)", () => {
    const delays = new Set(Array.from({ length: 20 }, () => nextAttemptDelay(2, SCHEDULE)));
    expect(delays.size).toBeGreaterThan(10);
  });

  it("waits at least as long as Retry-After asks, capped at 24 h", () => {
    expect(nextAttemptDelay(1, [0, 50], 1_000, () => 0.5)).toBe(1_000);
    expect(nextAttemptDelay(1, [0, 5_000], 1_000, () => 0.5)).toBe(5_000);
    expect(nextAttemptDelay(1, [0, 50], 30 * 86_400_000, () => 0.5)).toBe(MAX_RETRY_AFTER_MS);
    expect(nextAttemptDelay(1, [0, 50], -5, () => 0.5)).toBe(50);
  });
});
