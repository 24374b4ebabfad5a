/**
 * Upstream chaos: an emulator that answers about half of all task queries badly (busy or
 * internal errors — 9005 for legacy queries, InternalError for API 3.0 ones —, HTTP 502, half a
 * JSON body, 5-second stalls, throttling — 4400 or RequestLimitExceeded) and enforces the rate
 * limit itself. 500 watches on legacy, vpc and eip tasks in turn, finishing at random short
 * times, a fifth of them failing, still each reach their configured outcome in their kind's
 * event family, delivered once, and the poller never sends more task queries of all kinds
 * together in any second than POLL_RATE_LIMIT.
 */
import pLimit from "p-limit";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadConfig } from "../../lib/config";
import { createRelay } from "../../lib/relay";
import { startEmulator, type Emulator, type FaultSpec } from "../../scripts/emulator/index";
import { startStack, WEBHOOK_SECRET, type Stack } from "../support/stack";
import { quietLogger } from "../support/capture";
import { createChaosTask, eventTaskKey, kindAt, reportsTask, taskKey, type ChaosTask } from "../support/chaos-kinds";
import { busiestSecond, countBy, duplicatesIn, expectExactlyOnce, listCounts, printCounts } from "../support/tally";

const WATCHES = 500;
const RATE = 100;
const STALL_MS = 5_000;
const KINDS = ["legacy", "vpc", "eip"] as const;
/** What the emulator answers a query over its rate limit, per API. */
const OVER_LIMIT = new Set<number | string>([4400, "RequestLimitExceeded"]);

/**
 * Shares of each API's queries. The emulator applies the first fault that fires, so each fault's
 * own rate is its share of what the faults before it left over. A legacy code applies to legacy
 * queries only and an API 3.0 code to API 3.0 queries only, so the two codes of a row split one
 * share between them and every API sees the same shares.
 */
const FAULT_SHARES: Array<[Array<Omit<FaultSpec, "rate">>, number]> = [
  [
    [
      { kind: "code", code: 9005 },
      { kind: "code", code: "InternalError" },
    ],
    0.3,
  ],
  [[{ kind: "http", status: 502 }], 0.1],
  [[{ kind: "malformed" }], 0.05],
  [[{ kind: "delay", delayMs: STALL_MS }], 0.05],
  [
    [
      { kind: "code", code: 4400 },
      { kind: "code", code: "RequestLimitExceeded" },
    ],
    0.05,
  ],
];

let emulator: Emulator;
let stack: Stack;

beforeAll(async () => {
  // Refuses whatever goes over the poller's own limit, all kinds counted together: overshooting would show.
  emulator = await startEmulator({ rateLimit: RATE });
  stack = await startStack({
    NETTASK_ENDPOINT: emulator.endpoint,
    VPC_ENDPOINT: emulator.vpcEndpoint,
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
  for (const [faults, share] of FAULT_SHARES) {
    for (const fault of faults) emulator.injectFault({ ...fault, rate: share / left } as FaultSpec);
    left -= share;
  }
});
afterAll(async () => {
  await stack?.close();
  await emulator?.close();
});

it("delivers 500 outcomes of legacy, vpc and eip tasks once each through a faulty, throttling upstream without exceeding the rate limit", {
  timeout: 150_000,
}, async () => {
  const relay = await createRelay(loadConfig(), { logger: quietLogger("chaos-upstream") });
  try {
    const destination = { type: "webhook" as const, url: stack.inbox.url, secret: WEBHOOK_SECRET };
    const tasks = new Map<string, ChaosTask>();
    // Each task starts running just before its watch is registered, so most are still running then.
    const register = async (i: number) => {
      const api = kindAt(i, KINDS);
      const task = createChaosTask(emulator, api, {
        region: "gz",
        durationMs: Math.floor(Math.random() * 4_000),
        outcome: i % 5 === 0 ? "failed" : "succeeded",
      });
      tasks.set(taskKey(task), task);
      // Half the legacy and vpc watches leave their kind to be inferred from the id; eip ones must name it.
      const named = api === "eip" || i % 2 === 0;
      return (await relay.registerWatch({ ...(named && { api }), taskId: task.taskId, region: task.region, destination })).watch.id;
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
    const wrongOutcome = received.filter((d) => !reportsTask(d.event, tasks.get(eventTaskKey(d.event)))).length;

    const requests = emulator.requests();
    const busiest = busiestSecond(requests.map((r) => r.at));
    const faults = countBy(
      requests.filter((r) => r.fault),
      (r) => `${r.api}:${r.fault}${r.fault === "code" ? r.code : ""}`,
    );
    const overLimit = requests.filter((r) => OVER_LIMIT.has(r.code) && !r.fault).length;
    printCounts("chaos/upstream", {
      tasks: WATCHES,
      tasksByKind: listCounts(countBy(tasks.values(), (t) => t.api)),
      deliveries: received.length,
      duplicates: duplicatesIn(perEvent),
      lost,
      wrongOutcome,
      requests: requests.length,
      requestsByKind: listCounts(countBy(requests, (r) => r.api)),
      faults: listCounts(faults),
      refusedOverLimit: overLimit,
      busiestSecond: `${busiest}/${RATE}`,
      pollMs: report.elapsedMs + late.elapsedMs,
    });

    expectExactlyOnce({ received, rejected: stack.inbox.rejected(), perEvent, lost, wrongOutcome }, WATCHES);
    expect(busiest).toBeLessThanOrEqual(RATE);
    expect(overLimit).toBe(0);
    // Every kind of fault really happened, to the queries of every kind.
    const api3Faults = (api: string) =>
      ["codeInternalError", "codeRequestLimitExceeded", "delay", "http", "malformed"].map((f) => `${api}:${f}`);
    expect([...faults.keys()].sort()).toEqual(
      [
        ...api3Faults("eip"),
        ...["code4400", "code9005", "delay", "http", "malformed"].map((f) => `legacy:${f}`),
        ...api3Faults("vpc"),
      ].sort(),
    );
  } finally {
    await relay.close();
  }
});
