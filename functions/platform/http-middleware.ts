/**
 * The middy middleware that puts the platform at the edges of the HTTP function: the event
 * becomes an HttpRequest (header names lower-cased before anything reads them, body decoded),
 * the HttpResponse becomes the platform's response, and anything thrown outside the API (an
 * event that is not HTTP, bad configuration, the time limit) is answered as problem+json.
 */
import type { MiddlewareObj, Request } from "@middy/core";
import { errorResponse } from "../../lib/http/error-problem";
import type { HttpRequest, HttpResponse } from "../../lib/http/types";
import { invocationOf } from "./context";
import { httpRequestOf, platformResponse, type PlatformHttpResponse } from "./http-event";
import { functionLogger } from "./logger";

interface Internal extends Record<string, unknown> {
  requestId?: string;
  request?: HttpRequest;
}

/** Whatever the platform passes (middy names it after Lambda's); read through invocationOf. */
type PlatformContext = Request["context"];

export function httpPlatform(): MiddlewareObj<unknown, PlatformHttpResponse, Error, PlatformContext, Internal> {
  return {
    before(request) {
      const { requestId } = invocationOf(request.context);
      request.internal.requestId = requestId;
      request.event = request.internal.request = httpRequestOf(request.event, requestId);
    },
    after(request) {
      request.response = platformResponse(request.response as unknown as HttpResponse);
    },
    onError(request) {
      const requestId = request.internal.requestId ?? invocationOf(request.context).requestId;
      const logger = functionLogger().child({ correlation_id: requestId });
      const response = errorResponse(request.error, logger, requestId);
      logger.info("http request", { method: request.internal.request?.method, path: request.internal.request?.path, status: response.statusCode });
      request.response = platformResponse(response);
    },
  };
}
