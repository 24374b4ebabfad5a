import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RETRY_BASE_MS, RETRY_CAP_MS, retryDelay, waiterDelay } from "../../lib/upstream/backoff";

describe("waiterDelay (smithy waiter semantics)", () => {
  it("waits exactly minDelay after the first attempt, whatever the random draw", () => {
    expect(waiterDelay(1, 2, 60, () => 0)).toBe(2);
    expect(waiterDelay(1, 2, 60, () => 0.999)).toBe(2);
  });

  it("draws from [minDelay, minDelay·2^(attempt-1)] while that stays within maxDelay", () => {
    expect(waiterDelay(2, 2, 60, () => 0)).toBe(2);
    expect(waiterDelay(2, 2, 60, () => 0.5)).toBe(3);
    expect(waiterDelay(4, 2, 60, () => 0.5)).toBe(9); // 2 + 0.5·(16 − 2)
    expect(waiterDelay(5, 2, 60, () => 1)).toBe(32);
  });

  it("keeps the jitter when the ceiling lands exactly on maxDelay, and gives maxDelay once past it", () => {
    expect(waiterDelay(3, 1, 4, () => 0.5)).toBe(2.5);
    expect(waiterDelay(4, 1, 4, () => 0)).toBe(4);
    expect(waiterDelay(6, 2, 60, () => 0)).toBe(60);
    expect(waiterDelay(5000, 2, 60, () => 0)).toBe(60);
  });

  it("stays within [minDelay, min(maxDelay, minDelay·2^(attempt-1))] for any input", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.double({ min: 0.001, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1e3, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, minDelay, extra, r) => {
          const maxDelay = minDelay + extra;
          const d = waiterDelay(attempt, minDelay, maxDelay, () => r);
          expect(d).toBeGreaterThanOrEqual(minDelay);
          expect(d).toBeLessThanOrEqual(Math.min(maxDelay, minDelay * 2 ** (attempt - 1)) + 1e-9 * maxDelay);
        },
      ),
    );
  });

  it("refuses nonsense instead of returning NaN", () => {
    expect(() => waiterDelay(0, 1, 2)).toThrow(/attempt/);
    expect(() => waiterDelay(1.5, 1, 2)).toThrow(/attempt/);
    expect(() => waiterDelay(1, 0, 2)).toThrow(/minDelay/);
    expect(() => waiterDelay(1, 3, 2)).toThrow(/maxDelay/);
    expect(() => waiterDelay(1, Number.NaN, 2)).toThrow(RangeError);
  });
});

describe("retryDelay (full jitter)", () => {
  it("draws from [0, base·2^(attempt-1)], capped", () => {
    expect(retryDelay(1, () => 0)).toBe(0);
    expect(retryDelay(1, () => 0.5)).toBe(RETRY_BASE_MS / 2);
    expect(retryDelay(3, () => 0.5)).toBe(RETRY_BASE_MS * 2);
    expect(retryDelay(30, () => 0.5)).toBe(RETRY_CAP_MS / 2);
  });
});
