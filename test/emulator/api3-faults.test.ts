import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SEED_EIP_TASK, SEED_VPC_TASK, startEmulator, type Emulator, type FaultSpec } from "../../scripts/emulator/index";
import { fieldErrors } from "../support/field-errors";
import { callLegacy, manualClock } from "../support/legacy-client";
import { callApi3, codeOf, REQUEST_ID, sdkOutcome, vpcClient } from "../support/api3-client";

const vpcQuery = { action: "DescribeVpcTaskResult", params: { TaskId: SEED_VPC_TASK.taskId } };
const eipQuery = { action: "DescribeTaskResult", params: { TaskId: SEED_EIP_TASK.taskId } };

describe("API 3.0: fault injection on the task queries", () => {
  let emulator: Emulator;
  const askVpc = (TaskId: string = SEED_VPC_TASK.taskId) => callApi3(emulator, { ...vpcQuery, params: { TaskId } });
  const askEip = () => callApi3(emulator, eipQuery);

  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.close());
  beforeEach(() => emulator.reset());

  it.each(["RequestLimitExceeded", "InternalError", "ResourceNotFound", "AuthFailure.SignatureFailure"])(
    "answers an injected %s in the 3.0 error envelope, which the SDK throws",
    async (code) => {
      emulator.injectFault({ kind: "code", code, count: 2 });
      const answer = await askVpc();
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        Response: { Error: { Code: code, Message: expect.any(String) }, RequestId: expect.stringMatching(REQUEST_ID) },
      });
      expect(await sdkOutcome(vpcClient(emulator).DescribeTaskResult({ TaskId: SEED_EIP_TASK.taskId }))).toBe(code);
      expect(codeOf(await askVpc())).toBe("ok");
      expect(emulator.requests().map((r) => [r.api, r.code, r.fault])).toEqual([
        ["vpc", code, "code"],
        ["eip", code, "code"],
        ["vpc", 0, undefined],
      ]);
    },
  );

  it("answers an HTTP error status with a short HTML body", async () => {
    emulator.injectFault({ kind: "http", status: 502 });
    const answer = await askVpc();
    expect([answer.status, answer.contentType, answer.body]).toEqual([502, "text/html", undefined]);
    expect(answer.text).toContain("502 Bad Gateway");
    expect(await sdkOutcome(vpcClient(emulator).DescribeVpcTaskResult({ TaskId: SEED_VPC_TASK.taskId }))).not.toBe("ok");
  });

  it("answers an HTML page, an empty body or half a JSON body with status 200", async () => {
    emulator.injectFault({ kind: "html", count: 1 });
    emulator.injectFault({ kind: "empty", count: 1 });
    emulator.injectFault({ kind: "malformed", count: 1 });
    const html = await askVpc();
    expect([html.status, html.contentType]).toEqual([200, "text/html"]);
    expect(html.text).toMatch(/^<!DOCTYPE html>/);
    expect(await askVpc()).toMatchObject({ status: 200, text: "" });
    const half = await askVpc();
    expect(half.contentType).toContain("application/json");
    expect(half.text).toMatch(/^\{"Response":/);
    expect(() => JSON.parse(half.text)).toThrow();
  });

  it("adds fields a client should tolerate", async () => {
    emulator.injectFault({ kind: "extra-fields" });
    expect((await askVpc()).body.Response).toMatchObject({
      Status: "SUCCESS",
      Output: "SUCCESS",
      TaskType: "emulator-extra",
      Result: [{ ResourceId: "eni-olifj433", Status: "SUCCESS", Extra: "emulator-extra" }],
    });
    expect((await askEip()).body.Response).toMatchObject({ TaskId: SEED_EIP_TASK.taskId, Result: "SUCCESS", Extra: { nested: true } });
  });

  it("answers Status and Result of the wrong type", async () => {
    emulator.injectFault({ kind: "wrong-types" });
    expect((await askVpc()).body.Response).toMatchObject({ Status: 0, Output: "SUCCESS" });
    expect((await askEip()).body.Response).toMatchObject({ TaskId: String(SEED_EIP_TASK.taskId), Result: 0 });
    expect((await askVpc("unknown-task")).body.Response.Error).toEqual(expect.stringMatching(/^ResourceNotFound: /));
  });

  it("leaves out Status, Result or the error's Code", async () => {
    emulator.injectFault({ kind: "missing-fields" });
    const vpc = (await askVpc()).body.Response;
    expect(vpc).not.toHaveProperty("Status");
    expect(vpc).toMatchObject({ Output: "SUCCESS", RequestId: expect.any(String) });
    expect((await askEip()).body.Response).toEqual({ TaskId: SEED_EIP_TASK.taskId, RequestId: expect.any(String) });
    expect((await askVpc("unknown-task")).body.Response.Error).toEqual({ Message: expect.any(String) });
  });

  it("stalls for delayMs, then answers normally", async () => {
    emulator.injectFault({ kind: "delay", delayMs: 150 });
    const started = performance.now();
    expect(codeOf(await askVpc())).toBe("ok");
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(emulator.requests().at(-1)).toMatchObject({ api: "vpc", code: 0, fault: "delay" });
  });

  it("applies a fault only to the API it names, an integer code only to legacy queries and a string code only to API 3.0 ones", async () => {
    emulator.injectFault({ kind: "http", status: 503, api: "eip" });
    emulator.injectFault({ kind: "code", code: 9005 });
    expect(codeOf(await askVpc())).toBe("ok");
    expect((await askEip()).status).toBe(503);
    expect((await callLegacy(emulator)).body.code).toBe(9005);
    emulator.clearFaults();
    emulator.injectFault({ kind: "code", code: "InternalError" });
    expect((await callLegacy(emulator)).body.code).toBe(0);
    expect(codeOf(await askEip())).toBe("InternalError");
  });

  it("applies a fault with a RequestId only to queries about that VPC task, and with a number only to that numbered task", async () => {
    const { taskId } = emulator.createTask({ api: "vpc", region: "ap-guangzhou" });
    emulator.injectFault({ kind: "code", code: "InternalError", taskId });
    emulator.injectFault({ kind: "empty", taskId: SEED_EIP_TASK.taskId });
    expect(codeOf(await askVpc())).toBe("ok");
    expect(codeOf(await askVpc(taskId))).toBe("InternalError");
    expect((await askEip()).text).toBe("");
    expect((await callLegacy(emulator)).body.code).toBe(0);
  });

  it("leaves the other actions alone, and checks authentication before any fault", async () => {
    emulator.injectFault({ kind: "http", status: 500 });
    expect(await sdkOutcome(vpcClient(emulator).CreateAddressTemplate({ AddressTemplateName: "x", Addresses: ["10.0.0.1"] }))).toBe("ok");
    expect(codeOf(await callApi3(emulator, { ...vpcQuery, signingKey: "wrong" }))).toBe("AuthFailure.SignatureFailure");
    expect(emulator.requests().map((r) => [r.action, r.code, r.fault])).toEqual([
      ["DescribeVpcTaskResult", "AuthFailure.SignatureFailure", undefined],
    ]);
  });

  it("records the task queries of every kind in one log, with api, action, taskId, region and code", async () => {
    await askVpc();
    await askEip();
    await callLegacy(emulator);
    await callApi3(emulator, { ...vpcQuery, region: "ap-shanghai" });
    expect(emulator.requests()).toEqual([
      {
        at: expect.any(Number),
        api: "vpc",
        action: "DescribeVpcTaskResult",
        httpMethod: "POST",
        secretId: expect.any(String),
        timestamp: expect.stringMatching(/^\d+$/),
        taskId: SEED_VPC_TASK.taskId,
        region: "ap-guangzhou",
        token: false,
        code: 0,
      },
      expect.objectContaining({ api: "eip", action: "DescribeTaskResult", taskId: String(SEED_EIP_TASK.taskId), code: 0 }),
      expect.objectContaining({ api: "legacy", action: "DescribeNetTaskResult", taskId: "297", region: "gz", code: 0 }),
      expect.objectContaining({ api: "vpc", region: "ap-shanghai", code: "ResourceNotFound" }),
    ]);
    const viaAdmin = await (await fetch(`${emulator.url}/admin/requests`)).json();
    expect(viaAdmin).toEqual(emulator.requests());
  });

  it("refuses a code that does not suit the API named, naming the field", () => {
    const fields = (spec: unknown) => fieldErrors(() => emulator.injectFault(spec as FaultSpec)).map((e) => `${e.field}: ${e.message}`);
    expect(fields({ kind: "code", code: "InternalError", api: "legacy" })).toEqual(["code: must be integer"]);
    expect(fields({ kind: "code", code: 6000, api: "vpc" })).toEqual(["code: must be string"]);
    expect(fields({ kind: "code", code: "not a code" })).toEqual([expect.stringMatching(/^code: /)]);
    expect(fields({ kind: "empty", api: "cvm" })).toEqual(['api: must be one of: "legacy", "vpc", "eip"']);
    expect(fields({ kind: "empty", taskId: "" })).toEqual(["taskId: must be at least 1 characters long"]);
  });
});

describe("the rate limit on task queries", () => {
  it("counts the task queries of every kind together in one sliding second, and nothing else", async () => {
    const clock = manualClock(Date.now());
    const emulator = await startEmulator({ rateLimit: 3, now: clock.now });
    try {
      const vpc = vpcClient(emulator);
      const create = () => sdkOutcome(vpc.CreateAddressTemplate({ AddressTemplateName: "x", Addresses: ["10.0.0.1"] }));
      const vpcTask = () => sdkOutcome(vpc.DescribeVpcTaskResult({ TaskId: SEED_VPC_TASK.taskId }));
      const eipTask = () => sdkOutcome(vpc.DescribeTaskResult({ TaskId: SEED_EIP_TASK.taskId }));
      const legacy = async () => (await callLegacy(emulator, { nowMs: clock.now() })).body.code;

      expect([await vpcTask(), await create(), await eipTask(), await legacy(), await create()]).toEqual(["ok", "ok", "ok", 0, "ok"]);
      expect([await vpcTask(), await eipTask(), await legacy()]).toEqual(["RequestLimitExceeded", "RequestLimitExceeded", 4400]);
      clock.advance(1_000);
      expect([await eipTask(), await legacy(), await vpcTask(), await vpcTask()]).toEqual(["ok", 0, "ok", "RequestLimitExceeded"]);
      expect(emulator.requests().map((r) => r.code)).toEqual([
        0,
        0,
        0,
        "RequestLimitExceeded",
        "RequestLimitExceeded",
        4400,
        0,
        0,
        0,
        "RequestLimitExceeded",
      ]);
    } finally {
      await emulator.close();
    }
  });
});
