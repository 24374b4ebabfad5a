/**
 * The task client's API 3.0 kinds against the emulator: vpc (DescribeVpcTaskResult) and eip
 * (DescribeTaskResult) — signed requests the emulator verifies, normalised results, every
 * retry class and malformed bodies — through the same rate limiter hook as legacy tasks.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../../lib/log";
import type { TaskRef } from "../../lib/schemas/index";
import type { TaskClientOptions } from "../../lib/upstream/client";
import type { Credentials } from "../../lib/upstream/credentials";
import { emulatorTaskClient, upstreamFailure } from "../support/task-client";
import {
  DEFAULT_SECRET_ID,
  DEFAULT_SECRET_KEY,
  SEED_EIP_TASK,
  SEED_VPC_TASK,
  startEmulator,
  type Emulator,
  type VpcTaskSpec,
} from "../../scripts/emulator/index";

const PERMANENT: Credentials = { secretId: DEFAULT_SECRET_ID, secretKey: DEFAULT_SECRET_KEY };
const TEMPORARY: Credentials = {
  secretId: "AKIDapi3temporaryEMULATOR000000000",
  secretKey: "api3-temporary-key-0123456789abc",
  token: "api3-session-token-0123456789",
};
const SEEDED_VPC: TaskRef = { api: "vpc", taskId: SEED_VPC_TASK.taskId, region: "ap-guangzhou" };
const SEEDED_EIP: TaskRef = { api: "eip", taskId: SEED_EIP_TASK.taskId, region: "ap-guangzhou" };

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ credentials: [PERMANENT, TEMPORARY], asyncTaskMs: 60_000 });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

/** A client against the emulator's API 3.0 (see test/support/task-client.ts). */
const client = (options: Partial<TaskClientOptions> = {}) =>
  emulatorTaskClient(emulator, { vpcEndpoint: emulator.vpcEndpoint }, PERMANENT, options);

const vpcTask = (spec: Omit<VpcTaskSpec, "api" | "region"> = {}): TaskRef => {
  const { taskId } = emulator.createTask({ api: "vpc", region: "ap-guangzhou", ...spec });
  return { api: "vpc", taskId: String(taskId), region: "ap-guangzhou" };
};

describe("vpc tasks (DescribeVpcTaskResult)", () => {
  it("reads the documented example: Output verbatim, Result as sent", async () => {
    expect(await client().describe(SEEDED_VPC)).toEqual({
      ...SEEDED_VPC,
      status: "succeeded",
      output: "SUCCESS",
      data: null,
      result: [{ ResourceId: "eni-olifj433", Status: "SUCCESS" }],
    });
    expect(emulator.requests()).toEqual([
      expect.objectContaining({ api: "vpc", action: "DescribeVpcTaskResult", taskId: SEEDED_VPC.taskId, code: 0, token: false }),
    ]);
  });

  it("reports a running task as running, then its outcome", async () => {
    const task = vpcTask({ durationMs: 60_000 });
    expect(await client().describe(task)).toMatchObject({ status: "running", output: "", result: null });
  });

  it("keeps a failed task's Output, a final result and not an error", async () => {
    const task = vpcTask({ outcome: "failure", output: "ResourceInUse: ipm-mdunqeb6 is referenced by sg-5y2ta666" });
    expect(await client().describe(task)).toMatchObject({
      status: "failed",
      output: "ResourceInUse: ipm-mdunqeb6 is referenced by sg-5y2ta666",
      data: null,
    });
  });

  it("parses an Output that is JSON into data, keeping the text as sent", async () => {
    const output =
      '{"TotalCount":1,"InstanceSet":[{"Region":"ap-guangzhou","InstanceType":"sg","InstanceId":"sg-5y2ta666","InstanceName":"createPolicy"}]}';
    const result = await client().describe(vpcTask({ output }));
    expect(result).toMatchObject({ status: "succeeded", output, data: JSON.parse(output) });
    for (const plain of ["SUCCESS", "[not json", "42", '"text"']) {
      expect((await client().describe(vpcTask({ output: plain }))).data, plain).toBeNull();
    }
  });

  it("sends the region's API 3.0 name even when given a legacy code", async () => {
    expect(await client().describe({ ...SEEDED_VPC, region: "gz" })).toMatchObject({ status: "succeeded" });
  });

  it("signs with temporary credentials' token, and names a bad token without showing it", async () => {
    expect(await client({ credentials: async () => TEMPORARY }).describe(SEEDED_VPC)).toMatchObject({ status: "succeeded" });
    expect(emulator.requests().at(-1)).toMatchObject({ token: true, secretId: TEMPORARY.secretId });
    const wrong = await upstreamFailure(
      client({ credentials: async () => ({ ...TEMPORARY, token: "not-the-token" }) }).describe(SEEDED_VPC),
    );
    expect(wrong).toMatchObject({ code: "AuthFailure.TokenFailure", category: "auth", retryable: false });
    expect(wrong.message).not.toContain(TEMPORARY.token);
  });
});

describe("eip tasks (DescribeTaskResult)", () => {
  it("reads the documented example", async () => {
    expect(await client().describe(SEEDED_EIP)).toEqual({ ...SEEDED_EIP, status: "succeeded", output: null, data: null });
    expect(emulator.requests()).toEqual([expect.objectContaining({ api: "eip", action: "DescribeTaskResult", code: 0 })]);
  });

  it("reports running and failed EIP tasks", async () => {
    const running = emulator.createTask({ api: "eip", region: "ap-shanghai", durationMs: 60_000 });
    expect(await client().describe({ api: "eip", taskId: Number(running.taskId), region: "ap-shanghai" })).toMatchObject({
      status: "running",
    });
    const failed = emulator.createTask({ api: "eip", region: "ap-shanghai", outcome: "failure" });
    expect(await client().describe({ api: "eip", taskId: Number(failed.taskId), region: "ap-shanghai" })).toMatchObject({
      status: "failed",
    });
  });
});

describe("errors", () => {
  it("names an unknown task ResourceNotFound at once, without retrying", async () => {
    const c = client();
    const error = await upstreamFailure(c.describe({ ...SEEDED_VPC, taskId: "00000000-0000-4000-8000-000000000000" }));
    expect(error).toMatchObject({
      failure: "upstream",
      action: "DescribeVpcTaskResult",
      code: "ResourceNotFound",
      category: "not-found",
      retryable: false,
    });
    expect(error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.message).toContain(`[RequestId ${error.requestId}]`);
    expect(emulator.requests()).toHaveLength(1);
  });

  it("refuses a wrong key with AuthFailure.SignatureFailure, never retried nor shown", async () => {
    const error = await upstreamFailure(
      client({ credentials: async () => ({ ...PERMANENT, secretKey: "not-the-key-0123456789" }) }).describe(SEEDED_EIP),
    );
    expect(error).toMatchObject({ code: "AuthFailure.SignatureFailure", category: "auth", retryable: false });
    expect(error.message).not.toContain("not-the-key");
    expect(emulator.requests()).toHaveLength(1);
  });

  it("refuses a clock ten minutes off with AuthFailure.SignatureExpire", async () => {
    const error = await upstreamFailure(client({ now: () => Date.now() - 600_000 }).describe(SEEDED_VPC));
    expect(error).toMatchObject({ code: "AuthFailure.SignatureExpire", retryable: false });
  });

  it.each(["RequestLimitExceeded", "InternalError", "ServiceUnavailable"])(
    "retries %s with a fresh signature and then succeeds",
    async (code) => {
      emulator.injectFault({ kind: "code", code, count: 2, api: "vpc" });
      const c = client();
      expect(await c.describe(SEEDED_VPC)).toMatchObject({ status: "succeeded" });
      expect(emulator.requests().map((r) => r.code)).toEqual([code, code, 0]);
      expect(c.acquired).toEqual([0, 1, 2]);
    },
  );

  it.each([
    ["UnauthorizedOperation", "auth"],
    ["InvalidParameterValue", "bad-parameter"],
    ["UnsupportedOperation", "refused"],
  ])("reports %s at once (%s)", async (code, category) => {
    emulator.injectFault({ kind: "code", code, api: "eip" });
    const error = await upstreamFailure(client().describe(SEEDED_EIP));
    expect(error).toMatchObject({ code, category, retryable: false, action: "DescribeTaskResult" });
    expect(emulator.requests()).toHaveLength(1);
  });

  it("retries HTTP 5xx and a stalled answer, not other statuses", async () => {
    emulator.injectFault({ kind: "http", status: 502, count: 1, api: "vpc" });
    emulator.injectFault({ kind: "delay", delayMs: 5_000, count: 1, api: "vpc" });
    expect(await client({ timeoutMs: 300 }).describe(SEEDED_VPC)).toMatchObject({ status: "succeeded" });
    expect(emulator.requests()).toHaveLength(3);
    emulator.reset();
    emulator.injectFault({ kind: "http", status: 404, api: "vpc" });
    expect(await upstreamFailure(client().describe(SEEDED_VPC))).toMatchObject({
      failure: "http",
      httpStatus: 404,
      retryable: false,
      message: "DescribeVpcTaskResult failed: HTTP 404 Not Found",
    });
  });

  it.each([
    ["malformed", /body is not JSON: "\{/],
    ["html", /body is not JSON: "<!DOCTYPE html>/],
    ["empty", /empty body/],
    ["wrong-types", /Response\.Status must be one of: "SUCCESS", "FAILED", "RUNNING"|Response\.Result/],
    ["missing-fields", /Response\.Status is required/],
  ] as const)("reads a %s body as a malformed answer, retried", async (kind, problem) => {
    emulator.injectFault({ kind, api: "vpc" });
    const error = await upstreamFailure(client().describe(SEEDED_VPC));
    expect(error).toMatchObject({ failure: "malformed", retryable: true, action: "DescribeVpcTaskResult" });
    expect(error.message).toMatch(problem);
    expect(emulator.requests()).toHaveLength(3);
  });

  it("never lets a secret the upstream echoes reach an error or a log line", async () => {
    const lines: string[] = [];
    emulator.injectFault({ kind: "code", code: "InternalError", api: "vpc" });
    const c = client({ credentials: async () => TEMPORARY, logger: createLogger({ level: "debug", sink: (l) => lines.push(l) }) });
    const error = await upstreamFailure(c.describe(SEEDED_VPC));
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toMatchObject({ message: "DescribeVpcTaskResult retry", api: "vpc", attempt: 1, code: "InternalError" });
    for (const secret of [TEMPORARY.secretKey, TEMPORARY.token!]) {
      expect(lines.join("\n")).not.toContain(secret);
      expect(error.message).not.toContain(secret);
    }
  });
});

it("shares one rate limiter among every kind", async () => {
  const c = client({ legacyEndpoint: emulator.endpoint });
  await c.describe(SEEDED_VPC);
  await c.describe(SEEDED_EIP);
  await c.describe({ api: "legacy", taskId: 297, region: "gz" });
  expect(c.acquired).toEqual([0, 1, 2]);
  expect(emulator.requests().map((r) => r.api)).toEqual(["vpc", "eip", "legacy"]);
});
