import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { check } from "../../lib/schemas/validate";
import { SEED_TASK, startEmulator, type Emulator, type TaskSpec } from "../../scripts/emulator/index";
import { fieldErrors } from "../support/field-errors";
import { callLegacy, manualClock } from "../support/legacy-client";

/**
 * Task 297 in gz as the legacy API answers it: the emulator's seed (SEED_TASK, Tencent's
 * documented example, whose security groups test/emulator/vpc-templates.test.ts checks too) in
 * the envelope of a finished task.
 */
const DOCUMENTED_297 = {
  code: 0,
  message: "",
  codeDesc: "Success",
  data: { status: 0, output: SEED_TASK.output, data: SEED_TASK.data },
};

describe("legacy API: tasks", () => {
  const clock = manualClock();
  let emulator: Emulator;
  const ask = async (taskId: string | undefined, Region = "gz", method: "GET" | "POST" = "POST") =>
    (await callLegacy(emulator, { nowMs: clock.now(), method, params: { taskId, Region } })).body;

  beforeAll(async () => {
    emulator = await startEmulator({ now: clock.now });
  });
  afterAll(() => emulator.close());
  beforeEach(() => emulator.reset());

  it("answers task 297 in gz with Tencent's documented example, over GET and POST", async () => {
    expect(await ask("297", "gz", "GET")).toEqual(DOCUMENTED_297);
    expect(await ask("297", "gz", "POST")).toEqual(DOCUMENTED_297);
  });

  it("answers bodies the project's upstream schema accepts", async () => {
    for (const body of [await ask("297"), await ask("1"), await ask("abc")]) expect(check("legacyResponse", body).ok).toBe(true);
  });

  it.each([
    ["missing", undefined],
    ["0", "0"],
    ["-1", "-1"],
    ["abc", "abc"],
    ["1.5", "1.5"],
    ["2^31", String(2 ** 31)],
    ["empty", ""],
  ])("answers 9003 to a taskId that is %s", async (_what, taskId) => {
    const body = await ask(taskId);
    expect(body).toMatchObject({ code: 9003, message: expect.stringContaining("taskId") });
    expect(body.data).toBeUndefined();
  });

  it("answers 29258 without data to an unknown task, the largest id included", async () => {
    const body = await ask(String(2 ** 31 - 1));
    expect(body).toEqual({ code: 29258, codeDesc: "ResourceNotFound", message: expect.stringContaining(String(2 ** 31 - 1)) });
  });

  it("keeps tasks per region: 297 exists only in gz (also named ap-guangzhou), and one id can mean different tasks", async () => {
    expect((await ask("297", "sh")).code).toBe(29258);
    expect(await ask("297", "ap-guangzhou")).toEqual(DOCUMENTED_297);
    emulator.createTask({ region: "ap-shanghai", taskId: 5001, data: { where: "ap-shanghai" } });
    expect((await ask("5001", "sh")).data.data).toEqual({ where: "ap-shanghai" });
    emulator.createTask({ region: "gz", taskId: 5000, data: { where: "gz" } });
    emulator.createTask({ region: "sh", taskId: 5000, data: { where: "sh" } });
    expect((await ask("5000", "gz")).data.data).toEqual({ where: "gz" });
    expect((await ask("5000", "sh")).data.data).toEqual({ where: "sh" });
    expect((await ask("5000", "bj")).code).toBe(29258);
  });

  it("runs a task for durationMs with runningData, then succeeds with the configured output and data", async () => {
    const { taskId, region } = emulator.createTask({
      region: "sh",
      durationMs: 5_000,
      output: { code: 0, message: "done" },
      data: { total: 1, detail: [{ region: "sh", type: "sg", id: "sg-1", name: "a" }] },
      runningData: { total: 0, detail: [] },
    });
    expect(region).toBe("sh");
    const running = await ask(String(taskId), "sh");
    expect(running).toEqual({
      code: 0,
      message: "",
      codeDesc: "Success",
      data: { status: 2, output: { code: 0, message: "" }, data: { total: 0, detail: [] } },
    });
    clock.advance(4_999);
    expect((await ask(String(taskId), "sh")).data.status).toBe(2);
    clock.advance(1);
    expect((await ask(String(taskId), "sh")).data).toEqual({
      status: 0,
      output: { code: 0, message: "done" },
      data: { total: 1, detail: [{ region: "sh", type: "sg", id: "sg-1", name: "a" }] },
    });
  });

  it.each([29259, 29260, 29258])("finishes a failing task with status 1 and output code %i", async (code) => {
    const { taskId } = emulator.createTask({ region: "gz", durationMs: 1_000, outcome: "failure", output: { code, message: "refused" } });
    expect((await ask(String(taskId))).data).toMatchObject({ status: 2, data: null });
    clock.advance(1_000);
    expect((await ask(String(taskId))).data).toEqual({ status: 1, output: { code, message: "refused" }, data: {} });
  });

  it("numbers new tasks from 1000, skipping ids in use, with success, empty output and {} as defaults", async () => {
    emulator.createTask({ region: "gz", taskId: 1001 });
    expect(emulator.createTask({ region: "gz" })).toEqual({ api: "legacy", taskId: 1000, region: "gz" });
    expect(emulator.createTask({ region: "ap-guangzhou" })).toEqual({ api: "legacy", taskId: 1002, region: "ap-guangzhou" });
    expect((await ask("1002")).data).toEqual({ status: 0, output: { code: 0, message: "" }, data: {} });
    emulator.reset();
    expect(emulator.createTask({ region: "gz" }).taskId).toBe(1000);
  });

  it("keeps its own copy of a task spec", async () => {
    const data = { total: 1 };
    const { taskId } = emulator.createTask({ region: "gz", data });
    data.total = 99;
    expect((await ask(String(taskId))).data.data).toEqual({ total: 1 });
  });

  it("refuses bad task specs with a ValidationError naming each field", () => {
    const fields = (spec: unknown) => fieldErrors(() => emulator.createTask(spec as TaskSpec)).map((e) => e.field);
    expect(fields({})).toEqual(["region"]);
    expect(fields({ region: "moon" })).toEqual(["region"]);
    expect(fields({ region: "gz", taskId: 0, durationMs: -1 })).toEqual(["taskId", "durationMs"]);
    expect(fields({ region: "gz", outcome: "maybe", output: { code: 1 } })).toEqual(["outcome", "output.message"]);
    expect(fields({ region: "gz", data: "text", colour: "red" })).toEqual(["colour", "data"]);
  });

  it("starts without task 297 when seed is false", async () => {
    const bare = await startEmulator({ seed: false });
    try {
      expect((await callLegacy(bare)).body.code).toBe(29258);
      bare.reset();
      expect((await callLegacy(bare)).body.code).toBe(29258);
    } finally {
      await bare.close();
    }
  });

  it("records every request in arrival order and forgets them, the tasks and the nonces on reset", async () => {
    const { taskId } = emulator.createTask({ region: "bj" });
    await callLegacy(emulator, { nowMs: clock.now(), method: "GET", params: { Region: "bj", taskId: String(taskId), Nonce: "31" } });
    await callLegacy(emulator, { nowMs: clock.now(), params: { taskId: "abc", SignatureMethod: "HmacSHA1" } });
    expect(emulator.requests()).toEqual([
      {
        at: clock.now(),
        api: "legacy",
        action: "DescribeNetTaskResult",
        httpMethod: "GET",
        signatureMethod: "HmacSHA256",
        secretId: expect.any(String),
        nonce: "31",
        timestamp: String(clock.now() / 1000),
        taskId: String(taskId),
        region: "bj",
        token: false,
        code: 0,
      },
      expect.objectContaining({ httpMethod: "POST", signatureMethod: "HmacSHA1", taskId: "abc", code: 9003 }),
    ]);
    emulator.reset();
    expect(emulator.requests()).toEqual([]);
    expect((await ask(String(taskId), "bj")).code).toBe(29258);
    const again = await callLegacy(emulator, { nowMs: clock.now(), params: { Nonce: "31" } });
    expect(again.body.code).toBe(0);
  });
});

describe("legacy API: rate limit", () => {
  it("admits rateLimit requests in any sliding second and answers 4400 beyond", async () => {
    const clock = manualClock();
    const emulator = await startEmulator({ rateLimit: 3, now: clock.now });
    try {
      const codes = async (n: number) => {
        const out: number[] = [];
        for (let i = 0; i < n; i++) out.push((await callLegacy(emulator, { nowMs: clock.now() })).body.code);
        return out;
      };
      expect(await codes(5)).toEqual([0, 0, 0, 4400, 4400]);
      clock.advance(999);
      expect(await codes(1)).toEqual([4400]);
      clock.advance(1);
      // Refused requests did not count: a full second's worth is admitted again.
      expect(await codes(4)).toEqual([0, 0, 0, 4400]);
      clock.advance(500);
      expect(await codes(1)).toEqual([4400]);
      const refused = emulator.requests().filter((r) => r.code === 4400);
      expect(refused).toHaveLength(5);
      // Requests that fail authentication are not counted either.
      clock.advance(500);
      expect((await callLegacy(emulator, { nowMs: clock.now(), signingKey: "wrong" })).body.code).toBe(4100);
      expect(await codes(4)).toEqual([0, 0, 0, 4400]);
    } finally {
      await emulator.close();
    }
  });

  it("refuses a rateLimit that is not a whole number", async () => {
    await expect(startEmulator({ rateLimit: 1.5 })).rejects.toThrow(/rateLimit/);
  });
});
