/**
 * RFC 9457 problem details: every error the API answers is one of these kinds, with a stable
 * `type` URI per kind and, for bad input, the list of offending fields.
 */
import type { FieldError } from "../schemas/validate";
import type { HttpResponse } from "./types";

const PROBLEM_KINDS = {
  "bad-request": { status: 400, title: "Malformed request" },
  unauthorized: { status: 401, title: "Authentication required" },
  "not-found": { status: 404, title: "Not found" },
  "method-not-allowed": { status: 405, title: "Method not allowed" },
  conflict: { status: 409, title: "Conflict with the watch's state" },
  "payload-too-large": { status: 413, title: "Request body too large" },
  "unsupported-media-type": { status: 415, title: "Unsupported media type" },
  "invalid-input": { status: 422, title: "Invalid input" },
  internal: { status: 500, title: "Internal error" },
  "upstream-failed": { status: 502, title: "Upstream request failed" },
  "upstream-busy": { status: 503, title: "Upstream busy" },
  "upstream-timeout": { status: 504, title: "Upstream did not answer in time" },
} as const;

export type ProblemKind = keyof typeof PROBLEM_KINDS;

export const PROBLEM_TYPE_BASE = "https://nettask-relay.dev/problems/";

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
}

/** Thrown anywhere on the request path; answered as `application/problem+json`. */
export class HttpProblem extends Error {
  override readonly name = "HttpProblem";
  readonly status: number;

  constructor(
    readonly kind: ProblemKind,
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
    rule: { type: "string", description: "The rule it broke (JSON Schema keyword such as `pattern`, or `json`, `utf8`, `maxBytes`, `ssrf`)." },
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
