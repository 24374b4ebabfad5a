/**
 * An upstream that keeps answering garbage for one task (fields missing, wrong types, an HTML
 * error page, an empty body, half a JSON body, HTTP errors): the task's watch stays pending,
 * polled again and again, with `lastError` naming the problem, nothing is delivered, and
 * `GET /tasks/{id}` answers 502 problem+json. Extra fields are harmless. When the upstream
 * heals, the watch delivers. Each case runs on a legacy task (DescribeNetTaskResult) and a vpc
 * task (DescribeVpcTaskResult) side by side.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { handler } from "../../functions/http";
import { loadConfig } from "../../lib/config";
import { createRelay, type Relay } from "../../lib/relay";
import { runtime } from "../../lib/runtime";
import type { FaultSpec } from "../../scripts/emulator/index";
import { httpEvent, scfContext } from "../support/events";
import { API_TOKEN, quickPolls, startStack, WEBHOOK_SECRET, type Stack } from "../support/stack";
import { quietLogger } from "../support/capture";
import { countBy, duplicatesIn, printCounts } from "../support/tally";

let stack: Stack;
let relay: Relay;
beforeAll(async () => {
  stack = await startStack({
    ...quickPolls(),
    NETTASK_MAX_ATTEMPTS: "2",
    // Room for two watches to be polled again and again within a short poll.
    POLL_RATE_LIMIT: "100",
    // A poll cut off by the end of its budget (a retry's backoff, say) keeps its watch leased;
    // a short lease lets the next poll take the watch again, as the next timer run would.
    POLL_LEASE_MS: "1000",
    WEBHOOK_TIMEOUT_MS: "500",
  });
  relay = await createRelay(loadConfig(), { logger: quietLogger("chaos-upstream-garbage") });
});
afterAll(async () => {
  await relay?.close();
  await (await runtime.relay()).close();
  await stack?.close();
});

const KINDS = [
  { api: "legacy", action: "DescribeNetTaskResult", region: "gz" },
  { api: "vpc", action: "DescribeVpcTaskResult", region: "ap-guangzhou" },
] as const;
type Kind = (typeof KINDS)[number];

/** What `lastError` says, per kind. */
type Problem = (kind: Kind) => RegExp;
const forBoth =
  (problem: RegExp): Problem =>
  () =>
    problem;

const GARBAGE: Array<[string, Omit<FaultSpec, "taskId">, Problem]> = [
  [
    "fields missing",
    { kind: "missing-fields" },
    ({ api }) =>
      api === "vpc"
        ? /malformed response \(body is not a DescribeVpcTaskResult response: Response\..*Status/
        : /malformed response \(body is not a DescribeNetTaskResult response: .*code/,
  ],
  [
    "wrong types",
    { kind: "wrong-types" },
    ({ api }) =>
      api === "vpc"
        ? /malformed response \(body is not a DescribeVpcTaskResult response: Response\.Status must be one of: "SUCCESS", "FAILED", "RUNNING"/
        : /malformed response \(body is not a DescribeNetTaskResult response: code must be integer/,
  ],
  ["an HTML error page", { kind: "html" }, forBoth(/malformed response \(body is not JSON: "<!DOCTYPE html>/)],
  ["an empty body", { kind: "empty" }, forBoth(/malformed response \(empty body\)/)],
  ["half a JSON body", { kind: "malformed" }, forBoth(/malformed response \(body is not JSON: "\{/)],
  ["HTTP 503 with an HTML page", { kind: "http", status: 503 }, forBoth(/HTTP 503 Service Unavailable/)],
  ["HTTP 404 with an HTML page", { kind: "http", status: 404 }, forBoth(/HTTP 404 Not Found/)],
];

const readTask = (taskId: number | string, region: string) =>
  handler(
    httpEvent("scf-function-url", {
      method: "GET",
      path: `/tasks/${taskId}`,
      query: { region },
      headers: { Authorization: `Bearer ${API_TOKEN}` },
    }),
    scfContext() as never,
  ) as Promise<{
    statusCode: number;
    headers: Record<string, string>;
    body: string;
  }>;

/** A task of each kind, finished already (in `region`, else the kind's usual name for Guangzhou). */
function finishedTasks(region?: string) {
  return KINDS.map((kind) => {
    const spec = { region: region ?? kind.region, durationMs: 0 };
    // A Result list, so that distortions reach its items too.
    const task =
      kind.api === "vpc"
        ? stack.emulator.createTask({ ...spec, api: "vpc", result: [{ ResourceId: "eni-olifj433", Status: "SUCCESS" }] })
        : stack.emulator.createTask(spec);
    return { kind, task };
  });
}

const destination = () => ({ type: "webhook" as const, url: stack.inbox.url, secret: WEBHOOK_SECRET });

it.each(GARBAGE)(
  "%s: the watches stay pending naming the problem, GET /tasks answers 502, and they deliver once the upstream heals",
  async (_name, fault, problem) => {
    // Finished already: the only thing between each watch and its delivery is the garbage.
    const tasks = finishedTasks();
    for (const { task } of tasks) stack.emulator.injectFault({ ...fault, taskId: task.taskId } as FaultSpec);
    const before = stack.inbox.received().length;

    const watches = [];
    for (const { kind, task } of tasks) {
      const { watch } = await relay.registerWatch({ ...task, destination: destination() });
      expect(watch).toMatchObject({
        api: kind.api,
        state: "pending",
        polls: 1,
        lastResult: null,
        lastError: { message: expect.stringMatching(problem(kind)) },
      });
      watches.push(watch);
    }
    await relay.poll({ budgetMs: 600 });
    const stillPending = await Promise.all(watches.map((w) => relay.getWatch(w.id)));
    for (const [i, { kind, task }] of tasks.entries()) {
      expect(stillPending[i]).toMatchObject({
        state: "pending",
        event: null,
        lastError: { message: expect.stringMatching(problem(kind)) },
      });
      expect(stillPending[i]!.polls).toBeGreaterThan(2);

      const answer = await readTask(task.taskId, task.region);
      expect(answer.statusCode).toBe(502);
      expect(answer.headers["content-type"]).toBe("application/problem+json");
      const detail = fault.kind === "http" ? problem(kind) : new RegExp(`^${kind.action} malformed response\\.$`);
      expect(JSON.parse(answer.body)).toMatchObject({
        type: expect.stringMatching(/\/upstream-failed$/),
        status: 502,
        detail: expect.stringMatching(detail),
      });
    }
    expect(stack.inbox.received().length).toBe(before);

    stack.emulator.clearFaults();
    await relay.poll({ budgetMs: 2_000 });
    const healed = await Promise.all(watches.map((w) => relay.getWatch(w.id)));
    for (const watch of healed) expect(watch).toMatchObject({ state: "delivered", lastError: null, lastResult: { status: "succeeded" } });
    const received = stack.inbox.received().slice(before);
    printCounts(`chaos/upstream-garbage (${fault.kind}${fault.status ?? ""})`, {
      tasks: tasks.length,
      kinds: tasks.map((t) => t.kind.api).join(","),
      pollsWhileGarbage: stillPending.map((w) => w!.polls).join("/"),
      deliveries: received.length,
      duplicates: duplicatesIn(countBy(received, (d) => d.id)),
      lost: healed.filter((w) => w!.state !== "delivered").length,
    });
    expect(received.map((d) => d.id).sort()).toEqual(healed.map((w) => w!.event!.id).sort());
    expect(received.map((d) => d.type).sort()).toEqual(["com.tencentcloud.vpc.nettask.succeeded", "com.tencentcloud.vpc.task.succeeded"]);
  },
);

it("extra fields in every answer are harmless: the watches deliver at once", async () => {
  const tasks = finishedTasks("sh");
  for (const { task } of tasks) stack.emulator.injectFault({ kind: "extra-fields", taskId: task.taskId });
  for (const { kind, task } of tasks) {
    const { watch } = await relay.registerWatch({ ...task, destination: destination() });
    expect(watch).toMatchObject({ api: kind.api, state: "delivered", lastError: null, lastResult: { status: "succeeded" } });
    expect((await readTask(task.taskId, task.region)).statusCode).toBe(200);
  }
  stack.emulator.clearFaults();
});
