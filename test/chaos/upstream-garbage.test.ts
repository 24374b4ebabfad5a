/**
 * An upstream that keeps answering garbage for one task (fields missing, wrong types, an HTML
 * error page, an empty body, half a JSON body, HTTP errors): the task's watch stays pending,
 * polled again and again, with `lastError` naming the problem, nothing is delivered, and
 * `GET /tasks/{id}` answers 502 problem+json. Extra fields are harmless. When the upstream
 * heals, the watch delivers.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { handler } from "../../functions/http";
import { loadConfig } from "../../lib/config";
import { createRelay, type Relay } from "../../lib/relay";
import { getRelay } from "../../lib/runtime";
import type { FaultSpec } from "../../scripts/emulator/index";
import { httpEvent, scfContext } from "../functions/events";
import { API_TOKEN, startStack, WEBHOOK_SECRET, type Stack } from "../http/stack";
import { quietLogger } from "../security/capture";
import { countBy, duplicatesIn, printCounts } from "./tally";

let stack: Stack;
let relay: Relay;
beforeAll(async () => {
  stack = await startStack({ POLL_MIN_DELAY_MS: "50", POLL_MAX_DELAY_MS: "100", NETTASK_MAX_ATTEMPTS: "2" });
  relay = await createRelay(loadConfig(), { logger: quietLogger("chaos-upstream-garbage") });
});
afterAll(async () => {
  await relay?.close();
  await (await getRelay()).close();
  await stack?.close();
});

const GARBAGE: Array<[string, Omit<FaultSpec, "taskId">, RegExp]> = [
  ["fields missing", { kind: "missing-fields" }, /malformed response \(body is not a DescribeNetTaskResult response: .*code/],
  ["wrong types", { kind: "wrong-types" }, /malformed response \(body is not a DescribeNetTaskResult response: code must be integer/],
  ["an HTML error page", { kind: "html" }, /malformed response \(body is not JSON: "<!DOCTYPE html>/],
  ["an empty body", { kind: "empty" }, /malformed response \(empty body\)/],
  ["half a JSON body", { kind: "malformed" }, /malformed response \(body is not JSON: "\{/],
  ["HTTP 503 with an HTML page", { kind: "http", status: 503 }, /HTTP 503 Service Unavailable/],
  ["HTTP 404 with an HTML page", { kind: "http", status: 404 }, /HTTP 404 Not Found/],
];

const readTask = (taskId: number, region: string) =>
  handler(httpEvent("scf-function-url", { method: "GET", path: `/tasks/${taskId}`, query: { region }, headers: { Authorization: `Bearer ${API_TOKEN}` } }), scfContext() as never) as Promise<{
    statusCode: number;
    headers: Record<string, string>;
    body: string;
  }>;

it.each(GARBAGE)("%s: the watch stays pending naming the problem, GET /tasks answers 502, and it delivers once the upstream heals", async (_name, fault, problem) => {
  // Finished already: the only thing between the watch and its delivery is the garbage.
  const task = stack.emulator.createTask({ region: "gz", durationMs: 0 });
  stack.emulator.injectFault({ ...fault, taskId: task.taskId } as FaultSpec);
  const before = stack.inbox.received().length;

  const { watch } = await relay.registerWatch({ ...task, destination: { type: "webhook", url: stack.inbox.url, secret: WEBHOOK_SECRET } });
  expect(watch).toMatchObject({ state: "pending", polls: 1, lastResult: null, lastError: { message: expect.stringMatching(problem) } });
  await relay.poll({ budgetMs: 600 });
  const stillPending = await relay.getWatch(watch.id);
  expect(stillPending).toMatchObject({ state: "pending", event: null, lastError: { message: expect.stringMatching(problem) } });
  expect(stillPending!.polls).toBeGreaterThan(2);

  const answer = await readTask(task.taskId, task.region);
  expect(answer.statusCode).toBe(502);
  expect(answer.headers["content-type"]).toBe("application/problem+json");
  expect(JSON.parse(answer.body)).toMatchObject({ type: expect.stringMatching(/\/upstream-failed$/), status: 502, detail: expect.stringMatching(fault.kind === "http" ? problem : /^DescribeNetTaskResult malformed response\.$/) });
  expect(stack.inbox.received().length).toBe(before);

  stack.emulator.clearFaults();
  await relay.poll({ budgetMs: 2_000 });
  const healed = await relay.getWatch(watch.id);
  expect(healed).toMatchObject({ state: "delivered", lastError: null, lastResult: { status: "succeeded" } });
  const received = stack.inbox.received().slice(before);
  printCounts(`chaos/upstream-garbage (${fault.kind}${fault.status ?? ""})`, {
    tasks: 1,
    pollsWhileGarbage: stillPending!.polls,
    deliveries: received.length,
    duplicates: duplicatesIn(countBy(received, (d) => d.id)),
    lost: healed!.state === "delivered" ? 0 : 1,
  });
  expect(received.map((d) => d.id)).toEqual([healed!.event!.id]);
});

it("extra fields in every answer are harmless: the watch delivers at once", async () => {
  const task = stack.emulator.createTask({ region: "sh", durationMs: 0 });
  stack.emulator.injectFault({ kind: "extra-fields", taskId: task.taskId });
  const { watch } = await relay.registerWatch({ ...task, destination: { type: "webhook", url: stack.inbox.url, secret: WEBHOOK_SECRET } });
  expect(watch).toMatchObject({ state: "delivered", lastError: null, lastResult: { status: "succeeded" } });
  expect((await readTask(task.taskId, task.region)).statusCode).toBe(200);
  stack.emulator.clearFaults();
});
