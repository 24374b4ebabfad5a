/**
 * Every line a function writes during an invocation carries that invocation's correlation_id
 * (the platform's request id): the handler's own lines, and the relay's, the task client's and
 * the store's, whose loggers are made once per warm container and shared by invocations. The
 * watches here fail their deliveries (a webhook answering 500) and their polls (an upstream
 * fault), so the relay has lines to write; the level is debug, so the client's retries do too.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpHandler } from "../../functions/http";
import { createPollHandler } from "../../functions/poll";
import { loadConfig } from "../../lib/config";
import { createRuntime, type Runtime } from "../../lib/runtime";
import { startReceiver, status } from "../support/delivery";
import { API_TOKEN, startStack, WEBHOOK_SECRET, type Stack } from "../support/stack";
import { captureLogs } from "../support/capture-logs";
import { fixture, httpEvent, lambdaContext, scfContext } from "../support/events";

const SAFETY_MARGIN_MS = 200;

let stack: Stack;
let runtime: Runtime;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let http: ReturnType<typeof createHttpHandler>;
let poll: ReturnType<typeof createPollHandler>;
/** A task that keeps running, watched by a watch whose polls fail. */
let running: number;

beforeAll(async () => {
  receiver = await startReceiver([status(500)]);
  stack = await startStack(
    {
      LOG_LEVEL: "debug",
      NETTASK_MAX_ATTEMPTS: "2",
      // A failed first attempt is tried again within a poll's budget, the next ones long after.
      DELIVERY_SCHEDULE: "0,1s,1h",
      POLL_MIN_DELAY_MS: "100",
      POLL_MAX_DELAY_MS: "100",
      POLL_SAFETY_MARGIN_MS: String(SAFETY_MARGIN_MS),
    },
    { processEnv: false },
  );
  runtime = createRuntime(() => loadConfig(stack.env));
  http = createHttpHandler(runtime);
  poll = createPollHandler(runtime);
  running = stack.emulator.createTask({ region: "gz", durationMs: 3_600_000 }).taskId;
  const registered = await captureLogs(() => http(register(running), scfContext(30_000, "setup")));
  expect(registered.result).toMatchObject({ statusCode: 202 });
  // From now on every poll of it fails with a transient code (retried once, then given up).
  stack.emulator.injectFault({ kind: "code", code: 6000, taskId: running });
});

afterAll(async () => {
  await (await runtime.relay()).close();
  await Promise.all([stack?.close(), receiver?.close()]);
});

/** POST /watches of `taskId` in gz, delivered to the webhook that always answers 500. */
const register = (taskId: number) =>
  httpEvent("aws-http-api-v2", {
    method: "POST",
    path: "/watches",
    headers: { Authorization: `Bearer ${API_TOKEN}`, "Content-Type": "application/json" },
    body: JSON.stringify({ taskId, region: "gz", destination: { type: "webhook", url: receiver.url, secret: WEBHOOK_SECRET } }),
  });

const finishedTask = () => stack.emulator.createTask({ region: "gz" }).taskId;
const messages = (logs: any[]) => new Set(logs.map((l) => l.message));

describe("one invocation", () => {
  it("http: the access line, the inline delivery's failure and anything else carry its id", async () => {
    const { logs, result } = await captureLogs(() => http(register(finishedTask()), lambdaContext(30_000, "http-1")));
    expect(result).toMatchObject({ statusCode: 202 });
    expect(messages(logs)).toEqual(new Set(["delivery attempt failed", "http request"]));
    for (const line of logs) expect(line, JSON.stringify(line)).toMatchObject({ correlation_id: "http-1" });
    expect(logs.filter((l) => l.message === "http request")).toHaveLength(1);
  });

  it("poll: the relay's failed polls and deliveries, the client's retries and the report carry its id", async () => {
    const watchId = JSON.parse((await captureLogs(() => http(register(finishedTask()), scfContext()))).result!.body).id;
    await new Promise((r) => setTimeout(r, 1_250)); // the second attempt comes due (1 s ± 20%)
    const { logs, result } = await captureLogs(() => poll(fixture("scf-timer"), scfContext(SAFETY_MARGIN_MS + 600, "poll-1")));
    expect(result!.deliveries.failed).toBeGreaterThanOrEqual(1);
    expect(logs).toContainEqual(expect.objectContaining({ message: "delivery attempt failed", watchId }));
    expect(logs).toContainEqual(expect.objectContaining({ message: "poll failed", taskId: running }));
    expect(logs).toContainEqual(expect.objectContaining({ level: "debug", message: "DescribeNetTaskResult retry", taskId: running }));
    expect(logs).toContainEqual(expect.objectContaining({ level: "info", message: "poll" }));
    for (const line of logs) expect(line, JSON.stringify(line)).toMatchObject({ correlation_id: "poll-1" });
  });
});

it("two invocations at once: each line carries the id of the invocation that wrote it", async () => {
  const task = finishedTask();
  const { logs, result } = await captureLogs(() =>
    Promise.all([
      http(register(task), lambdaContext(30_000, "http-2")),
      // Shorter than the 800 ms at least before the new watch's second attempt: the poll cannot deliver it.
      poll(fixture("scf-timer"), scfContext(SAFETY_MARGIN_MS + 500, "poll-2")),
    ]),
  );
  const watchId = JSON.parse(result![0].body).id;
  const of = (id: string) => logs.filter((l) => l.correlation_id === id);
  expect(logs.length).toBe(of("http-2").length + of("poll-2").length);
  // Lines only the one or the other can write: about the watch the http invocation registers
  // and delivers, about the watch only pollers poll.
  expect(of("http-2")).toEqual([
    expect.objectContaining({ message: "delivery attempt failed", watchId }),
    expect.objectContaining({ message: "http request", path: "/watches", status: 202 }),
  ]);
  expect(of("poll-2")).toContainEqual(expect.objectContaining({ message: "poll failed", taskId: running }));
  expect(of("poll-2")).toContainEqual(expect.objectContaining({ message: "poll" }));
  expect(of("poll-2").filter((l) => l.watchId === watchId || l.message === "http request")).toEqual([]);
});
