import { describe, expect, it } from "vitest";
import { classifyError, httpError, malformedError, UpstreamError, upstreamError } from "../../lib/upstream/errors";

describe("UpstreamError", () => {
  it("names the action, the code, its meaning and the upstream message", () => {
    const e = upstreamError("DescribeNetTaskResult", 29254, "signature expired", { codeDesc: "AuthFailure" });
    expect(e).toBeInstanceOf(UpstreamError);
    expect(e.message).toBe("DescribeNetTaskResult failed: 29254 authentication failed (signature expired)");
    expect(e).toMatchObject({
      failure: "upstream",
      kind: "upstream-failed",
      code: 29254,
      category: "auth",
      codeDesc: "AuthFailure",
      upstreamMessage: "signature expired",
      retryable: false,
    });
  });

  it("carries an API 3.0 code and the RequestId to quote to Tencent Cloud support", () => {
    const e = upstreamError("DescribeVpcTaskResult", "RequestLimitExceeded", "too many requests", {
      requestId: "6c2a1e4f-0000-4000-8000-000000000001",
    });
    expect(e.message).toBe(
      "DescribeVpcTaskResult failed: RequestLimitExceeded request rate limit exceeded (too many requests) " +
        "[RequestId 6c2a1e4f-0000-4000-8000-000000000001]",
    );
    expect(e).toMatchObject({
      code: "RequestLimitExceeded",
      category: "throttled",
      kind: "upstream-busy",
      retryable: true,
      requestId: "6c2a1e4f-0000-4000-8000-000000000001",
    });
  });

  it("describes HTTP statuses, retrying only 5xx", () => {
    expect(httpError("DescribeVpcTaskResult", 502, "Bad Gateway")).toMatchObject({
      failure: "http",
      httpStatus: 502,
      retryable: true,
      message: "DescribeVpcTaskResult failed: HTTP 502 Bad Gateway",
    });
    expect(httpError("DescribeTaskResult", 404, "Not Found").retryable).toBe(false);
    expect(httpError("DescribeTaskResult", 302, "").meaning).toBe("HTTP 302");
  });

  it("says what was malformed and retries it", () => {
    expect(malformedError("DescribeNetTaskResult", "empty body")).toMatchObject({
      failure: "malformed",
      retryable: true,
      message: "DescribeNetTaskResult failed: malformed response (empty body)",
    });
  });
});

describe("classifyError", () => {
  it("tells a caller's abort from a timeout from a network failure", () => {
    const caller = new AbortController();
    const timeout = new AbortController();
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    const action = "DescribeVpcTaskResult";

    expect(classifyError(action, refused, caller.signal, timeout.signal)).toMatchObject({
      failure: "network",
      kind: "upstream-failed",
      retryable: true,
    });
    expect(classifyError(action, refused).message).toBe("DescribeVpcTaskResult failed: network error (ECONNREFUSED)");
    expect(classifyError(action, new TypeError("fetch failed", { cause: refused })).message).toBe(
      "DescribeVpcTaskResult failed: network error (ECONNREFUSED)",
    );
    timeout.abort();
    expect(classifyError(action, new Error("x"), caller.signal, timeout.signal)).toMatchObject({
      failure: "timeout",
      kind: "upstream-timeout",
      retryable: true,
    });
    caller.abort();
    expect(classifyError(action, new Error("x"), caller.signal, timeout.signal)).toMatchObject({
      failure: "aborted",
      kind: "upstream-timeout",
      retryable: false,
    });
    expect(classifyError(action, new Error("x"), caller.signal).message).toBe("DescribeVpcTaskResult aborted: aborted by the caller");
  });

  it("passes UpstreamErrors through", () => {
    const e = upstreamError("DescribeNetTaskResult", 9005);
    expect(classifyError("DescribeNetTaskResult", e)).toBe(e);
  });
});
