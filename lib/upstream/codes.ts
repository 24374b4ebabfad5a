/**
 * What every upstream error code means, one table per API, each code with a category. The
 * retry rule, the refusal of a watch at registration and the HTTP status the API answers are
 * all derived from the category, never listed again elsewhere.
 *
 * Legacy codes: the common error codes of Tencent Cloud API 2.0 and DescribeNetTaskResult's
 * own. API 3.0 codes: the common error codes of API 3.0
 * (https://cloud.tencent.com/document/api/215/15783, "公共错误码").
 */
import type { ErrorKind } from "../errors";

/**
 * - auth: our credentials or permissions were refused — a deployment problem, not the request's.
 * - throttled: come back later (rate limits, busy).
 * - transient: the upstream failed; the same call may succeed later.
 * - not-found: the task does not exist (in this region).
 * - bad-parameter: the upstream refused the task id or region the user gave.
 * - refused: a lasting refusal that is neither the user's parameters nor our credentials.
 */
export type CodeCategory = "auth" | "throttled" | "transient" | "not-found" | "bad-parameter" | "refused";

export interface CodeInfo {
  meaning: string;
  category: CodeCategory;
  /** The user-given field a bad-parameter code is about (default taskId). */
  field?: "taskId" | "region";
}

export interface CategoryRule {
  /** Trying again (with a fresh signature) can help. */
  retryable: boolean;
  /** The task can never be read: a watch of it is refused instead of stored. */
  hopeless: boolean;
  /** What the failure is to the caller (lib/errors.ts), hence the status the HTTP API answers. */
  kind: ErrorKind;
  /** Whose mistake it is: the request's, the deployment's (our credentials), or the upstream's. */
  blame: "request" | "deployment" | "upstream";
}

/** What each category means for the relay: the one place the rules about codes are written. */
const CATEGORY_RULES: Readonly<Record<CodeCategory, CategoryRule>> = {
  auth: { retryable: false, hopeless: false, kind: "upstream-failed", blame: "deployment" },
  throttled: { retryable: true, hopeless: false, kind: "upstream-busy", blame: "upstream" },
  transient: { retryable: true, hopeless: false, kind: "upstream-failed", blame: "upstream" },
  "not-found": { retryable: false, hopeless: true, kind: "not-found", blame: "request" },
  "bad-parameter": { retryable: false, hopeless: true, kind: "invalid-input", blame: "request" },
  refused: { retryable: false, hopeless: false, kind: "upstream-failed", blame: "upstream" },
};

export const categoryRule = (category: CodeCategory): CategoryRule => CATEGORY_RULES[category];
export const isRetryable = (category: CodeCategory): boolean => CATEGORY_RULES[category].retryable;
export const isHopeless = (category: CodeCategory): boolean => CATEGORY_RULES[category].hopeless;

const info = (meaning: string, category: CodeCategory, field?: CodeInfo["field"]): CodeInfo => ({
  meaning,
  category,
  ...(field ? { field } : {}),
});

/** DescribeNetTaskResult (legacy API 2.0): the common codes and the module's own. */
export const LEGACY_CODES: Readonly<Record<number, CodeInfo>> = {
  4000: info("invalid parameter", "bad-parameter"),
  4100: info("authentication failed (bad signature)", "auth"),
  4101: info("not authorized: the sub-account may not call this action", "auth"),
  4102: info("not authorized: the sub-account may not access this resource", "auth"),
  4103: info("not authorized: the sub-account may not access this action or resource", "auth"),
  4104: info("SecretId does not exist", "auth"),
  4105: info("bad token (temporary credentials)", "auth"),
  4106: info("MFA check failed", "auth"),
  4110: info("CAM authorization failed", "auth"),
  4300: info("access denied", "auth"),
  4400: info("quota exceeded (request rate)", "throttled"),
  // A reused Nonce or a stale Timestamp: the next try is signed afresh.
  4500: info("replay refused (Nonce reused or Timestamp more than 5 minutes off)", "transient"),
  4600: info("protocol not supported (HTTPS required)", "refused"),
  5000: info("resource not found", "not-found"),
  5100: info("resource operation failed", "transient"),
  6000: info("upstream internal error", "transient"),
  6100: info("action not supported in this version or on this domain", "refused"),
  6200: info("action temporarily unavailable", "transient"),
  9003: info("parameter error", "bad-parameter"),
  9005: info("system busy or resource being edited", "throttled"),
  29254: info("authentication failed", "auth"),
  29257: info("backend error", "transient"),
  29258: info("referenced resource does not exist", "not-found"),
  29259: info("association refused: rule expansion too large", "refused"),
  29260: info("template count or member quota exceeded", "refused"),
};

/** API 3.0 common codes. A code not listed is looked up by its first dotted part (`InvalidParameterValue.X`). */
export const API3_CODES: Readonly<Record<string, CodeInfo>> = {
  ActionOffline: info("the action is offline", "refused"),
  AuthFailure: info("authentication failed", "auth"),
  "AuthFailure.InvalidAuthorization": info("the Authorization header is malformed", "auth"),
  "AuthFailure.InvalidSecretId": info("invalid SecretId", "auth"),
  "AuthFailure.MFAFailure": info("MFA check failed", "auth"),
  "AuthFailure.SecretIdNotFound": info("SecretId does not exist or is disabled", "auth"),
  "AuthFailure.SignatureExpire": info("signature expired (the clock is more than 5 minutes off)", "auth"),
  "AuthFailure.SignatureFailure": info("signature does not match (wrong SecretKey?)", "auth"),
  "AuthFailure.TokenFailure": info("bad token (temporary credentials)", "auth"),
  "AuthFailure.UnauthorizedOperation": info("CAM does not allow this action", "auth"),
  DryRunOperation: info("dry run", "refused"),
  FailedOperation: info("operation failed", "refused"),
  InternalError: info("upstream internal error", "transient"),
  // Listed by DescribeTaskResult's own page beside the common codes.
  InternalServerError: info("upstream internal error", "transient"),
  InvalidAction: info("no such action", "refused"),
  InvalidParameter: info("invalid parameter", "bad-parameter"),
  InvalidParameterValue: info("invalid parameter value", "bad-parameter"),
  InvalidRequest: info("malformed request", "refused"),
  IpInBlacklist: info("the caller's IP is blacklisted", "auth"),
  IpNotInWhitelist: info("the caller's IP is not on the whitelist", "auth"),
  LimitExceeded: info("quota exceeded", "refused"),
  MissingParameter: info("missing parameter", "bad-parameter"),
  NoSuchProduct: info("no such product", "refused"),
  NoSuchVersion: info("no such API version", "refused"),
  RequestLimitExceeded: info("request rate limit exceeded", "throttled"),
  RequestSizeLimitExceeded: info("request too large", "refused"),
  ResourceInUse: info("resource in use", "refused"),
  ResourceInsufficient: info("insufficient resources", "refused"),
  ResourceNotFound: info("resource not found", "not-found"),
  ResourceUnavailable: info("resource unavailable", "refused"),
  ResponseSizeLimitExceeded: info("response too large", "refused"),
  ServiceUnavailable: info("service temporarily unavailable", "transient"),
  UnauthorizedOperation: info("not authorized", "auth"),
  UnknownParameter: info("unknown parameter", "bad-parameter"),
  UnsupportedOperation: info("operation not supported", "refused"),
  UnsupportedProtocol: info("protocol not supported (HTTPS required)", "refused"),
  UnsupportedRegion: info("the action is not available in this region", "bad-parameter", "region"),
};

const UNKNOWN: CodeInfo = info("unknown error code", "refused");

/** What an upstream code means; a code no table knows is a lasting refusal (not retried). */
export function describeCode(code: number | string): CodeInfo {
  if (typeof code === "number") return own(LEGACY_CODES, code) ?? UNKNOWN;
  return own(API3_CODES, code) ?? own(API3_CODES, code.split(".")[0]!) ?? UNKNOWN;
}

// A code is text from the network: "constructor" must not find Object.prototype's.
const own = <T>(table: Readonly<Record<string | number, T>>, key: string | number): T | undefined =>
  Object.hasOwn(table, key) ? table[key] : undefined;
