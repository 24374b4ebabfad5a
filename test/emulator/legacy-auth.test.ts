import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_SECRET_KEY, startEmulator, type Emulator, type EmulatorCredential } from "../../scripts/emulator/index";
import { callLegacy, manualClock, send } from "../support/legacy-client";

const temporary: EmulatorCredential = {
  secretId: "AKIDtemporaryEMULATORcredential0001",
  secretKey: "temporary-secret-key-abcdef012345",
  token: "session-token-with+and/chars=",
};
const permanent: EmulatorCredential = { secretId: "AKIDpermanentEMULATORcredential0002", secretKey: "permanent-secret-key-abcdef012345" };

describe("legacy API: authentication and replay checks", () => {
  const clock = manualClock();
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator({ credentials: [permanent, temporary], now: clock.now });
  });
  afterAll(() => emulator.close());
  beforeEach(() => {
    clock.set(Date.UTC(2026, 0, 15, 12));
    emulator.reset();
  });

  const at = () => ({ nowMs: clock.now() });

  for (const method of ["GET", "POST"] as const) {
    for (const signatureMethod of ["HmacSHA256", "HmacSHA1"]) {
      for (const credential of [permanent, temporary]) {
        it(`accepts a correct ${signatureMethod} ${method} request ${credential.token ? "with" : "without"} Token`, async () => {
          const answer = await callLegacy(emulator, { ...at(), method, credential, params: { SignatureMethod: signatureMethod } });
          expect(answer.status).toBe(200);
          expect(answer.body).toMatchObject({ code: 0, message: "", codeDesc: "Success", data: { status: 0 } });
          expect(emulator.requests()).toEqual([
            expect.objectContaining({
              httpMethod: method,
              signatureMethod,
              secretId: credential.secretId,
              token: credential.token !== undefined,
              code: 0,
              taskId: "297",
              region: "gz",
            }),
          ]);
        });
      }
    }
  }

  it.each([
    ["another host", { host: "vpc.api.qcloud.com" }],
    ["another port", { host: "127.0.0.1:1" }],
    ["another path", { path: "/v2/other.php" }],
    ["another method", { method: "GET" as const }],
  ])("refuses a request signed for %s with 4100", async (_what, signAs) => {
    const answer = await callLegacy(emulator, { ...at(), credential: permanent, method: "POST", signAs });
    expect(answer.body).toEqual({
      code: 4100,
      codeDesc: "AuthFailure.SignatureFailure",
      message: expect.stringContaining("signature mismatch"),
    });
    expect(answer.body.data).toBeUndefined();
  });

  it("signs over the Host header exactly as sent, port included", async () => {
    const host = new URL(emulator.endpoint).host;
    expect(host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect((await callLegacy(emulator, { ...at(), credential: permanent, signAs: { host } })).body.code).toBe(0);
    expect((await callLegacy(emulator, { ...at(), credential: permanent, signAs: { host: "127.0.0.1" } })).body.code).toBe(4100);
  });

  it.each([
    ["taskId", (p: Record<string, string>) => void (p.taskId = "298")],
    ["Region", (p: Record<string, string>) => void (p.Region = "sh")],
    ["Nonce", (p: Record<string, string>) => void (p.Nonce = String(Number(p.Nonce) + 1))],
    ["an added parameter", (p: Record<string, string>) => void (p.extra = "1")],
  ])("refuses a request whose %s changed after signing with 4100", async (_what, tamper) => {
    expect((await callLegacy(emulator, { ...at(), credential: permanent, tamper })).body.code).toBe(4100);
  });

  it("refuses a signature made with another key with 4100", async () => {
    expect((await callLegacy(emulator, { ...at(), credential: permanent, signingKey: DEFAULT_SECRET_KEY })).body.code).toBe(4100);
  });

  it("verifies any SignatureMethod other than HmacSHA256 as HmacSHA1", async () => {
    for (const SignatureMethod of ["hmacsha256", "HmacSHA512", undefined]) {
      // legacyParams/callLegacy signs with signatureMethodOf(SignatureMethod): SHA-1 for all of these.
      const sha1 = await callLegacy(emulator, { ...at(), credential: permanent, params: { SignatureMethod } });
      expect(sha1.body.code).toBe(0);
      const record = emulator.requests().at(-1)!;
      expect(record.signatureMethod).toBe("HmacSHA1");
    }
    // A SHA-256 signature under a method name that is not exactly HmacSHA256 does not verify.
    const sha256 = await callLegacy(emulator, {
      ...at(),
      credential: permanent,
      params: { SignatureMethod: "HmacSHA256" },
      tamper: (p) => void (p.SignatureMethod = "hmacsha256"),
    });
    expect(sha256.body.code).toBe(4100);
  });

  it("answers 4104 to an unknown SecretId", async () => {
    const answer = await callLegacy(emulator, { ...at(), credential: { secretId: "AKIDunknown", secretKey: "whatever" } });
    expect(answer.body).toEqual({ code: 4104, codeDesc: "AuthFailure.SecretIdNotFound", message: expect.any(String) });
  });

  it.each([
    ["a missing Token for a temporary credential", temporary, undefined],
    ["a wrong Token for a temporary credential", temporary, "another-token"],
    ["a Token with a permanent key", permanent, "stray-token"],
  ])("answers 4105 to %s", async (_what, credential, token) => {
    const answer = await callLegacy(emulator, { ...at(), credential, token });
    expect(answer.body).toMatchObject({ code: 4105, codeDesc: "AuthFailure.TokenFailure" });
    expect(answer.text).not.toContain(temporary.token);
    expect(answer.text).not.toContain(credential.secretKey);
  });

  it("accepts a Timestamp 300 s off either way and answers 4500 at 301 s", async () => {
    for (const offset of [-300_000, 300_000]) {
      expect((await callLegacy(emulator, { nowMs: clock.now() + offset, credential: permanent })).body.code).toBe(0);
    }
    for (const offset of [-301_000, 301_000]) {
      const answer = await callLegacy(emulator, { nowMs: clock.now() + offset, credential: permanent });
      expect(answer.body).toMatchObject({ code: 4500, message: expect.stringContaining("Timestamp") });
    }
  });

  it("answers 4500 to a reused Nonce, per SecretId, for as long as the request could pass the window", async () => {
    const params = { Nonce: "4242" };
    expect((await callLegacy(emulator, { ...at(), credential: permanent, params })).body.code).toBe(0);
    const replay = await callLegacy(emulator, { ...at(), credential: permanent, params });
    expect(replay.body).toMatchObject({ code: 4500, message: expect.stringContaining("Nonce") });
    // Another SecretId may use the same Nonce.
    expect((await callLegacy(emulator, { ...at(), credential: temporary, params })).body.code).toBe(0);
    clock.advance(299_000);
    expect((await callLegacy(emulator, { ...at(), credential: permanent, params })).body.code).toBe(4500);
    clock.advance(2_000);
    expect((await callLegacy(emulator, { ...at(), credential: permanent, params })).body.code).toBe(0);
  });

  it("does not spend the Nonce of a request that fails authentication", async () => {
    const params = { Nonce: "777" };
    expect((await callLegacy(emulator, { ...at(), credential: permanent, params, signingKey: "wrong" })).body.code).toBe(4100);
    expect((await callLegacy(emulator, { ...at(), credential: permanent, params })).body.code).toBe(0);
  });

  it("answers 4000 to an unknown or missing Action", async () => {
    const other = await callLegacy(emulator, { ...at(), credential: permanent, params: { Action: "DescribeVpcEx" } });
    expect(other.body).toMatchObject({
      code: 4000,
      codeDesc: "InvalidParameter",
      message: expect.stringContaining("DescribeNetTaskResult"),
    });
    const none = await callLegacy(emulator, { ...at(), credential: permanent, params: { Action: undefined } });
    expect(none.body).toMatchObject({ code: 4000, message: "Action is required" });
  });

  it.each(["Region", "Timestamp", "Nonce", "SecretId"])("answers 4000 naming a missing %s", async (name) => {
    const answer = await callLegacy(emulator, { ...at(), credential: permanent, params: { [name]: undefined } });
    expect(answer.body).toMatchObject({ code: 4000, message: expect.stringContaining(name) });
  });

  it("answers 4000 to a missing Signature, a bad Timestamp or Nonce, and a parameter given twice", async () => {
    const noSignature = await callLegacy(emulator, { ...at(), credential: permanent, tamper: (p) => void delete p.Signature });
    expect(noSignature.body).toMatchObject({ code: 4000, message: expect.stringContaining("Signature") });
    expect((await callLegacy(emulator, { ...at(), credential: permanent, params: { Timestamp: "soon" } })).body).toMatchObject({
      code: 4000,
      message: expect.stringContaining("Timestamp"),
    });
    expect((await callLegacy(emulator, { ...at(), credential: permanent, params: { Nonce: "-5" } })).body).toMatchObject({
      code: 4000,
      message: expect.stringContaining("Nonce"),
    });
    const twice = await send(emulator, "GET", "Action=DescribeNetTaskResult&taskId=1&taskId=2");
    expect(twice.body).toMatchObject({ code: 4000, message: expect.stringContaining("taskId") });
  });

  it("answers 4000 to a POST that is not form-encoded", async () => {
    const res = await fetch(emulator.endpoint, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(await res.json()).toMatchObject({ code: 4000, message: expect.stringContaining("x-www-form-urlencoded") });
  });

  it("checks in the upstream's order: Timestamp, SecretId, Token, signature, Nonce", async () => {
    const late = { nowMs: clock.now() - 400_000 };
    expect((await callLegacy(emulator, { ...late, credential: { secretId: "AKIDnobody", secretKey: "x" } })).body.code).toBe(4500);
    expect((await callLegacy(emulator, { ...at(), credential: { secretId: "AKIDnobody", secretKey: "x" }, token: "t" })).body.code).toBe(
      4104,
    );
    expect((await callLegacy(emulator, { ...at(), credential: temporary, token: undefined, signingKey: "wrong" })).body.code).toBe(4105);
    const params = { Nonce: "99", taskId: "abc" };
    expect((await callLegacy(emulator, { ...at(), credential: permanent, params })).body.code).toBe(9003);
    expect((await callLegacy(emulator, { ...at(), credential: permanent, params, signingKey: "wrong" })).body.code).toBe(4100);
    expect((await callLegacy(emulator, { ...at(), credential: permanent, params })).body.code).toBe(4500);
  });

  it("answers other HTTP methods with 405 and unknown paths with 404", async () => {
    expect((await fetch(emulator.endpoint, { method: "PUT" })).status).toBe(405);
    expect((await fetch(`${emulator.url}/v3/index.php`)).status).toBe(404);
  });
});
