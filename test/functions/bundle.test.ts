/**
 * The shipped artefacts: each function bundled as scripts/build.ts bundles it, loaded by plain
 * Node (CommonJS, no test-runner module interop) in a child process, and invoked under both
 * exported names with the platform event fixtures.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { build } from "../../scripts/build";
import { API_TOKEN, DOCUMENTED_297, startStack, type Stack } from "../http/stack";
import { fixture, httpEvent } from "./events";

let stack: Stack;
let outDir: string;

beforeAll(async () => {
  stack = await startStack({ LOG_LEVEL: "error" });
  outDir = mkdtempSync(join(tmpdir(), "nettask-bundle-"));
  await build(outDir);
}, 120_000);

afterAll(async () => {
  await stack?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

/** Runs `invocations` against dist/<fn>/index.js in a fresh node process; returns each result. */
async function runBundle(fn: "http" | "poll", invocations: { name: "handler" | "main_handler"; event: unknown }[]): Promise<any[]> {
  const script = `
    const fn = require(${JSON.stringify(join(outDir, fn, "index.js"))});
    const context = (i) => ({ request_id: "bundle-" + i, getRemainingTimeInMillis: () => 5000 });
    (async () => {
      const results = [];
      for (const [i, { name, event }] of ${JSON.stringify(invocations)}.entries()) results.push(await fn[name](event, context(i)));
      process.stdout.write("\\n" + JSON.stringify(results));
      process.exit(0);
    })().catch((e) => { console.error(e); process.exit(1); });`;
  // better-sqlite3 stays outside the bundle (native); the repo's node_modules provides it.
  const env = { ...process.env, ...stack.env, NODE_PATH: join(process.cwd(), "node_modules") };
  const { stdout } = await promisify(execFile)(process.execPath, ["-e", script], { env, timeout: 60_000 });
  return JSON.parse(stdout.trim().split("\n").pop()!);
}

it("the http bundle answers every kind of request under both names", async () => {
  const auth = { authorization: `Bearer ${API_TOKEN}` };
  const [health, task, refused, openapi] = await runBundle("http", [
    { name: "main_handler", event: httpEvent("scf-function-url", { method: "GET", path: "/healthz" }) },
    { name: "main_handler", event: httpEvent("scf-api-gateway", { method: "GET", path: "/tasks/297", query: { region: "gz" }, headers: auth }) },
    { name: "handler", event: httpEvent("aws-http-api-v2", { method: "GET", path: "/tasks/x", query: { region: "gz" }, headers: auth }) },
    { name: "handler", event: httpEvent("aws-rest-v1", { method: "GET", path: "/openapi.json" }) },
  ]);
  expect(health).toMatchObject({ statusCode: 200, isBase64Encoded: false });
  expect(task.statusCode).toBe(200);
  expect(JSON.parse(task.body)).toEqual(DOCUMENTED_297);
  expect(refused.statusCode).toBe(422);
  expect(JSON.parse(refused.body).errors).toContainEqual({ field: "taskId", rule: "type", message: "must be integer" });
  expect(JSON.parse(openapi.body).openapi).toBe("3.1.0");
});

it("the poll bundle runs a timer invocation under both names", async () => {
  const message = JSON.stringify({ watches: [{ taskId: 297, region: "gz", destination: { type: "cmq", queue: "bundle-results", region: "gz" } }] });
  const [scf, aws] = await runBundle("poll", [
    { name: "main_handler", event: { ...fixture("scf-timer"), Message: message } },
    { name: "handler", event: fixture("aws-eventbridge-schedule") },
  ]);
  expect(scf).toMatchObject({ registered: 1, problems: [] });
  expect(aws).toMatchObject({ registered: 0, problems: [] });
  expect(stack.emulator.cmqMessages("bundle-results")).toHaveLength(1);
});
