/**
 * The middy middleware that puts the platform at the edges of the HTTP function: the event
 * becomes an HttpRequest (header names lower-cased before anything reads them, body decoded),
 * the HttpResponse becomes the platform's response, and anything thrown outside the API (an
 * event that is not HTTP, the time limit) is answered as problem+json by the API's own
 * errorResponse. It sees every invocation end, so it writes the one access line of each.
 */
import type { MiddlewareObj, Request } from "@middy/core";
import { errorResponse } from "../../lib/http/error-problem";
import type { HttpRequest, HttpResponse } from "../../lib/http/types";
import { appendLogContext, type Logger } from "../../lib/log";
import { stopwatch } from "../../lib/stopwatch";
import { invocationOf } from "./context";
import { httpRequestOf, platformResponse, type PlatformHttpResponse } from "./http-event";

interface Internal extends Record<string, unknown> {
  requestId?: string;
  request?: HttpRequest;
  elapsed?: () => number;
}

/** Whatever the platform passes (middy names it after Lambda's); read through invocationOf. */
type PlatformContext = Request["context"];
type MiddyRequest = Request<unknown, PlatformHttpResponse, Error, PlatformContext, Internal>;

export function httpPlatform(logger: () => Logger): MiddlewareObj<unknown, PlatformHttpResponse, Error, PlatformContext, Internal> {
  /** The invocation's answer, and its access line: `after` or `onError` calls this, never both. */
  const answer = (request: MiddyRequest, response: HttpResponse) => {
    const { request: http, elapsed } = request.internal;
    logger().info("http request", {
      method: http?.method,
      path: http?.path,
      status: response.statusCode,
      duration_ms: elapsed && Math.round(elapsed()),
      source_ip: http?.sourceIp,
    });
    request.response = platformResponse(response);
  };
  return {
    before(request) {
      request.internal.elapsed = stopwatch();
      const { requestId } = invocationOf(request.context);
      // Every line of the invocation from here on carries it (the handler's log context, functions/http.ts).
      appendLogContext({ correlation_id: requestId });
      request.internal.requestId = requestId;
      request.event = request.internal.request = httpRequestOf(request.event, requestId);
    },
    after(request) {
      answer(request, request.response as unknown as HttpResponse);
    },
    onError(request) {
      const requestId = request.internal.requestId ?? invocationOf(request.context).requestId;
      answer(request, errorResponse(request.error, logger(), requestId));
    },
  };
}
