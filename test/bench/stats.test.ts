/** The benchmark statistics and number formats, on fixed inputs (nothing is timed here). */
import { describe, expect, it } from "vitest";
import { busiestWindow, kb, mb, ms, seconds, signed, spread, summarize, times } from "../../scripts/bench/stats";

describe("summarize", () => {
  it("takes the middle sample of an odd count and the mean of the middle two of an even one, whatever the order", () => {
    expect(summarize([5, 1, 3])).toMatchObject({ n: 3, median: 3, min: 1, max: 5 });
    expect(summarize([4, 1, 3, 2])).toMatchObject({ n: 4, median: 2.5, min: 1, max: 4 });
  });

  it("gives the nearest-rank 95th percentile", () => {
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(summarize(hundred).p95).toBe(95);
    expect(summarize([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]).p95).toBe(20);
    expect(summarize([7])).toEqual({ n: 1, median: 7, min: 7, max: 7, p95: 7 });
  });

  it("refuses to summarise nothing", () => {
    expect(() => summarize([])).toThrow(RangeError);
  });
});

describe("busiestWindow", () => {
  it("counts the most events in any one-second window, the window's end excluded", () => {
    expect(busiestWindow([])).toBe(0);
    expect(busiestWindow([0, 999])).toBe(2);
    expect(busiestWindow([0, 1000])).toBe(1);
    // Unsorted input; the burst 1500, 1600, 2000, 2400 fits in [1500, 2500).
    expect(busiestWindow([2400, 0, 1600, 2000, 1500, 4000])).toBe(4);
    expect(busiestWindow([0, 10, 20, 30], 15)).toBe(2);
  });
});

describe("formats", () => {
  it("keeps about three significant digits of times and gives ratios two decimals", () => {
    expect(ms(0.41234)).toBe("0.412 ms");
    expect(ms(4.1234)).toBe("4.12 ms");
    expect(ms(41.234)).toBe("41.2 ms");
    expect(ms(412.34)).toBe("412 ms");
    expect(seconds(2_345)).toBe("2.35 s");
    expect(times(1.0549)).toBe("1.05×");
    expect(kb(250 * 1024)).toBe("250.0 KB");
    expect(mb(1.5 * 1024 * 1024)).toBe("1.5 MB");
    expect(spread({ min: 0.9, max: 1.2 }, times)).toBe("0.90×–1.20×");
    expect(signed(1.5 * 1024 * 1024, mb)).toBe("+1.5 MB");
    expect(signed(-2048, kb)).toBe("−2.0 KB");
  });
});
