/** Matches a method and path against a route table: the route and its path parameters, or 404/405. */
import { HttpProblem } from "./problem";

export interface RoutePattern {
  method: string;
  /** e.g. `/watches/{id}/redeliver`: each `{name}` matches one non-empty path segment. */
  path: string;
}

export interface RouteMatch<R> {
  route: R;
  params: Record<string, string>;
}

function segmentsOf(path: string): string[] {
  // One trailing slash is forgiven: `/watches/` is `/watches`.
  return (path.length > 1 ? path.replace(/\/$/, "") : path).split("/");
}

function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = segmentsOf(pattern);
  const got = segmentsOf(path);
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, segment] of want.entries()) {
    const actual = got[i]!;
    const name = /^\{(\w+)\}$/.exec(segment)?.[1];
    if (name === undefined) {
      if (segment !== actual) return undefined;
      continue;
    }
    if (actual === "") return undefined;
    try {
      params[name] = decodeURIComponent(actual);
    } catch {
      return undefined;
    }
  }
  return params;
}

export function matchRoute<R extends RoutePattern>(routes: readonly R[], method: string, path: string): RouteMatch<R> {
  const allowed: string[] = [];
  for (const route of routes) {
    const params = matchPath(route.path, path);
    if (!params) continue;
    if (route.method === method.toUpperCase()) return { route, params };
    allowed.push(route.method);
  }
  if (allowed.length === 0) throw new HttpProblem("not-found", `No route for ${path}.`);
  const allow = allowed.join(", ");
  throw new HttpProblem("method-not-allowed", `${method.toUpperCase()} is not allowed on ${path}; use ${allow}.`, undefined, { allow });
}

/** A path segment or query value of digits is a number; anything else stays text, so a schema can say what is wrong with it. */
export const numeric = (text: string | undefined): unknown => (text !== undefined && /^[0-9]+$/.test(text) ? Number(text) : text);
