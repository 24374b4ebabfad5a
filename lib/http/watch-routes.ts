/**
 * What the watch routes of the HTTP API do once a request has been routed and its token
 * checked (lib/http/api.ts). Loaded on the first such request (a lazy chunk of the bundles),
 * together with the watch validators: reading a task loads neither.
 */
import { LIST_LIMIT, watchListQuerySchema, WATCH_STATES, type Watch, type WatchState } from "../schemas/index";
import { WATCH_ID, patternHint } from "../schemas/patterns";
import { validate } from "../schemas/validate-watch";
import { resolveTask, taskFieldsOf } from "../upstream/task-ref";
import { decodeCursor, encodeCursor } from "../watches/listing";
import type { Call } from "./call";
import { readJsonBody } from "./body";
import { HttpProblem } from "./problem";
import { numeric } from "./router";
import { jsonResponse, type HttpResponse } from "./types";
import { watchView } from "./watch-view";

const WATCH_ID_PATTERN = new RegExp(WATCH_ID);

function watchIdOf(params: Record<string, string>): string {
  const id = params.id ?? "";
  if (WATCH_ID_PATTERN.test(id)) return id;
  throw new HttpProblem("not-found", "No such watch.", [
    { field: "id", rule: "pattern", message: patternHint(WATCH_ID) ?? "must be a watch id" },
  ]);
}

const shownOrMissing = (status: number, id: string, watch: Watch | undefined) => {
  if (!watch) throw new HttpProblem("not-found", `No watch ${id}.`);
  return jsonResponse(status, watchView(watch));
};

/** The listing's query, checked: filters, page size, and the position the cursor stands for. */
function listQueryOf(query: Record<string, string>) {
  const {
    cursor,
    limit = LIST_LIMIT.default,
    ...filters
  } = validate("watchListQuery", { ...query, ...(query.limit === undefined ? {} : { limit: numeric(query.limit) }) }, "query");
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  if (cursor !== undefined && !after) {
    throw new HttpProblem("invalid-input", "Invalid query.", [
      { field: "cursor", rule: "cursor", message: patternHint(watchListQuerySchema.properties.cursor.pattern)! },
    ]);
  }
  return { filters, limit, after };
}

export async function registerWatch({ request, relay, signal }: Call): Promise<HttpResponse> {
  const body = validate("watchRequest", readJsonBody(request), "request body");
  // A task id of no kind is refused here, before the relay (and its store) start.
  resolveTask(taskFieldsOf(body), "request body");
  const { watch, created } = await (await relay()).registerWatch(body, signal);
  return jsonResponse(created ? 202 : 200, watchView(watch), { location: `/watches/${watch.id}` });
}

export async function listWatches({ request, relay }: Call): Promise<HttpResponse> {
  const query = listQueryOf(request.query);
  const page = await (await relay()).listWatches(query);
  return jsonResponse(200, { data: page.watches.map(watchView), next: page.next && encodeCursor(page.next) });
}

export async function watchStats({ relay }: Call): Promise<HttpResponse> {
  const counts = await (await relay()).countWatches();
  const states = Object.fromEntries(WATCH_STATES.map((state) => [state, counts[state] ?? 0])) as Record<WatchState, number>;
  return jsonResponse(200, { states, total: Object.values(states).reduce((sum, n) => sum + n, 0) });
}

export async function getWatch({ params, relay }: Call): Promise<HttpResponse> {
  const id = watchIdOf(params);
  return shownOrMissing(200, id, await (await relay()).getWatch(id));
}

export async function cancelWatch({ params, relay, signal }: Call): Promise<HttpResponse> {
  const id = watchIdOf(params);
  return shownOrMissing(200, id, await (await relay()).cancelWatch(id, signal));
}

export async function redeliverWatch({ params, relay, signal }: Call): Promise<HttpResponse> {
  const id = watchIdOf(params);
  return shownOrMissing(202, id, await (await relay()).redeliver(id, signal));
}
