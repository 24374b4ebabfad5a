import { randomUUID } from "node:crypto";
import Sign from "tencentcloud-sdk-nodejs/tencentcloud/common/sign.js";
import { Client as TdmqClient } from "tencentcloud-sdk-nodejs/tencentcloud/services/tdmq/v20200217/tdmq_client.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, startEmulator, type Emulator, type EmulatorCredential } from "../../scripts/emulator/index";
import { tc3Date, tc3Signature } from "../../scripts/emulator/tc3";
import { canonicalPost } from "../support/api3-client";

const temporary: EmulatorCredential = {
  secretId: "AKIDtemporaryTDMQcredential000001",
  secretKey: "temporary-tdmq-key-0123456789ab",
  token: "tdmq-session-token",
};

function tdmqClient(emulator: Emulator, credential: { secretId: string; secretKey: string; token?: string }) {
  const endpoint = emulator.cmqEndpoint.replace("http://", "");
  return new TdmqClient({
    credential,
    region: "ap-guangzhou",
    profile: { httpProfile: { endpoint, protocol: "http://", reqTimeout: 10 } },
  });
}

/** The SDK's error code for a call, or "ok". */
async function sdkOutcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return "ok";
  } catch (e) {
    return String((e as { code?: string }).code);
  }
}

describe("TC3-HMAC-SHA256", () => {
  // Tencent's "签名方法 v3" page: cvm DescribeInstances at 1551113065. The page has shown its
  // secret key in two forms over the years, each with the signature it gives.
  const documented = canonicalPost(
    "cvm.tencentcloudapi.com",
    "application/json; charset=utf-8",
    '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
  );

  it("passes the known-answer examples of Tencent's Signature v3 documentation", () => {
    expect(documented.split("\n").at(-1)).toBe("35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064");
    expect(tc3Date(1551113065)).toBe("2019-02-25");
    expect(tc3Signature("Gu5t9xGARNpq86cd98joQYCN3*******", "cvm", 1551113065, documented)).toBe(
      "2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c",
    );
    expect(tc3Signature("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "cvm", 1551113065, documented)).toBe(
      "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168",
    );
  });

  it("signs as the SDK's Sign.sign3 does for the same inputs", () => {
    const payload = { TaskId: "481e9b6e-81d1-4859-b8cf-a673e010b388" };
    const timestamp = 1767225600;
    const authorization = Sign.sign3({
      method: "POST",
      url: "http://127.0.0.1:9100/",
      payload,
      timestamp,
      service: "vpc",
      secretId: DEFAULT_SECRET_ID,
      secretKey: DEFAULT_SECRET_KEY,
      multipart: false,
      boundary: "",
      headers: { "Content-Type": "application/json" },
    });
    const canonical = canonicalPost("127.0.0.1", "application/json", JSON.stringify(payload));
    expect(authorization).toBe(
      `TC3-HMAC-SHA256 Credential=${DEFAULT_SECRET_ID}/2026-01-01/vpc/tc3_request, SignedHeaders=content-type;host, Signature=${tc3Signature(DEFAULT_SECRET_KEY, "vpc", timestamp, canonical)}`,
    );
  });
});

describe("TDMQ SendCmqMsg", () => {
  let emulator: Emulator;
  let queue: string;

  beforeAll(async () => {
    emulator = await startEmulator({ credentials: [{ secretId: DEFAULT_SECRET_ID, secretKey: DEFAULT_SECRET_KEY }, temporary] });
  });
  afterAll(() => emulator.close());
  beforeEach(() => {
    queue = `q-${randomUUID().slice(0, 8)}`;
  });

  it("accepts a message sent by the SDK's TdmqClient and keeps it for cmqMessages()", async () => {
    const client = tdmqClient(emulator, { secretId: DEFAULT_SECRET_ID, secretKey: DEFAULT_SECRET_KEY });
    const body = JSON.stringify({ specversion: "1.0", id: "evt_1", data: { text: "上海安全组" } });
    const response = await client.SendCmqMsg({ QueueName: queue, MsgContent: body, DelaySeconds: 5 });
    expect(response).toMatchObject({ Result: true, MsgId: expect.any(String), RequestId: expect.any(String) });
    expect(emulator.cmqMessages(queue)).toEqual([
      { at: expect.any(Number), queue, region: "ap-guangzhou", body, delaySeconds: 5, msgId: response.MsgId },
    ]);
    expect(emulator.cmqMessages("another-queue")).toEqual([]);
    expect(emulator.cmqMessages()).toContainEqual(expect.objectContaining({ queue }));
    // The legacy request log is a different API's.
    expect(emulator.requests()).toEqual([]);
  });

  it("requires X-TC-Token for a temporary credential", async () => {
    const send = (client: TdmqClient) => client.SendCmqMsg({ QueueName: queue, MsgContent: "m", DelaySeconds: 0 });
    expect(await sdkOutcome(send(tdmqClient(emulator, temporary)))).toBe("ok");
    expect(await sdkOutcome(send(tdmqClient(emulator, { secretId: temporary.secretId, secretKey: temporary.secretKey })))).toBe(
      "AuthFailure.TokenFailure",
    );
    expect(await sdkOutcome(send(tdmqClient(emulator, { ...temporary, token: "stale-token" })))).toBe("AuthFailure.TokenFailure");
    expect(emulator.cmqMessages(queue)).toHaveLength(1);
  });

  it("refuses a wrong key with AuthFailure.SignatureFailure and an unknown SecretId with AuthFailure.SecretIdNotFound", async () => {
    const wrongKey = tdmqClient(emulator, { secretId: DEFAULT_SECRET_ID, secretKey: "not-the-key" });
    const error = await wrongKey
      .SendCmqMsg({ QueueName: queue, MsgContent: "m", DelaySeconds: 0 })
      .catch((e: unknown) => e as Error & { code: string });
    expect(error).toMatchObject({ code: "AuthFailure.SignatureFailure" });
    expect(String((error as Error).message)).not.toContain("not-the-key");
    const unknown = tdmqClient(emulator, { secretId: "AKIDnobody", secretKey: "x" });
    expect(await sdkOutcome(unknown.SendCmqMsg({ QueueName: queue, MsgContent: "m", DelaySeconds: 0 }))).toBe(
      "AuthFailure.SecretIdNotFound",
    );
    expect(emulator.cmqMessages(queue)).toEqual([]);
  });

  it("accepts MsgContent of exactly 1 MB and refuses one byte more with InvalidParameterValue", async () => {
    const client = tdmqClient(emulator, { secretId: DEFAULT_SECRET_ID, secretKey: DEFAULT_SECRET_KEY });
    expect(await sdkOutcome(client.SendCmqMsg({ QueueName: queue, MsgContent: "x".repeat(1024 * 1024), DelaySeconds: 0 }))).toBe("ok");
    expect(await sdkOutcome(client.SendCmqMsg({ QueueName: queue, MsgContent: "x".repeat(1024 * 1024 + 1), DelaySeconds: 0 }))).toBe(
      "InvalidParameterValue",
    );
    // 1 MB is counted in bytes, not characters.
    expect(await sdkOutcome(client.SendCmqMsg({ QueueName: queue, MsgContent: "安".repeat(350_000), DelaySeconds: 0 }))).toBe(
      "InvalidParameterValue",
    );
    expect(emulator.cmqMessages(queue)).toHaveLength(1);
  });

  it("checks QueueName and DelaySeconds", async () => {
    const client = tdmqClient(emulator, { secretId: DEFAULT_SECRET_ID, secretKey: DEFAULT_SECRET_KEY });
    const send = (req: Record<string, unknown>) => sdkOutcome(client.SendCmqMsg(req as never));
    expect(await send({ QueueName: "1starts-with-digit", MsgContent: "m", DelaySeconds: 0 })).toBe("InvalidParameterValue");
    expect(await send({ MsgContent: "m", DelaySeconds: 0 })).toBe("MissingParameter");
    expect(await send({ QueueName: queue, MsgContent: "m", DelaySeconds: -1 })).toBe("InvalidParameterValue");
    expect(await send({ QueueName: queue, MsgContent: "m" })).toBe("MissingParameter");
  });

  it("refuses an X-TC-Timestamp more than 5 minutes off with AuthFailure.SignatureExpire", async () => {
    for (const [offset, expected] of [
      [290_000, "ok"],
      [310_000, "AuthFailure.SignatureExpire"],
      [-310_000, "AuthFailure.SignatureExpire"],
    ] as const) {
      const skewed = await startEmulator({ now: () => Date.now() + offset });
      try {
        const client = tdmqClient(skewed, { secretId: DEFAULT_SECRET_ID, secretKey: DEFAULT_SECRET_KEY });
        expect(await sdkOutcome(client.SendCmqMsg({ QueueName: queue, MsgContent: "m", DelaySeconds: 0 }))).toBe(expected);
      } finally {
        await skewed.close();
      }
    }
  });

  describe("raw TC3 requests", () => {
    const body = JSON.stringify({ QueueName: "raw-queue", MsgContent: "hello", DelaySeconds: 0 });

    async function rawSend(options: {
      signedHost: string;
      service: string;
      payload?: string;
      sentBody?: string;
      action?: string;
      version?: string;
    }) {
      const timestamp = Math.floor(Date.now() / 1000);
      const contentType = "application/json; charset=utf-8";
      const canonical = canonicalPost(options.signedHost, contentType, options.payload ?? body);
      const signature = tc3Signature(DEFAULT_SECRET_KEY, options.service, timestamp, canonical);
      const res = await fetch(emulator.cmqEndpoint, {
        method: "POST",
        headers: {
          "content-type": contentType,
          authorization: `TC3-HMAC-SHA256 Credential=${DEFAULT_SECRET_ID}/${tc3Date(timestamp)}/${options.service}/tc3_request, SignedHeaders=content-type;host, Signature=${signature}`,
          "x-tc-action": options.action ?? "SendCmqMsg",
          "x-tc-version": options.version ?? "2020-02-17",
          "x-tc-timestamp": String(timestamp),
          "x-tc-region": "ap-shanghai",
        },
        body: options.sentBody ?? body,
      });
      const json = (await res.json()) as { Response: { Error?: { Code: string; Message: string }; MsgId?: string } };
      return json.Response.Error?.Code ?? "ok";
    }

    const host = () => new URL(emulator.cmqEndpoint).host;

    it("accepts the Host header as sent (Tencent's documented form) as well as the SDK's host without port", async () => {
      expect(await rawSend({ signedHost: host(), service: "127" })).toBe("ok");
      expect(await rawSend({ signedHost: "127.0.0.1", service: "127" })).toBe("ok");
      expect(emulator.cmqMessages("raw-queue").at(-1)).toMatchObject({ region: "ap-shanghai", body: "hello" });
    });

    it("accepts the action's product as the credential scope's service", async () => {
      expect(await rawSend({ signedHost: host(), service: "tdmq" })).toBe("ok");
    });

    it("refuses another host, another service, or a body changed after signing", async () => {
      expect(await rawSend({ signedHost: "tdmq.tencentcloudapi.com", service: "127" })).toBe("AuthFailure.SignatureFailure");
      expect(await rawSend({ signedHost: host(), service: "vpc" })).toBe("AuthFailure.SignatureFailure");
      expect(await rawSend({ signedHost: host(), service: "127", sentBody: body.replace("hello", "hellO") })).toBe(
        "AuthFailure.SignatureFailure",
      );
    });

    it("serves SendCmqMsg of version 2020-02-17 only", async () => {
      expect(await rawSend({ signedHost: host(), service: "127", action: "DeleteCmqQueue" })).toBe("InvalidAction");
      expect(await rawSend({ signedHost: host(), service: "127", version: "2019-01-01" })).toBe("NoSuchVersion");
    });

    it("refuses a request without a TC3 Authorization header", async () => {
      const res = await fetch(emulator.cmqEndpoint, {
        method: "POST",
        headers: { "content-type": "application/json", "x-tc-action": "SendCmqMsg" },
        body,
      });
      expect(await res.json()).toMatchObject({
        Response: { Error: { Code: "AuthFailure.InvalidAuthorization" }, RequestId: expect.any(String) },
      });
    });
  });
});
