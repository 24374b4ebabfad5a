import { describe, expect, it } from "vitest";
import { computeSignature, signatureMethodOf, stringToSign } from "../../lib/upstream/sign";

describe("signature v1", () => {
  // The example on Tencent's signature v1 page (docs/upstream.md links it).
  const params = {
    Action: "DescribeInstances",
    Nonce: "11886",
    Region: "gz",
    SecretId: "AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA",
    Timestamp: "1465185768",
    "instanceIds.0": "ins-09dx96dg",
    limit: "20",
    offset: "0",
  };

  it("builds the documented string to sign, sorted in byte order", () => {
    const shuffled = Object.fromEntries(Object.entries(params).reverse());
    expect(stringToSign("GET", "cvm.api.qcloud.com", "/v2/index.php", shuffled)).toBe(
      "GETcvm.api.qcloud.com/v2/index.php?Action=DescribeInstances&Nonce=11886&Region=gz&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA" +
        "&Timestamp=1465185768&instanceIds.0=ins-09dx96dg&limit=20&offset=0",
    );
  });

  it("passes the HmacSHA1 known-answer vector", () => {
    const text = stringToSign("GET", "cvm.api.qcloud.com", "/v2/index.php", params);
    expect(computeSignature("Gu5t9xGARNpq86cd98joQYCN3Cozk1qA", text, "HmacSHA1")).toBe("NSI3UqqD99b/UJb4tbG/xZpRW64=");
  });

  it("writes _ in names as . and leaves out Signature", () => {
    expect(stringToSign("POST", "h:9100", "/p", { instanceIds_0: "a", Signature: "x", B: "1" })).toBe("POSTh:9100/p?B=1&instanceIds.0=a");
  });

  it("sorts upper case before lower case (byte order, not locale)", () => {
    expect(stringToSign("GET", "h", "/", { a: "1", B: "2", Z: "3" })).toBe("GETh/?B=2&Z=3&a=1");
  });

  it("treats anything but HmacSHA256 as HmacSHA1, as the upstream does", () => {
    expect(signatureMethodOf("HmacSHA256")).toBe("HmacSHA256");
    expect(signatureMethodOf("hmacsha256")).toBe("HmacSHA1");
    expect(signatureMethodOf(undefined)).toBe("HmacSHA1");
    expect(computeSignature("k", "t", "HmacSHA256")).not.toBe(computeSignature("k", "t", "HmacSHA1"));
  });
});
