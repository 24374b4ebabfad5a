/**
 * 200 watches on tasks that finish at random times within 60 s: one poll loop delivers every
 * outcome exactly once and never sends the upstream more than the rate limit allows.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadConfig } from "../../lib/config";
import { createRelay } from "../../lib/relay";
import { startStack, WEBHOOK_SECRET, type Stack } from "../support/stack";

const WATCHES = 200;
const RATE = 20;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    POLL_RATE_LIMIT: String(RATE),
    POLL_CONCURRENCY: "16",
    POLL_MIN_DELAY_MS: "1000",
    POLL_MAX_DELAY_MS: "8000",
    NETTASK_MAX_ATTEMPTS: "3",
  });
});
afterAll(() => stack.close());

it("delivers 200 outcomes once each within the rate limit", { timeout: 150_000 }, async () => {
  const relay = await createRelay(loadConfig());
  try {
    const tasks = Array.from({ length: WATCHES }, (_, i) =>
      stack.emulator.createTask({
        region: "gz",
        durationMs: Math.floor(Math.random() * 60_000),
        outcome: i % 5 === 0 ? "failure" : "success",
        output: i % 5 === 0 ? { code: 29260, message: "quota exceeded" } : { code: 0, message: "" },
      }),
    );
    const destination = { type: "webhook" as const, url: stack.inbox.url, secret: WEBHOOK_SECRET };
    const watches = await Promise.all(tasks.map((t) => relay.registerWatch({ ...t, destination })));
    expect(watches.every((w) => w.created)).toBe(true);

    const report = await relay.poll({ budgetMs: 120_000 });

    const byEvent = new Map<string, number>();
    for (const d of stack.inbox.received()) byEvent.set(d.id, (byEvent.get(d.id) ?? 0) + 1);
    const expected = await Promise.all(watches.map((w) => relay.getWatch(w.watch.id)));
    const duplicates = [...byEvent.values()].filter((n) => n > 1).length;
    const lost = expected.filter((w) => w?.state !== "delivered" || byEvent.get(w.event!.id) !== 1).length;
    const failed = expected.filter((w) => w?.event?.type === "com.tencentcloud.vpc.nettask.failed").length;

    const times = stack.emulator
      .requests()
      .map((r) => r.at)
      .sort((a, b) => a - b);
    let busiest = 0;
    for (let i = 0, j = 0; j < times.length; j++) {
      while (times[j]! - times[i]! >= 1000) i++;
      busiest = Math.max(busiest, j - i + 1);
    }
    const throttled = stack.emulator.requests().filter((r) => r.code === 4400).length;
    console.log(
      `poll-200: watches=${WATCHES} deliveries=${byEvent.size} duplicates=${duplicates} lost=${lost} failedOutcomes=${failed} ` +
        `requests=${times.length} busiestSecond=${busiest}/${RATE} throttled=${throttled} pollMs=${report.elapsedMs}`,
    );

    // Every delivery verified and read by the CloudEvents SDK (the inbox refuses any other).
    expect(stack.inbox.rejected()).toEqual([]);
    expect(byEvent.size).toBe(WATCHES);
    expect(duplicates).toBe(0);
    expect(lost).toBe(0);
    expect(failed).toBe(WATCHES / 5);
    expect(throttled).toBe(0);
    expect(busiest).toBeLessThanOrEqual(RATE);
  } finally {
    await relay.close();
  }
});
