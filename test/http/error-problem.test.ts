import { describe, expect, it } from "vitest";
import { errorResponse, problemForError } from "../../lib/http/error-problem";
import { ConfigError } from "../../lib/config";
import { DeliveryVerificationError } from "../../lib/delivery/verify";
import { RefusedDestinationError } from "../../lib/delivery/ssrf";
import { HttpProblem, problemPage } from "../../lib/http/problem";
import { createLogger, withLogContext } from "../../lib/log";
import { ConflictError, RelayError } from "../../lib/errors";
import { CredentialsError } from "../../lib/upstream/credentials";
import { AnswerTooLargeError } from "../../lib/upstream/transport";
import { StoreConfigError, StoreUnavailableError } from "../../lib/watches/store";
import { ValidationError } from "../../lib/schemas/validate";
import { httpError, malformedError, UpstreamError, upstreamError as upstreamErrorOf } from "../../lib/upstream/errors";

const upstreamError = (code: number | string, message?: string) =>
  upstreamErrorOf(typeof code === "number" ? "DescribeNetTaskResult" : "DescribeVpcTaskResult", code, message);

const statusOf = (error: unknown) => problemForError(error)?.status;

describe("problemForError", () => {
  it("maps upstream codes to honest statuses", () => {
    expect(statusOf(upstreamError(29258, "资源不存在"))).toBe(404);
    expect(statusOf(upstreamError(9003))).toBe(422);
    expect(statusOf(upstreamError(4400))).toBe(503);
    expect(statusOf(upstreamError(9005))).toBe(503);
    for (const code of [4100, 4101, 4102, 4103, 4104, 4105, 4106, 4110, 4300, 29254]) expect(statusOf(upstreamError(code))).toBe(502);
    for (const code of [4500, 4600, 5100, 6000, 6100, 6200, 29257, 12345]) expect(statusOf(upstreamError(code))).toBe(502);
    expect(statusOf(upstreamError(4000))).toBe(422);
  });

  it("maps API 3.0 codes by their category", () => {
    expect(statusOf(upstreamError("ResourceNotFound"))).toBe(404);
    for (const code of ["InvalidParameterValue", "InvalidParameterValue.Malformed", "MissingParameter", "UnsupportedRegion"])
      expect(statusOf(upstreamError(code))).toBe(422);
    expect(problemForError(upstreamError("UnsupportedRegion"))?.errors?.[0]?.field).toBe("region");
    expect(statusOf(upstreamError("RequestLimitExceeded"))).toBe(503);
    for (const code of ["AuthFailure.SignatureFailure", "AuthFailure.SignatureExpire", "UnauthorizedOperation"])
      expect(statusOf(upstreamError(code))).toBe(502);
    for (const code of ["InternalError", "UnsupportedOperation", "InvalidAction", "SomethingNew"])
      expect(statusOf(upstreamError(code))).toBe(502);
    expect(problemForError(upstreamError("AuthFailure.SignatureFailure"))?.detail).toMatch(
      /^The relay's Tencent Cloud credentials were refused \(DescribeVpcTaskResult code AuthFailure.SignatureFailure/,
    );
  });

  it("maps transport failures to 502 and time running out to 504", () => {
    const action = "DescribeVpcTaskResult";
    expect(statusOf(httpError(action, 503, "Service Unavailable"))).toBe(502);
    expect(statusOf(malformedError(action, "not JSON"))).toBe(502);
    expect(statusOf(new UpstreamError({ failure: "network", action, meaning: "network error", retryable: true }))).toBe(502);
    expect(statusOf(new UpstreamError({ failure: "timeout", action, meaning: "request timed out", retryable: true }))).toBe(504);
    expect(statusOf(new UpstreamError({ failure: "aborted", action, meaning: "aborted by the caller", retryable: false }))).toBe(504);
    const middyTimeout = Object.assign(new Error("[AbortError]: The operation was aborted."), { name: "TimeoutError" });
    expect(statusOf(middyTimeout)).toBe(504);
  });

  it("says when to come back after a rate limit", () => {
    expect(problemForError(upstreamError(4400))?.headers["retry-after"]).toBe("1");
    expect(problemForError(upstreamError("RequestLimitExceeded"))?.headers["retry-after"]).toBe("1");
  });

  it("names the task as the offending field of 29258 and 9003", () => {
    expect(problemForError(upstreamError(29258))?.errors).toEqual([
      { field: "taskId", rule: "upstream", message: "does not exist in this region" },
    ]);
    expect(problemForError(upstreamError(9003))?.errors?.[0]?.field).toBe("taskId");
  });

  it("does not pass on the upstream's message, only the code and its meaning", () => {
    const problem = problemForError(upstreamError(4104, "SecretId AKIDsomething not found"))!;
    expect(problem.detail).toContain("4104");
    expect(problem.detail).not.toContain("AKID");
    const api3 = problemForError(upstreamError("AuthFailure.SecretIdNotFound", "SecretId AKIDsomething not found"))!;
    expect(api3.detail).toContain("AuthFailure.SecretIdNotFound");
    expect(api3.detail).not.toContain("AKID");
  });

  it("turns validation errors into 422 with the field list and conflicts into 409", () => {
    const problem = problemForError(
      new ValidationError("request body", [{ field: "destination.url", rule: "ssrf", message: "resolves to a private address" }]),
    )!;
    expect(problem.status).toBe(422);
    expect(problem.errors).toEqual([{ field: "destination.url", rule: "ssrf", message: "resolves to a private address" }]);
    expect(statusOf(new ConflictError("watch w_x has no outcome to deliver yet"))).toBe(409);
  });

  it("answers a deployment without Tencent Cloud credentials 503, saying what to set", () => {
    const problem = problemForError(new CredentialsError("TENCENTCLOUD_SECRET_KEY must be set together with TENCENTCLOUD_SECRET_ID"))!;
    expect(problem.toJSON()).toMatchObject({
      status: 503,
      type: "/problems/unavailable",
      detail: "The relay cannot serve: TENCENTCLOUD_SECRET_KEY must be set together with TENCENTCLOUD_SECRET_ID.",
    });
  });

  it("takes status, type and title from the error's kind alone, for every kind of error", () => {
    const errors = [
      new ConflictError("x"),
      new ValidationError("request body", []),
      new ConfigError("POLL_RATE_LIMIT", "must be a whole number"),
      new StoreConfigError("STORE_URL: x"),
      new StoreUnavailableError("x"),
      new CredentialsError("x"),
      new RefusedDestinationError("refused: hooks.example resolves to a private address 10.0.0.1"),
      new DeliveryVerificationError("x"),
      new AnswerTooLargeError("x"),
      ...["29258", "9003", "4400", "4104", "6000"].map((code) => upstreamError(Number(code))),
      new UpstreamError({ failure: "timeout", action: "DescribeVpcTaskResult", meaning: "request timed out", retryable: true }),
      new HttpProblem("payload-too-large", "x"),
    ];
    for (const error of errors) {
      const problem = problemForError(error)!.toJSON();
      const page = problemPage(error.kind)!;
      expect(problem.type, error.name).toBe(`/problems/${error.kind}`);
      expect(page).toContain(`HTTP status ${problem.status};`);
      expect(page).toContain(`<h1>${problem.title}</h1>`);
    }
  });

  it("never answers with the message of an error written for the logs", () => {
    const problem = problemForError(new RefusedDestinationError("refused: hooks.example resolves to a private address 10.0.0.1"))!;
    expect(problem.status).toBe(422);
    expect(problem.detail).not.toContain("10.0.0.1");
  });

  it("leaves anything else to errorResponse as unexpected", () => {
    expect(problemForError(new TypeError("x is undefined"))).toBeUndefined();
    expect(problemForError(new RelayError("a failure of the relay itself"))).toBeUndefined();
  });
});

describe("errorResponse", () => {
  it("answers unexpected errors with a 500 that carries no internals, and logs them with the correlation id", () => {
    const lines: string[] = [];
    const logger = createLogger({ sink: (l) => lines.push(l) });
    const response = withLogContext({ correlation_id: "req-42" }, () =>
      errorResponse(new Error("connect ECONNREFUSED redis://:hunter2@10.0.0.5:6379"), logger, "req-42"),
    );
    expect(response.statusCode).toBe(500);
    expect(response.headers["content-type"]).toBe("application/problem+json");
    const body = JSON.parse(response.body);
    expect(body).toMatchObject({ status: 500, type: "/problems/internal" });
    expect(body.detail).toContain("req-42");
    expect(response.body).not.toMatch(/ECONNREFUSED|hunter2|at .*\.ts/);
    expect(lines).toHaveLength(1);
    const logged = JSON.parse(lines[0]!);
    expect(logged).toMatchObject({ level: "error", correlation_id: "req-42" });
    expect(lines[0]).not.toContain("hunter2");
  });

  it("does not log the client's own mistakes", () => {
    const lines: string[] = [];
    const response = errorResponse(upstreamError(29258), createLogger({ sink: (l) => lines.push(l) }), "r");
    expect(response.statusCode).toBe(404);
    expect(lines).toEqual([]);
  });
});
