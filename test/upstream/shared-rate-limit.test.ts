/** The upstream limit is per account: instances sharing a Redis store share one rate limit. */
import { randomBytes } from "node:crypto";
import { afterAll, expect, it } from "vitest";
import { openRedisStore, type RedisWatchStore } from "../../lib/watches/redis-store";
import { deleteRedisKeys } from "../support/redis";

const prefix = `test-limiter-${randomBytes(4).toString("hex")}:`;
const stores: RedisWatchStore[] = [];
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await deleteRedisKeys("redis://127.0.0.1:6379/0", prefix);
});

it("keeps two instances together under one rate", async () => {
  for (let i = 0; i < 2; i++) stores.push(await openRedisStore(`redis://127.0.0.1:6379/0?prefix=${prefix}`));
  const [a, b] = stores.map((s) => s.sharedRateLimiter(40));
  const times: number[] = [];
  const callers = [a!, b!].flatMap((limiter) => Array.from({ length: 30 }, () => limiter.acquire().then(() => times.push(Date.now()))));
  await Promise.all(callers);
  times.sort((x, y) => x - y);
  const busiest = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length));
  expect(busiest).toBeLessThanOrEqual(40);
  // 60 releases at 40/s (plus the 5% margin) cannot take less than 59 × 25 ms.
  expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(59 * 25);
});

it("lets a caller give up its wait", async () => {
  const limiter = stores[0]!.sharedRateLimiter(1);
  await limiter.acquire();
  const controller = new AbortController();
  const waiting = limiter.acquire(controller.signal);
  controller.abort(new Error("budget spent"));
  await expect(waiting).rejects.toThrow("budget spent");
});
