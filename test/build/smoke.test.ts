/**
 * The shipped bundles (dist/, as `npm run build` writes them) in fresh Node processes, driven
 * by the four trigger kinds they are deployed behind, against the emulator: an SCF Function
 * URL event and an SCF timer event with a SQLite store, API Gateway HTTP API events and an
 * EventBridge schedule (separate processes, like separate invocations) with a Redis store. Deliveries go to a webhook inbox that verifies
 * every signature, and the children report which lazy chunks they loaded.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build, type BuiltFunction } from "../../scripts/build";
import { fixture, httpEvent, type HttpPlatform } from "../support/events";
import { API_TOKEN, DOCUMENTED_297, startStack, WEBHOOK_SECRET, type Stack } from "../support/stack";
import { deleteRedisKeys } from "../support/redis";

interface Step {
  fn: "http" | "poll";
  event: unknown;
}

interface ChildRun {
  results: any[];
  /** Lazy chunk files the child had loaded at the end, relative to dist/. */
  chunks: string[];
}

let stack: Stack;
let built: BuiltFunction[];
const redisPrefix = `smoke-${randomUUID()}:`;

beforeAll(async () => {
  stack = await startStack();
  built = await build();
}, 120_000);

afterAll(async () => {
  await deleteRedisKeys("redis://127.0.0.1:6379", redisPrefix);
  await stack?.close();
});

/** Runs the steps in one fresh `node` (both bundles share its environment, as on one platform). */
async function runChild(steps: Step[], env: Record<string, string> = {}): Promise<ChildRun> {
  const bundles = Object.fromEntries(built.map((fn) => [fn.name, fn.bundle]));
  const script = `
    const bundles = ${JSON.stringify(bundles)};
    const context = (i) => {
      const deadline = Date.now() + 10000;
      return { request_id: "smoke-" + i, awsRequestId: "smoke-" + i, getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
    };
    (async () => {
      const results = [];
      for (const [i, step] of ${JSON.stringify(steps)}.entries()) {
        results.push(await require(bundles[step.fn]).handler(step.event, context(i)));
      }
      const chunks = Object.keys(require.cache).filter((f) => f.includes("/chunks/")).map((f) => f.slice(f.indexOf("/dist/") + 6));
      process.stdout.write("\\n" + JSON.stringify({ results, chunks }));
      process.exit(0);
    })().catch((error) => { console.error(error); process.exit(1); });`;
  const { stdout } = await promisify(execFile)(process.execPath, ["-e", script], {
    env: { PATH: process.env.PATH, ...stack.env, ...env },
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split("\n").pop()!);
}

const auth = { authorization: `Bearer ${API_TOKEN}` };
const inboxDestination = () => ({ type: "webhook", url: stack.inbox.url, secret: WEBHOOK_SECRET });
const readTask297 = (platform: HttpPlatform): Step => ({
  fn: "http",
  event: httpEvent(platform, { method: "GET", path: "/tasks/297", query: { region: "gz" }, headers: auth }),
});
/** POST /watches of `taskId` into the inbox; `base64` as gateways send bodies of binary media types. */
const watchIntoInbox = (platform: HttpPlatform, taskId: number, base64 = false): Step => ({
  fn: "http",
  event: httpEvent(platform, {
    method: "POST",
    path: "/watches",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ taskId, region: "gz", destination: inboxDestination() }),
    base64,
  }),
});
const received = (taskId: number) => stack.inbox.received().filter((d) => (d.event as { data: { taskId: number } }).data.taskId === taskId);

describe("SCF: Function URL and timer events, SQLite store", () => {
  it("answers, registers, polls and delivers, loading the relay's, the store's and delivery's chunks and no other", async () => {
    const timerTask = stack.emulator.createTask({ region: "gz", data: { total: 0, detail: [] } });
    const message = JSON.stringify({ watches: [{ taskId: timerTask.taskId, region: "gz", destination: inboxDestination() }] });
    const run = await runChild([
      readTask297("scf-function-url"),
      watchIntoInbox("scf-function-url", 297),
      { fn: "poll", event: { ...fixture("scf-timer"), Message: message } },
    ]);
    const [task, watch, report] = run.results;
    expect(task.statusCode).toBe(200);
    expect(JSON.parse(task.body)).toEqual(DOCUMENTED_297);
    expect(watch.statusCode).toBe(202);
    expect(JSON.parse(watch.body)).toMatchObject({ api: "legacy", taskId: 297, region: "ap-guangzhou", state: "delivered" });
    expect(report).toMatchObject({ registered: 1, problems: [] });
    for (const taskId of [297, timerTask.taskId]) {
      expect(received(taskId)).toEqual([expect.objectContaining({ verified: true, type: "com.tencentcloud.vpc.nettask.succeeded" })]);
    }
    expect(run.chunks.sort()).toEqual([
      "http/chunks/delivery.js",
      "http/chunks/relay.js",
      "http/chunks/sqlite-store.js",
      "http/chunks/watch-routes.js",
      "poll/chunks/delivery.js",
      "poll/chunks/relay.js",
      "poll/chunks/sqlite-store.js",
    ]);
  });

  it("answers GET /tasks without loading any chunk: reading a task needs no store and no relay", async () => {
    const run = await runChild([readTask297("scf-function-url")]);
    expect(run.results[0].statusCode).toBe(200);
    expect(run.chunks).toEqual([]);
  });

  it("answers the mistakes found inside the relay's chunks with their problem, not a 500", async () => {
    // Errors thrown in a chunk are instances of that chunk's copy of their class (lib/errors.ts).
    const running = stack.emulator.createTask({ region: "gz", durationMs: 60_000 });
    const post = (body: unknown, path = "/watches"): Step => ({
      fn: "http",
      event: httpEvent("scf-function-url", {
        method: "POST",
        path,
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
    });
    const get = (path: string): Step => ({ fn: "http", event: httpEvent("scf-function-url", { method: "GET", path, headers: auth }) });
    const run = await runChild([
      get("/watches/w_aaaaaaaaaaaaaaaaaaaaaaaaaa"),
      post({ taskId: 297, region: "gz" }),
      post({ taskId: 297, region: "gz", destination: { type: "webhook", url: "https://10.1.2.3/hook", secret: WEBHOOK_SECRET } }),
      post({ taskId: "00000000-0000-4000-8000-000000000000", region: "ap-guangzhou", destination: inboxDestination() }),
      post({ taskId: running.taskId, region: "gz", destination: inboxDestination() }),
    ]);
    const answers = run.results.map((r) => ({ status: r.statusCode, type: JSON.parse(r.body).type as string | undefined }));
    expect(answers).toEqual([
      { status: 404, type: "/problems/not-found" },
      { status: 422, type: "/problems/invalid-input" },
      { status: 422, type: "/problems/invalid-input" },
      { status: 404, type: "/problems/not-found" },
      { status: 202, type: undefined },
    ]);
    const id = JSON.parse(run.results[4].body).id as string;
    const again = await runChild([post({}, `/watches/${id}/redeliver`)]);
    expect(again.results[0].statusCode).toBe(409);
    expect(JSON.parse(again.results[0].body).type).toBe("/problems/conflict");
  });

  it("loads the TDMQ chunk to deliver to CMQ, and no other but the relay's, the store's and delivery's", async () => {
    const queue = `smoke-${randomUUID().slice(0, 8)}`;
    const message = JSON.stringify({ watches: [{ taskId: 297, region: "gz", destination: { type: "cmq", queue } }] });
    const run = await runChild([{ fn: "poll", event: { ...fixture("scf-timer"), Message: message } }]);
    expect(run.results[0]).toMatchObject({ registered: 1, problems: [] });
    expect(stack.emulator.cmqMessages(queue)).toHaveLength(1);
    expect(run.chunks.sort()).toEqual([
      "poll/chunks/delivery.js",
      "poll/chunks/relay.js",
      "poll/chunks/sqlite-store.js",
      "poll/chunks/tdmq.js",
    ]);
  });
});

describe("AWS: API Gateway HTTP API and EventBridge events, Redis store", () => {
  it("registers a running task over HTTP; a scheduled poll after it finished delivers it", async () => {
    const redis = {
      STORE_URL: `redis://127.0.0.1:6379/0?prefix=${redisPrefix}`,
      POLL_MIN_DELAY_MS: "100",
      POLL_MAX_DELAY_MS: "200",
    };
    const running = stack.emulator.createTask({ region: "gz", durationMs: 3_000 });
    const finishesAt = Date.now() + 3_000;
    const api = await runChild([readTask297("aws-http-api-v2"), watchIntoInbox("aws-http-api-v2", running.taskId, true)], redis);
    const [task, watch] = api.results;
    expect(task.statusCode).toBe(200);
    expect(JSON.parse(task.body)).toEqual(DOCUMENTED_297);
    expect(watch.statusCode).toBe(202);
    expect(JSON.parse(watch.body)).toMatchObject({ taskId: running.taskId, state: "pending" });

    await sleep(Math.max(0, finishesAt - Date.now()));
    const poll = await runChild([{ fn: "poll", event: fixture("aws-eventbridge-schedule") }], redis);
    expect(poll.results[0]).toMatchObject({ claimed: 1, finished: { succeeded: 1 }, deliveries: { ok: 1, failed: 0 }, problems: [] });
    expect(received(running.taskId)).toEqual([expect.objectContaining({ verified: true, type: "com.tencentcloud.vpc.nettask.succeeded" })]);
    expect([...api.chunks, ...poll.chunks].sort()).toEqual([
      "http/chunks/delivery.js",
      "http/chunks/redis-store.js",
      "http/chunks/relay.js",
      "http/chunks/watch-routes.js",
      "poll/chunks/delivery.js",
      "poll/chunks/redis-store.js",
      "poll/chunks/relay.js",
    ]);
  });
});
