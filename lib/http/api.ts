/**
 * The HTTP API (README, "The HTTP API"; the served /openapi.json): route table, and the path
 * every request takes through it — route → bearer token → input checks → relay → JSON, or a
 * problem+json naming what was wrong. Bad input never reaches the relay, so nothing is stored
 * for it. A deployment that cannot serve (a bad setting, a store that does not answer)
 * answers 503 naming what is wrong.
 */
import type { Config } from "../config";
import type { Logger } from "../log";
import type { Relay } from "../relay";
import type { TaskReader } from "../task-reader";
import { lazy } from "../lazy";
import { api, region, taskId, taskResultSchema, watchListQuerySchema, watchRequestSchema } from "../schemas/index";
import { WATCH_ID } from "../schemas/patterns";
import { resolveTask } from "../upstream/task-ref";
import { StoreUnavailableError } from "../watches/store";
import { requireBearer } from "./auth";
import type { Call } from "./call";
import { errorResponse } from "./error-problem";
import { healthSchema, openApiDocument, type DocumentedRoute, type OperationDoc } from "./openapi";
import { HttpProblem, problemPage, PROBLEM_KIND_NAMES } from "./problem";
import { matchRoute, numeric } from "./router";
import { jsonResponse, type HttpRequest, type HttpResponse } from "./types";
import { watchPageSchema, watchStatsSchema, watchViewSchema } from "./watch-view";

/** The watch routes' work, loaded on the first of them (reading a task never loads it). */
const watchRoutes = lazy(() => import("./watch-routes"));

export interface ApiDeps {
  /** Read when a route needs it; a bad setting throws a ConfigError, answered 503. */
  config: () => Config;
  /** Reads tasks (GET /tasks); lighter than the relay, which a cold start need not load for it. */
  tasks: () => Promise<Pick<TaskReader, "describeTask">>;
  /** Called only once a request has passed every check, so refused requests never start the relay. */
  relay: () => Promise<Relay>;
  /** Where server-side failures are logged. */
  logger: () => Logger;
}

interface ApiRoute extends DocumentedRoute {
  handle(call: Call): Promise<HttpResponse> | HttpResponse;
}

type WatchOperation = Exclude<keyof Awaited<ReturnType<typeof watchRoutes>>, "default">;

/** A watch route: authenticated, served by the function of lib/http/watch-routes.ts its operationId names. */
function watchRoute(method: string, path: string, doc: OperationDoc & { operationId: WatchOperation }): ApiRoute {
  return { method, path, auth: true, doc, handle: async (call) => (await watchRoutes())[doc.operationId](call) };
}

const watchIdParam = { type: "string", pattern: WATCH_ID } as const;

const watchResponse = { description: "The watch.", schema: watchViewSchema };

/** How long `/healthz` waits for the store: an uptime probe gets its answer within 2 s. */
const HEALTH_STORE_TIMEOUT_MS = 1_500;

async function within<T>(ms: number, work: Promise<T>, timedOut: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(timedOut()), ms)));
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const listQueryDoc = Object.fromEntries(
  Object.entries(watchListQuerySchema.properties).map(([name, schema]) => [name, { schema, required: false }]),
);

export const API_ROUTES: readonly ApiRoute[] = [
  {
    method: "GET",
    path: "/healthz",
    auth: false,
    doc: {
      operationId: "health",
      summary: `Whether the relay can serve: its settings are valid and its store answers within ${HEALTH_STORE_TIMEOUT_MS / 1000} s.`,
      responses: { 200: { description: "Settings valid, store answering.", schema: healthSchema } },
      problems: [503],
    },
    handle: async ({ config, relay }) => {
      config();
      const timedOut = () => new StoreUnavailableError(`the store did not answer within ${HEALTH_STORE_TIMEOUT_MS} ms`);
      await within(
        HEALTH_STORE_TIMEOUT_MS,
        relay().then((r) => r.checkStore()),
        timedOut,
      );
      return jsonResponse(200, { status: "ok" });
    },
  },
  {
    method: "GET",
    path: "/openapi.json",
    auth: false,
    doc: {
      operationId: "openapi",
      summary: "This document.",
      responses: { 200: { description: "OpenAPI 3.1 document.", schema: { type: "object" } } },
      problems: [],
    },
    handle: () => jsonResponse(200, openApi()),
  },
  {
    method: "GET",
    path: "/problems/{kind}",
    auth: false,
    doc: {
      operationId: "problemType",
      summary: "What a problem `type` means: every problem's type is the path of its page here.",
      pathParams: { kind: { type: "string", enum: PROBLEM_KIND_NAMES } },
      responses: { 200: { description: "The kind's documentation.", schema: { type: "string" }, mediaType: "text/html" } },
      problems: [404],
    },
    handle: ({ params }) => {
      const page = problemPage(params.kind ?? "");
      if (page === undefined)
        throw new HttpProblem("not-found", `No problem kind ${params.kind}.`, [
          { field: "kind", rule: "enum", message: `must be one of: ${PROBLEM_KIND_NAMES.join(", ")}` },
        ]);
      return { statusCode: 200, headers: { "content-type": "text/html; charset=utf-8" }, body: page };
    },
  },
  {
    method: "GET",
    path: "/tasks/{taskId}",
    auth: true,
    doc: {
      operationId: "describeTask",
      summary:
        "One call of the task's action, normalised: DescribeVpcTaskResult (api vpc, the default for a " +
        "RequestId), DescribeTaskResult (api eip) or DescribeNetTaskResult (api legacy, the default for an " +
        "integer).",
      pathParams: { taskId },
      query: { region: { schema: region, required: true }, api: { schema: api, required: false } },
      responses: { 200: { description: "The task's current result.", schema: taskResultSchema } },
      problems: [404, 422, 502, 503, 504],
    },
    handle: async ({ request, params, tasks, signal }) => {
      const { region, api } = request.query;
      const task = resolveTask({ taskId: numeric(params.taskId), region, ...(api === undefined ? {} : { api }) });
      return jsonResponse(200, await (await tasks()).describeTask(task, signal));
    },
  },
  watchRoute("POST", "/watches", {
    operationId: "registerWatch",
    summary:
      "Watch a task until it finishes and deliver its outcome once; registering the same (api, taskId, " +
      "region, destination) again finds the same watch.",
    body: watchRequestSchema,
    responses: {
      202: { description: "A new watch.", schema: watchViewSchema, headers: { location: "The watch's URL." } },
      200: { description: "The watch already existed.", schema: watchViewSchema, headers: { location: "The watch's URL." } },
    },
    problems: [400, 404, 413, 415, 422, 502, 503, 504],
  }),
  watchRoute("GET", "/watches", {
    operationId: "listWatches",
    summary: "Watches, newest first, in pages: find a lost watch id by its task, or the dead letters (`state=failed`).",
    query: listQueryDoc,
    responses: { 200: { description: "A page of watches and the cursor of the next one.", schema: watchPageSchema } },
    problems: [422, 503],
  }),
  watchRoute("GET", "/watches/stats", {
    operationId: "watchStats",
    summary: "How many watches are in each state, for dashboards and alarms (e.g. on `failed` growing).",
    responses: { 200: { description: "Counts by state.", schema: watchStatsSchema } },
    problems: [503],
  }),
  watchRoute("GET", "/watches/{id}", {
    operationId: "getWatch",
    summary: "A watch and its progress.",
    pathParams: { id: watchIdParam },
    responses: { 200: watchResponse },
    problems: [404],
  }),
  watchRoute("DELETE", "/watches/{id}", {
    operationId: "cancelWatch",
    summary:
      "Cancel a watch that has not finished; a finished watch is returned unchanged. With a delivery " +
      "attempt on the wire it first waits for that attempt to end (at most WEBHOOK_TIMEOUT_MS and a " +
      "second): if the attempt got through, the watch is answered delivered, not cancelled; if it failed, " +
      "the watch is cancelled with that attempt on record. 409 when the watch keeps changing.",
    pathParams: { id: watchIdParam },
    responses: { 200: watchResponse },
    problems: [404, 409],
  }),
  watchRoute("POST", "/watches/{id}/redeliver", {
    operationId: "redeliverWatch",
    summary:
      "Send a finished watch's event again (dead letters included), with a fresh retry schedule. An attempt " +
      "already on the wire is waited for first (at most WEBHOOK_TIMEOUT_MS and a second): the event is sent " +
      "again after it, never alongside it. 409 when the watch has no outcome yet.",
    pathParams: { id: watchIdParam },
    responses: { 202: { description: "Redelivery started; the watch as it stands after the first attempt.", schema: watchViewSchema } },
    problems: [404, 409],
  }),
];

let openApiCache: object | undefined;
const openApi = () => (openApiCache ??= openApiDocument(API_ROUTES));

/**
 * Answers one request, a failure with problem+json (lib/http/error-problem.ts). Never throws,
 * but for an aborted `signal`: whoever aborted has stopped waiting and answers in its place
 * (middy's time limit: a 504). The access line is the caller's, written once the answer is
 * final (functions/platform/http-middleware.ts).
 */
export async function handleApiRequest(request: HttpRequest, deps: ApiDeps, signal?: AbortSignal): Promise<HttpResponse> {
  try {
    const { route, params } = matchRoute(API_ROUTES, request.method, request.path);
    if (route.auth) requireBearer(request.headers.authorization, deps.config().apiToken);
    return await route.handle({ request, params, config: deps.config, tasks: deps.tasks, relay: deps.relay, signal });
  } catch (error) {
    if (signal?.aborted) throw error;
    return errorResponse(error, deps.logger(), request.requestId);
  }
}
