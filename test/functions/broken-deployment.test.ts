/**
 * A deployment whose store cannot be opened: the HTTP function answers the routes that need it
 * with 500 problem+json with nothing but the correlation id (details only in the logs),
 * /healthz and GET /tasks still answer, and the timer function fails the invocation loudly.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { handler as httpHandler } from "../../functions/http";
import { handler as pollHandler } from "../../functions/poll";
import { API_TOKEN, startStack, type Stack } from "../http/stack";
import { captureLogs } from "./capture-logs";
import { fixture, httpEvent, lambdaContext, scfContext } from "./events";

let stack: Stack;
const STORE_URL = "mysql://relay:db-password-7@db.internal:3306/nettask";

beforeAll(async () => {
  stack = await startStack({ STORE_URL, LOG_LEVEL: "info" });
});

afterAll(async () => {
  await stack?.close();
});

it("HTTP: 500 problem with the correlation id and no internals; the cause is logged", async () => {
  const event = httpEvent("aws-http-api-v2", { method: "GET", path: "/watches/w_aaaaaaaaaaaaaaaaaaaaaaaaaa", headers: { authorization: `Bearer ${API_TOKEN}` } });
  const { result, logs } = await captureLogs(() => httpHandler(event, lambdaContext(10_000, "broken-1") as never));
  expect(result!.statusCode).toBe(500);
  expect(result!.headers["content-type"]).toBe("application/problem+json");
  const problem = JSON.parse(result!.body);
  expect(problem).toMatchObject({ status: 500, type: "https://nettask-relay.dev/problems/internal" });
  expect(problem.detail).toContain("broken-1");
  expect(result!.body).not.toMatch(/mysql|STORE_URL|db-password|\.ts:/);
  const errors = logs.filter((l) => l.level === "error");
  expect(errors).toEqual([expect.objectContaining({ correlation_id: "broken-1", message: "unexpected error" })]);
  expect(JSON.stringify(errors[0])).toContain("STORE_URL");
  expect(JSON.stringify(logs)).not.toContain("db-password-7");
  expect(logs.filter((l) => l.message === "http request")).toEqual([expect.objectContaining({ correlation_id: "broken-1", status: 500 })]);
});

it("HTTP: /healthz, bad input and reading a task do not need the store", async () => {
  const task = await captureLogs(() =>
    httpHandler(httpEvent("scf-function-url", { method: "GET", path: "/tasks/297", query: { region: "gz" }, headers: { authorization: `Bearer ${API_TOKEN}` } }), scfContext() as never),
  );
  expect(task.result!.statusCode).toBe(200);
  const health = await captureLogs(() => httpHandler(httpEvent("scf-function-url", { method: "GET", path: "/healthz" }), scfContext() as never));
  expect(health.result!.statusCode).toBe(200);
  const bad = await captureLogs(() =>
    httpHandler(httpEvent("scf-api-gateway", { method: "GET", path: "/tasks/x", query: { region: "gz" }, headers: { Authorization: `Bearer ${API_TOKEN}` } }), scfContext() as never),
  );
  expect(bad.result!.statusCode).toBe(422);
});

it("timer: the invocation fails, logged with the correlation id", async () => {
  const { error, logs } = await captureLogs(() => pollHandler(fixture("scf-timer"), scfContext(5_000, "broken-timer")));
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).message).toMatch(/STORE_URL/);
  expect(logs).toEqual([expect.objectContaining({ level: "error", message: "poll failed", correlation_id: "broken-timer", trigger: "scf-timer" })]);
  expect(JSON.stringify(logs)).not.toContain("db-password-7");
});
