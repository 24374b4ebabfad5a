import { describe, expect, it } from "vitest";
import type { TaskResult } from "../../lib/schemas/index";
import { ValidationError } from "../../lib/schemas/validate";
import type { TaskClient } from "../../lib/upstream/client";
import { UpstreamError, upstreamError as upstreamErrorOf } from "../../lib/upstream/errors";
import { waitForTask, type WaitOptions } from "../../lib/upstream/waiter";

const TASK = { api: "vpc", taskId: "3c140219-cfe9-470e-b241-907877d6fb03", region: "ap-guangzhou" } as const;
const ACTION = "DescribeVpcTaskResult";
const upstreamError = (code: string, message?: string) => upstreamErrorOf(ACTION, code, message);

const result = (status: TaskResult["status"]): TaskResult => ({
  ...TASK,
  status,
  output: status === "failed" ? "the template is referenced by sg-5y2ta666" : status.toUpperCase(),
  data: null,
  result: null,
});

type Step = TaskResult["status"] | Error;

/** A client that answers from a script (the last step repeats) on a virtual clock. */
function scripted(steps: Step[], options: { callMs?: number } = {}) {
  let clock = 1_000_000;
  const calls: number[] = [];
  const sleeps: number[] = [];
  const client: TaskClient = {
    async describe(input) {
      expect(input).toEqual(TASK);
      calls.push(clock);
      clock += options.callMs ?? 0;
      const step = steps[Math.min(calls.length - 1, steps.length - 1)]!;
      if (step instanceof Error) throw step;
      return result(step);
    },
  };
  const parts: Pick<WaitOptions, "client" | "now" | "sleep" | "random"> = {
    client,
    now: () => clock,
    random: () => 0.5,
    async sleep(ms) {
      sleeps.push(ms);
      clock += ms;
    },
  };
  return { parts, calls, sleeps, start: clock };
}

const base = { task: TASK, minDelay: 2, maxDelay: 10, maxWait: 60 };

describe("waitForTask", () => {
  it("attempts at once and stops at success without sleeping", async () => {
    const s = scripted(["succeeded"]);
    const out = await waitForTask({ ...base, ...s.parts });
    expect(out).toMatchObject({ state: "SUCCESS", attempts: 1, elapsedMs: 0, result: { status: "succeeded" } });
    expect(s.sleeps).toEqual([]);
  });

  it("polls a running task with the waiter delays until it finishes", async () => {
    const s = scripted(["running", "running", "running", "running", "succeeded"]);
    const out = await waitForTask({ ...base, ...s.parts });
    // random 0.5: 2, then 2+0.5·(4−2)=3, 2+0.5·(8−2)=5, then maxDelay 10 (16 > 10).
    expect(s.sleeps).toEqual([2000, 3000, 5000, 10_000]);
    expect(out).toMatchObject({ state: "SUCCESS", attempts: 5, elapsedMs: 20_000 });
  });

  it("reports a failed task as FAILURE with its result, not as an error or a success", async () => {
    const s = scripted(["running", "failed"]);
    const out = await waitForTask({ ...base, ...s.parts });
    expect(out.state).toBe("FAILURE");
    expect(out.result).toMatchObject({ status: "failed", output: "the template is referenced by sg-5y2ta666" });
    expect(out.attempts).toBe(2);
  });

  it("never sleeps past the deadline: the last sleep is cut short and one final attempt is made", async () => {
    const s = scripted(["running"]);
    const out = await waitForTask({ ...base, maxWait: 25, ...s.parts });
    expect(s.sleeps).toEqual([2000, 3000, 5000, 10_000, 5000]);
    expect(s.calls.at(-1)! - s.start).toBe(25_000);
    expect(out).toMatchObject({ state: "TIMEOUT", attempts: 6, elapsedMs: 25_000, result: { status: "running" } });
  });

  it("does not sleep at all once an attempt itself ran past the deadline", async () => {
    const s = scripted(["running"], { callMs: 4000 });
    const out = await waitForTask({ ...base, maxWait: 3, ...s.parts });
    expect(s.sleeps).toEqual([]);
    expect(out).toMatchObject({ state: "TIMEOUT", attempts: 1 });
  });

  it("makes exactly one attempt with maxWait 0", async () => {
    const s = scripted(["running"]);
    expect(await waitForTask({ ...base, maxWait: 0, ...s.parts })).toMatchObject({ state: "TIMEOUT", attempts: 1 });
  });

  it("counts a retryable error that outlived the client's retries as one more try", async () => {
    const s = scripted([
      upstreamError("RequestLimitExceeded", "busy"),
      new UpstreamError({ failure: "network", action: ACTION, meaning: "network error", retryable: true }),
      "succeeded",
    ]);
    const out = await waitForTask({ ...base, ...s.parts });
    expect(out).toMatchObject({ state: "SUCCESS", attempts: 3 });
    expect(s.sleeps).toEqual([2000, 3000]);
  });

  it("gives up with TIMEOUT when the upstream stays busy, without a result it never saw", async () => {
    const s = scripted([upstreamError("InternalError")]);
    const out = await waitForTask({ ...base, maxWait: 5, ...s.parts });
    expect(out).toMatchObject({ state: "TIMEOUT", attempts: 3 });
    expect(out.result).toBeUndefined();
  });

  it("throws a non-retryable error at once", async () => {
    const s = scripted(["running", upstreamError("ResourceNotFound", "no such task")]);
    await expect(waitForTask({ ...base, ...s.parts })).rejects.toMatchObject({ failure: "upstream", code: "ResourceNotFound" });
    expect(s.calls).toHaveLength(2);
  });

  it("ends ABORTED when aborted while sleeping, keeping the last result", async () => {
    const s = scripted(["running"]);
    const controller = new AbortController();
    const out = await waitForTask({
      ...base,
      ...s.parts,
      signal: controller.signal,
      async sleep(_ms, signal) {
        controller.abort();
        signal?.throwIfAborted();
      },
    });
    expect(out).toMatchObject({ state: "ABORTED", attempts: 1, result: { status: "running" } });
  });

  it("ends ABORTED without asking anything when the signal is already aborted, or when the client was aborted", async () => {
    const s = scripted(["running"]);
    expect(await waitForTask({ ...base, ...s.parts, signal: AbortSignal.abort() })).toMatchObject({ state: "ABORTED", attempts: 0 });
    expect(s.calls).toHaveLength(0);
    const aborted = scripted([
      new UpstreamError({ failure: "aborted", action: ACTION, meaning: "aborted by the caller", retryable: false }),
    ]);
    expect(await waitForTask({ ...base, ...aborted.parts })).toMatchObject({ state: "ABORTED", attempts: 1 });
  });

  it("refuses bad input before calling the client", async () => {
    const s = scripted(["succeeded"]);
    await expect(waitForTask({ ...base, task: { ...TASK, taskId: "not-a-request-id" }, ...s.parts })).rejects.toThrow(ValidationError);
    await expect(waitForTask({ ...base, task: { ...TASK, region: "" }, ...s.parts })).rejects.toThrow(/region/);
    await expect(waitForTask({ ...base, minDelay: 5, maxDelay: 1, ...s.parts })).rejects.toThrow(RangeError);
    await expect(waitForTask({ ...base, maxWait: -1, ...s.parts })).rejects.toThrow(/maxWait/);
    expect(s.calls).toHaveLength(0);
  });
});
