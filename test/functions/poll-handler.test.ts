/**
 * functions/poll.ts driven by SCF timer events, EventBridge scheduled events and a schedule's
 * constant input, against the emulator, a SQLite store and a verifying inbox. The handler is
 * the deployed one's factory applied to a runtime of the stack's settings, which never reach
 * process.env.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPollHandler, handler as deployed, main_handler, type PollHandler } from "../../functions/poll";
import { loadConfig } from "../../lib/config";
import type { PollReport } from "../../lib/relay";
import { createRuntime, type Runtime } from "../../lib/runtime";
import { startStack, WEBHOOK_SECRET, type Stack } from "../support/stack";
import { captureLogs } from "../support/capture-logs";
import { fixture, lambdaContext, scfContext } from "../support/events";

const SAFETY_MARGIN_MS = 400;
const POLL_BUDGET_MS = 1_200;
let stack: Stack;
let runtime: Runtime;
let handler: PollHandler;

beforeAll(async () => {
  stack = await startStack(
    {
      LOG_LEVEL: "info",
      POLL_SAFETY_MARGIN_MS: String(SAFETY_MARGIN_MS),
      POLL_BUDGET_MS: String(POLL_BUDGET_MS),
      POLL_MIN_DELAY_MS: "100",
      POLL_MAX_DELAY_MS: "200",
    },
    { processEnv: false },
  );
  runtime = createRuntime(() => loadConfig(stack.env));
  handler = createPollHandler(runtime);
});

afterAll(async () => {
  await (await runtime.relay()).close();
  await stack?.close();
});

async function invoke(event: unknown, context: object): Promise<{ report: PollReport; logs: any[] }> {
  const { result, error, logs } = await captureLogs(() => handler(event, context));
  if (!result) throw error;
  return { report: result, logs };
}

const pollLine = (logs: any[]) => {
  const lines = logs.filter((l) => l.message === "poll");
  expect(lines).toHaveLength(1);
  return lines[0];
};

const delivered = (watchTaskId: number) => stack.inbox.received().filter((d) => (d.event as any).data.taskId === watchTaskId);

it("exports the same handler under SCF's and Lambda's names", () => {
  expect(main_handler).toBe(deployed);
});

describe("SCF timer", () => {
  it("registers the watches in Message and delivers a finished task's result", async () => {
    const { taskId } = stack.emulator.createTask({ region: "bj", data: { total: 0, detail: [] } });
    const message = JSON.stringify({
      watches: [{ taskId, region: "bj", destination: { type: "webhook", url: `${stack.inbox.url}timer`, secret: WEBHOOK_SECRET } }],
    });
    const { report, logs } = await invoke({ ...fixture("scf-timer"), Message: message }, scfContext(3_000, "scf-timer-1"));
    expect(report.registered).toBe(1);
    expect(report.problems).toEqual([]);
    expect(delivered(taskId)).toEqual([expect.objectContaining({ verified: true, type: "com.tencentcloud.vpc.nettask.succeeded" })]);
    const line = pollLine(logs);
    expect(line).toMatchObject({ correlation_id: "scf-timer-1", trigger: "scf-timer", report: { registered: 1 } });
    // The budget is the time left less the safety margin.
    expect(line.budget_ms).toBeGreaterThan(3_000 - SAFETY_MARGIN_MS - 200);
    expect(line.budget_ms).toBeLessThanOrEqual(3_000 - SAFETY_MARGIN_MS);
    expect(JSON.stringify(logs)).not.toContain(WEBHOOK_SECRET);
  });

  it("reports an argument that is not JSON as a problem and still polls", async () => {
    const { report, logs } = await invoke({ ...fixture("scf-timer"), Message: "watch 297 please" }, scfContext(2_000));
    expect(report.registered).toBe(0);
    expect(report.problems).toEqual([expect.stringMatching(/timer argument is not JSON/)]);
    expect(pollLine(logs).report.problems).toHaveLength(1);
  });

  it("uses POLL_BUDGET_MS when the context does not say how much time is left", async () => {
    const { taskId } = stack.emulator.createTask({ region: "gz" });
    const message = JSON.stringify({
      watches: [{ taskId, region: "gz", destination: { type: "webhook", url: `${stack.inbox.url}no-clock`, secret: WEBHOOK_SECRET } }],
    });
    const { logs } = await invoke({ ...fixture("scf-timer"), Message: message }, { request_id: "no-clock" });
    expect(pollLine(logs)).toMatchObject({ correlation_id: "no-clock", budget_ms: POLL_BUDGET_MS });
  });

  it("keeps an idle run out of the info log", async () => {
    const { report, logs } = await invoke(fixture("scf-timer"), scfContext(1_000, "idle"));
    expect(report).toMatchObject({ claimed: 0, registered: 0, problems: [] });
    expect(logs.filter((l) => l.message === "poll")).toEqual([]);
  });
});

describe("AWS schedules", () => {
  it("a constant input on a running task: the invocation keeps polling within its budget until the task finishes, then delivers", async () => {
    const { taskId } = stack.emulator.createTask({ region: "jp", durationMs: 400 });
    const input = {
      watches: [{ taskId, region: "jp", destination: { type: "webhook", url: `${stack.inbox.url}constant`, secret: WEBHOOK_SECRET } }],
    };
    const { report, logs } = await invoke(input, lambdaContext(3_000, "aws-constant-1"));
    expect(report).toMatchObject({ registered: 1, finished: { succeeded: 1 }, deliveries: { ok: 1, failed: 0 }, problems: [] });
    expect(report.requests).toBeGreaterThanOrEqual(2);
    expect(report.elapsedMs).toBeLessThanOrEqual(3_000 - SAFETY_MARGIN_MS + 100);
    expect(delivered(taskId)).toEqual([expect.objectContaining({ verified: true, type: "com.tencentcloud.vpc.nettask.succeeded" })]);
    expect(pollLine(logs)).toMatchObject({ correlation_id: "aws-constant-1", trigger: "constant-input" });
  });

  it("a constant input registers watches, an EventBridge scheduled event later delivers the finished task", async () => {
    const { taskId } = stack.emulator.createTask({
      region: "ca",
      durationMs: 300,
      outcome: "failure",
      output: { code: 29259, message: "rule expansion too large" },
    });
    const input = {
      watches: [{ taskId, region: "ca", destination: { type: "webhook", url: `${stack.inbox.url}schedule`, secret: WEBHOOK_SECRET } }],
    };
    // The invocation's time is about spent: the watch is registered and polled once, still running.
    const first = await invoke(input, lambdaContext(SAFETY_MARGIN_MS + 50, "aws-schedule-1"));
    expect(first.report).toMatchObject({ registered: 1, finished: { failed: 0 }, problems: [] });
    expect(pollLine(first.logs)).toMatchObject({ correlation_id: "aws-schedule-1", trigger: "constant-input" });
    expect(delivered(taskId)).toHaveLength(0);

    await new Promise((r) => setTimeout(r, 350));
    const { report, logs } = await invoke(fixture("aws-eventbridge-schedule"), lambdaContext(3_000, "aws-eventbridge-1"));
    expect(report).toMatchObject({ registered: 0, claimed: 1, finished: { failed: 1 }, deliveries: { ok: 1, failed: 0 } });
    expect(delivered(taskId)).toEqual([expect.objectContaining({ verified: true, type: "com.tencentcloud.vpc.nettask.failed" })]);
    expect(pollLine(logs)).toMatchObject({ correlation_id: "aws-eventbridge-1", trigger: "eventbridge-schedule" });
  });
});
