/**
 * String patterns used by the schemas, each with the hint a user sees when a value does not
 * match. Ajv only reports "must match pattern <regex>"; the hint says what was meant.
 */
const hints = new Map<string, string>();

function hinted<const P extends string>(pattern: P, hint: string): P {
  hints.set(pattern, hint);
  return pattern;
}

/** The hint registered for a pattern, if any. */
export function patternHint(pattern: string): string | undefined {
  return hints.get(pattern);
}

/** Legacy short region codes accepted by the v2 API (the `Region` common parameter). */
export const REGION_CODES = [
  "bj",
  "sh",
  "gz",
  "cd",
  "cq",
  "nj",
  "hk",
  "tpe",
  "sg",
  "th",
  "jkt",
  "in",
  "kr",
  "jp",
  "ca",
  "usw",
  "use",
  "de",
  "ru",
  "sao",
  "szjr",
  "shjr",
  "bjjr",
  "shadc",
] as const;

export const REGION = hinted(
  `^(?:${REGION_CODES.join("|")}|(?:ap|na|eu|sa)-[a-z]+(?:-[a-z0-9]+)*)$`,
  "must be a Tencent Cloud region code (gz, sh, bj, ca, …) or a region name such as ap-guangzhou",
);

/** An API 3.0 RequestId: a UUID. DescribeVpcTaskResult takes the asynchronous call's as TaskId. */
export const REQUEST_ID = hinted(
  "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$",
  "must be the RequestId of the asynchronous call, a UUID such as 3c140219-cfe9-470e-b241-907877d6fb03",
);

/** A task id given as text: the digits of an integer (EIP calls answer TaskId as such a string). */
export const DIGITS = /^[1-9][0-9]{0,15}$/;

export const ISO_TIME = hinted(
  "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,9})?Z$",
  "must be an RFC 3339 UTC timestamp such as 2026-01-31T12:00:00Z",
);

export const HTTP_URL = hinted("^https?://[^\\s/?#]+[^\\s]*$", "must be an absolute http(s) URL");

export const AMQP_URL = hinted("^amqps?://[^\\s]+$", "must be an amqp:// or amqps:// URL");

/** Standard Webhooks secret: `whsec_` followed by base64 of 24–64 random bytes. */
export const WEBHOOK_SECRET = hinted(
  "^whsec_(?:[A-Za-z0-9+/]{4}){8,22}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$",
  "must be a Standard Webhooks secret: whsec_ followed by base64 of 24 to 64 bytes",
);

/** TDMQ for CMQ queue names: start with a letter; letters, digits, - and _; at most 64. */
export const CMQ_QUEUE = hinted(
  "^[A-Za-z][A-Za-z0-9_-]{0,63}$",
  "must start with a letter and contain only letters, digits, - and _ (at most 64 characters)",
);

/** AMQP 0-9-1 exchange names (empty = the default exchange). */
export const AMQP_EXCHANGE = hinted(
  "^[A-Za-z0-9_.:-]{0,127}$",
  "must contain only letters, digits, -, _, . and : (at most 127 characters; empty for the default exchange)",
);

export const WATCH_ID = hinted("^w_[a-z2-7]{26}$", "must be a watch id such as w_abcdefghijklmnopqrstuvwxyz");

export const EVENT_ID = hinted("^evt_[a-z2-7]{26}$", "must be an event id");

/** A task id as text, in a query string: digits, or a RequestId (API 3.0 task ids). */
export const TASK_ID_TEXT = hinted("^[0-9A-Za-z][0-9A-Za-z-]{0,63}$", "must be a task id: digits, or a RequestId such as 3d5e7a0c-…");

/** A listing cursor: what a page's `next` said (base64url). */
export const LIST_CURSOR = hinted("^[A-Za-z0-9_-]{1,200}$", "must be a cursor from a previous page's next");
