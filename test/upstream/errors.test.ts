import { describe, expect, it } from "vitest";
import { classifyCode, classifyError, httpError, malformedError, NetTaskError, UPSTREAM_CODES, upstreamError } from "../../lib/upstream/errors";

// DESIGN.md §3, spelled out again so a change to the table has to be a change to this list too.
const RETRYABLE = [4400, 4500, 5100, 6000, 6200, 9005, 29257];
const FINAL = [4000, 4100, 4101, 4102, 4103, 4104, 4105, 4106, 4110, 4300, 4600, 5000, 6100, 9003, 29254, 29258, 29259, 29260];

describe("the code table", () => {
  it("covers exactly the codes of DescribeNetTaskResult", () => {
    expect(Object.keys(UPSTREAM_CODES).map(Number).sort()).toEqual([...RETRYABLE, ...FINAL].sort());
  });

  it.each(RETRYABLE)("retries %i", (code) => {
    expect(classifyCode(code).retryable).toBe(true);
  });

  it.each(FINAL)("never retries %i", (code) => {
    expect(classifyCode(code).retryable).toBe(false);
  });

  it("gives every code its own meaning", () => {
    const meanings = Object.values(UPSTREAM_CODES).map((c) => c.meaning);
    expect(meanings.every((m) => m.length > 5)).toBe(true);
    expect(classifyCode(29259).meaning).toBe("association refused: rule expansion too large");
  });

  it("does not retry a code it does not know", () => {
    expect(classifyCode(12345)).toEqual({ meaning: "unknown error code", retryable: false });
  });
});

describe("NetTaskError", () => {
  it("names the code, its meaning and the upstream message", () => {
    const e = upstreamError(29254, "signature expired", "AuthFailure");
    expect(e).toBeInstanceOf(NetTaskError);
    expect(e.message).toBe("DescribeNetTaskResult failed: 29254 authentication failed (signature expired)");
    expect(e).toMatchObject({ kind: "upstream", code: 29254, codeDesc: "AuthFailure", upstreamMessage: "signature expired", retryable: false });
  });

  it("describes HTTP statuses, retrying only 5xx", () => {
    expect(httpError(502, "Bad Gateway")).toMatchObject({ kind: "http", httpStatus: 502, retryable: true, message: "DescribeNetTaskResult failed: HTTP 502 Bad Gateway" });
    expect(httpError(404, "Not Found").retryable).toBe(false);
    expect(httpError(302, "").meaning).toBe("HTTP 302");
  });

  it("says what was malformed and retries it", () => {
    expect(malformedError("empty body")).toMatchObject({ kind: "malformed", retryable: true, message: "DescribeNetTaskResult failed: malformed response (empty body)" });
  });
});

describe("classifyError", () => {
  it("tells a caller's abort from a timeout from a network failure", () => {
    const caller = new AbortController();
    const timeout = new AbortController();
    const refused = new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) });

    expect(classifyError(refused, caller.signal, timeout.signal)).toMatchObject({ kind: "network", retryable: true });
    expect(classifyError(refused).message).toBe("DescribeNetTaskResult failed: network error (ECONNREFUSED)");
    timeout.abort();
    expect(classifyError(new Error("x"), caller.signal, timeout.signal)).toMatchObject({ kind: "timeout", retryable: true });
    caller.abort();
    expect(classifyError(new Error("x"), caller.signal, timeout.signal)).toMatchObject({ kind: "aborted", retryable: false });
    expect(classifyError(new Error("x"), caller.signal).message).toBe("DescribeNetTaskResult aborted: aborted by the caller");
  });

  it("passes NetTaskErrors through", () => {
    const e = upstreamError(9005);
    expect(classifyError(e)).toBe(e);
  });
});
