/**
 * Codes of the legacy API (docs/upstream.md) with the `codeDesc` and message the emulator answers
 * them with. Fault injection may answer any of them, so the table covers them all.
 */
const LEGACY_CODES = {
  0: ["Success", ""],
  4000: ["InvalidParameter", "invalid parameter"],
  4100: ["AuthFailure.SignatureFailure", "authentication failed: signature mismatch"],
  4101: ["AuthFailure.UnauthorizedOperation", "not authorized: sub-account has no permission for this action"],
  4102: ["AuthFailure.UnauthorizedOperation", "not authorized: sub-account has no permission for this resource"],
  4103: ["AuthFailure.UnauthorizedOperation", "not authorized: sub-account has no permission for this API"],
  4104: ["AuthFailure.SecretIdNotFound", "SecretId does not exist"],
  4105: ["AuthFailure.TokenFailure", "invalid token"],
  4106: ["AuthFailure.MFAFailure", "MFA verification failed"],
  4110: ["AuthFailure", "authentication failed (CAM)"],
  4300: ["UnauthorizedOperation", "access denied"],
  4400: ["RequestLimitExceeded", "request rate limit exceeded"],
  4500: ["AuthFailure.RequestReplay", "replayed request"],
  4600: ["UnsupportedProtocol", "HTTPS is required"],
  5000: ["ResourceNotFound", "resource not found"],
  5100: ["FailedOperation", "resource operation failed"],
  6000: ["InternalError", "internal error"],
  6100: ["UnsupportedOperation", "action not supported in this version or on this domain"],
  6200: ["ResourceUnavailable", "action temporarily unavailable"],
  9003: ["InvalidParameterValue", "parameter error"],
  9005: ["ResourceBusy", "system busy or resource being edited"],
  29254: ["AuthFailure", "authentication failed"],
  29257: ["InternalError.BackendError", "backend error"],
  29258: ["ResourceNotFound", "referenced resource does not exist"],
  29259: ["LimitExceeded.RuleExpansion", "association refused: rule expansion too large"],
  29260: ["LimitExceeded.Quota", "template count or member quota exceeded"],
} as const satisfies Record<number, readonly [string, string]>;

export type LegacyCode = keyof typeof LEGACY_CODES;
export const ERROR_CODES = Object.keys(LEGACY_CODES)
  .map(Number)
  .filter((c) => c !== 0) as LegacyCode[];

/** The legacy response body. `data` is present only on success. */
export interface LegacyBody {
  code: number;
  message: string;
  codeDesc: string;
  data?: unknown;
}

export function legacyError(code: LegacyCode, message: string = LEGACY_CODES[code][1]): LegacyBody {
  return { code, message, codeDesc: LEGACY_CODES[code][0] };
}

export function legacySuccess(data: unknown): LegacyBody {
  return { code: 0, message: "", codeDesc: "Success", data };
}
