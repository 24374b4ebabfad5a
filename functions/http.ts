/**
 * The HTTPS function: SCF Function URL or API gateway, AWS API Gateway HTTP or REST API.
 *
 *   platform event ─ httpPlatform: header names lower-cased, body decoded ─→ HttpRequest
 *   → handleApiRequest: route → bearer token → body and schema checks → relay → JSON,
 *     or problem+json naming the field; one log line with the request id as correlation_id
 *   → httpPlatform: the platform's response shape (anything thrown → problem+json)
 */
import middy from "@middy/core";
import { handleApiRequest } from "../lib/http/api";
import type { HttpRequest } from "../lib/http/types";
import { getConfig, getReader, getRelay } from "../lib/runtime";
import { httpPlatform } from "./platform/http-middleware";
import { functionLogger } from "./platform/logger";

// Leaves time to send the 504 before the platform cuts the invocation off.
const ANSWER_BEFORE_TIMEOUT_MS = 500;

export const handler = middy({ timeoutEarlyInMillis: ANSWER_BEFORE_TIMEOUT_MS })
  .use(httpPlatform())
  .handler((request, _context, { signal }) =>
    // httpPlatform has replaced the platform event with the normalised request.
    handleApiRequest(request as HttpRequest, { config: getConfig, tasks: getReader, relay: getRelay, logger: functionLogger() }, signal),
  );

export { handler as main_handler };
