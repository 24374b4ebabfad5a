/** One HTTP request and response as the API sees them, whatever platform delivered them. */

export interface HttpRequest {
  method: string;
  /** The path without the query string, e.g. `/tasks/297`. */
  path: string;
  /** First value of each query parameter. */
  query: Record<string, string>;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The body as text, already base64-decoded. */
  body?: string;
  /** The platform's request id, used as the logs' correlation id. */
  requestId: string;
  sourceIp?: string;
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export function jsonResponse(statusCode: number, value: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { statusCode, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(value) };
}
