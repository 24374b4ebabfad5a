/**
 * Upstream chaos: an emulator that answers about half of all requests badly (9005 busy, HTTP
 * 502, half a JSON body, 5-second stalls, 4400 throttling) and enforces the rate limit itself.
 * 500 watches on tasks that finish at random short times, a fifth of them failing, still each
 * reach their configured outcome, delivered once, and the poller never sends more requests in
 * any second than POLL_RATE_LIMIT.
 */
import pLimit from "p-limit";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadConfig } from "../../lib/config";
import { createRelay } from "../../lib/relay";
import { startEmulator, type Emulator, type FaultSpec } from "../../scripts/emulator/index";
import { startStack, WEBHOOK_SECRET, type Stack } from "../http/stack";
import { quietLogger } from "../security/capture";
import { busiestSecond, countBy, duplicatesIn, printCounts } from "./tally";

const WATCHES = 500;
const RATE = 100;
const STALL_MS = 5_000;

/**
 * Shares of all requests. The emulator applies the first fault that fires, so each fault's own
 * rate is its share of what the faults before it left over.
 */
const FAULT_SHARES: Array<[Omit<FaultSpec, "rate">, number]> = [
  [{ kind: "code", code: 9005 }, 0.3],
  [{ kind: "http", status: 502 }, 0.1],
  [{ kind: "malformed" }, 0.05],
  [{ kind: "delay", delayMs: STALL_MS }, 0.05],
  [{ kind: "code", code: 4400 }, 0.05],
];

let emulator: Emulator;
let stack: Stack;

beforeAll(async () => {
  // Refuses with 4400 whatever goes over the poller's own limit: overshooting would show.
  emulator = await startEmulator({ rateLimit: RATE });
  stack = await startStack({
    NETTASK_ENDPOINT: emulator.endpoint,
    POLL_RATE_LIMIT: String(RATE),
    POLL_CONCURRENCY: "32",
    POLL_MIN_DELAY_MS: "300",
    POLL_MAX_DELAY_MS: "2000",
    NETTASK_MAX_ATTEMPTS: "4",
    // A stall becomes a client timeout and a retry, not a 5-second wait.
    NETTASK_TIMEOUT_MS: "500",
    DELIVERY_SCHEDULE: "0,100ms,500ms,1s",
  });
  let left = 1;
  for (const [fault, share] of FAULT_SHARES) {
    emulator.injectFault({ ...fault, rate: share / left } as FaultSpec);
    left -= share;
  }
});
afterAll(async () => {
  await stack?.close();
  await emulator?.close();
});

it("delivers 500 outcomes once each through a faulty, throttling upstream without exceeding the rate limit", { timeout: 150_000 }, async () => {
  const relay = await createRelay(loadConfig(), { logger: quietLogger("chaos-upstream") });
  try {
    const destination = { type: "webhook" as const, url: stack.inbox.url, secret: WEBHOOK_SECRET };
    const outcomes = new Map<number, "succeeded" | "failed">();
    // Each task starts running just before its watch is registered, so most are still running then.
    const register = async (i: number) => {
      const failure = i % 5 === 0;
      const task = emulator.createTask({
        region: "gz",
        durationMs: Math.floor(Math.random() * 4_000),
        ...(failure ? { outcome: "failure" as const, output: { code: 29259, message: "rule expansion too large" } } : {}),
      });
      outcomes.set(task.taskId, failure ? "failed" : "succeeded");
      return (await relay.registerWatch({ ...task, destination })).watch.id;
    };
    const limit = pLimit(16);
    const first = await Promise.all(Array.from({ length: 50 }, (_, i) => limit(() => register(i))));
    // The poller works while the rest are registered, as the timer would.
    const polling = relay.poll({ budgetMs: 120_000 });
    const rest = await Promise.all(Array.from({ length: WATCHES - 50 }, (_, i) => limit(() => register(i + 50))));
    const report = await polling;
    // Should the loop run out of work before the last registrations, the next run takes them.
    const late = await relay.poll({ budgetMs: 60_000 });
    const ids = [...first, ...rest];

    const received = stack.inbox.received();
    const perEvent = countBy(received, (d) => d.id);
    const watches = await Promise.all(ids.map((id) => relay.getWatch(id)));
    const lost = watches.filter((w) => w?.state !== "delivered" || perEvent.get(w.event!.id) !== 1).length;
    const wrongOutcome = received.filter((d) => {
      const data = (d.event as { data: { taskId: number } }).data;
      return d.type !== `com.tencentcloud.vpc.nettask.${outcomes.get(data.taskId)}`;
    }).length;

    const requests = emulator.requests();
    const busiest = busiestSecond(requests.map((r) => r.at));
    const faults = countBy(requests.filter((r) => r.fault), (r) => `${r.fault}${r.fault === "code" ? r.code : ""}`);
    const overLimit = requests.filter((r) => r.code === 4400 && !r.fault).length;
    printCounts("chaos/upstream", {
      tasks: WATCHES,
      deliveries: received.length,
      duplicates: duplicatesIn(perEvent),
      lost,
      wrongOutcome,
      requests: requests.length,
      faults: [...faults].map(([k, n]) => `${k}:${n}`).join(","),
      refusedOverLimit: overLimit,
      busiestSecond: `${busiest}/${RATE}`,
      pollMs: report.elapsedMs + late.elapsedMs,
    });

    expect(received.every((d) => d.verified)).toBe(true);
    expect(stack.inbox.rejected()).toEqual([]);
    expect(perEvent.size).toBe(WATCHES);
    expect(duplicatesIn(perEvent)).toBe(0);
    expect(lost).toBe(0);
    expect(wrongOutcome).toBe(0);
    expect(busiest).toBeLessThanOrEqual(RATE);
    expect(overLimit).toBe(0);
    // Every kind of fault really happened.
    expect([...faults.keys()].sort()).toEqual(["code4400", "code9005", "delay", "http", "malformed"]);
  } finally {
    await relay.close();
  }
});
