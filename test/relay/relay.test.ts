/**
 * The relay end to end on loopback: the emulator as upstream, a SQLite store, real webhook
 * receivers. What a user sees: a watch is answered, polled, delivered once, retried, dead
 * lettered, replayed.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../lib/config";
import { ConflictError } from "../../lib/errors";
import { createRelay, type Relay, type RelayParts } from "../../lib/relay";
import { ValidationError } from "../../lib/schemas/validate";
import { UpstreamError } from "../../lib/upstream/errors";
import { startReceiver, status, unreadableByCloudEventsSdk } from "../support/delivery";
import { quickPolls, startStack, WEBHOOK_SECRET, type Stack } from "../support/stack";

let stack: Stack;
const relays: Relay[] = [];

beforeAll(async () => {
  stack = await startStack({ ...quickPolls(200), DELIVERY_SCHEDULE: "0,20ms,40ms", NETTASK_MAX_ATTEMPTS: "2" });
});
afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.close()));
  stack.emulator.reset();
});
afterAll(() => stack.close());

async function relay(env: Record<string, string> = {}, parts: RelayParts = {}): Promise<Relay> {
  const r = await createRelay(loadConfig({ ...process.env, ...env }), parts);
  relays.push(r);
  return r;
}

const inboxDestination = () => ({ type: "webhook" as const, url: stack.inbox.url, secret: WEBHOOK_SECRET });

describe("relay", () => {
  it("answers and delivers an already-finished task inline, once, and finds the same watch again", async () => {
    const r = await relay();
    const before = stack.inbox.received().length;
    const first = await r.registerWatch({ taskId: 297, region: "gz", destination: inboxDestination() });
    expect(first.created).toBe(true);
    expect(first.watch).toMatchObject({ state: "delivered", polls: 1, lastResult: { status: "succeeded", code: 0 } });
    const again = await r.registerWatch({ taskId: 297, region: "gz", destination: inboxDestination() });
    expect(again).toMatchObject({ created: false, watch: { id: first.watch.id, state: "delivered" } });

    const delivered = stack.inbox.received().slice(before);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({ id: first.watch.event!.id, verified: true, type: "com.tencentcloud.vpc.nettask.succeeded" });
    expect(delivered[0]!.event).toEqual(first.watch.event);
  });

  it("polls running tasks until they finish and delivers success and failure as final outcomes", async () => {
    const r = await relay();
    const ok = stack.emulator.createTask({ region: "sh", durationMs: 300, data: { total: 0, detail: [] } });
    const bad = stack.emulator.createTask({
      region: "sh",
      durationMs: 300,
      outcome: "failure",
      output: { code: 29259, message: "rule expansion too large" },
    });
    const okWatch = await r.registerWatch({ ...ok, destination: inboxDestination() });
    const badWatch = await r.registerWatch({ ...bad, destination: inboxDestination() });
    expect(okWatch.watch.state).toBe("pending");

    const report = await r.poll({ budgetMs: 5_000 });
    expect(report.finished).toEqual({ succeeded: 1, failed: 1, timedout: 0 });
    expect(report.deliveries).toEqual({ ok: 2, failed: 0 });
    expect(report.requests).toBeGreaterThanOrEqual(2);

    const done = await r.getWatch(badWatch.watch.id);
    expect(done).toMatchObject({ state: "delivered", lastResult: { status: "failed", code: 1, output: { code: 29259 } } });
    expect(done!.event).toMatchObject({
      type: "com.tencentcloud.vpc.nettask.failed",
      subject: String(bad.taskId),
      data: { status: "failed", watchId: done!.id },
    });
    expect(done!.polls).toBeGreaterThanOrEqual(2);
    const ids = stack.inbox.received().map((d) => d.id);
    expect(ids.filter((id) => id === done!.event!.id)).toHaveLength(1);
  });

  it("watches an API 3.0 vpc task by its RequestId and delivers com.tencentcloud.vpc.task.succeeded with the Output", async () => {
    const r = await relay();
    const output =
      '{"TotalCount":1,"InstanceSet":[{"Region":"ap-guangzhou","InstanceType":"sg","InstanceId":"sg-5y2ta666","InstanceName":"createPolicy"}]}';
    const task = stack.emulator.createTask({ api: "vpc", region: "ap-guangzhou", durationMs: 300, output });
    const { watch } = await r.registerWatch({ taskId: String(task.taskId), region: "gz", destination: inboxDestination() });
    expect(watch).toMatchObject({
      api: "vpc",
      taskId: task.taskId,
      region: "ap-guangzhou",
      state: "pending",
      lastResult: { status: "running" },
    });
    const again = await r.registerWatch({
      api: "vpc",
      taskId: String(task.taskId),
      region: "ap-guangzhou",
      destination: inboxDestination(),
    });
    expect(again).toMatchObject({ created: false, watch: { id: watch.id } });

    const report = await r.poll({ budgetMs: 5_000 });
    expect(report.finished).toEqual({ succeeded: 1, failed: 0, timedout: 0 });
    const done = await r.getWatch(watch.id);
    expect(done!.event).toMatchObject({
      type: "com.tencentcloud.vpc.task.succeeded",
      subject: task.taskId,
      data: {
        api: "vpc",
        taskId: task.taskId,
        region: "ap-guangzhou",
        status: "succeeded",
        output,
        data: JSON.parse(output),
        result: null,
        watchId: watch.id,
      },
    });
    const delivered = stack.inbox.received().filter((d) => d.id === done!.event!.id);
    expect(delivered).toEqual([expect.objectContaining({ verified: true, type: "com.tencentcloud.vpc.task.succeeded" })]);
  });

  it("delivers a failed vpc task and an EIP task, each as com.tencentcloud.vpc.task.* naming its api", async () => {
    const r = await relay();
    const failed = stack.emulator.createTask({
      api: "vpc",
      region: "ap-shanghai",
      outcome: "failure",
      output: "ResourceInUse: the template is in use",
    });
    const eip = stack.emulator.createTask({ api: "eip", region: "ap-shanghai" });
    const failedWatch = await r.registerWatch({ taskId: String(failed.taskId), region: "sh", destination: inboxDestination() });
    const eipWatch = await r.registerWatch({ api: "eip", taskId: String(eip.taskId), region: "sh", destination: inboxDestination() });
    expect(failedWatch.watch.event).toMatchObject({
      type: "com.tencentcloud.vpc.task.failed",
      data: { api: "vpc", status: "failed", output: "ResourceInUse: the template is in use" },
    });
    expect(eipWatch.watch.event).toMatchObject({
      type: "com.tencentcloud.vpc.task.succeeded",
      subject: String(eip.taskId),
      data: { api: "eip", taskId: Number(eip.taskId), status: "succeeded", output: null },
    });
    expect([failedWatch.watch.state, eipWatch.watch.state]).toEqual(["delivered", "delivered"]);
  });

  it("refuses a RequestId the upstream does not know (ResourceNotFound), and stores nothing", async () => {
    const r = await relay();
    const before = await stack.countWatches();
    const refused = r.registerWatch({
      taskId: "00000000-0000-4000-8000-000000000000",
      region: "ap-guangzhou",
      destination: inboxDestination(),
    });
    await expect(refused).rejects.toMatchObject({ code: "ResourceNotFound", category: "not-found" });
    expect(await stack.countWatches()).toBe(before);
  });

  it("returns at once when nothing is scheduled", async () => {
    const r = await relay({ STORE_URL: `sqlite:${stack.env.STORE_URL!.slice(7)}.empty` });
    const report = await r.poll({ budgetMs: 10_000 });
    expect(report).toMatchObject({ claimed: 0, requests: 0 });
    expect(report.elapsedMs).toBeLessThan(2_000);
  });

  it("delivers a timedout event once the deadline passes, and ends the watch as expired", async () => {
    let clock = Date.now();
    const r = await relay({}, { now: () => clock });
    const task = stack.emulator.createTask({ region: "bj", durationMs: 3_600_000 });
    const { watch } = await r.registerWatch({ ...task, destination: inboxDestination(), deadlineSeconds: 60 });
    clock += 61_000;
    const report = await r.poll({ budgetMs: 3_000 });
    expect(report.finished.timedout).toBe(1);
    const expired = await r.getWatch(watch.id);
    expect(expired).toMatchObject({
      state: "expired",
      event: { type: "com.tencentcloud.vpc.nettask.timedout", data: { status: "running", code: 2 } },
    });
  });

  it("refuses a task the upstream does not know, and stores nothing", async () => {
    const r = await relay();
    const before = await stack.countWatches();
    const refused = r.registerWatch({ taskId: 424242, region: "gz", destination: inboxDestination() });
    await expect(refused).rejects.toBeInstanceOf(UpstreamError);
    await expect(refused).rejects.toMatchObject({ code: 29258, retryable: false });
    expect(await stack.countWatches()).toBe(before);
  });

  it("refuses internal webhook targets and invalid requests before storing anything", async () => {
    const r = await relay();
    const before = await stack.countWatches();
    const ssrf = r.registerWatch({
      taskId: 297,
      region: "gz",
      destination: { type: "webhook", url: "https://169.254.169.254/latest", secret: WEBHOOK_SECRET },
    });
    await expect(ssrf).rejects.toBeInstanceOf(ValidationError);
    await expect(ssrf).rejects.toMatchObject({ errors: [expect.objectContaining({ field: "destination.url" })] });
    const invalid = r.registerWatch({ taskId: 0, region: "gz", destination: inboxDestination() });
    await expect(invalid).rejects.toMatchObject({ errors: [expect.objectContaining({ field: "taskId", rule: "minimum" })] });
    expect(await stack.countWatches()).toBe(before);
    expect(stack.emulator.requests()).toHaveLength(0);
  });

  it("keeps polling through upstream errors and records them on the watch", async () => {
    const r = await relay();
    const task = stack.emulator.createTask({ region: "cd", durationMs: 400 });
    stack.emulator.injectFault({ kind: "code", code: 9005, count: 4 });
    const { watch } = await r.registerWatch({ ...task, destination: inboxDestination() });
    expect(watch.lastError).toMatchObject({ code: 9005 });
    await r.poll({ budgetMs: 5_000 });
    expect(await r.getWatch(watch.id)).toMatchObject({ state: "delivered", lastError: null });
  });

  it("exhausts the retry schedule into a failed dead letter, then redelivers the same event", async () => {
    const receiver = await startReceiver([status(500)]);
    try {
      const r = await relay({ WEBHOOK_ALLOW: "127.0.0.1/32" });
      const destination = { type: "webhook" as const, url: receiver.url, secret: WEBHOOK_SECRET };
      const { watch } = await r.registerWatch({ taskId: 297, region: "gz", destination });
      await r.poll({ budgetMs: 2_000 });
      const dead = await r.getWatch(watch.id);
      expect(dead).toMatchObject({ state: "failed", dueAt: null });
      expect(dead!.delivery.attempts.map((a) => a.status)).toEqual([500, 500, 500]);
      expect(receiver.hits).toHaveLength(3);

      await expect(r.redeliver(watch.id)).resolves.toMatchObject({ state: "delivering" });
      expect(receiver.hits).toHaveLength(4);
      const ids = new Set(receiver.hits.map((h) => h.headers["webhook-id"]));
      expect([...ids]).toEqual([dead!.event!.id]);
      expect(new Set(receiver.hits.map((h) => h.body)).size).toBe(1);
      expect(unreadableByCloudEventsSdk(receiver.hits)).toEqual([]);
    } finally {
      await receiver.close();
    }
  });

  it("refuses to redeliver a watch that has no outcome yet, and cancels it", async () => {
    const r = await relay();
    const task = stack.emulator.createTask({ region: "gz", durationMs: 3_600_000 });
    const { watch } = await r.registerWatch({ ...task, destination: inboxDestination() });
    await expect(r.redeliver(watch.id)).rejects.toBeInstanceOf(ConflictError);
    expect(await r.cancelWatch(watch.id)).toMatchObject({ state: "cancelled", dueAt: null });
    expect(await r.cancelWatch(watch.id)).toMatchObject({ state: "cancelled" });
    expect(await r.getWatch("w_aaaaaaaaaaaaaaaaaaaaaaaaaa")).toBeUndefined();
    expect(await r.cancelWatch("w_aaaaaaaaaaaaaaaaaaaaaaaaaa")).toBeUndefined();
  });

  it("registers watches named in the timer argument and reports a bad argument without stopping", async () => {
    const r = await relay();
    const task = stack.emulator.createTask({ region: "hk", durationMs: 0 });
    const argument = JSON.stringify({ watches: [{ ...task, destination: inboxDestination() }] });
    const report = await r.poll({ budgetMs: 2_000, timerArgument: argument });
    expect(report.registered).toBe(1);
    expect(report.problems).toEqual([]);

    const bad = await r.poll({ budgetMs: 1_000, timerArgument: "{not json" });
    expect(bad.problems).toEqual([expect.stringContaining("timer argument is not JSON")]);
    const invalid = await r.poll({
      budgetMs: 1_000,
      timerArgument: { watches: [{ taskId: true, region: "gz", destination: inboxDestination() }] },
    });
    expect(invalid.problems).toEqual([expect.stringMatching(/watches\[0\]\.taskId must be string or integer/)]);
    const noKind = await r.poll({
      budgetMs: 1_000,
      timerArgument: { watches: [{ taskId: "ipm-2uw6ujo6", region: "gz", destination: inboxDestination() }] },
    });
    expect(noKind.problems).toEqual([
      expect.stringMatching(
        /^timer argument watches\[0\] \(taskId ipm-2uw6ujo6, region gz\): invalid request body: taskId is neither a RequestId/,
      ),
    ]);
  });
});
