/**
 * functions/http.ts driven by realistic SCF (Function URL, legacy API gateway) and AWS (HTTP
 * API 2.0, REST 1.0) events, against the emulator, a SQLite store and a verifying inbox. The
 * handler is the deployed one's factory applied to a runtime of the stack's settings, which
 * never reach process.env.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpHandler, handler as deployed, main_handler, type HttpHandler } from "../../functions/http";
import { loadConfig } from "../../lib/config";
import { MAX_BODY_BYTES } from "../../lib/http/body";
import { createRuntime, type Runtime } from "../../lib/runtime";
import { API_TOKEN, DOCUMENTED_297, startStack, WEBHOOK_SECRET, type Stack } from "../support/stack";
import { captureLogs } from "../support/capture-logs";
import { contextFor, fixture, httpEvent, HTTP_PLATFORMS, scfContext, type HttpPlatform, type RequestSpec } from "../support/events";

let stack: Stack;
let runtime: Runtime;
let handler: HttpHandler;

beforeAll(async () => {
  stack = await startStack({ LOG_LEVEL: "info" }, { processEnv: false });
  runtime = createRuntime(() => loadConfig(stack.env));
  handler = createHttpHandler(runtime);
});

afterAll(async () => {
  await (await runtime.relay()).close();
  await stack?.close();
});

interface Answer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
  json: any;
  logs: any[];
}

/** Invokes the handler as the platform would, capturing the JSON log lines it writes. */
async function invoke(
  platform: HttpPlatform,
  spec: RequestSpec | object,
  context: object = contextFor(platform),
  http: HttpHandler = handler,
): Promise<Answer> {
  const event = "method" in spec ? httpEvent(platform, spec as RequestSpec) : spec;
  const { result, error, logs } = await captureLogs(() => http(event, context));
  if (!result) throw error;
  return { ...result, json: result.body ? JSON.parse(result.body) : undefined, logs };
}

const auth = { Authorization: `Bearer ${API_TOKEN}` };
const jsonHeaders = { ...auth, "Content-Type": "application/json" };
const watchBody = (destination: object, extra: object = {}) => JSON.stringify({ taskId: 297, region: "gz", destination, ...extra });
/** An authorised POST /watches of `body` as JSON. */
const postWatch = (body: string): RequestSpec => ({ method: "POST", path: "/watches", headers: jsonHeaders, body });

it("exports the same handler under SCF's and Lambda's names", () => {
  expect(main_handler).toBe(deployed);
});

describe.each(HTTP_PLATFORMS)("%s: bad input is refused and nothing is stored", (platform) => {
  const cases: [string, RequestSpec, number, { field?: string; rule?: string; message?: string; header?: [string, RegExp] }][] = [
    [
      "missing token",
      { method: "GET", path: "/tasks/297", query: { region: "gz" } },
      401,
      { header: ["www-authenticate", /^Bearer realm=/] },
    ],
    [
      "invalid token",
      {
        method: "POST",
        path: "/watches",
        headers: { Authorization: "Bearer not-the-token", "Content-Type": "application/json" },
        body: watchBody({ type: "cmq", queue: "q" }),
      },
      401,
      { header: ["www-authenticate", /invalid_token/] },
    ],
    ["unknown route", { method: "GET", path: "/tasks", headers: auth }, 404, {}],
    ["wrong method", { method: "PUT", path: "/watches", headers: jsonHeaders, body: "{}" }, 405, { header: ["allow", /^POST, GET$/] }],
    [
      "wrong method on a watch",
      { method: "PATCH", path: "/watches/w_aaaaaaaaaaaaaaaaaaaaaaaaaa", headers: auth },
      405,
      { header: ["allow", /^GET, DELETE$/] },
    ],
    [
      "non-JSON content type",
      {
        method: "POST",
        path: "/watches",
        headers: { ...auth, "Content-Type": "text/plain" },
        body: watchBody({ type: "cmq", queue: "q" }),
      },
      415,
      { field: "content-type" },
    ],
    ["unparseable JSON", postWatch('{"taskId": 297,'), 400, { field: "body", rule: "json" }],
    ["body that is not an object", postWatch("[297]"), 422, { field: "body", rule: "type" }],
    [
      "taskId of no kind in the path",
      { method: "GET", path: "/tasks/12ab", query: { region: "gz" }, headers: auth },
      422,
      { field: "taskId", rule: "api" },
    ],
    [
      "taskId not a number in the path for api eip",
      { method: "GET", path: "/tasks/12ab", query: { region: "gz", api: "eip" }, headers: auth },
      422,
      { field: "taskId", rule: "type", message: "must be integer" },
    ],
    [
      "taskId not a RequestId in the body for api vpc",
      postWatch(watchBody({ type: "cmq", queue: "q" }, { api: "vpc", taskId: "297" })),
      422,
      { field: "taskId", rule: "pattern" },
    ],
    [
      "taskId neither text nor a number in the body",
      postWatch(watchBody({ type: "cmq", queue: "q" }, { taskId: [297] })),
      422,
      { field: "taskId", rule: "type" },
    ],
    [
      "unknown region",
      { method: "GET", path: "/tasks/297", query: { region: "ap-atlantis!" }, headers: auth },
      422,
      { field: "region", rule: "pattern" },
    ],
    [
      "webhook URL that is not http(s)",
      postWatch(watchBody({ type: "webhook", url: "ftp://files.example.com/x" })),
      422,
      { field: "destination.url", rule: "pattern" },
    ],
    [
      "webhook URL into the metadata service",
      postWatch(watchBody({ type: "webhook", url: "https://169.254.169.254/latest", secret: WEBHOOK_SECRET })),
      422,
      { field: "destination.url" },
    ],
    [
      "unsigned webhook",
      postWatch(watchBody({ type: "webhook", url: "https://hooks.example.com/x" })),
      422,
      { field: "destination.secret", rule: "required" },
    ],
    ["unknown destination type", postWatch(watchBody({ type: "sms", to: "+100" })), 422, { field: "destination.type" }],
    [
      "deadline out of range",
      postWatch(watchBody({ type: "cmq", queue: "q" }, { deadlineSeconds: 5 })),
      422,
      { field: "deadlineSeconds", rule: "minimum" },
    ],
    [
      "body over 64 KB",
      postWatch(watchBody({ type: "cmq", queue: "q" }, { padding: "x".repeat(MAX_BODY_BYTES) })),
      413,
      { field: "body", rule: "maxBytes" },
    ],
    ["malformed watch id", { method: "GET", path: "/watches/..%2Fetc", headers: auth }, 404, { field: "id" }],
  ];

  it.each(cases)("%s", async (_name, spec, status, expected) => {
    const before = await stack.countWatches();
    const answer = await invoke(platform, spec);
    expect(answer.statusCode).toBe(status);
    expect(answer.isBase64Encoded).toBe(false);
    expect(answer.headers["content-type"]).toBe("application/problem+json");
    expect(answer.json).toMatchObject({
      status,
      type: expect.stringMatching(/^\/problems\/[a-z-]+$/),
      title: expect.any(String),
      detail: expect.any(String),
    });
    if (expected.field)
      expect(answer.json.errors).toContainEqual(
        expect.objectContaining({
          field: expected.field,
          ...(expected.rule && { rule: expected.rule }),
          ...(expected.message && { message: expected.message }),
        }),
      );
    if (expected.header) expect(answer.headers[expected.header[0]]).toMatch(expected.header[1]);
    expect(answer.body).not.toContain(API_TOKEN);
    expect(await stack.countWatches()).toBe(before);
  });

  it("refuses a body that is not UTF-8 with 400 naming body", async () => {
    // Gateways base64-encode bodies; a Function URL hands over text, where a lone surrogate is what bad bytes become.
    const spec: RequestSpec =
      platform === "scf-function-url" ? postWatch('{"taskId":297,"region":"gz\uD800"}') : { ...postWatch("x"), base64: true };
    const event = httpEvent(platform, spec);
    if (platform !== "scf-function-url") event.body = Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]).toString("base64");
    const before = await stack.countWatches();
    const answer = await invoke(platform, event);
    expect(answer.statusCode).toBe(400);
    expect(answer.json.errors).toContainEqual({ field: "body", rule: "utf8", message: "must be valid UTF-8" });
    expect(answer.logs).toEqual([expect.objectContaining({ message: "http request", status: 400 })]);
    expect(await stack.countWatches()).toBe(before);
  });
});

describe.each(HTTP_PLATFORMS)("%s: every route", (platform) => {
  // One destination per platform, so each platform registers its own watch.
  const destination = () => ({ type: "webhook", url: `${stack.inbox.url}${platform}`, secret: WEBHOOK_SECRET });

  it("GET /healthz and GET /openapi.json need no token", async () => {
    const health = await invoke(platform, { method: "GET", path: "/healthz" });
    expect(health.statusCode).toBe(200);
    expect(health.json).toEqual({ status: "ok" });
    const openapi = await invoke(platform, { method: "GET", path: "/openapi.json" });
    expect(openapi.statusCode).toBe(200);
    expect(openapi.headers["content-type"]).toBe("application/json");
    expect(openapi.json.openapi).toBe("3.1.0");
    expect(Object.keys(openapi.json.paths)).toContain("/watches/{id}/redeliver");
  });

  it("GET /tasks/297?region=gz answers the normalised documented result", async () => {
    const answer = await invoke(platform, { method: "GET", path: "/tasks/297", query: { region: "gz" }, headers: auth });
    expect(answer.statusCode).toBe(200);
    expect(answer.json).toEqual(DOCUMENTED_297);
  });

  it("POST /watches registers (202, Location), finds the same watch again (200), and delivers once", async () => {
    const before = await stack.countWatches();
    const first = await invoke(platform, postWatch(watchBody(destination())));
    expect(first.statusCode).toBe(202);
    const id: string = first.json.id;
    expect(id).toMatch(/^w_[a-z2-7]{26}$/);
    expect(first.headers.location).toBe(`/watches/${id}`);
    expect(first.json).toMatchObject({
      api: "legacy",
      taskId: 297,
      region: "ap-guangzhou",
      state: "delivered",
      lastResult: DOCUMENTED_297,
    });
    expect(first.json.destination).toEqual({ type: "webhook", url: `${stack.inbox.url}${platform}` });
    expect(first.body).not.toContain("whsec_");
    expect(first.json).not.toHaveProperty("lease");
    expect(await stack.countWatches()).toBe(before + 1);

    const again = await invoke(platform, postWatch(watchBody(destination())));
    expect(again.statusCode).toBe(200);
    expect(again.json.id).toBe(id);
    expect(again.headers.location).toBe(`/watches/${id}`);
    expect(await stack.countWatches()).toBe(before + 1);

    const received = stack.inbox.received().filter((d) => (d.event as any).data.watchId === id);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ verified: true, type: "com.tencentcloud.vpc.nettask.succeeded" });
    expect((received[0]!.event as any).data).toMatchObject({
      api: "legacy",
      taskId: 297,
      region: "ap-guangzhou",
      status: "succeeded",
      data: DOCUMENTED_297.data,
    });

    const shown = await invoke(platform, { method: "GET", path: first.headers.location!, headers: auth });
    expect(shown.statusCode).toBe(200);
    expect(shown.json).toEqual(again.json);

    const redelivered = await invoke(platform, { method: "POST", path: `/watches/${id}/redeliver`, headers: auth });
    expect(redelivered.statusCode).toBe(202);
    expect(redelivered.json.state).toBe("delivered");
    const copies = stack.inbox.received().filter((d) => (d.event as any).data.watchId === id);
    expect(copies).toHaveLength(2);
    expect(copies[1]!.id).toBe(copies[0]!.id);

    // Cancelling a finished watch leaves it as it is.
    const cancelled = await invoke(platform, { method: "DELETE", path: `/watches/${id}`, headers: auth });
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json.state).toBe("delivered");
  });

  it("a running task: redeliver is a 409, DELETE cancels, GET shows it cancelled", async () => {
    const { taskId } = stack.emulator.createTask({ region: "sh", durationMs: 3_600_000 });
    const created = await invoke(platform, {
      method: "POST",
      path: "/watches",
      headers: jsonHeaders,
      body: JSON.stringify({
        taskId,
        region: "sh",
        destination: { type: "cmq", queue: `results-${platform}`, region: "sh" },
        deadlineSeconds: 600,
      }),
    });
    expect(created.statusCode).toBe(202);
    expect(created.json).toMatchObject({ taskId, state: "pending", polls: 1, lastResult: { status: "running", code: 2 } });
    const id = created.json.id;

    const early = await invoke(platform, { method: "POST", path: `/watches/${id}/redeliver`, headers: auth });
    expect(early.statusCode).toBe(409);
    expect(early.headers["content-type"]).toBe("application/problem+json");

    const cancelled = await invoke(platform, { method: "DELETE", path: `/watches/${id}`, headers: auth });
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json.state).toBe("cancelled");
    expect((await invoke(platform, { method: "GET", path: `/watches/${id}`, headers: auth })).json.state).toBe("cancelled");
  });

  it("logs one access line per request with the platform request id as correlation_id, answered or refused", async () => {
    const refused = await invoke(
      platform,
      { method: "GET", path: "/tasks/297", query: { region: "gz" }, headers: { Authorization: "Bearer wrong-token" } },
      contextFor(platform, 30_000, `rid-${platform}`),
    );
    expect(refused.statusCode).toBe(401);
    expect(refused.logs).toEqual([
      expect.objectContaining({
        message: "http request",
        correlation_id: `rid-${platform}`,
        status: 401,
        method: "GET",
        path: "/tasks/297",
      }),
    ]);
    expect(JSON.stringify(refused.logs)).not.toContain("wrong-token");
    const answered = await invoke(
      platform,
      { method: "GET", path: "/tasks/297", query: { region: "gz" }, headers: auth },
      contextFor(platform, 30_000, `ok-${platform}`),
    );
    expect(answered.statusCode).toBe(200);
    expect(answered.logs).toEqual([
      expect.objectContaining({
        level: "info",
        message: "http request",
        correlation_id: `ok-${platform}`,
        status: 200,
        method: "GET",
        path: "/tasks/297",
        duration_ms: expect.any(Number),
      }),
    ]);
  });
});

describe("thrown errors: one answer, one access line", () => {
  it("answers 504 problem+json when the function's time runs out, and logs it once", async () => {
    stack.emulator.injectFault({ kind: "delay", delayMs: 2_000, count: 1 });
    const started = Date.now();
    const { logs, result } = await captureLogs(async () => {
      const answer = await handler(
        httpEvent("scf-function-url", { method: "GET", path: "/tasks/297", query: { region: "gz" }, headers: auth }),
        scfContext(800, "out-of-time"),
      );
      // The abandoned request ends meanwhile (its upstream call aborted): it must not answer or log again.
      await new Promise((r) => setTimeout(r, 300));
      return answer;
    });
    expect(result!.statusCode).toBe(504);
    expect(result!.headers["content-type"]).toBe("application/problem+json");
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(logs).toEqual([
      expect.objectContaining({ level: "warn", message: "upstream problem", status: 504, correlation_id: "out-of-time" }),
      expect.objectContaining({ level: "info", message: "http request", status: 504, correlation_id: "out-of-time", path: "/tasks/297" }),
    ]);
    stack.emulator.clearFaults();
  });

  it("answers 400 problem+json to an event that is not an HTTP request", async () => {
    const answer = await invoke("scf-function-url", fixture("scf-timer"), scfContext(30_000, "timer-on-http"));
    expect(answer.statusCode).toBe(400);
    expect(answer.json.errors).toEqual([{ field: "event", rule: "httpEvent", message: "must be an HTTP trigger event" }]);
    expect(answer.logs).toEqual([expect.objectContaining({ message: "http request", correlation_id: "timer-on-http", status: 400 })]);
  });

  it("answers an unexpected error 500 quoting the correlation id, logged once with its stack, and one access line", async () => {
    const broken = createHttpHandler({ ...runtime, tasks: async () => Promise.reject(new TypeError("reader is not a function")) });
    const answer = await invoke(
      "aws-http-api-v2",
      { method: "GET", path: "/tasks/297", query: { region: "gz" }, headers: auth },
      contextFor("aws-http-api-v2", 30_000, "boom-1"),
      broken,
    );
    expect(answer.statusCode).toBe(500);
    expect(answer.json).toMatchObject({ type: "/problems/internal", detail: expect.stringContaining("boom-1") });
    expect(answer.body).not.toContain("reader is not a function");
    expect(answer.logs).toEqual([
      expect.objectContaining({
        level: "error",
        message: "unexpected error",
        correlation_id: "boom-1",
        error: expect.objectContaining({ message: "reader is not a function" }),
      }),
      expect.objectContaining({ level: "info", message: "http request", status: 500, correlation_id: "boom-1" }),
    ]);
  });

  it("answers upstream failures with their problem, the failure and the access line each logged once", async () => {
    stack.emulator.injectFault({ kind: "code", code: 4104, count: 1 });
    const answer = await invoke(
      "aws-rest-v1",
      { method: "GET", path: "/tasks/297", query: { region: "gz" }, headers: auth },
      contextFor("aws-rest-v1", 30_000, "refused-1"),
    );
    expect(answer.statusCode).toBe(502);
    expect(answer.logs).toEqual([
      expect.objectContaining({ level: "warn", message: "upstream problem", status: 502, correlation_id: "refused-1" }),
      expect.objectContaining({ level: "info", message: "http request", status: 502, correlation_id: "refused-1" }),
    ]);
  });
});
