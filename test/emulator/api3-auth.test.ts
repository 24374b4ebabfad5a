import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SEED_VPC_TASK, startEmulator, type Emulator, type EmulatorCredential } from "../../scripts/emulator/index";
import { callApi3, codeOf, DEFAULT_CREDENTIAL, REQUEST_ID, sdkOutcome, vpcClient } from "../support/api3-client";

const temporary: EmulatorCredential = {
  secretId: "AKIDtemporaryVPCcredential00000001",
  secretKey: "temporary-vpc-key-0123456789abcd",
  token: "vpc-session-token+/=",
};
const TaskId = SEED_VPC_TASK.taskId;

describe("API 3.0: authentication and the common checks", () => {
  let emulator: Emulator;
  const raw = (call: Omit<Parameters<typeof callApi3>[1], "action"> & { action?: string }) =>
    callApi3(emulator, { action: "DescribeVpcTaskResult", params: { TaskId }, ...call });

  beforeAll(async () => {
    emulator = await startEmulator({ credentials: [DEFAULT_CREDENTIAL, temporary] });
  });
  afterAll(() => emulator.close());
  beforeEach(() => emulator.reset());

  it("answers the SDK's VpcClient signed with the right key, and throws AuthFailure.SignatureFailure at a wrong one without echoing it", async () => {
    expect(await sdkOutcome(vpcClient(emulator).DescribeVpcTaskResult({ TaskId }))).toBe("ok");
    const error = await vpcClient(emulator, { ...DEFAULT_CREDENTIAL, secretKey: "not-the-key-0123456789" })
      .DescribeVpcTaskResult({ TaskId })
      .catch((e: unknown) => e as Error & { code: string; requestId: string });
    expect(error).toMatchObject({ code: "AuthFailure.SignatureFailure", requestId: expect.stringMatching(REQUEST_ID) });
    expect(String((error as Error).message)).not.toContain("not-the-key-0123456789");
    expect(await sdkOutcome(vpcClient(emulator, { secretId: "AKIDnobody", secretKey: "x" }).DescribeVpcTaskResult({ TaskId }))).toBe(
      "AuthFailure.SecretIdNotFound",
    );
  });

  it("takes a temporary credential with its X-TC-Token, and answers AuthFailure.TokenFailure to a missing, wrong or stray token", async () => {
    const outcome = (credential: EmulatorCredential) => sdkOutcome(vpcClient(emulator, credential).DescribeVpcTaskResult({ TaskId }));
    expect(await outcome(temporary)).toBe("ok");
    expect(await outcome({ ...temporary, token: "stale-token" })).toBe("AuthFailure.TokenFailure");
    expect(await outcome({ secretId: temporary.secretId, secretKey: temporary.secretKey })).toBe("AuthFailure.TokenFailure");
    expect(await outcome({ ...DEFAULT_CREDENTIAL, token: "stray-token" })).toBe("AuthFailure.TokenFailure");
    const answer = await raw({ credential: temporary, token: "stale-token" });
    expect(answer.text).not.toContain(temporary.token);
  });

  it("accepts an X-TC-Timestamp up to 300 s off and answers AuthFailure.SignatureExpire beyond", async () => {
    for (const [offset, expected] of [
      [-290_000, "ok"],
      [290_000, "ok"],
      [-310_000, "AuthFailure.SignatureExpire"],
      [310_000, "AuthFailure.SignatureExpire"],
    ] as const) {
      expect(codeOf(await raw({ nowMs: Date.now() + offset })), String(offset)).toBe(expected);
    }
    const skewed = await startEmulator({ now: () => Date.now() + 400_000 });
    try {
      expect(await sdkOutcome(vpcClient(skewed).DescribeVpcTaskResult({ TaskId }))).toBe("AuthFailure.SignatureExpire");
    } finally {
      await skewed.close();
    }
  });

  it("requires the credential scope's date to be the UTC date of X-TC-Timestamp", async () => {
    // 23:59:30 UTC: still the same UTC date, though it is the next day in Beijing.
    const lateUtc = new Date();
    lateUtc.setUTCHours(23, 59, 30, 0);
    const skewed = await startEmulator({ now: () => lateUtc.getTime() });
    try {
      expect(codeOf(await callApi3(skewed, { action: "DescribeVpcTaskResult", params: { TaskId }, nowMs: lateUtc.getTime() }))).toBe("ok");
      const nextDay = new Date(lateUtc.getTime() + 86_400_000).toISOString().slice(0, 10);
      const answer = await callApi3(skewed, {
        action: "DescribeVpcTaskResult",
        params: { TaskId },
        nowMs: lateUtc.getTime(),
        scopeDate: nextDay,
      });
      expect(answer.body.Response.Error).toEqual({ Code: "AuthFailure.SignatureFailure", Message: expect.stringContaining("date") });
    } finally {
      await skewed.close();
    }
  });

  it("accepts as the scope's service the first label of Host (the SDK's) or the action's product, nothing else", async () => {
    expect(codeOf(await raw({ service: "vpc" }))).toBe("ok");
    expect(codeOf(await raw({ service: "127" }))).toBe("ok");
    expect(codeOf(await raw({ service: "cvm" }))).toBe("AuthFailure.SignatureFailure");
    expect(codeOf(await raw({ service: "tdmq" }))).toBe("AuthFailure.SignatureFailure");
  });

  it("verifies the Host header with or without its port, and refuses another host or a body changed after signing", async () => {
    const host = new URL(emulator.vpcEndpoint).host;
    expect(host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(codeOf(await raw({ signedHost: host }))).toBe("ok");
    expect(codeOf(await raw({ signedHost: "127.0.0.1" }))).toBe("ok");
    expect(codeOf(await raw({ signedHost: "vpc.tencentcloudapi.com" }))).toBe("AuthFailure.SignatureFailure");
    expect(codeOf(await raw({ signingKey: "wrong" }))).toBe("AuthFailure.SignatureFailure");
  });

  it("answers AuthFailure.InvalidAuthorization without a TC3 Authorization header", async () => {
    const answer = await raw({ authorization: "Bearer x" });
    expect(answer).toMatchObject({
      status: 200,
      body: { Response: { Error: { Code: "AuthFailure.InvalidAuthorization" }, RequestId: expect.stringMatching(REQUEST_ID) } },
    });
  });

  it("answers InvalidAction to an unknown action, NoSuchVersion to another version and MissingParameter to none", async () => {
    expect(codeOf(await raw({ action: "DescribeVpcTaskResults" }))).toBe("InvalidAction");
    expect(codeOf(await raw({ version: "2020-02-17" }))).toBe("NoSuchVersion");
    expect(codeOf(await raw({ version: "" }))).toBe("MissingParameter");
    expect(codeOf(await raw({ action: "SendCmqMsg", service: "tdmq", params: { QueueName: "q", MsgContent: "m", DelaySeconds: 0 } }))).toBe(
      "NoSuchVersion",
    );
  });

  it("requires X-TC-Region as a region name: MissingParameter without it, UnsupportedRegion for a legacy code", async () => {
    expect(codeOf(await raw({ region: null }))).toBe("MissingParameter");
    const short = await raw({ region: "gz" });
    expect(short.body.Response.Error).toEqual({ Code: "UnsupportedRegion", Message: expect.stringContaining("ap-guangzhou") });
  });

  it("answers InvalidParameter to a body that is not a JSON object", async () => {
    expect(codeOf(await raw({ body: "{TaskId:" }))).toBe("InvalidParameter");
    expect(codeOf(await raw({ body: "[]" }))).toBe("InvalidParameter");
  });

  it("answers other HTTP methods on / with 405", async () => {
    expect((await fetch(emulator.vpcEndpoint)).status).toBe(405);
  });
});
