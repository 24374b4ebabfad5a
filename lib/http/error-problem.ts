/**
 * What the API answers when the relay throws: the client's fault (4xx) only when it is, an
 * honest upstream status otherwise. Details name codes and meanings, never upstream messages,
 * credentials or stack traces.
 */
import { ConfigError } from "../config";
import { ConflictError } from "../errors";
import { ValidationError } from "../schemas/validate";
import type { Logger } from "../log";
import { UpstreamError } from "../upstream/errors";
import { describeCode } from "../upstream/codes";
import { StoreConfigError, StoreUnavailableError } from "../watches/store";
import { HttpProblem } from "./problem";
import type { HttpResponse } from "./types";

const RETRY_AFTER_SECONDS = "1";

/** The problem to answer for `error`, or undefined when it is unexpected (answered as a 500). */
export function problemForError(error: unknown): HttpProblem | undefined {
  if (error instanceof HttpProblem) return error;
  if (error instanceof ValidationError) {
    return new HttpProblem("invalid-input", `Invalid ${error.subject}.`, error.errors.map((e) => ({ ...e, field: e.field || "body" })));
  }
  if (error instanceof ConflictError) return new HttpProblem("conflict", error.message);
  if (error instanceof UpstreamError) return upstreamProblem(error);
  // The deployment cannot serve: say which variable or part, never its value (the logs have it).
  if (error instanceof ConfigError) return cannotServe(error.variable, error.reason, `${error.variable} ${error.reason}`);
  if (error instanceof StoreUnavailableError) return cannotServe(error.variable, error.reason, `${error.variable}: ${error.reason}`);
  // Its messages start with STORE_URL and say what is wrong without the URL's host or password.
  if (error instanceof StoreConfigError) return cannotServe("STORE_URL", error.message.replace(/^STORE_URL:? /, ""), error.message);
  // The function ran out of time (middy's timeoutEarly) before the work was done.
  if (error instanceof Error && error.name === "TimeoutError") return new HttpProblem("upstream-timeout", "The request did not finish within the function's time limit.");
  return undefined;
}

/**
 * The response for anything thrown on the request path. Server-side failures are logged (the
 * client gets only the correlation id to quote); the client's own mistakes are not.
 */
export function errorResponse(error: unknown, logger: Logger, requestId: string): HttpResponse {
  const problem = problemForError(error);
  if (problem && problem.status < 500) return problem.toResponse();
  if (problem?.kind === "unavailable") {
    logger.error("cannot serve", { status: problem.status, error });
    return problem.toResponse();
  }
  if (problem) {
    logger.warn("upstream problem", { status: problem.status, error });
    return problem.toResponse();
  }
  logger.error("unexpected error", { error, stack: error instanceof Error ? error.stack : undefined });
  return new HttpProblem("internal", `Unexpected error; the logs have the details under correlation id ${requestId}.`).toResponse();
}

function cannotServe(variable: string, reason: string, sentence: string): HttpProblem {
  return new HttpProblem("unavailable", `The relay cannot serve: ${sentence}.`, [{ field: variable, rule: "configuration", message: reason }]);
}

/** The answer for an upstream failure follows from its kind and, for error codes, the code's category. */
function upstreamProblem(error: UpstreamError): HttpProblem {
  const what = `${error.action} ${error.code === undefined ? "" : `code ${error.code}: `}${error.meaning}`;
  switch (error.kind) {
    case "timeout":
    case "aborted":
      return new HttpProblem("upstream-timeout", `${what}.`);
    case "network":
    case "http":
    case "malformed":
      return new HttpProblem("upstream-failed", `${what}.`);
    case "upstream":
      break;
  }
  const field = describeCode(error.code ?? "").field ?? "taskId";
  switch (error.category) {
    case "not-found":
      return new HttpProblem("not-found", `The upstream knows no such task in this region (${what}).`, [
        { field: "taskId", rule: "upstream", message: "does not exist in this region" },
      ]);
    case "bad-parameter":
      return new HttpProblem("invalid-input", `The upstream refused the parameters (${what}).`, [
        { field, rule: "upstream", message: "was refused by the upstream as a parameter error" },
      ]);
    case "throttled":
      return new HttpProblem("upstream-busy", `${what}; try again shortly.`, undefined, { "retry-after": RETRY_AFTER_SECONDS });
    case "auth":
      return new HttpProblem(
        "upstream-failed",
        `The relay's Tencent Cloud credentials were refused (${what}); this is a deployment problem, not a problem with the request.`,
      );
    default:
      return new HttpProblem("upstream-failed", `${what}.`);
  }
}
