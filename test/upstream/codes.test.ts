import { describe, expect, it } from "vitest";
import { API3_CODES, describeCode, isHopeless, isRetryable, LEGACY_CODES } from "../../lib/upstream/codes";

// Spelled out again, so a change to a table has to be a change to these lists too.
const LEGACY_RETRYABLE = [4400, 4500, 5100, 6000, 6200, 9005, 29257];
const LEGACY_FINAL = [4000, 4100, 4101, 4102, 4103, 4104, 4105, 4106, 4110, 4300, 4600, 5000, 6100, 9003, 29254, 29258, 29259, 29260];
const API3_RETRYABLE = [
  "RequestLimitExceeded",
  "RequestLimitExceeded.UinLimitExceeded",
  "InternalError",
  "InternalServerError",
  "ServiceUnavailable",
];
const API3_AUTH = [
  "AuthFailure.SignatureFailure",
  "AuthFailure.SignatureExpire",
  "AuthFailure.SecretIdNotFound",
  "AuthFailure.TokenFailure",
  "AuthFailure.UnauthorizedOperation",
  "AuthFailure.SomethingNew",
  "UnauthorizedOperation",
];

describe("the legacy code table", () => {
  it("covers exactly the codes of DescribeNetTaskResult", () => {
    expect(Object.keys(LEGACY_CODES).map(Number).sort()).toEqual([...LEGACY_RETRYABLE, ...LEGACY_FINAL].sort());
  });

  it.each(LEGACY_RETRYABLE)("retries %i", (code) => {
    expect(isRetryable(describeCode(code).category)).toBe(true);
  });

  it.each(LEGACY_FINAL)("never retries %i", (code) => {
    expect(isRetryable(describeCode(code).category)).toBe(false);
  });

  it("gives every code its own meaning", () => {
    expect(Object.values(LEGACY_CODES).every((c) => c.meaning.length > 5)).toBe(true);
    expect(describeCode(29259).meaning).toBe("association refused: rule expansion too large");
  });

  it("refuses watches of tasks that do not exist or that the upstream calls bad parameters", () => {
    const hopeless = Object.keys(LEGACY_CODES)
      .map(Number)
      .filter((code) => isHopeless(describeCode(code).category));
    expect(hopeless).toEqual([4000, 5000, 9003, 29258]);
  });
});

describe("the API 3.0 code table", () => {
  it.each(API3_RETRYABLE)("retries %s", (code) => {
    expect(isRetryable(describeCode(code).category)).toBe(true);
  });

  it.each(API3_AUTH)("reads %s as our credentials refused, not retried", (code) => {
    expect(describeCode(code).category).toBe("auth");
  });

  it("reads sub-codes by their first part", () => {
    expect(describeCode("InvalidParameterValue.TaskNotExist")).toMatchObject({
      category: "bad-parameter",
      meaning: "invalid parameter value",
    });
    expect(describeCode("ResourceNotFound.Task").category).toBe("not-found");
    expect(describeCode("UnsupportedRegion")).toMatchObject({ category: "bad-parameter", field: "region" });
  });

  it("refuses watches on not-found and bad-parameter codes only", () => {
    const hopeless = Object.keys(API3_CODES).filter((code) => isHopeless(describeCode(code).category));
    expect(hopeless.sort()).toEqual([
      "InvalidParameter",
      "InvalidParameterValue",
      "MissingParameter",
      "ResourceNotFound",
      "UnknownParameter",
      "UnsupportedRegion",
    ]);
  });

  it("does not retry a code it does not know, even one named like an object property", () => {
    for (const code of [12345, "NoSuchThing", "constructor", "__proto__", "toString.x"]) {
      expect(describeCode(code)).toEqual({ meaning: "unknown error code", category: "refused" });
    }
  });
});
