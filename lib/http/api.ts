/**
 * The HTTP API (DESIGN.md §5): route table, and the path every request takes through it —
 * route → bearer token → input checks → relay → JSON, or a problem+json naming what was wrong.
 * Bad input never reaches the relay, so nothing is stored for it.
 */
import type { Config } from "../config";
import type { Logger } from "../log";
import type { Relay } from "../relay";
import { stopwatch } from "../stopwatch";
import { api, region, taskId, taskResultSchema, watchRequestSchema, type Watch } from "../schemas/index";
import { WATCH_ID, patternHint } from "../schemas/patterns";
import { validate } from "../schemas/validate";
import { resolveTask, taskFieldsOf } from "../upstream/task-ref";
import { requireBearer } from "./auth";
import { readJsonBody } from "./body";
import { errorResponse } from "./error-problem";
import { healthSchema, openApiDocument, type DocumentedRoute } from "./openapi";
import { HttpProblem } from "./problem";
import { matchRoute } from "./router";
import { jsonResponse, type HttpRequest, type HttpResponse } from "./types";
import { watchView, watchViewSchema } from "./watch-view";

export interface ApiDeps {
  config: Config;
  /** Called only once a request has passed every check, so refused requests never start the relay. */
  relay: () => Promise<Relay>;
  logger: Logger;
}

interface Call {
  request: HttpRequest;
  params: Record<string, string>;
  relay: () => Promise<Relay>;
  signal?: AbortSignal;
}

interface ApiRoute extends DocumentedRoute {
  handle(call: Call): Promise<HttpResponse> | HttpResponse;
}

const watchIdParam = { type: "string", pattern: WATCH_ID } as const;

/** A path segment of digits is a number; anything else stays a string so the schema names the problem. */
const numeric = (text: string | undefined): unknown => (text !== undefined && /^[0-9]+$/.test(text) ? Number(text) : text);

const WATCH_ID_PATTERN = new RegExp(WATCH_ID);

function watchIdOf(params: Record<string, string>): string {
  const id = params.id ?? "";
  if (WATCH_ID_PATTERN.test(id)) return id;
  throw new HttpProblem("not-found", "No such watch.", [{ field: "id", rule: "pattern", message: patternHint(WATCH_ID) ?? "must be a watch id" }]);
}

const shownOrMissing = (status: number, id: string, watch: Watch | undefined) => {
  if (!watch) throw new HttpProblem("not-found", `No watch ${id}.`);
  return jsonResponse(status, watchView(watch));
};

const watchResponse = { description: "The watch.", schema: watchViewSchema };

export const API_ROUTES: readonly ApiRoute[] = [
  {
    method: "GET",
    path: "/healthz",
    auth: false,
    doc: { operationId: "health", summary: "Liveness check.", responses: { 200: { description: "The function answers.", schema: healthSchema } }, problems: [] },
    handle: () => jsonResponse(200, { status: "ok" }),
  },
  {
    method: "GET",
    path: "/openapi.json",
    auth: false,
    doc: { operationId: "openapi", summary: "This document.", responses: { 200: { description: "OpenAPI 3.1 document.", schema: { type: "object" } } }, problems: [] },
    handle: () => jsonResponse(200, openApi()),
  },
  {
    method: "GET",
    path: "/tasks/{taskId}",
    auth: true,
    doc: {
      operationId: "describeTask",
      summary:
        "One call of the task's action, normalised: DescribeVpcTaskResult (api vpc, the default for a RequestId), DescribeTaskResult (api eip) or DescribeNetTaskResult (api legacy, the default for an integer).",
      pathParams: { taskId },
      query: { region: { schema: region, required: true }, api: { schema: api, required: false } },
      responses: { 200: { description: "The task's current result.", schema: taskResultSchema } },
      problems: [404, 422, 502, 503, 504],
    },
    handle: async ({ request, params, relay, signal }) => {
      const { region, api } = request.query;
      const task = resolveTask({ taskId: numeric(params.taskId), region, ...(api === undefined ? {} : { api }) });
      return jsonResponse(200, await (await relay()).describeTask(task, signal));
    },
  },
  {
    method: "POST",
    path: "/watches",
    auth: true,
    doc: {
      operationId: "registerWatch",
      summary:
        "Watch a task until it finishes and deliver its outcome once; registering the same (api, taskId, region, destination) again finds the same watch.",
      body: watchRequestSchema,
      responses: {
        202: { description: "A new watch.", schema: watchViewSchema, headers: { location: "The watch's URL." } },
        200: { description: "The watch already existed.", schema: watchViewSchema, headers: { location: "The watch's URL." } },
      },
      problems: [400, 404, 413, 415, 422, 502, 503, 504],
    },
    handle: async ({ request, relay, signal }) => {
      const body = validate("watchRequest", readJsonBody(request), "request body");
      // A task id of no kind is refused here, before the relay (and its store) start.
      resolveTask(taskFieldsOf(body), "request body");
      const { watch, created } = await (await relay()).registerWatch(body, signal);
      return jsonResponse(created ? 202 : 200, watchView(watch), { location: `/watches/${watch.id}` });
    },
  },
  {
    method: "GET",
    path: "/watches/{id}",
    auth: true,
    doc: { operationId: "getWatch", summary: "A watch and its progress.", pathParams: { id: watchIdParam }, responses: { 200: watchResponse }, problems: [404] },
    handle: async ({ params, relay }) => {
      const id = watchIdOf(params);
      return shownOrMissing(200, id, await (await relay()).getWatch(id));
    },
  },
  {
    method: "DELETE",
    path: "/watches/{id}",
    auth: true,
    doc: {
      operationId: "cancelWatch",
      summary:
        "Cancel a watch that has not finished; a finished watch is returned unchanged. With a delivery attempt on the wire it first waits for that attempt to end (at most WEBHOOK_TIMEOUT_MS and a second): if the attempt got through, the watch is answered delivered, not cancelled; if it failed, the watch is cancelled with that attempt on record. 409 when the watch keeps changing.",
      pathParams: { id: watchIdParam },
      responses: { 200: watchResponse },
      problems: [404, 409],
    },
    handle: async ({ params, relay, signal }) => {
      const id = watchIdOf(params);
      return shownOrMissing(200, id, await (await relay()).cancelWatch(id, signal));
    },
  },
  {
    method: "POST",
    path: "/watches/{id}/redeliver",
    auth: true,
    doc: {
      operationId: "redeliverWatch",
      summary:
        "Send a finished watch's event again (dead letters included), with a fresh retry schedule. An attempt already on the wire is waited for first (at most WEBHOOK_TIMEOUT_MS and a second): the event is sent again after it, never alongside it. 409 when the watch has no outcome yet.",
      pathParams: { id: watchIdParam },
      responses: { 202: { description: "Redelivery started; the watch as it stands after the first attempt.", schema: watchViewSchema } },
      problems: [404, 409],
    },
    handle: async ({ params, relay, signal }) => {
      const id = watchIdOf(params);
      return shownOrMissing(202, id, await (await relay()).redeliver(id, signal));
    },
  },
];

let openApiCache: object | undefined;
const openApi = () => (openApiCache ??= openApiDocument(API_ROUTES));

/** Answers one request; never throws. Logs one line per request with the correlation id. */
export async function handleApiRequest(request: HttpRequest, deps: ApiDeps, signal?: AbortSignal): Promise<HttpResponse> {
  const logger = deps.logger.child({ correlation_id: request.requestId });
  const elapsed = stopwatch();
  let response: HttpResponse;
  try {
    const { route, params } = matchRoute(API_ROUTES, request.method, request.path);
    if (route.auth) requireBearer(request.headers.authorization, deps.config.apiToken);
    response = await route.handle({ request, params, relay: deps.relay, signal });
  } catch (error) {
    response = errorResponse(error, logger, request.requestId);
  }
  logger.info("http request", {
    method: request.method,
    path: request.path,
    status: response.statusCode,
    duration_ms: Math.round(elapsed()),
    source_ip: request.sourceIp,
  });
  return response;
}
