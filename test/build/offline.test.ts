/**
 * `npm run offline` (serverless-offline on serverless.yml's stage `local`) as README.md's "Run
 * the AWS functions locally" describes it: free ports, every setting from the environment,
 * the emulator as the upstream, a Redis store under a random prefix, a webhook inbox that
 * verifies signatures. HOME is empty and every proxy points at a closed port, so the
 * framework cannot reach the network.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ROOT } from "../../scripts/build";
import { DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, startEmulator, type Emulator } from "../../scripts/emulator/index";
import { startInbox, type Inbox } from "../../scripts/inbox";
import { freePorts } from "../support/free-port";
import { deleteRedisKeys } from "../support/redis";
import { DOCUMENTED_297, WEBHOOK_SECRET } from "../support/stack";

const TOKEN = `offline-${randomUUID()}`;
const prefix = `test:offline:${randomUUID()}:`;
let emulator: Emulator;
let inbox: Inbox;
let child: ChildProcess;
let output = "";
let api = "";
let home = "";

beforeAll(async () => {
  emulator = await startEmulator();
  inbox = await startInbox({ secret: WEBHOOK_SECRET, log: () => undefined });
  home = mkdtempSync(join(tmpdir(), "nettask-offline-home-"));
  const [http, lambda, websocket, alb] = await freePorts(4);
  expect([http, lambda, websocket, alb]).not.toContain(3000);
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(AWS_|SLS_|SERVERLESS_|TENCENTCLOUD_|NETTASK_|API_TOKEN$|STORE_URL$)/.test(name)),
  );
  const closed = "http://127.0.0.1:9";
  child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "scripts/offline.ts",
      "--httpPort",
      String(http),
      "--lambdaPort",
      String(lambda),
      "--websocketPort",
      String(websocket),
      "--albPort",
      String(alb),
    ],
    {
      cwd: ROOT,
      env: {
        ...inherited,
        HOME: home,
        HTTP_PROXY: closed,
        HTTPS_PROXY: closed,
        http_proxy: closed,
        https_proxy: closed,
        API_TOKEN: TOKEN,
        STORE_URL: `redis://127.0.0.1:6379/0?prefix=${encodeURIComponent(prefix)}`,
        NETTASK_ENDPOINT: emulator.endpoint,
        CMQ_ENDPOINT: emulator.cmqEndpoint,
        TENCENTCLOUD_SECRET_ID: DEFAULT_SECRET_ID,
        TENCENTCLOUD_SECRET_KEY: DEFAULT_SECRET_KEY,
        WEBHOOK_ALLOW: "127.0.0.1/32",
        POLL_MIN_DELAY_MS: "200",
        POLL_MAX_DELAY_MS: "500",
        // The schedule with seconds that serverless-offline accepts, so the test need not wait a minute.
        OFFLINE_POLL_SCHEDULE: "cron(*/2 * * * * ? *)",
        LOG_LEVEL: "warn",
      },
    },
  );
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk));
  const deadline = Date.now() + 90_000;
  while (!/Server ready: http:\/\/127\.0\.0\.1:\d+/.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`serverless offline did not start:\n${output}`);
    await sleep(100);
  }
  api = `http://127.0.0.1:${http}`;
}, 120_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((done) => child.once("exit", done));
    child.kill("SIGINT");
    await Promise.race([exited, sleep(10_000).then(() => child.kill("SIGKILL"))]);
  }
  await deleteRedisKeys("redis://127.0.0.1:6379/0", prefix);
  await Promise.all([emulator?.close(), inbox?.close()]);
  if (home) rmSync(home, { recursive: true, force: true });
});

const call = (path: string, init: RequestInit & { token?: string } = {}) =>
  fetch(`${api}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${init.token ?? TOKEN}`, "content-type": "application/json", ...init.headers },
  });

it("serves /healthz and GET /tasks/297 with the settings of the environment, and refuses a wrong token", async () => {
  const health = await fetch(`${api}/healthz`);
  expect(health.status, output).toBe(200);
  expect(await health.json()).toEqual({ status: "ok" });
  const task = await call("/tasks/297?region=gz");
  expect(task.status, output).toBe(200);
  expect(await task.json()).toEqual(DOCUMENTED_297);
  const refused = await call("/tasks/297?region=gz", { token: "not-the-token" });
  expect(refused.status).toBe(401);
  expect(refused.headers.get("content-type")).toBe("application/problem+json");
});

it("registers a watch with 202, and the scheduled poll delivers it when the task finishes", async () => {
  const running = emulator.createTask({ region: "gz", durationMs: 1_500 });
  const response = await call("/watches", {
    method: "POST",
    body: JSON.stringify({
      taskId: running.taskId,
      region: "gz",
      destination: { type: "webhook", url: inbox.url, secret: WEBHOOK_SECRET },
    }),
  });
  expect(response.status, output).toBe(202);
  expect(await response.json()).toMatchObject({ taskId: running.taskId, state: "pending" });
  const deadline = Date.now() + 20_000;
  while (inbox.received().length === 0 && Date.now() < deadline) await sleep(200);
  expect(inbox.received(), output).toEqual([expect.objectContaining({ verified: true, type: "com.tencentcloud.vpc.nettask.succeeded" })]);
  expect(output).toMatch(/Successfully invoked scheduled function: \[poll\]/);
}, 30_000);
