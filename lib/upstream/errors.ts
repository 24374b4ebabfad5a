/**
 * Every way a DescribeNetTaskResult call can fail, as one error type that says what happened,
 * what the upstream code means and whether trying again can help (DESIGN.md §3).
 */

export type NetTaskErrorKind = "upstream" | "network" | "timeout" | "http" | "malformed" | "aborted";

export interface CodeInfo {
  meaning: string;
  retryable: boolean;
}

/** The error codes of DescribeNetTaskResult: the common legacy codes and the module's own. */
export const UPSTREAM_CODES: Readonly<Record<number, CodeInfo>> = {
  4000: { meaning: "invalid parameter", retryable: false },
  4100: { meaning: "authentication failed (bad signature)", retryable: false },
  4101: { meaning: "not authorized: the sub-account may not call this action", retryable: false },
  4102: { meaning: "not authorized: the sub-account may not access this resource", retryable: false },
  4103: { meaning: "not authorized: the sub-account may not access this action or resource", retryable: false },
  4104: { meaning: "SecretId does not exist", retryable: false },
  4105: { meaning: "bad token (temporary credentials)", retryable: false },
  4106: { meaning: "MFA check failed", retryable: false },
  4110: { meaning: "CAM authorization failed", retryable: false },
  4300: { meaning: "access denied", retryable: false },
  4400: { meaning: "quota exceeded (request rate)", retryable: true },
  4500: { meaning: "replay refused (Nonce reused or Timestamp more than 5 minutes off)", retryable: true },
  4600: { meaning: "protocol not supported (HTTPS required)", retryable: false },
  5000: { meaning: "resource not found", retryable: false },
  5100: { meaning: "resource operation failed", retryable: true },
  6000: { meaning: "upstream internal error", retryable: true },
  6100: { meaning: "action not supported in this version or on this domain", retryable: false },
  6200: { meaning: "action temporarily unavailable", retryable: true },
  9003: { meaning: "parameter error", retryable: false },
  9005: { meaning: "system busy or resource being edited", retryable: true },
  29254: { meaning: "authentication failed", retryable: false },
  29257: { meaning: "backend error", retryable: true },
  29258: { meaning: "referenced resource does not exist", retryable: false },
  29259: { meaning: "association refused: rule expansion too large", retryable: false },
  29260: { meaning: "template count or member quota exceeded", retryable: false },
};

/** What an upstream code means; codes outside the table are not retried. */
export function classifyCode(code: number): CodeInfo {
  return UPSTREAM_CODES[code] ?? { meaning: "unknown error code", retryable: false };
}

export interface NetTaskErrorInit {
  kind: NetTaskErrorKind;
  meaning: string;
  retryable: boolean;
  /** Follows the meaning in the message: the upstream message, HTTP status text, what was malformed. */
  detail?: string;
  code?: number;
  codeDesc?: string;
  upstreamMessage?: string;
  httpStatus?: number;
  cause?: unknown;
}

export class NetTaskError extends Error {
  override readonly name = "NetTaskError";
  readonly kind: NetTaskErrorKind;
  /** The upstream error code (kind "upstream"). */
  readonly code?: number;
  readonly codeDesc?: string;
  readonly upstreamMessage?: string;
  readonly meaning: string;
  readonly retryable: boolean;
  readonly httpStatus?: number;

  constructor(init: NetTaskErrorInit) {
    const what = init.code === undefined ? init.meaning : `${init.code} ${init.meaning}`;
    const verb = init.kind === "aborted" ? "aborted" : "failed";
    super(`DescribeNetTaskResult ${verb}: ${what}${init.detail ? ` (${init.detail})` : ""}`, { cause: init.cause });
    this.kind = init.kind;
    this.meaning = init.meaning;
    this.retryable = init.retryable;
    if (init.code !== undefined) this.code = init.code;
    if (init.codeDesc !== undefined) this.codeDesc = init.codeDesc;
    if (init.upstreamMessage !== undefined) this.upstreamMessage = init.upstreamMessage;
    if (init.httpStatus !== undefined) this.httpStatus = init.httpStatus;
  }
}

/** The upstream answered with an error code. */
export function upstreamError(code: number, upstreamMessage?: string, codeDesc?: string): NetTaskError {
  const { meaning, retryable } = classifyCode(code);
  return new NetTaskError({ kind: "upstream", code, meaning, retryable, detail: upstreamMessage, upstreamMessage, codeDesc });
}

/** A body that is not JSON or not shaped like a legacy response; the upstream may be mid-deploy. */
export function malformedError(problem: string, cause?: unknown): NetTaskError {
  return new NetTaskError({ kind: "malformed", meaning: "malformed response", retryable: true, detail: problem, cause });
}

export function httpError(status: number, statusText: string): NetTaskError {
  return new NetTaskError({
    kind: "http",
    meaning: `HTTP ${status}${statusText ? ` ${statusText}` : ""}`,
    retryable: status >= 500,
    httpStatus: status,
  });
}

/**
 * Turns what an attempt threw into a NetTaskError. `callerSignal` tells a caller's abort (never
 * retried) from the per-request timeout; anything else that is not ours is a network failure.
 */
export function classifyError(error: unknown, callerSignal?: AbortSignal, timeoutSignal?: AbortSignal): NetTaskError {
  if (error instanceof NetTaskError) return error;
  if (callerSignal?.aborted) return new NetTaskError({ kind: "aborted", meaning: "aborted by the caller", retryable: false, cause: error });
  if (timeoutSignal?.aborted || (error instanceof Error && error.name === "TimeoutError")) {
    return new NetTaskError({ kind: "timeout", meaning: "request timed out", retryable: true, cause: error });
  }
  return new NetTaskError({ kind: "network", meaning: "network error", retryable: true, detail: networkDetail(error), cause: error });
}

/** undici hides the reason (ECONNREFUSED, ENOTFOUND, …) in `cause`. */
function networkDetail(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  if (cause && typeof cause.code === "string") return cause.code;
  if (cause && typeof cause.message === "string") return cause.message;
  return error.message;
}
