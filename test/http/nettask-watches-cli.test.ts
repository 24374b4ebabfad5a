/**
 * `nettask watches` and `nettask redeliver` (scripts/nettask.ts) in a child process, against
 * the HTTP function served the way `npm start` serves it (SCF Function URL events on
 * loopback), with a SQLite store and a verifying webhook inbox.
 */
import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main_handler } from "../../functions/http";
import { buildEvent } from "../../lib/delivery/event";
import type { Destination, Watch } from "../../lib/schemas/index";
import { newWatch } from "../../lib/watches/model";
import { SqliteWatchStore } from "../../lib/watches/sqlite-store";
import { runtime } from "../../lib/runtime";
import { ROOT } from "../../scripts/build";
import { serveFunctionUrl, type FunctionUrlServer } from "../../scripts/local/function-url-server";
import type { ScfHandler } from "../../scripts/local/scf";
import { T0 } from "../watches/fixtures";
import { API_TOKEN, startStack, WEBHOOK_SECRET, type Stack } from "../support/stack";

let stack: Stack;
let api: FunctionUrlServer;
let store: SqliteWatchStore;
const failed: Watch[] = [];

/** A dead letter: task `n` finished, its event kept, every attempt failed. */
function deadLetter(n: number, destination: Destination): Watch {
  const watch = newWatch({ task: { api: "legacy", taskId: n, region: "gz" }, destination }, T0 + n, 86_400);
  const finished = {
    ...watch,
    lastResult: { api: "legacy", taskId: n, region: "gz", status: "succeeded", code: 0, output: { code: 0, message: "" }, data: null },
  } as Watch;
  const event = buildEvent(finished, "com.tencentcloud.vpc.nettask.succeeded", T0 + n, "urn:nettask-relay");
  return {
    ...finished,
    state: "failed",
    dueAt: null,
    event,
    delivery: {
      attempts: [{ at: event.time, ok: false, status: 503, error: "HTTP 503" }],
      attemptCount: 1,
      roundAttempts: 1,
      disabled: false,
    },
  };
}

beforeAll(async () => {
  stack = await startStack();
  api = await serveFunctionUrl({
    handler: main_handler as unknown as ScfHandler,
    functionName: "http",
    timeLimitMs: 30_000,
    port: 0,
    onError: () => undefined,
  });
  store = new SqliteWatchStore(stack.env.STORE_URL!.slice("sqlite:".length));
  for (let n = 1; n <= 5; n++) {
    const watch = deadLetter(n, { type: "webhook", url: stack.inbox.url, secret: WEBHOOK_SECRET });
    await store.insert(watch);
    failed.push(watch);
  }
  await store.insert(
    newWatch({ task: { api: "legacy", taskId: 6, region: "gz" }, destination: { type: "cmq", queue: "pending-one" } }, T0 + 6, 86_400),
  );
});

afterAll(async () => {
  await store?.close();
  await (await runtime.relay()).close();
  await api?.close();
  await stack?.close();
});

function nettask(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(TENCENTCLOUD_|NETTASK_|API_TOKEN$)/.test(name)));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "scripts/nettask.ts", ...args],
      { cwd: ROOT, timeout: 60_000, env: { ...inherited, API_TOKEN, ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? -1) : 0, stdout, stderr }),
    );
  });
}

const newestFailedIds = () => [...failed].reverse().map((w) => w.id);

describe("nettask watches", () => {
  it("lists the dead letters newest first from NETTASK_API_URL, one line each, without secrets", async () => {
    const run = await nettask(["watches", "--state", "failed"], { NETTASK_API_URL: api.url });
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines.map((line) => line.split("  ")[0])).toEqual(newestFailedIds());
    expect(lines[0]).toMatch(/^w_\S+ {2}failed {6}task 5 gz {2}\S+Z {2}webhook http:\/\/127\.0\.0\.1:\d+\/ {2}last attempt: HTTP 503$/);
    expect(run.stdout).not.toContain("whsec_");
  });

  it("takes --api-url, follows the pages up to --limit, and prints JSON lines with --json", async () => {
    const run = await nettask(["watches", "--limit", "2", "--json", "--api-url", api.url]);
    expect(run.code, run.stderr).toBe(0);
    const watches = run.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(watches.map((w) => w.taskId)).toEqual([6, 5]);
    expect(watches[1]).not.toHaveProperty("destination.secret");
    expect(run.stderr).toBe("nettask: 2 shown; more match (raise --limit)\n");
    const all = await nettask(["watches", "--limit", "150", "--destination-type", "webhook", "--api-url", api.url]);
    expect(all.stdout.trim().split("\n")).toHaveLength(5);
    const one = await nettask(["watches", "--task-id", "3", "--api-url", api.url]);
    expect(one.stdout.split("  ")[0]).toBe(failed[2]!.id);
  });

  it("exits 3 naming what is wrong: a bad filter, a wrong token, no API", async () => {
    const bad = await nettask(["watches", "--state", "dead", "--api-url", api.url]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(
      /^nettask: GET watches\?state=dead&limit=50: 422 Invalid query\. \(state must be one of: "pending", .*\)\n$/,
    );
    const token = await nettask(["watches", "--api-url", api.url], { API_TOKEN: "wrong-token" });
    expect(token.code).toBe(3);
    expect(token.stderr).toMatch(/401 The bearer token is not valid\./);
    expect(token.stderr).not.toContain("wrong-token");
    const none = await nettask(["watches"]);
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/pass --api-url or set NETTASK_API_URL/);
  });
});

describe("nettask redeliver", () => {
  it("sends a dead letter's event again and says how it went", async () => {
    const letter = failed[0]!;
    const run = await nettask(["redeliver", letter.id, "--api-url", api.url]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`${letter.id}  delivered  webhook ${stack.inbox.url}  delivered (204)\n`);
    expect(stack.inbox.received()).toEqual([expect.objectContaining({ id: letter.event!.id, verified: true })]);
  });

  it("exits 3 for a watch that does not exist or has no outcome yet", async () => {
    const missing = await nettask(["redeliver", "w_aaaaaaaaaaaaaaaaaaaaaaaaaa", "--api-url", api.url]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/404 No watch w_a+\./);
    const pending = await nettask(["watches", "--task-id", "6", "--json", "--api-url", api.url]);
    const run = await nettask(["redeliver", JSON.parse(pending.stdout).id, "--api-url", api.url]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/409 .*no outcome to deliver yet/);
  });
});
