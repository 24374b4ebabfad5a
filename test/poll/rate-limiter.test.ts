import { describe, expect, it } from "vitest";
import { createRateLimiter } from "../../lib/poll/rate-limiter";

describe("createRateLimiter", () => {
  it("spaces concurrent callers evenly, never more than the rate in any one-second window", async () => {
    const limiter = createRateLimiter(50);
    const times: number[] = [];
    await Promise.all(Array.from({ length: 60 }, () => limiter.acquire().then(() => times.push(performance.now()))));
    times.sort((a, b) => a - b);
    // Slots are 21 ms apart; a late timer may bunch two sends, but the schedule never runs ahead.
    for (let i = 10; i < times.length; i += 10) expect(times[i]! - times[0]!).toBeGreaterThanOrEqual(i * 20);
    for (let i = 0; i < times.length; i++) expect(times.filter((t) => t >= times[i]! && t < times[i]! + 1000).length).toBeLessThanOrEqual(50);
  });

  it("lets the first caller through at once", async () => {
    let clock = 1_000;
    const limiter = createRateLimiter(1, () => clock);
    const started = performance.now();
    await limiter.acquire();
    expect(performance.now() - started).toBeLessThan(50);
    clock += 5_000; // idle time is not banked into a burst
    await limiter.acquire();
    expect(performance.now() - started).toBeLessThan(100);
  });

  it("gives up the wait when the signal aborts", async () => {
    const limiter = createRateLimiter(1);
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort(new Error("budget spent"));
    await expect(waiting).rejects.toThrow("budget spent");
  });
});
