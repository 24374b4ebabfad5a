/**
 * Deployments that cannot serve: a malformed setting, a store that is unreachable, hangs or
 * goes away after a warm start, a STORE_URL that cannot work. The HTTP function answers 503
 * problem+json naming the variable or the part (never its value) on /healthz within 2 s and
 * on every API route; the timer function fails the invocation loudly. Each case builds the
 * functions afresh (a cold start) on a runtime of its own settings.
 */
import { randomUUID } from "node:crypto";
import { connect, createServer, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpHandler } from "../../functions/http";
import { createPollHandler } from "../../functions/poll";
import { loadConfig } from "../../lib/config";
import { createRuntime } from "../../lib/runtime";
import { freePort } from "../support/free-port";
import { deleteRedisKeys } from "../support/redis";
import { API_TOKEN, startStack, type Stack } from "../support/stack";
import { captureLogs } from "../support/capture-logs";
import { fixture, httpEvent, lambdaContext, scfContext } from "../support/events";

type Handler = (event: unknown, context: unknown) => Promise<any>;
type ColdStart = { http: Handler; poll: Handler; restore: () => Promise<void> };

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ LOG_LEVEL: "info" }, { processEnv: false });
});

afterAll(async () => {
  await stack?.close();
  await deleteRedisKeys("redis://127.0.0.1:6379/0", prefix);
});

/** The functions as a cold start with `env` over the stack's settings would make them. */
async function coldStart(env: Record<string, string>): Promise<ColdStart> {
  const runtime = createRuntime(() => loadConfig({ ...stack.env, ...env }));
  // The warm relay of this "container", if it starts: its store connections end here.
  const restore = () =>
    runtime.relay().then(
      (relay) => relay.close(),
      () => undefined,
    );
  return { http: createHttpHandler(runtime), poll: createPollHandler(runtime), restore };
}

const auth = { authorization: `Bearer ${API_TOKEN}` };
const healthz = () => httpEvent("scf-function-url", { method: "GET", path: "/healthz" });
const task297 = () => httpEvent("aws-http-api-v2", { method: "GET", path: "/tasks/297", query: { region: "gz" }, headers: auth });
const listing = () => httpEvent("scf-api-gateway", { method: "GET", path: "/watches", query: { state: "failed" }, headers: auth });

/** Invokes and times one request; the answer parsed. */
async function invoke(handler: Handler, event: unknown, requestId = "broken-1") {
  const started = performance.now();
  const { result, logs } = await captureLogs(() => handler(event, lambdaContext(10_000, requestId)));
  return {
    status: result.statusCode as number,
    headers: result.headers as Record<string, string>,
    body: result.body as string,
    json: JSON.parse(result.body),
    ms: performance.now() - started,
    logs,
  };
}

/** A 503 problem naming `variable` with the rule `configuration`. */
function expectCannotServe(answer: Awaited<ReturnType<typeof invoke>>, variable: string): void {
  expect(answer.status, answer.body).toBe(503);
  expect(answer.headers["content-type"]).toBe("application/problem+json");
  expect(answer.json).toMatchObject({ status: 503, type: "/problems/unavailable", title: "Service unavailable" });
  expect(answer.json.detail).toContain(variable);
  expect(answer.json.errors).toEqual([expect.objectContaining({ field: variable, rule: "configuration" })]);
  expect(answer.body).not.toMatch(/\.ts:|at Object\./);
}

/** A loopback server that accepts connections and never answers (a hung Redis). */
async function silentServer(): Promise<{ port: number; stop: () => Promise<void> }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  const stop = () =>
    new Promise<void>((done) => {
      server.close(() => done());
      for (const s of sockets) s.destroy();
    });
  return { port: (server.address() as { port: number }).port, stop };
}

/** A TCP proxy to the local Redis that can be cut, as a network partition would. */
async function cuttableRedis(): Promise<{ port: number; cut: () => Promise<void> }> {
  const sockets: Socket[] = [];
  const server = createServer((client) => {
    const upstream = connect(6379, "127.0.0.1");
    client.pipe(upstream).pipe(client);
    for (const s of [client, upstream]) {
      sockets.push(s);
      s.on("error", () => undefined);
    }
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  return {
    port: (server.address() as { port: number }).port,
    cut: async () => {
      await new Promise<void>((done) => {
        server.close(() => done());
        for (const s of sockets) s.destroy();
      });
    },
  };
}

const prefix = `test:broken:${randomUUID()}:`;
const redisUrl = (port: number, password = "") => `redis://${password ? `:${password}@` : ""}127.0.0.1:${port}/0?prefix=${prefix}`;

describe("a malformed setting", () => {
  it("makes /healthz and an API route answer 503 naming the variable, never its value", async () => {
    const { http, restore } = await coldStart({ POLL_RATE_LIMIT: "fast-please" });
    try {
      for (const event of [healthz(), task297(), listing()]) {
        const answer = await invoke(http, event);
        expectCannotServe(answer, "POLL_RATE_LIMIT");
        expect(answer.json.errors[0].message).toBe("must be a whole number");
        expect(answer.body).not.toContain("fast-please");
      }
      // The logs say the whole story, with the correlation id.
      const { logs } = await invoke(http, task297(), "broken-config");
      expect(logs).toContainEqual(expect.objectContaining({ level: "error", message: "cannot serve", correlation_id: "broken-config" }));
    } finally {
      await restore();
    }
  });
});

describe("the store", () => {
  it("unreachable: /healthz answers 503 naming STORE_URL within 2 s, and so does an API route, with no host or password", async () => {
    const port = await freePort();
    const { http, restore } = await coldStart({ STORE_URL: redisUrl(port, "store-pass-31") });
    try {
      const health = await invoke(http, healthz());
      expectCannotServe(health, "STORE_URL");
      expect(health.ms).toBeLessThan(2_000);
      expect(health.json.errors[0].message).toBe("cannot connect to the Redis store (ECONNREFUSED)");
      const route = await invoke(http, listing());
      expectCannotServe(route, "STORE_URL");
      for (const body of [health.body, route.body]) expect(body).not.toMatch(new RegExp(`store-pass-31|${port}|127\\.0\\.0\\.1`));
      expect(JSON.stringify(route.logs)).not.toContain("store-pass-31");
    } finally {
      await restore();
    }
  });

  it("hanging: /healthz gives up within 2 s with 503 naming STORE_URL", async () => {
    const hung = await silentServer();
    const { http, restore } = await coldStart({ STORE_URL: redisUrl(hung.port) });
    try {
      const health = await invoke(http, healthz());
      expectCannotServe(health, "STORE_URL");
      expect(health.json.errors[0].message).toMatch(/^the store did not answer within \d+ ms$/);
      expect(health.ms).toBeLessThan(2_000);
    } finally {
      await hung.stop();
      await restore();
    }
  });

  it("gone after a warm start: /healthz turns 503 within 2 s, and API routes answer 503 instead of 500", async () => {
    const redis = await cuttableRedis();
    const { http, restore } = await coldStart({ STORE_URL: redisUrl(redis.port) });
    try {
      expect((await invoke(http, healthz())).status).toBe(200);
      expect((await invoke(http, listing())).status).toBe(200);
      await redis.cut();
      const health = await invoke(http, healthz());
      expectCannotServe(health, "STORE_URL");
      expect(health.ms).toBeLessThan(2_000);
      expectCannotServe(await invoke(http, listing()), "STORE_URL");
    } finally {
      await restore();
    }
  });

  it("a STORE_URL that cannot work: 503 naming it, not its host or password", async () => {
    const { http, poll, restore } = await coldStart({ STORE_URL: "mysql://relay:db-password-7@db.internal:3306/nettask" });
    try {
      for (const event of [healthz(), task297()]) {
        const answer = await invoke(http, event);
        expectCannotServe(answer, "STORE_URL");
        expect(answer.body).not.toMatch(/db-password|db\.internal/);
      }
      // The timer function fails the invocation, logged with its correlation id.
      const { error, logs } = await captureLogs(() => poll(fixture("scf-timer"), scfContext(5_000, "broken-timer")));
      expect((error as Error).message).toMatch(/STORE_URL/);
      expect(logs).toEqual([
        expect.objectContaining({ level: "error", message: "poll failed", correlation_id: "broken-timer", trigger: "scf-timer" }),
      ]);
      expect(JSON.stringify(logs)).not.toContain("db-password-7");
    } finally {
      await restore();
    }
  });

  it("SQLite under a temporary directory on SCF: 503 with the resolved path and why", async () => {
    const { http, restore } = await coldStart({ STORE_URL: "sqlite:/tmp/../tmp/nettask/watches.db", TENCENTCLOUD_RUNENV: "SCF" });
    try {
      const answer = await invoke(http, healthz());
      expectCannotServe(answer, "STORE_URL");
      expect(answer.json.detail).toContain(
        "/tmp/nettask/watches.db (under the temporary directory /tmp), which does not survive the instance on scf",
      );
    } finally {
      await restore();
    }
  });
});

it("a healthy stack answers 200 on /healthz and the API", async () => {
  const { http, restore } = await coldStart({});
  try {
    expect(await invoke(http, healthz())).toMatchObject({ status: 200, json: { status: "ok" } });
    expect((await invoke(http, task297())).status).toBe(200);
    expect(await invoke(http, listing())).toMatchObject({ status: 200, json: { data: [], next: null } });
  } finally {
    await restore();
  }
});
