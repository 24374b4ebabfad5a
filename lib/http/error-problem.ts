/**
 * What the API answers when the relay throws. An error's kind (lib/errors.ts) decides the
 * status and type (lib/http/problem.ts), an upstream code's kind comes from its category
 * (lib/upstream/codes.ts); this module only words the detail. Details name codes and
 * meanings, never upstream messages, credentials or stack traces.
 */
import { ConfigError } from "../config";
import { ConflictError, RelayError } from "../errors";
import { CredentialsError } from "../upstream/credentials";
import { ValidationError } from "../schemas/validate";
import type { Logger } from "../log";
import { UpstreamError } from "../upstream/errors";
import { categoryRule, describeCode } from "../upstream/codes";
import { StoreConfigError, StoreUnavailableError } from "../watches/store";
import { HttpProblem } from "./problem";
import type { HttpResponse } from "./types";

const RETRY_AFTER_SECONDS = "1";

/** The problem to answer for `error`, or undefined when it is unexpected (answered as a 500). */
export function problemForError(error: unknown): HttpProblem | undefined {
  if (error instanceof HttpProblem) return error;
  // The function ran out of time (middy's timeoutEarly) before the work was done.
  if (error instanceof Error && error.name === "TimeoutError")
    return new HttpProblem("upstream-timeout", "The request did not finish within the function's time limit.");
  if (!(error instanceof RelayError) || error.kind === "internal") return undefined;
  if (error instanceof ValidationError) {
    return new HttpProblem(
      error.kind,
      `Invalid ${error.subject}.`,
      error.errors.map((e) => ({ ...e, field: e.field || "body" })),
    );
  }
  if (error instanceof UpstreamError) return upstreamProblem(error);
  // The deployment cannot serve: say which variable or part, never its value (the logs have it).
  if (error instanceof ConfigError) return cannotServe(error.variable, error.reason, `${error.variable} ${error.reason}`);
  if (error instanceof StoreUnavailableError) return cannotServe(error.variable, error.reason, `${error.variable}: ${error.reason}`);
  // Its messages start with STORE_URL and say what is wrong without the URL's host or password.
  if (error instanceof StoreConfigError) return cannotServe("STORE_URL", error.message.replace(/^STORE_URL:? /, ""), error.message);
  // Its messages name the variables to set, never their values.
  if (error instanceof CredentialsError) return new HttpProblem(error.kind, `The relay cannot serve: ${error.message}.`);
  if (error instanceof ConflictError) return new HttpProblem(error.kind, error.message);
  // The others' messages are written for the people who read the relay's logs, not for the API's clients.
  return new HttpProblem(error.kind, `The request failed (${error.name}).`);
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
  return new HttpProblem("unavailable", `The relay cannot serve: ${sentence}.`, [
    { field: variable, rule: "configuration", message: reason },
  ]);
}

/** The kind is the failure's or the code's category's; the wording says whose fault it is. */
function upstreamProblem(error: UpstreamError): HttpProblem {
  const what = `${error.action} ${error.code === undefined ? "" : `code ${error.code}: `}${error.meaning}`;
  switch (error.kind) {
    case "not-found":
      return new HttpProblem(error.kind, `The upstream knows no such task in this region (${what}).`, [
        { field: "taskId", rule: "upstream", message: "does not exist in this region" },
      ]);
    case "invalid-input":
      return new HttpProblem(error.kind, `The upstream refused the parameters (${what}).`, [
        {
          field: describeCode(error.code ?? "").field ?? "taskId",
          rule: "upstream",
          message: "was refused by the upstream as a parameter error",
        },
      ]);
    case "upstream-busy":
      return new HttpProblem(error.kind, `${what}; try again shortly.`, undefined, { "retry-after": RETRY_AFTER_SECONDS });
  }
  if (error.category !== undefined && categoryRule(error.category).blame === "deployment") {
    return new HttpProblem(
      error.kind,
      `The relay's Tencent Cloud credentials were refused (${what}); this is a deployment problem, not a problem with the request.`,
    );
  }
  return new HttpProblem(error.kind, `${what}.`);
}
