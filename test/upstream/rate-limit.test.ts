import { describe, expect, it } from "vitest";
import { createRateLimiter } from "../../lib/upstream/rate-limit";

describe("createRateLimiter", () => {
  it("releases concurrent callers one at a time, never more than the rate in any one-second window", async () => {
    const limiter = createRateLimiter(50);
    const times: number[] = [];
    await Promise.all(Array.from({ length: 60 }, () => limiter.acquire().then(() => times.push(Date.now()))));
    times.sort((a, b) => a - b);
    // Releases are 21 ms apart (1000/50 plus the 5% margin). Callers resume a little after their
    // release when the machine is busy, so check the whole span, with room for one late resume.
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(59 * 21 - 30);
    for (let i = 0; i < times.length; i++)
      expect(times.filter((t) => t >= times[i]! && t < times[i]! + 1000).length).toBeLessThanOrEqual(50);
  });

  it("does not release a backlog in a burst after the event loop stalls", async () => {
    const limiter = createRateLimiter(100);
    await limiter.acquire();
    const times: number[] = [];
    const all = Promise.all(Array.from({ length: 10 }, () => limiter.acquire().then(() => times.push(Date.now()))));
    const stallUntil = Date.now() + 100;
    while (Date.now() < stallUntil); // block the loop past several release times
    await all;
    // A backlog released at once would span ~0 ms; one at a time it spans 9 intervals of 10.5 ms.
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(9 * 10.5 - 15);
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
    const next = limiter.acquire();
    controller.abort(new Error("budget spent"));
    await expect(waiting).rejects.toThrow("budget spent");
    await expect(next).resolves.toBeUndefined(); // the aborted caller gave up its place
  });
});
