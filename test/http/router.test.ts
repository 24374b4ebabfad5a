import { describe, expect, it } from "vitest";
import { matchRoute } from "../../lib/http/router";
import { thrownProblem } from "../support/thrown-problem";

const routes = [
  { method: "GET", path: "/healthz" },
  { method: "GET", path: "/watches/{id}" },
  { method: "DELETE", path: "/watches/{id}" },
  { method: "POST", path: "/watches/{id}/redeliver" },
] as const;

const problemOf = (method: string, path: string) => thrownProblem(() => matchRoute(routes, method, path));

describe("matchRoute", () => {
  it("finds the route and decodes its parameters", () => {
    const { route, params } = matchRoute(routes, "delete", "/watches/w%5Fabc");
    expect(route).toBe(routes[2]);
    expect(params).toEqual({ id: "w_abc" });
    expect(matchRoute(routes, "POST", "/watches/w_x/redeliver").route).toBe(routes[3]);
  });

  it("forgives one trailing slash", () => {
    expect(matchRoute(routes, "GET", "/healthz/").route).toBe(routes[0]);
  });

  it("answers 404 for unknown paths, empty parameters and undecodable ones", () => {
    for (const path of ["/", "/nope", "/watches", "/watches/", "/watches//redeliver", "/watches/%E0%A4%A", "/healthz/extra"]) {
      expect(problemOf("GET", path).status).toBe(404);
    }
  });

  it("answers 405 with every allowed method in Allow", () => {
    const problem = problemOf("PUT", "/watches/w_x");
    expect(problem.status).toBe(405);
    expect(problem.headers.allow).toBe("GET, DELETE");
    expect(problemOf("GET", "/watches/w_x/redeliver").headers.allow).toBe("POST");
  });
});
