/**
 * API 3.0 signatures: the relay signs with tencentcloud-sdk-nodejs's own `Sign.sign3`; the
 * emulator verifies with an implementation of its own written from Tencent's documentation
 * (scripts/emulator/tc3.ts). Both must reproduce Tencent's documented example and agree on
 * any request.
 */
import fc from "fast-check";
import SignModule from "tencentcloud-sdk-nodejs/tencentcloud/common/sign.js";
import { describe, expect, it } from "vitest";
import { api3Request } from "../../lib/upstream/kinds/api3";
import { signTc3 } from "../../lib/upstream/tc3";
import { parseTc3Authorization, tc3Signature } from "../../scripts/emulator/tc3";
import { canonicalPost } from "../support/api3-client";

// The CommonJS default export, as node's ESM loader or a bundler hands it over.
const Sign = ((SignModule as unknown as { default?: typeof SignModule }).default ?? SignModule) as typeof SignModule;

/** Tencent Cloud's "签名方法 v3" page: its example request and the signature it documents. */
const DOCUMENTED = {
  credentials: { secretId: "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", secretKey: "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE" },
  endpoint: new URL("https://cvm.tencentcloudapi.com/"),
  service: "cvm",
  contentType: "application/json; charset=utf-8",
  body: '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
  timestamp: 1551113065,
  signature: "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168",
};

/** The signature the emulator's own implementation computes for a request as sent. */
function independentSignature(input: {
  endpoint: URL;
  contentType: string;
  body: string;
  service: string;
  timestamp: number;
  secretKey: string;
}): string {
  const canonical = canonicalPost(input.endpoint.hostname, input.contentType, input.body, input.endpoint.pathname);
  return tc3Signature(input.secretKey, input.service, input.timestamp, canonical);
}

describe("TC3-HMAC-SHA256", () => {
  it("reproduces the example of Tencent's documentation", () => {
    const authorization = signTc3({ ...DOCUMENTED });
    expect(authorization).toBe(
      `TC3-HMAC-SHA256 Credential=${DOCUMENTED.credentials.secretId}/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=${DOCUMENTED.signature}`,
    );
    expect(independentSignature({ ...DOCUMENTED, secretKey: DOCUMENTED.credentials.secretKey })).toBe(DOCUMENTED.signature);
  });

  it("equals the emulator's own implementation for any body, time, service, host and key", () => {
    const host = fc.stringMatching(/^[a-z][a-z0-9]{0,20}(\.[a-z][a-z0-9]{0,20}){0,3}$/);
    fc.assert(
      fc.property(
        fc.string({ unit: "binary" }),
        fc.integer({ min: 0, max: 4_102_444_800 }),
        fc.stringMatching(/^[a-z]{2,12}$/),
        host,
        fc.option(fc.integer({ min: 1, max: 65_535 }), { nil: undefined }),
        fc.string({ minLength: 1, maxLength: 64 }),
        (body, timestamp, service, hostname, port, secretKey) => {
          const endpoint = new URL(`https://${hostname}${port ? `:${port}` : ""}/`);
          const signed = parseTc3Authorization(
            signTc3({
              endpoint,
              service,
              contentType: "application/json",
              body,
              timestamp,
              credentials: { secretId: "AKIDtest", secretKey },
            }),
          );
          expect(signed?.signature).toBe(
            independentSignature({ endpoint, contentType: "application/json", body, service, timestamp, secretKey }),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("signs the relay's DescribeVpcTaskResult request exactly as the SDK's own client would", () => {
    const credentials = { secretId: "AKIDrelaytest", secretKey: "relay-test-key" };
    const endpoint = new URL("https://vpc.tencentcloudapi.com/");
    const payload = { TaskId: "3c140219-cfe9-470e-b241-907877d6fb03" };
    const nowMs = Date.UTC(2026, 10, 28, 6, 0, 0);
    const request = api3Request(
      endpoint,
      { service: "vpc", action: "DescribeVpcTaskResult", version: "2017-03-12", region: "ap-guangzhou", payload },
      credentials,
      nowMs,
    );
    // What AbstractClient passes to Sign.sign3: the request object itself, serialised by the SDK.
    const sdk = Sign.sign3({
      method: "POST",
      url: endpoint.href,
      payload,
      timestamp: nowMs / 1000,
      service: "vpc",
      secretId: credentials.secretId,
      secretKey: credentials.secretKey,
      multipart: false,
      boundary: "",
      headers: { "Content-Type": "application/json" },
    });
    expect(request.headers.authorization).toBe(sdk);
    expect(request.body).toBe(JSON.stringify(payload));
    expect(request.headers).toMatchObject({
      "content-type": "application/json",
      "x-tc-action": "DescribeVpcTaskResult",
      "x-tc-version": "2017-03-12",
      "x-tc-region": "ap-guangzhou",
      "x-tc-timestamp": String(nowMs / 1000),
    });
    expect(request.headers).not.toHaveProperty("x-tc-token");
    const temporary = api3Request(
      endpoint,
      { service: "vpc", action: "DescribeTaskResult", version: "2017-03-12", region: "ap-guangzhou", payload: { TaskId: 7 } },
      { ...credentials, token: "session-token" },
      nowMs,
    );
    expect(temporary.headers["x-tc-token"]).toBe("session-token");
  });
});
