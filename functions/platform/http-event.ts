/**
 * HTTP events of every supported platform → one HttpRequest, and HttpResponse → the platform's
 * response shape. Supported: Tencent SCF Function URL events (`httpMethod`, `path`,
 * `queryString`, lower-case `headers`), legacy SCF API gateway events (the same plus
 * `requestContext`, `queryStringParameters`, `isBase64Encoded`, …), AWS API Gateway REST
 * (payload 1.0) and HTTP API (payload 2.0) events.
 */
import { decodeBase64Body } from "../../lib/http/body";
import { HttpProblem } from "../../lib/http/problem";
import type { HttpRequest, HttpResponse } from "../../lib/http/types";
import { fieldsOf, textOf, type Fields } from "./event-fields";

/** The response every supported platform accepts (SCF, API Gateway payload 1.0 and 2.0). */
export interface PlatformHttpResponse extends HttpResponse {
  isBase64Encoded: false;
}

export function platformResponse(response: HttpResponse): PlatformHttpResponse {
  return { isBase64Encoded: false, ...response };
}

function lowerCaseHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(fieldsOf(headers) ?? {})) {
    if (typeof value === "string") out[name.toLowerCase()] = value;
    else if (Array.isArray(value)) out[name.toLowerCase()] = value.join(", ");
  }
  return out;
}

/** First value of each parameter (SCF may give a repeated parameter as an array). */
function firstValues(query: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(fieldsOf(query) ?? {})) {
    const first: unknown = Array.isArray(value) ? value[0] : value;
    if (typeof first === "string") out[name] = first;
  }
  return out;
}

function bodyOf(event: Fields): string | undefined {
  const body = textOf(event.body);
  if (body === undefined) return undefined;
  return event.isBase64Encoded === true ? decodeBase64Body(body) : body;
}

/** AWS API Gateway HTTP API, payload format 2.0. */
function fromPayloadV2(event: Fields, http: Fields, requestId: string): HttpRequest {
  const context = fieldsOf(event.requestContext) ?? {};
  const stage = textOf(context.stage);
  let path = textOf(event.rawPath) ?? textOf(http.path) ?? "/";
  // A named stage (not $default) is part of rawPath but not of the routes.
  if (stage && stage !== "$default" && (path === `/${stage}` || path.startsWith(`/${stage}/`))) path = path.slice(stage.length + 1) || "/";
  return {
    method: textOf(http.method) ?? "GET",
    path,
    query: firstValues(event.queryStringParameters),
    headers: lowerCaseHeaders(event.headers),
    body: bodyOf(event),
    requestId,
    sourceIp: textOf(http.sourceIp),
  };
}

/** SCF Function URL, legacy SCF API gateway and AWS REST API (payload 1.0) events. */
function fromHttpMethodEvent(event: Fields, method: string, requestId: string): HttpRequest {
  const headers = lowerCaseHeaders(event.headers);
  const context = fieldsOf(event.requestContext) ?? {};
  return {
    method,
    path: textOf(event.path) ?? "/",
    query: firstValues(event.queryString ?? event.queryStringParameters),
    headers,
    body: bodyOf(event),
    requestId,
    sourceIp: textOf(fieldsOf(context.identity)?.sourceIp) ?? textOf(context.sourceIp) ?? headers["x-scf-remote-addr"],
  };
}

/** The normalised request of an HTTP event; a 400 problem for anything that is not one. */
export function httpRequestOf(event: unknown, requestId: string): HttpRequest {
  const e = fieldsOf(event);
  const http = fieldsOf(fieldsOf(e?.requestContext)?.http);
  if (e && e.version === "2.0" && http) return fromPayloadV2(e, http, requestId);
  const method = textOf(e?.httpMethod);
  if (e && method) return fromHttpMethodEvent(e, method, requestId);
  throw new HttpProblem(
    "bad-request",
    "The function was invoked with an event that is not an HTTP request (SCF Function URL or API gateway, AWS API Gateway).",
    [{ field: "event", rule: "httpEvent", message: "must be an HTTP trigger event" }],
  );
}
