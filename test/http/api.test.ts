/**
 * handleApiRequest against a real relay: the emulator as upstream (faults injected there), a
 * SQLite store, a verifying webhook inbox. Platform events are covered in test/functions.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig, type Config } from "../../lib/config";
import { handleApiRequest, type ApiDeps } from "../../lib/http/api";
import { HttpProblem, problemSchema } from "../../lib/http/problem";
import type { HttpRequest, HttpResponse } from "../../lib/http/types";
import { createLogger, withLogContext } from "../../lib/log";
import { createRelay, type Relay } from "../../lib/relay";
import { API_TOKEN, DOCUMENTED_297, DOCUMENTED_VPC, startStack, WEBHOOK_SECRET, type Stack } from "../support/stack";

let stack: Stack;
let config: Config;
let relay: Relay;
let relayCalls = 0;
const lines: string[] = [];
const logger = createLogger({ sink: (l) => lines.push(l) });
let sequence = 0;

beforeAll(async () => {
  stack = await startStack();
  config = loadConfig(process.env);
  relay = await createRelay(config, { logger: createLogger({ level: "warn", sink: () => undefined }) });
});

afterAll(async () => {
  await relay?.close();
  await stack?.close();
});

beforeEach(() => {
  stack.emulator.reset();
  lines.length = 0;
  relayCalls = 0;
});

function deps(overrides: Partial<ApiDeps> = {}): ApiDeps {
  return {
    config: () => config,
    // The relay reads tasks too: counting both tells whether a refused request reached either.
    tasks: async () => {
      relayCalls++;
      return relay;
    },
    relay: async () => {
      relayCalls++;
      return relay;
    },
    logger: () => logger,
    ...overrides,
  };
}

async function call(method: string, path: string, init: Partial<HttpRequest> = {}, d = deps()): Promise<HttpResponse & { json: any }> {
  const request: HttpRequest = {
    method,
    path,
    query: {},
    headers: { authorization: `Bearer ${API_TOKEN}` },
    requestId: `req-${++sequence}`,
    ...init,
  };
  const response = await handleApiRequest(request, d);
  return { ...response, json: JSON.parse(response.body) };
}

describe("routes without a token", () => {
  it("GET /healthz checks the store without auth; GET /openapi.json answers without starting the relay", async () => {
    const health = await call("GET", "/healthz", { headers: {} });
    expect(health.statusCode).toBe(200);
    expect(health.json).toEqual({ status: "ok" });
    expect(relayCalls).toBe(1);
    const openapi = await call("GET", "/openapi.json", { headers: {} });
    expect(openapi.statusCode).toBe(200);
    expect(openapi.json.openapi).toBe("3.1.0");
    expect(relayCalls).toBe(1);
  });
});

describe("problem types", () => {
  it("are paths of pages the API serves without a token, one per kind", async () => {
    const types = problemSchema.properties.type.enum;
    expect(types.length).toBeGreaterThan(10);
    for (const type of types) {
      expect(type).toMatch(/^\/problems\/[a-z-]+$/);
      const raw = await handleApiRequest({ method: "GET", path: type, query: {}, headers: {}, requestId: "p" }, deps());
      expect(raw.statusCode, type).toBe(200);
      expect(raw.headers["content-type"]).toBe("text/html; charset=utf-8");
      const kind = type.slice("/problems/".length);
      const problem = new HttpProblem(kind as never, "x").toJSON();
      expect(raw.body).toContain(`<h1>${problem.title}</h1>`);
      expect(raw.body).toContain(`HTTP status ${problem.status}`);
    }
    const unknown = await call("GET", "/problems/no-such-kind", { headers: {} });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json.errors).toEqual([expect.objectContaining({ field: "kind" })]);
    expect(relayCalls).toBe(0);
  });
});

describe("GET /tasks/{taskId}", () => {
  it("reads a RequestId with DescribeVpcTaskResult, and an EIP TaskId with DescribeTaskResult when api=eip", async () => {
    const vpc = await call("GET", "/tasks/481e9b6e-81d1-4859-b8cf-a673e010b388", { query: { region: "gz" } });
    expect(vpc.statusCode).toBe(200);
    expect(vpc.json).toEqual(DOCUMENTED_VPC);
    const eip = await call("GET", "/tasks/12566700", { query: { region: "ap-guangzhou", api: "eip" } });
    expect(eip.json).toEqual({ api: "eip", taskId: 12566700, region: "ap-guangzhou", status: "succeeded", output: null, data: null });
    expect(stack.emulator.requests().map((r) => r.action)).toEqual(["DescribeVpcTaskResult", "DescribeTaskResult"]);
  });

  it("answers 404 naming the task for a RequestId the upstream does not know", async () => {
    const response = await call("GET", "/tasks/00000000-0000-4000-8000-000000000000", { query: { region: "ap-guangzhou" } });
    expect(response.statusCode).toBe(404);
    expect(response.json.errors).toEqual([{ field: "taskId", rule: "upstream", message: "does not exist in this region" }]);
    expect(response.json.detail).toContain("DescribeVpcTaskResult code ResourceNotFound");
  });

  it("answers the normalised documented result of task 297", async () => {
    const response = await call("GET", "/tasks/297", { query: { region: "gz" } });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("application/json");
    expect(response.json).toEqual(DOCUMENTED_297);
  });

  it("refuses bad input with 422 naming the field, without calling the upstream", async () => {
    const cases: [string, Record<string, string>, { field: string; rule: string; message?: string }][] = [
      ["/tasks/abc", { region: "gz" }, { field: "taskId", rule: "api" }],
      ["/tasks/abc", { region: "gz", api: "eip" }, { field: "taskId", rule: "type", message: "must be integer" }],
      ["/tasks/-5", { region: "gz" }, { field: "taskId", rule: "api" }],
      ["/tasks/not-a-request-id", { region: "ap-guangzhou", api: "vpc" }, { field: "taskId", rule: "pattern" }],
      ["/tasks/297", { region: "gz", api: "ecs" }, { field: "api", rule: "enum" }],
      ["/tasks/0", { region: "gz" }, { field: "taskId", rule: "minimum" }],
      ["/tasks/99999999999", { region: "gz" }, { field: "taskId", rule: "api" }],
      ["/tasks/99999999999", { region: "gz", api: "legacy" }, { field: "taskId", rule: "maximum" }],
      ["/tasks/297", {}, { field: "region", rule: "required", message: "is required" }],
      ["/tasks/297", { region: "mars" }, { field: "region", rule: "pattern" }],
    ];
    for (const [path, query, error] of cases) {
      const response = await call("GET", path, { query });
      expect(response.statusCode, path).toBe(422);
      expect(response.headers["content-type"]).toBe("application/problem+json");
      expect(response.json).toMatchObject({ status: 422, type: "/problems/invalid-input" });
      expect(response.json.errors).toContainEqual(expect.objectContaining(error));
    }
    expect(relayCalls).toBe(0);
    expect(stack.emulator.requests()).toHaveLength(0);
  });

  it("answers 404 naming taskId for a task the upstream does not know (29258)", async () => {
    const response = await call("GET", "/tasks/424242", { query: { region: "gz" } });
    expect(response.statusCode).toBe(404);
    expect(response.json.errors).toEqual([{ field: "taskId", rule: "upstream", message: "does not exist in this region" }]);
    // Task ids are per region: 297 exists in gz only.
    expect((await call("GET", "/tasks/297", { query: { region: "sh" } })).statusCode).toBe(404);
  });

  it("maps upstream failures to 422, 502, 503 and 504 honestly", async () => {
    const expectations: [Parameters<Stack["emulator"]["injectFault"]>[0], number][] = [
      [{ kind: "code", code: 9003 }, 422],
      [{ kind: "code", code: 4400 }, 503],
      [{ kind: "code", code: 4104 }, 502],
      [{ kind: "code", code: 4100 }, 502],
      [{ kind: "code", code: 29254 }, 502],
      [{ kind: "code", code: 6000 }, 502],
      [{ kind: "http", status: 502 }, 502],
      [{ kind: "malformed" }, 502],
      [{ kind: "html" }, 502],
      [{ kind: "delay", delayMs: 1_500 }, 504],
    ];
    for (const [fault, status] of expectations) {
      stack.emulator.clearFaults();
      stack.emulator.injectFault(fault);
      const response = await call("GET", "/tasks/297", { query: { region: "gz" } });
      expect(response.statusCode, JSON.stringify(fault)).toBe(status);
      expect(response.headers["content-type"]).toBe("application/problem+json");
      expect(response.body).not.toContain(stack.env.TENCENTCLOUD_SECRET_KEY!);
      expect(response.body).not.toContain(stack.env.TENCENTCLOUD_SECRET_ID!);
      if (status === 503) expect(response.headers["retry-after"]).toBe("1");
    }
  });
});

describe("authentication", () => {
  it("answers 401 with a Bearer challenge for a missing or wrong token, before reading the body", async () => {
    for (const headers of [{} as Record<string, string>, { authorization: "Bearer nope" }, { authorization: `Basic ${API_TOKEN}` }]) {
      const response = await call("POST", "/watches", { headers: { ...headers, "content-type": "text/plain" }, body: "x" });
      expect(response.statusCode).toBe(401);
      expect(response.headers["www-authenticate"]).toMatch(/^Bearer /);
    }
    expect(relayCalls).toBe(0);
  });

  it("refuses every authenticated route when API_TOKEN is empty, and still answers /healthz", async () => {
    const open = deps({ config: () => ({ ...config, apiToken: "" }) });
    for (const [method, path] of [
      ["GET", "/tasks/297"],
      ["POST", "/watches"],
      ["GET", "/watches/w_aaaaaaaaaaaaaaaaaaaaaaaaaa"],
    ] as const) {
      for (const authorization of ["Bearer ", `Bearer ${API_TOKEN}`, "Bearer"]) {
        expect((await call(method, path, { headers: { authorization }, query: { region: "gz" } }, open)).statusCode).toBe(401);
      }
    }
    expect(relayCalls).toBe(0);
    expect((await call("GET", "/healthz", { headers: {} }, open)).statusCode).toBe(200);
  });
});

describe("logging", () => {
  it("logs a server-side failure once, in the caller's log context, and never the token; the client's mistakes not at all", async () => {
    await call("GET", "/tasks/297", { query: { region: "gz" } });
    await call("GET", "/tasks/297", { headers: { authorization: "Bearer wrong-token-value" } });
    stack.emulator.injectFault({ kind: "code", code: 4104 });
    await withLogContext({ correlation_id: "corr-3" }, () => call("GET", "/tasks/297", { query: { region: "gz" } }));
    // The access line is the function's, written once the answer is final (test/functions/http-handler.test.ts).
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ level: "warn", message: "upstream problem", status: 502, correlation_id: "corr-3" }),
    ]);
    const all = lines.join("\n");
    expect(all).not.toContain(API_TOKEN);
    expect(all).not.toContain("wrong-token-value");
    expect(all).not.toContain(stack.env.TENCENTCLOUD_SECRET_KEY!);
  });
});

describe("watches", () => {
  const json = { "content-type": "application/json", authorization: `Bearer ${API_TOKEN}` };

  it("refuses, 422 naming the one offending field, destinations it would not deliver to, and stores nothing", async () => {
    const before = await stack.countWatches();
    const cases: Array<[string, object, { field: string; rule: string; message: RegExp }]> = [
      [
        "an internal webhook address",
        { type: "webhook", url: "https://10.1.2.3/hook", secret: WEBHOOK_SECRET },
        { field: "destination.url", rule: "destination", message: /private address/ },
      ],
      [
        "the metadata service",
        { type: "webhook", url: "https://169.254.169.254/latest/meta-data", secret: WEBHOOK_SECRET },
        { field: "destination.url", rule: "destination", message: /cloud metadata/ },
      ],
      [
        "IPv6 loopback",
        { type: "webhook", url: "https://[::1]:8443/in", secret: WEBHOOK_SECRET },
        { field: "destination.url", rule: "destination", message: /loopback/ },
      ],
      [
        "a loopback address outside WEBHOOK_ALLOW, with a final dot",
        { type: "webhook", url: "https://127.0.0.2.:8443/in", secret: WEBHOOK_SECRET },
        { field: "destination.url", rule: "destination", message: /loopback/ },
      ],
      // WEBHOOK_ALLOW is 127.0.0.1/32 here: a host name that does not resolve into it.
      [
        "a plain-http host name outside WEBHOOK_ALLOW",
        { type: "webhook", url: "http://hooks.example.com/in", secret: WEBHOOK_SECRET },
        { field: "destination.url", rule: "destination", message: /^refused: plain http is allowed only to addresses in WEBHOOK_ALLOW/ },
      ],
      [
        "an unsigned webhook",
        { type: "webhook", url: "https://hooks.example.com/in" },
        { field: "destination.secret", rule: "required", message: /^is required$/ },
      ],
      [
        "a malformed secret",
        { type: "webhook", url: "https://hooks.example.com/in", secret: "whsec_short" },
        { field: "destination.secret", rule: "pattern", message: /^must be a Standard Webhooks secret/ },
      ],
      [
        "a malformed secret in a rotation",
        { type: "webhook", url: "https://hooks.example.com/in", secret: [WEBHOOK_SECRET, "nope"] },
        { field: "destination.secret[1]", rule: "pattern", message: /^must be a Standard Webhooks secret/ },
      ],
      [
        "an internal broker literal",
        { type: "amqp", exchange: "x", routingKey: "k", url: "amqps://u:pw-7c1@10.0.0.5:5671/v" },
        { field: "destination.url", rule: "destination", message: /private address/ },
      ],
      [
        "a broker URL that does not parse",
        { type: "amqp", exchange: "x", routingKey: "k", url: "amqp://u:pw/7c1@mq.example.com:5672" },
        { field: "destination.url", rule: "destination", message: /^must be an amqp:\/\/ or amqps:\/\/ URL that parses/ },
      ],
      [
        "broker connection options in the query",
        { type: "amqp", exchange: "x", routingKey: "k", url: "amqps://mq.example.com/?frameMax=1" },
        { field: "destination.url", rule: "destination", message: /^must not have query parameters/ },
      ],
    ];
    for (const [what, destination, error] of cases) {
      const response = await call("POST", "/watches", { headers: json, body: JSON.stringify({ taskId: 297, region: "gz", destination }) });
      expect(response.statusCode, what).toBe(422);
      expect(response.json.errors, what).toEqual([{ field: error.field, rule: error.rule, message: expect.stringMatching(error.message) }]);
      expect(response.body, what).not.toMatch(/pw-7c1|pw\/7c1|whsec_short/);
      expect(response.body, what).not.toContain(WEBHOOK_SECRET);
    }
    expect(await stack.countWatches()).toBe(before);
    expect(stack.emulator.requests()).toHaveLength(0);
  });

  it("refuses a task the upstream does not know with 404 and stores nothing", async () => {
    const before = await stack.countWatches();
    const response = await call("POST", "/watches", {
      headers: json,
      body: JSON.stringify({ taskId: 5151, region: "gz", destination: { type: "cmq", queue: "results" } }),
    });
    expect(response.statusCode).toBe(404);
    expect(await stack.countWatches()).toBe(before);
  });

  it("answers 404 for unknown and malformed watch ids", async () => {
    const unknown = await call("GET", "/watches/w_aaaaaaaaaaaaaaaaaaaaaaaaaa");
    expect(unknown.statusCode).toBe(404);
    const malformed = await call("DELETE", "/watches/not-a-watch");
    expect(malformed.statusCode).toBe(404);
    expect(malformed.json.errors[0]).toMatchObject({ field: "id", rule: "pattern" });
    expect((await call("POST", "/watches/w_aaaaaaaaaaaaaaaaaaaaaaaaaa/redeliver")).statusCode).toBe(404);
  });
});
