/**
 * Concurrency: four poll invocations, each its own process with its own Redis connection,
 * work through 2,000 watches of legacy and vpc tasks in turn at the same moment. Nothing
 * crashes, so every outcome reaches the receiver exactly once (counted per event id), in its
 * kind's event family, and every watch ends delivered. The busiest second of their shared rate
 * limit is printed, not asserted: on a loaded machine the arrival jitter of four processes can
 * exceed the limiter's 5% margin (which 4400 and RequestLimitExceeded retries absorb).
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadConfig } from "../../lib/config";
import { createRelay, type PollReport } from "../../lib/relay";
import type { Watch } from "../../lib/schemas/index";
import { resolveTask } from "../../lib/upstream/task-ref";
import { newWatch } from "../../lib/watches/model";
import { openRedisStore, type RedisWatchStore } from "../../lib/watches/redis-store";
import { startStack, WEBHOOK_SECRET, type Stack } from "../support/stack";
import { quietLogger, recordOutput } from "../support/capture";
import { createChaosTask, eventTaskKey, kindAt, reportsTask, taskKey, type ChaosTask } from "../support/chaos-kinds";
import { busiestSecond, countBy, duplicatesIn, expectExactlyOnce, listCounts, printCounts } from "../support/tally";
import { deleteRedisKeys } from "../support/redis";

const WATCHES = 2_000;
const POLLERS = 4;
const RATE = 200;
const SERVER = "redis://127.0.0.1:6379/0";
const prefix = `nettask-chaos-${randomBytes(4).toString("hex")}:`;

let stack: Stack;
let store: RedisWatchStore;

beforeAll(async () => {
  stack = await startStack({
    STORE_URL: `${SERVER}?prefix=${prefix}`,
    POLL_RATE_LIMIT: String(RATE),
    POLL_CONCURRENCY: "16",
    POLL_MIN_DELAY_MS: "200",
    POLL_MAX_DELAY_MS: "1000",
  });
});

afterAll(async () => {
  await store?.close();
  await stack?.close();
  await deleteRedisKeys(SERVER, prefix);
});

/** One poll invocation in its own process (test/support/poll-child.ts); resolves with its report. */
function pollInChild(index: number): Promise<PollReport> {
  const child = spawn(process.execPath, ["--import", "tsx", "test/support/poll-child.ts"], {
    env: { ...process.env, CHILD_BUDGET_MS: "60000", LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk));
  return new Promise((resolve, reject) => {
    child.on("exit", (code) => {
      recordOutput(`chaos-concurrency-poller-${index}`, output);
      const report = output.trim().split("\n").at(-1) ?? "";
      if (code === 0 && report.startsWith("{")) resolve(JSON.parse(report) as PollReport);
      else reject(new Error(`poller ${index} exited with ${code}:\n${output}`));
    });
  });
}

it("four pollers on one Redis store deliver 2,000 watches exactly once each", { timeout: 120_000 }, async () => {
  // Opened here so that without Redis the test fails rather than being skipped.
  store = await openRedisStore(`${SERVER}?prefix=${prefix}`);
  const destination = { type: "webhook" as const, url: stack.inbox.url, secret: WEBHOOK_SECRET };
  // All come due together a little after the pollers have started, so they compete from the first claim.
  const startAt = Date.now() + 4_000;
  const tasks = new Map<string, ChaosTask>();
  const watches: Watch[] = Array.from({ length: WATCHES }, (_, i) => {
    const task = createChaosTask(stack.emulator, kindAt(i), {
      region: "gz",
      // Of each kind, half have finished already, half finish while being polled; every fifth fails.
      durationMs: i % 4 < 2 ? 0 : 4_000 + Math.floor(Math.random() * 3_000),
      outcome: i % 5 === 0 ? "failed" : "succeeded",
    });
    tasks.set(taskKey(task), task);
    return {
      ...newWatch({ task: resolveTask({ api: task.api, taskId: task.taskId, region: task.region }), destination }, Date.now(), 3_600),
      dueAt: startAt,
    };
  });
  expect(await store.insertMany(watches)).toBe(WATCHES);

  const reports = await Promise.all(Array.from({ length: POLLERS }, (_, i) => pollInChild(i)));

  const received = stack.inbox.received();
  const perEvent = countBy(received, (d) => d.id);
  const stored = await Promise.all(watches.map((w) => store.get(w.id)));
  const lost = stored.filter((w) => w?.state !== "delivered" || perEvent.get(w.event!.id) !== 1).length;
  const wrongOutcome = received.filter((d) => !reportsTask(d.event, tasks.get(eventTaskKey(d.event)))).length;
  const delivered = reports.reduce((n, r) => n + r.deliveries.ok, 0);
  const requests = stack.emulator.requests();
  const busiest = busiestSecond(requests.map((r) => r.at));
  printCounts("chaos/concurrency", {
    tasks: WATCHES,
    tasksByKind: listCounts(countBy(tasks.values(), (t) => t.api)),
    pollers: POLLERS,
    deliveries: received.length,
    duplicates: duplicatesIn(perEvent),
    lost,
    wrongOutcome,
    claimedPerPoller: reports.map((r) => r.claimed).join("/"),
    deliveredPerPoller: reports.map((r) => r.deliveries.ok).join("/"),
    requests: requests.length,
    requestsByKind: listCounts(countBy(requests, (r) => r.api)),
    busiestSecond: `${busiest}/${RATE}`,
    pollMs: Math.max(...reports.map((r) => r.elapsedMs)),
  });

  expectExactlyOnce({ received, rejected: stack.inbox.rejected(), perEvent, lost, wrongOutcome }, WATCHES);
  expect(delivered).toBe(WATCHES);
  expect(reports.flatMap((r) => r.problems)).toEqual([]);
  // The work really was shared: every poller claimed and delivered some of it.
  for (const report of reports) expect(report.deliveries.ok).toBeGreaterThan(0);
  expect(await store.countByState()).toMatchObject({ delivered: WATCHES, pending: 0, delivering: 0 });
});

it("the same 50 watches (legacy and vpc tasks in turn) registered at once through four relays (four HTTP function instances) are each stored and delivered once", {
  timeout: 60_000,
}, async () => {
  const relays = await Promise.all(
    Array.from({ length: POLLERS }, () => createRelay(loadConfig(), { logger: quietLogger("chaos-concurrency-register") })),
  );
  try {
    const before = stack.inbox.received().length;
    const destination = { type: "webhook" as const, url: `${stack.inbox.url}register`, secret: WEBHOOK_SECRET };
    const tasks = Array.from({ length: 50 }, (_, i) =>
      createChaosTask(stack.emulator, kindAt(i), { region: "sh", durationMs: 0, outcome: "succeeded" }),
    );
    // Every relay registers every watch, all at the same moment.
    const results = await Promise.all(
      relays.flatMap((relay) => tasks.map(({ api, taskId, region }) => relay.registerWatch({ api, taskId, region, destination }))),
    );

    const received = stack.inbox.received().slice(before);
    const perEvent = countBy(received, (d) => d.id);
    const byKey = new Map(tasks.map((t) => [taskKey(t), t]));
    const wrongOutcome = received.filter((d) => !reportsTask(d.event, byKey.get(eventTaskKey(d.event)))).length;
    const created = results.filter((r) => r.created).length;
    printCounts("chaos/concurrency-register", {
      tasks: tasks.length,
      registrations: results.length,
      created,
      deliveries: received.length,
      duplicates: duplicatesIn(perEvent),
      lost: tasks.length - perEvent.size,
      wrongOutcome,
    });
    expect(created).toBe(tasks.length);
    expect(new Set(results.map((r) => r.watch.id)).size).toBe(tasks.length);
    expect(perEvent.size).toBe(tasks.length);
    expect(duplicatesIn(perEvent)).toBe(0);
    expect(wrongOutcome).toBe(0);
  } finally {
    await Promise.all(relays.map((r) => r.close()));
  }
});
