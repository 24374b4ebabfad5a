/**
 * The HTTPS function: SCF Function URL or API gateway, AWS API Gateway HTTP or REST API.
 *
 *   platform event ─ httpPlatform: header names lower-cased, body decoded ─→ HttpRequest
 *   → handleApiRequest: route → bearer token → body and schema checks → relay → JSON,
 *     or problem+json naming the field
 *   → httpPlatform: the platform's response shape (anything thrown → problem+json), and one
 *     access line; every line of the invocation carries its request id as correlation_id
 */
import middy from "@middy/core";
import { handleApiRequest, type ApiDeps } from "../lib/http/api";
import type { HttpRequest } from "../lib/http/types";
import { withLogContext } from "../lib/log";
import { runtime } from "../lib/runtime";
import { httpPlatform } from "./platform/http-middleware";
import type { PlatformHttpResponse } from "./platform/http-event";

// Leaves time to send the 504 before the platform cuts the invocation off.
const ANSWER_BEFORE_TIMEOUT_MS = 500;

export type HttpHandler = (event: unknown, context: unknown) => Promise<PlatformHttpResponse>;

export function createHttpHandler(deps: ApiDeps): HttpHandler {
  const answer = middy({ timeoutEarlyInMillis: ANSWER_BEFORE_TIMEOUT_MS })
    .use(httpPlatform(deps.logger))
    // httpPlatform has replaced the platform event with the normalised request.
    .handler((request, _context, { signal }) => handleApiRequest(request as HttpRequest, deps, signal));
  // A log context per invocation, which httpPlatform gives the request id.
  return (event, context) => withLogContext({}, () => answer(event, context as never));
}

export const handler = createHttpHandler(runtime);

export { handler as main_handler };
