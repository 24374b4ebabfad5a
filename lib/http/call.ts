/**
 * What a route's work is given once the request has been routed and its token checked
 * (lib/http/api.ts): the request, the path's parameters, and the parts it may use, each made
 * on first use. Its own module so the routes in lazy chunks (./watch-routes.ts) need not
 * import the API that loads them.
 */
import type { Config } from "../config";
import type { Relay } from "../relay";
import type { TaskReader } from "../task-reader";
import type { HttpRequest } from "./types";

export interface Call {
  request: HttpRequest;
  params: Record<string, string>;
  config: () => Config;
  tasks: () => Promise<Pick<TaskReader, "describeTask">>;
  relay: () => Promise<Relay>;
  signal?: AbortSignal;
}
