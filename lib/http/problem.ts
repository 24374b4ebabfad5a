/**
 * RFC 9457 problem details: every error the API answers is of one of the relay's error kinds
 * (lib/errors.ts), with a stable `type` URI per kind and, for bad input, the list of
 * offending fields.
 */
import type { FieldError } from "../schemas/validate";
import type { HttpResponse } from "./types";
import { RelayError, type ErrorKind } from "../errors";

interface KindDoc {
  status: number;
  title: string;
  doc: string;
}

/**
 * Every kind, with the page `GET /problems/<kind>` serves for it: a problem's `type` is that
 * page's path (a relative URI reference, RFC 9457 §3.1.1), so it resolves against the API
 * that answered, wherever it is deployed. The one table from an error's kind to its answer.
 */
const PROBLEM_KINDS = {
  "bad-request": {
    status: 400,
    title: "Malformed request",
    doc:
      "The request body could not be read: it is not valid JSON, or not valid UTF-8. `errors` names `body` " +
      "and the rule it broke (`json`, `utf8`). Nothing was stored.",
  },
  unauthorized: {
    status: 401,
    title: "Authentication required",
    doc:
      "Every route but `/healthz`, `/openapi.json` and `/problems/…` needs `Authorization: Bearer " +
      "<API_TOKEN>`. The token was missing or is not the deployment's (a deployment with an empty " +
      "`API_TOKEN` refuses every authenticated route). The `WWW-Authenticate` header says which.",
  },
  "not-found": {
    status: 404,
    title: "Not found",
    doc:
      "No such route, watch or problem page; or, on `GET /tasks/{taskId}` and `POST /watches`, the upstream " +
      "knows no such task in that region (module code 29258). `errors` names the field when one is to " +
      "blame.",
  },
  "method-not-allowed": {
    status: 405,
    title: "Method not allowed",
    doc: "The path exists but does not answer this method. The `Allow` header lists the methods it answers.",
  },
  conflict: {
    status: 409,
    title: "Conflict with the watch's state",
    doc:
      "The watch cannot do this in its current state: redelivering a watch whose task has no outcome yet, " +
      "or a watch changing too fast to update (try again).",
  },
  "payload-too-large": {
    status: 413,
    title: "Request body too large",
    doc: "Request bodies are limited to 64 KB. Nothing was stored.",
  },
  "unsupported-media-type": {
    status: 415,
    title: "Unsupported media type",
    doc: "Request bodies must be JSON, sent with `Content-Type: application/json` (UTF-8). Nothing was stored.",
  },
  "invalid-input": {
    status: 422,
    title: "Invalid input",
    doc:
      "A parameter, query parameter or body field broke a rule of the API's JSON Schemas or policies (for " +
      "example a webhook URL that reaches a private address). `errors` lists every offending field as " +
      "`{field, rule, message}`. Nothing was stored.",
  },
  internal: {
    status: 500,
    title: "Internal error",
    doc:
      "Something unexpected failed inside the relay. The details are in the function's logs under the " +
      "correlation id the `detail` quotes.",
  },
  "upstream-failed": {
    status: 502,
    title: "Upstream request failed",
    doc:
      "Tencent Cloud refused or garbled the request: an error code that is not the request's fault (the " +
      "`detail` names it and its meaning), a malformed answer, an HTTP error, or the relay's own " +
      "credentials being refused.",
  },
  "upstream-busy": {
    status: 503,
    title: "Upstream busy",
    doc: "Tencent Cloud asked to come back later (rate limit 4400, or 9005 system busy). Retry after the `Retry-After` header's seconds.",
  },
  unavailable: {
    status: 503,
    title: "Service unavailable",
    doc:
      "The relay cannot serve: a setting is not valid, a part it needs does not answer (the watch store, " +
      "named by `STORE_URL`), or it has no Tencent Cloud credentials. `detail` and `errors` name the " +
      "variable or the part and why, never its value; the logs have the rest. `GET /healthz` answers the " +
      "same while it lasts.",
  },
  "upstream-timeout": {
    status: 504,
    title: "Upstream did not answer in time",
    doc: "Tencent Cloud did not answer within `NETTASK_TIMEOUT_MS` (after retries), or the function ran out of time.",
  },
} as const satisfies Record<ErrorKind, KindDoc>;

export const PROBLEM_KIND_NAMES = Object.keys(PROBLEM_KINDS) as ErrorKind[];

/** Where each kind's page is served (`GET /problems/{kind}`), and what its `type` says. */
export const PROBLEM_TYPE_BASE = "/problems/";

const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (c) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot" }[c]};`);
/** `code` spans, the only markup the docs use. */
const inlineCode = (text: string) => escapeHtml(text).replace(/`([^`]+)`/g, "<code>$1</code>");

/** The page documenting `kind`, or undefined for a kind that does not exist. */
export function problemPage(kind: string): string | undefined {
  if (!Object.hasOwn(PROBLEM_KINDS, kind)) return undefined;
  const { status, title, doc } = PROBLEM_KINDS[kind as ErrorKind];
  return [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtml(title)} (${status}) · nettask-relay</title></head>`,
    `<body><h1>${escapeHtml(title)}</h1>`,
    `<p>HTTP status ${status}; answered as <code>application/problem+json</code> (RFC 9457) with <code>type</code> <code>${PROBLEM_TYPE_BASE}${kind}</code>.</p>`,
    `<p>${inlineCode(doc)}</p>`,
    '<p>The whole API is described by <a href="/openapi.json">/openapi.json</a>.</p>',
    "</body></html>",
    "",
  ].join("\n");
}

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
}

/** Thrown anywhere on the request path; answered as `application/problem+json`. */
export class HttpProblem extends RelayError {
  static override readonly errorName = "HttpProblem";
  readonly status: number;

  constructor(
    override readonly kind: ErrorKind,
    readonly detail: string,
    readonly errors?: FieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.status = PROBLEM_KINDS[kind].status;
  }

  toJSON(): ProblemDetails {
    return {
      type: PROBLEM_TYPE_BASE + this.kind,
      title: PROBLEM_KINDS[this.kind].title,
      status: this.status,
      detail: this.detail,
      ...(this.errors && this.errors.length > 0 ? { errors: this.errors } : {}),
    };
  }

  toResponse(): HttpResponse {
    return {
      statusCode: this.status,
      headers: { "content-type": "application/problem+json", ...this.headers },
      body: JSON.stringify(this.toJSON()),
    };
  }
}

const fieldError = {
  type: "object",
  additionalProperties: false,
  required: ["field", "rule", "message"],
  properties: {
    field: { type: "string", description: "Dotted path of the offending field, e.g. `destination.url`; `body` for the body as a whole." },
    rule: {
      type: "string",
      description: "The rule it broke (JSON Schema keyword such as `pattern`, or `json`, `utf8`, `maxBytes`, `ssrf`).",
    },
    message: { type: "string" },
  },
} as const;

export const problemSchema = {
  type: "object",
  required: ["type", "title", "status", "detail"],
  description: "RFC 9457 problem details (`application/problem+json`).",
  properties: {
    type: { type: "string", enum: Object.keys(PROBLEM_KINDS).map((kind) => PROBLEM_TYPE_BASE + kind) },
    title: { type: "string" },
    status: { type: "integer", minimum: 400, maximum: 599 },
    detail: { type: "string" },
    errors: { type: "array", items: fieldError, description: "Every offending field, for bad input." },
  },
} as const;
