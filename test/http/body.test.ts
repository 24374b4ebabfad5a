import { describe, expect, it } from "vitest";
import { decodeBase64Body, MAX_BODY_BYTES, readJsonBody } from "../../lib/http/body";
import type { HttpRequest } from "../../lib/http/types";
import { thrownProblem } from "../support/thrown-problem";

const request = (body: string | undefined, contentType: string | null = "application/json"): HttpRequest => ({
  method: "POST",
  path: "/watches",
  query: {},
  headers: contentType === null ? {} : { "content-type": contentType },
  body,
  requestId: "test",
});

describe("readJsonBody", () => {
  it("parses JSON sent as application/json, +json types and with a UTF-8 charset", () => {
    for (const type of [
      "application/json",
      "Application/JSON",
      "application/json; charset=utf-8",
      'application/json;charset="UTF-8"',
      "application/merge-patch+json",
    ]) {
      expect(readJsonBody(request('{"taskId":297,"name":"广州"}', type))).toEqual({ taskId: 297, name: "广州" });
    }
  });

  it("answers 415 naming content-type for other media types or charsets", () => {
    for (const type of [null, "text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1", "application/jsonp"]) {
      const problem = thrownProblem(() => readJsonBody(request('{"a":1}', type)));
      expect(problem.status).toBe(415);
      expect(problem.errors?.[0]?.field).toBe("content-type");
    }
  });

  it("answers 400 naming body for malformed JSON, an empty body and unpaired surrogates", () => {
    for (const body of ["{", "", undefined, "{'a':1}", '{"a":"\uD800"}']) {
      const problem = thrownProblem(() => readJsonBody(request(body)));
      expect(problem.status).toBe(400);
      expect(problem.errors?.[0]).toMatchObject({ field: "body" });
    }
  });

  it("counts bytes, not characters, and refuses a body over 64 KB before parsing it", () => {
    const fits = `"${"a".repeat(MAX_BODY_BYTES - 2)}"`;
    expect(readJsonBody(request(fits))).toHaveLength(MAX_BODY_BYTES - 2);
    // 3 bytes per character in UTF-8: under the limit in characters, over it in bytes.
    const wide = `"${"广".repeat(MAX_BODY_BYTES / 3)}"`;
    expect(wide.length).toBeLessThan(MAX_BODY_BYTES);
    expect(thrownProblem(() => readJsonBody(request(wide))).status).toBe(413);
    // Not JSON and not even JSON-typed: the size is still what is reported.
    const problem = thrownProblem(() => readJsonBody(request("x".repeat(MAX_BODY_BYTES + 1), "text/plain")));
    expect(problem.status).toBe(413);
    expect(problem.errors).toEqual([{ field: "body", rule: "maxBytes", message: `must be at most ${MAX_BODY_BYTES} bytes` }]);
  });
});

describe("decodeBase64Body", () => {
  it("decodes UTF-8 text", () => {
    expect(decodeBase64Body(Buffer.from('{"name":"上海安全组"}').toString("base64"))).toBe('{"name":"上海安全组"}');
  });

  it("refuses bytes that are not UTF-8 instead of replacing them", () => {
    const problem = thrownProblem(() => decodeBase64Body(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString("base64")));
    expect(problem.status).toBe(400);
    expect(problem.errors).toEqual([{ field: "body", rule: "utf8", message: "must be valid UTF-8" }]);
  });
});
