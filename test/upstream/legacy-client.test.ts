import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../../lib/log";
import type { TaskRef } from "../../lib/schemas/index";
import { ValidationError } from "../../lib/schemas/validate";
import { loadConfig } from "../../lib/config";
import { clientOptionsFromConfig, createTaskClient, type TaskClientOptions } from "../../lib/upstream/client";
import { isRetryable, LEGACY_CODES } from "../../lib/upstream/codes";
import type { Credentials } from "../../lib/upstream/credentials";
import { emulatorTaskClient, upstreamFailure } from "../support/task-client";
import { DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, SEED_TASK, startEmulator, type Emulator } from "../../scripts/emulator/index";

const PERMANENT: Credentials = { secretId: DEFAULT_SECRET_ID, secretKey: DEFAULT_SECRET_KEY };
const TEMPORARY: Credentials = {
  secretId: "AKIDtemporaryEMULATOR0000000000000",
  secretKey: "temporary-secret-key-0123456789ab",
  token: "temporary-session-token-0123456789",
};

/** The seeded task (Tencent's documentation example), and what it normalises to. */
const TASK_297: TaskRef = { api: "legacy", taskId: 297, region: "gz" };
const SEEDED_297 = {
  ...TASK_297,
  status: "succeeded",
  code: 0,
  output: SEED_TASK.output,
  data: SEED_TASK.data,
};

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ credentials: [PERMANENT, TEMPORARY] });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

/** A client against the emulator's legacy API (see test/support/task-client.ts). */
const client = (options: Partial<TaskClientOptions> = {}) =>
  emulatorTaskClient(emulator, { legacyEndpoint: emulator.endpoint }, PERMANENT, options);

describe("requests the emulator accepts", () => {
  const cases = (["HmacSHA256", "HmacSHA1"] as const).flatMap((signatureMethod) =>
    (["GET", "POST"] as const).flatMap((httpMethod) =>
      [
        { kind: "permanent", credentials: PERMANENT },
        { kind: "temporary", credentials: TEMPORARY },
      ].map(({ kind, credentials }) => ({ signatureMethod, httpMethod, kind, credentials })),
    ),
  );

  it.each(cases)("$signatureMethod over $httpMethod with $kind credentials", async ({ signatureMethod, httpMethod, credentials }) => {
    const c = client({ signatureMethod, httpMethod, credentials: async () => credentials });
    expect(await c.describe(TASK_297)).toEqual(SEEDED_297);
    const [record] = emulator.requests();
    expect(record).toMatchObject({
      action: "DescribeNetTaskResult",
      httpMethod,
      signatureMethod,
      secretId: credentials.secretId,
      token: credentials.token !== undefined,
      taskId: "297",
      region: "gz",
      code: 0,
    });
    expect(Number(record!.nonce)).toBeGreaterThan(0);
    expect(Math.abs(Number(record!.timestamp) - Date.now() / 1000)).toBeLessThan(5);
    expect(emulator.requests()).toHaveLength(1);
  });

  it("takes its endpoint and credentials from the configuration alone, the keys read again on every call", async () => {
    // A key pair only this configuration's environment holds, never process.env.
    const env: Record<string, string> = {
      NETTASK_ENDPOINT: emulator.endpoint,
      TENCENTCLOUD_SECRET_ID: TEMPORARY.secretId,
      TENCENTCLOUD_SECRET_KEY: TEMPORARY.secretKey,
      TENCENTCLOUD_SESSION_TOKEN: TEMPORARY.token!,
    };
    const configured = createTaskClient(clientOptionsFromConfig(loadConfig(env)));
    expect(await configured.describe(TASK_297)).toEqual(SEEDED_297);
    expect(emulator.requests()).toEqual([expect.objectContaining({ secretId: TEMPORARY.secretId, token: true, code: 0 })]);
    // The platform rotates the keys in the environment: the next call signs with what is there now.
    env.TENCENTCLOUD_SECRET_KEY = "rotated-to-a-wrong-key-0123456789";
    expect(await upstreamFailure(configured.describe(TASK_297))).toMatchObject({ code: 4100 });
  });
});

describe("normalised results", () => {
  it("reports a running task as running (code 2) with its running data", async () => {
    const { taskId } = emulator.createTask({ region: "sh", durationMs: 60_000, runningData: { total: 1, detail: [] } });
    expect(await client().describe({ api: "legacy", taskId, region: "sh" })).toEqual({
      api: "legacy",
      taskId,
      region: "sh",
      status: "running",
      code: 2,
      output: expect.anything(),
      data: { total: 1, detail: [] },
    });
  });

  it("reports a failed task as failed (code 1) with the output saying why", async () => {
    const output = { code: 29259, message: "rule expansion too large" };
    const { taskId } = emulator.createTask({ region: "gz", outcome: "failure", output });
    expect(await client().describe({ api: "legacy", taskId, region: "gz" })).toMatchObject({ status: "failed", code: 1, output, data: {} });
  });

  it("keeps task ids per region: 297 does not exist in sh", async () => {
    const c = client();
    const error = await upstreamFailure(c.describe({ api: "legacy", taskId: 297, region: "sh" }));
    expect(error).toMatchObject({ failure: "upstream", code: 29258, retryable: false });
    expect(emulator.requests()).toHaveLength(1);
  });

  it("accepts bodies with extra fields", async () => {
    emulator.injectFault({ kind: "extra-fields" });
    expect(await client().describe(TASK_297)).toEqual(SEEDED_297);
  });
});

describe("input is checked before anything is sent", () => {
  it.each([
    ["taskId 0", { api: "legacy", taskId: 0, region: "gz" }, "taskId", /must be >= 1/],
    ["taskId -1", { api: "legacy", taskId: -1, region: "gz" }, "taskId", /must be >= 1/],
    ["taskId 1.5", { api: "legacy", taskId: 1.5, region: "gz" }, "taskId", /must be integer/],
    ['taskId "abc"', { api: "legacy", taskId: "abc", region: "gz" }, "taskId", /must be integer/],
    ["taskId 2^31", { api: "legacy", taskId: 2 ** 31, region: "gz" }, "taskId", /must be <= 2147483647/],
    ["a missing region", { api: "legacy", taskId: 297 }, "region", /is required/],
    ["an unknown region", { api: "legacy", taskId: 297, region: "mars" }, "region", /region code/],
    ["a missing api", { taskId: 297, region: "gz" }, "api", /is required/],
  ])("%s", async (_name, input, field, message) => {
    const c = client();
    const error = await c.describe(input as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    const problem = (error as ValidationError).errors.find((e) => e.field === field);
    expect(problem?.message).toMatch(message);
    expect((error as Error).message).toContain(field);
    expect(c.acquired).toHaveLength(0);
    expect(emulator.requests()).toHaveLength(0);
  });
});

describe("every error code", () => {
  const codes = Object.entries(LEGACY_CODES).map(([code, info]) => ({
    code: Number(code),
    meaning: info.meaning,
    retryable: isRetryable(info.category),
  }));

  it.each(codes)("$code is classified (retryable: $retryable)", async ({ code, meaning, retryable }) => {
    emulator.injectFault({ kind: "code", code });
    const c = client();
    const error = await upstreamFailure(c.describe(TASK_297));
    expect(error).toMatchObject({ failure: "upstream", code, meaning, retryable });
    expect(error.message).toMatch(new RegExp(`^DescribeNetTaskResult failed: ${code} ${meaning.replace(/[()]/g, "\\$&")} \\(.+\\)$`));
    expect(error.codeDesc).toEqual(expect.any(String));
    const requests = emulator.requests();
    expect(requests.map((r) => r.code)).toEqual(Array(retryable ? 3 : 1).fill(code));
    expect(new Set(requests.map((r) => r.nonce)).size).toBe(requests.length);
    expect(c.acquired).toEqual(requests.map((_, i) => i));
  });
});

describe("errors the emulator produces on its own", () => {
  it("4100 for a signature made with the wrong key", async () => {
    const error = await upstreamFailure(
      client({ credentials: async () => ({ ...PERMANENT, secretKey: "not-the-key-0123456789" }) }).describe(TASK_297),
    );
    expect(error).toMatchObject({ code: 4100, retryable: false });
    expect(error.message).not.toContain("not-the-key");
  });

  it("4104 for an unknown SecretId", async () => {
    const error = await upstreamFailure(
      client({ credentials: async () => ({ ...PERMANENT, secretId: "AKIDunknown" }) }).describe(TASK_297),
    );
    expect(error).toMatchObject({ code: 4104, meaning: "SecretId does not exist" });
  });

  it("4105 for temporary credentials sent without their token", async () => {
    const { token: _token, ...withoutToken } = TEMPORARY;
    const error = await upstreamFailure(client({ credentials: async () => withoutToken }).describe(TASK_297));
    expect(error).toMatchObject({ code: 4105, retryable: false });
    const wrong = await upstreamFailure(client({ credentials: async () => ({ ...TEMPORARY, token: "wrong-token" }) }).describe(TASK_297));
    expect(wrong.code).toBe(4105);
    expect(wrong.message).not.toContain(TEMPORARY.token);
  });

  it("4500 for a clock ten minutes off, retried with a fresh Timestamp and Nonce until the bound", async () => {
    const skewed = await startEmulator({ now: () => Date.now() + 600_000 });
    try {
      const c = createTaskClient({ legacyEndpoint: skewed.endpoint, credentials: async () => PERMANENT, maxAttempts: 2, random: () => 0 });
      const error = await upstreamFailure(c.describe(TASK_297));
      expect(error).toMatchObject({ code: 4500, retryable: true });
      expect(skewed.requests()).toHaveLength(2);
    } finally {
      await skewed.close();
    }
  });

  it("4400 above the rate limit, and a retry gets through once the window has passed", async () => {
    const limited = await startEmulator({ rateLimit: 1 });
    try {
      const sleeps: number[] = [];
      const c = createTaskClient({
        legacyEndpoint: limited.endpoint,
        credentials: async () => PERMANENT,
        maxAttempts: 2,
        // The first retry waits out the one-second window.
        sleep: async (ms) => {
          sleeps.push(ms);
          await new Promise((resolve) => setTimeout(resolve, 1100));
        },
      });
      await c.describe(TASK_297);
      expect(await c.describe(TASK_297)).toMatchObject({ status: "succeeded" });
      expect(limited.requests().map((r) => r.code)).toEqual([0, 4400, 0]);
      expect(sleeps).toHaveLength(1);
    } finally {
      await limited.close();
    }
  });
});

describe("retries", () => {
  it("recovers from transient codes with a new Nonce and Timestamp each time", async () => {
    emulator.injectFault({ kind: "code", code: 9005, count: 1 });
    emulator.injectFault({ kind: "code", code: 29257, count: 1 });
    const c = client({ maxAttempts: 4 });
    expect(await c.describe(TASK_297)).toEqual(SEEDED_297);
    const requests = emulator.requests();
    expect(requests.map((r) => r.code)).toEqual([9005, 29257, 0]);
    expect(new Set(requests.map((r) => r.nonce)).size).toBe(3);
    expect(c.acquired).toHaveLength(3);
  });

  it("waits with growing, jittered delays between tries", async () => {
    emulator.injectFault({ kind: "code", code: 6000 });
    const sleeps: number[] = [];
    const c = client({ maxAttempts: 4, random: () => 0.5, sleep: async (ms) => void sleeps.push(ms) });
    await upstreamFailure(c.describe(TASK_297));
    expect(sleeps).toEqual([100, 200, 400]);
  });

  it("retries HTTP 5xx but not other statuses", async () => {
    emulator.injectFault({ kind: "http", status: 502, count: 1 });
    expect(await client().describe(TASK_297)).toMatchObject({ status: "succeeded" });
    emulator.reset();
    emulator.injectFault({ kind: "http", status: 503 });
    expect(await upstreamFailure(client().describe(TASK_297))).toMatchObject({
      failure: "http",
      httpStatus: 503,
      retryable: true,
    });
    expect(emulator.requests()).toHaveLength(3);
    emulator.reset();
    emulator.injectFault({ kind: "http", status: 403 });
    const forbidden = await upstreamFailure(client().describe(TASK_297));
    expect(forbidden).toMatchObject({
      failure: "http",
      httpStatus: 403,
      retryable: false,
      message: "DescribeNetTaskResult failed: HTTP 403 Forbidden",
    });
    expect(emulator.requests()).toHaveLength(1);
  });

  it("times out a stalled request and tries again", async () => {
    emulator.injectFault({ kind: "delay", delayMs: 5_000, count: 1 });
    const c = client({ timeoutMs: 200 });
    expect(await c.describe(TASK_297)).toMatchObject({ status: "succeeded" });
    emulator.reset();
    emulator.injectFault({ kind: "delay", delayMs: 5_000 });
    expect(await upstreamFailure(client({ timeoutMs: 200, maxAttempts: 2 }).describe(TASK_297))).toMatchObject({
      failure: "timeout",
      retryable: true,
    });
    expect(emulator.requests()).toHaveLength(2);
  });

  it("retries a refused connection as a network error", async () => {
    const closed = await startEmulator();
    const endpoint = closed.endpoint;
    await closed.close();
    const c = createTaskClient({ legacyEndpoint: endpoint, credentials: async () => PERMANENT, maxAttempts: 2, random: () => 0 });
    const error = await upstreamFailure(c.describe(TASK_297));
    expect(error).toMatchObject({ failure: "network", retryable: true });
    expect(error.message).toContain("ECONNREFUSED");
  });

  it("never retries an abort, and stops a stalled request at once", async () => {
    emulator.injectFault({ kind: "delay", delayMs: 10_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const error = await upstreamFailure(client().describe(TASK_297, { signal: controller.signal }));
    expect(error).toMatchObject({ failure: "aborted", retryable: false });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(emulator.requests()).toHaveLength(1);
  });

  it("does not send anything with a signal aborted already", async () => {
    const error = await upstreamFailure(client().describe(TASK_297, { signal: AbortSignal.abort() }));
    expect(error.failure).toBe("aborted");
    expect(emulator.requests()).toHaveLength(0);
  });
});

describe("bad bodies are malformed errors naming the problem", () => {
  it.each([
    ["malformed", /body is not JSON: "\{/],
    ["html", /body is not JSON: "<!DOCTYPE html>/],
    ["empty", /empty body/],
    ["wrong-types", /code must be integer.*data\.status must be one of: 0, 1, 2/],
    ["missing-fields", /code is required.*data\.status is required/],
  ] as const)("%s", async (kind, problem) => {
    emulator.injectFault({ kind });
    const error = await upstreamFailure(client().describe(TASK_297));
    expect(error).toMatchObject({ failure: "malformed", meaning: "malformed response", retryable: true });
    expect(error.message).toMatch(problem);
    expect(emulator.requests()).toHaveLength(3);
  });

  it("recovers when only one body was bad", async () => {
    emulator.injectFault({ kind: "malformed", count: 1 });
    expect(await client().describe(TASK_297)).toEqual(SEEDED_297);
  });
});

describe("logs", () => {
  it("log each retry without any secret", async () => {
    emulator.injectFault({ kind: "code", code: 9005, count: 2 });
    const lines: string[] = [];
    const c = client({ credentials: async () => TEMPORARY, logger: createLogger({ level: "debug", sink: (l) => lines.push(l) }) });
    await c.describe(TASK_297);
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toMatchObject({ message: "DescribeNetTaskResult retry", taskId: 297, attempt: 1, code: 9005 });
    const all = lines.join("\n");
    for (const secret of [TEMPORARY.secretKey, TEMPORARY.token!]) expect(all).not.toContain(secret);
  });
});
