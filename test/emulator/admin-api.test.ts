import { randomUUID } from "node:crypto";
import { Client as TdmqClient } from "tencentcloud-sdk-nodejs/tencentcloud/services/tdmq/v20200217/tdmq_client.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, startEmulator, type Emulator } from "../../scripts/emulator/index";
import { callLegacy } from "../support/legacy-client";

describe("admin HTTP API", () => {
  let emulator: Emulator;
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${emulator.url}${path}`, {
      method,
      ...(body !== undefined && {
        headers: { "content-type": "application/json" },
        body: typeof body === "string" ? body : JSON.stringify(body),
      }),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };

  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.close());
  beforeEach(() => emulator.reset());

  it("creates tasks: POST /admin/tasks answers 201 with the id and region", async () => {
    const created = await admin("POST", "/admin/tasks", { region: "sh", durationMs: 60_000, runningData: { total: 0 } });
    expect(created).toEqual({ status: 201, json: { api: "legacy", taskId: 1000, region: "sh" } });
    const answer = await callLegacy(emulator, { params: { Region: "sh", taskId: "1000" } });
    expect(answer.body.data).toEqual({ status: 2, output: { code: 0, message: "" }, data: { total: 0 } });
  });

  it("injects and clears faults: POST and DELETE /admin/faults answer 204", async () => {
    expect((await admin("POST", "/admin/faults", { kind: "code", code: 9005, count: 1 })).status).toBe(204);
    expect((await callLegacy(emulator)).body.code).toBe(9005);
    expect((await admin("POST", "/admin/faults", { kind: "http", status: 503 })).status).toBe(204);
    expect((await callLegacy(emulator)).status).toBe(503);
    expect((await admin("DELETE", "/admin/faults")).status).toBe(204);
    expect((await callLegacy(emulator)).body.code).toBe(0);
  });

  it("lists legacy requests: GET /admin/requests", async () => {
    await callLegacy(emulator, { params: { taskId: "5" } });
    const { status, json } = await admin("GET", "/admin/requests");
    expect(status).toBe(200);
    expect(json).toEqual([expect.objectContaining({ action: "DescribeNetTaskResult", taskId: "5", region: "gz", code: 29258 })]);
  });

  it("lists CMQ messages: GET /admin/cmq/messages?queue=q", async () => {
    const queue = `admin-${randomUUID().slice(0, 8)}`;
    const client = new TdmqClient({
      credential: { secretId: DEFAULT_SECRET_ID, secretKey: DEFAULT_SECRET_KEY },
      region: "ap-guangzhou",
      profile: { httpProfile: { endpoint: emulator.cmqEndpoint.replace("http://", ""), protocol: "http://" } },
    });
    await client.SendCmqMsg({ QueueName: queue, MsgContent: "one", DelaySeconds: 0 });
    await client.SendCmqMsg({ QueueName: `${queue}-other`, MsgContent: "two", DelaySeconds: 0 });
    expect((await admin("GET", `/admin/cmq/messages?queue=${queue}`)).json).toEqual([expect.objectContaining({ queue, body: "one" })]);
    expect((await admin("GET", "/admin/cmq/messages")).json).toHaveLength(2);
  });

  it("resets: POST /admin/reset answers 204 and forgets tasks, faults, requests and messages", async () => {
    await admin("POST", "/admin/tasks", { region: "gz", taskId: 4242 });
    await admin("POST", "/admin/faults", { kind: "code", code: 9005, taskId: 297 });
    await callLegacy(emulator);
    expect((await admin("POST", "/admin/reset")).status).toBe(204);
    expect((await admin("GET", "/admin/requests")).json).toEqual([]);
    expect((await admin("GET", "/admin/cmq/messages")).json).toEqual([]);
    expect((await callLegacy(emulator)).body.code).toBe(0);
    expect((await callLegacy(emulator, { params: { taskId: "4242" } })).body.code).toBe(29258);
  });

  it.each([
    ["a body that is not JSON", "/admin/tasks", "{region:", /not valid JSON/, []],
    ["a task without region", "/admin/tasks", {}, /region is required/, ["region"]],
    ["a task with a mistyped taskId", "/admin/tasks", { region: "gz", taskId: "12" }, /taskId must be integer/, ["taskId"]],
    [
      "a task with an unknown property",
      "/admin/tasks",
      { region: "gz", durationSeconds: 5 },
      /durationSeconds is not an allowed property/,
      ["durationSeconds"],
    ],
    ["a fault of an unknown kind", "/admin/faults", { kind: "meteor" }, /kind must be one of/, ["kind"]],
    ["a code fault without code", "/admin/faults", { kind: "code" }, /code is required/, ["code"]],
    ["a fault with rate above 1", "/admin/faults", { kind: "empty", rate: 1.5 }, /rate must be <= 1/, ["rate"]],
    ["a JSON array", "/admin/faults", [], /must be object/, [""]],
  ])("answers 400 naming the field to %s", async (_what, path, body, message, fields) => {
    const { status, json } = await admin("POST", path, body);
    expect(status).toBe(400);
    expect(json.error).toMatch(message);
    expect((json.errors ?? []).map((e: { field: string }) => e.field)).toEqual(fields);
  });

  it("answers 404 to unknown admin routes and 405 to wrong methods", async () => {
    expect(await admin("GET", "/admin/nothing")).toMatchObject({ status: 404 });
    expect(await admin("GET", "/admin/tasks")).toMatchObject({ status: 405, json: { error: "/admin/tasks accepts POST" } });
    expect(await admin("PUT", "/admin/faults")).toMatchObject({ status: 405, json: { error: "/admin/faults accepts POST, DELETE" } });
  });
});
