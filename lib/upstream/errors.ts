/**
 * Every way reading a task can fail, as one error type that says which action failed, what
 * happened, what the upstream code means (lib/upstream/codes.ts) and whether trying again can
 * help.
 */
import { categoryRule, describeCode, isHopeless, isRetryable, type CodeCategory } from "./codes";
import { RelayError, type ErrorKind } from "../errors";

/** How the call failed: the upstream answered an error code, or one of the ways it did not answer usefully. */
export type UpstreamFailure = "upstream" | "network" | "timeout" | "http" | "malformed" | "aborted";

/** What each failure but an error code is to the caller; a code's is its category's (lib/upstream/codes.ts). */
const FAILURE_KINDS: Readonly<Record<Exclude<UpstreamFailure, "upstream">, ErrorKind>> = {
  network: "upstream-failed",
  http: "upstream-failed",
  malformed: "upstream-failed",
  timeout: "upstream-timeout",
  aborted: "upstream-timeout",
};

export interface UpstreamErrorInit {
  failure: UpstreamFailure;
  /** The upstream action, e.g. DescribeVpcTaskResult. */
  action: string;
  meaning: string;
  retryable: boolean;
  /** Follows the meaning in the message: the upstream message, HTTP status text, what was malformed. */
  detail?: string;
  /** Legacy codes are numbers, API 3.0 codes strings (`RequestLimitExceeded`). */
  code?: number | string;
  category?: CodeCategory;
  codeDesc?: string;
  upstreamMessage?: string;
  /** API 3.0's RequestId of the failed call: what Tencent Cloud support asks for. */
  requestId?: string;
  httpStatus?: number;
  cause?: unknown;
}

export class UpstreamError extends RelayError {
  static override readonly errorName = "UpstreamError";
  override readonly kind: ErrorKind;
  readonly failure: UpstreamFailure;
  readonly action: string;
  readonly code?: number | string;
  /** Set for failure "upstream": what the code means for the caller. */
  readonly category?: CodeCategory;
  readonly codeDesc?: string;
  readonly upstreamMessage?: string;
  readonly requestId?: string;
  readonly meaning: string;
  readonly retryable: boolean;
  readonly httpStatus?: number;

  constructor(init: UpstreamErrorInit) {
    const what = init.code === undefined ? init.meaning : `${init.code} ${init.meaning}`;
    const verb = init.failure === "aborted" ? "aborted" : "failed";
    const detail = init.detail ? ` (${init.detail})` : "";
    const requestId = init.requestId ? ` [RequestId ${init.requestId}]` : "";
    super(`${init.action} ${verb}: ${what}${detail}${requestId}`, { cause: init.cause });
    this.failure = init.failure;
    this.kind = init.failure === "upstream" ? categoryRule(init.category ?? "refused").kind : FAILURE_KINDS[init.failure];
    this.action = init.action;
    this.meaning = init.meaning;
    this.retryable = init.retryable;
    if (init.code !== undefined) this.code = init.code;
    if (init.category !== undefined) this.category = init.category;
    if (init.codeDesc !== undefined) this.codeDesc = init.codeDesc;
    if (init.upstreamMessage !== undefined) this.upstreamMessage = init.upstreamMessage;
    if (init.requestId !== undefined) this.requestId = init.requestId;
    if (init.httpStatus !== undefined) this.httpStatus = init.httpStatus;
  }

  /** The task can never be read (its code's category says so): a watch of it is refused, not stored. */
  get hopeless(): boolean {
    return this.category !== undefined && isHopeless(this.category);
  }
}

/** The upstream answered with an error code. */
export function upstreamError(
  action: string,
  code: number | string,
  upstreamMessage?: string,
  extra: { codeDesc?: string; requestId?: string } = {},
): UpstreamError {
  const { meaning, category } = describeCode(code);
  return new UpstreamError({
    failure: "upstream",
    action,
    code,
    meaning,
    category,
    retryable: isRetryable(category),
    detail: upstreamMessage,
    upstreamMessage,
    ...extra,
  });
}

/** A body that is not JSON or not shaped like the action's answer; the upstream may be mid-deploy. */
export function malformedError(action: string, problem: string, cause?: unknown): UpstreamError {
  return new UpstreamError({ failure: "malformed", action, meaning: "malformed response", retryable: true, detail: problem, cause });
}

export function httpError(action: string, status: number, statusText: string): UpstreamError {
  return new UpstreamError({
    failure: "http",
    action,
    meaning: `HTTP ${status}${statusText ? ` ${statusText}` : ""}`,
    retryable: status >= 500,
    httpStatus: status,
  });
}

/**
 * Turns what an attempt threw into an UpstreamError. `callerSignal` tells a caller's abort
 * (never retried) from the per-request timeout; anything else that is not ours is a network
 * failure.
 */
export function classifyError(action: string, error: unknown, callerSignal?: AbortSignal, timeoutSignal?: AbortSignal): UpstreamError {
  if (error instanceof UpstreamError) return error;
  if (callerSignal?.aborted)
    return new UpstreamError({ failure: "aborted", action, meaning: "aborted by the caller", retryable: false, cause: error });
  if (timeoutSignal?.aborted || (error instanceof Error && error.name === "TimeoutError")) {
    return new UpstreamError({ failure: "timeout", action, meaning: "request timed out", retryable: true, cause: error });
  }
  return new UpstreamError({
    failure: "network",
    action,
    meaning: "network error",
    retryable: true,
    detail: networkDetail(error),
    cause: error,
  });
}

/** The reason (ECONNREFUSED, ENOTFOUND, …) is the error's `code`, or its cause's. */
function networkDetail(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code } = error as { code?: unknown };
  if (typeof code === "string") return code;
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  if (cause && typeof cause.code === "string") return cause.code;
  if (cause && typeof cause.message === "string") return cause.message;
  return error.message;
}
