import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, startEmulator, type Emulator } from "../../scripts/emulator/index";
import { DOCUMENTED_VPC } from "../support/stack";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `nettask …` in a child process, configured only through its environment. */
function nettask(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(TENCENTCLOUD_|NETTASK_|POLL_|LOG_LEVEL)/.test(name)),
  );
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "scripts/nettask.ts", ...args],
      {
        cwd: ROOT,
        timeout: 60_000,
        env: {
          ...inherited,
          VPC_ENDPOINT: emulator.vpcEndpoint,
          NETTASK_ENDPOINT: emulator.endpoint,
          TENCENTCLOUD_SECRET_ID: DEFAULT_SECRET_ID,
          TENCENTCLOUD_SECRET_KEY: DEFAULT_SECRET_KEY,
          ...env,
        },
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? -1) : 0, stdout, stderr }),
    );
  });
}

const FAST = ["--min-delay", "0.05", "--max-delay", "0.2", "--max-wait", "30"];

/** The fault mix of the brief, after one fault of each kind so every kind surely happens. */
function injectFaultMix(taskId: number) {
  for (const fault of [
    { kind: "code", code: 9005, count: 1 },
    { kind: "http", status: 502, count: 1 },
    { kind: "malformed", count: 1 },
    { kind: "code", code: 9005, rate: 0.3 },
    { kind: "http", status: 502, rate: 0.1 },
    { kind: "malformed", rate: 0.05 },
  ] as const) {
    emulator.injectFault({ ...fault, taskId });
  }
}

function faultKinds() {
  return new Set(emulator.requests().flatMap((r) => (r.fault ? [r.fault] : [])));
}

describe("API 3.0 tasks", () => {
  it("get reads a RequestId with DescribeVpcTaskResult, the region given either way", async () => {
    const run = await nettask(["get", "481e9b6e-81d1-4859-b8cf-a673e010b388", "--region", "gz"]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(DOCUMENTED_VPC);
    expect(emulator.requests()).toEqual([expect.objectContaining({ api: "vpc", action: "DescribeVpcTaskResult", code: 0 })]);
  });

  it("wait follows a vpc task through RequestLimitExceeded and InternalError to its failure, naming the Output", async () => {
    const { taskId } = emulator.createTask({
      api: "vpc",
      region: "ap-guangzhou",
      durationMs: 1_000,
      outcome: "failure",
      output: "ResourceInUse: ipm-mdunqeb6 is referenced",
    });
    emulator.injectFault({ kind: "code", code: "RequestLimitExceeded", api: "vpc", count: 1 });
    emulator.injectFault({ kind: "code", code: "InternalError", api: "vpc", count: 1 });
    const run = await nettask(["wait", String(taskId), "--region", "ap-guangzhou", ...FAST]);
    expect(run.code, run.stderr).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ api: "vpc", status: "failed", output: "ResourceInUse: ipm-mdunqeb6 is referenced" });
    expect(run.stderr).toMatch(
      new RegExp(
        `^nettask: vpc task ${taskId} in ap-guangzhou failed: ResourceInUse: ipm-mdunqeb6 is referenced \\(\\d+ attempts?, [\\d.]+ s\\)\\n$`,
      ),
    );
  });

  it("wait --api eip reads an EIP TaskId with DescribeTaskResult until it succeeds", async () => {
    const { taskId } = emulator.createTask({ api: "eip", region: "ap-guangzhou", durationMs: 800 });
    const run = await nettask(["wait", String(taskId), "--api", "eip", "--region", "ap-guangzhou", ...FAST]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ api: "eip", taskId, region: "ap-guangzhou", status: "succeeded", output: null, data: null });
    expect(new Set(emulator.requests().map((r) => r.action))).toEqual(new Set(["DescribeTaskResult"]));
  });

  it("exits 3 at once when the upstream refuses the credentials, naming the code", async () => {
    const run = await nettask(["get", "481e9b6e-81d1-4859-b8cf-a673e010b388", "--region", "ap-guangzhou"], {
      TENCENTCLOUD_SECRET_KEY: "not-the-emulator-key-0123",
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^nettask: DescribeVpcTaskResult failed: AuthFailure\.SignatureFailure signature does not match/);
    expect(run.stderr).not.toContain("not-the-emulator-key");
  });
});

describe("nettask get", () => {
  it("prints the normalised result as JSON", async () => {
    const run = await nettask(["get", "297", "--region", "gz"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      api: "legacy",
      taskId: 297,
      region: "ap-guangzhou",
      status: "succeeded",
      code: 0,
      data: { total: 4 },
    });
    expect(emulator.requests()).toHaveLength(1);
  });

  it("uses the signature and HTTP method from the configuration", async () => {
    const run = await nettask(["get", "297", "--region", "gz"], { NETTASK_SIGNATURE_METHOD: "HmacSHA1", NETTASK_HTTP_METHOD: "GET" });
    expect(run.code).toBe(0);
    expect(emulator.requests()[0]).toMatchObject({ signatureMethod: "HmacSHA1", httpMethod: "GET", code: 0 });
  });
});

describe("nettask wait through faults (30% 9005, 10% HTTP 502, 5% malformed JSON)", () => {
  it("exits 0 when the task succeeds", async () => {
    const { taskId } = emulator.createTask({ region: "gz", durationMs: 1500 });
    injectFaultMix(taskId);
    const run = await nettask(["wait", String(taskId), "--region", "gz", ...FAST]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ taskId, status: "succeeded", code: 0 });
    expect(run.stderr).toMatch(new RegExp(`^nettask: legacy task ${taskId} in ap-guangzhou succeeded \\(\\d+ attempts?, [\\d.]+ s\\)\\n$`));
    expect(faultKinds()).toEqual(new Set(["code", "http", "malformed"]));
  });

  it("exits 1 when the task fails, naming the failure", async () => {
    const { taskId } = emulator.createTask({
      region: "sh",
      durationMs: 1500,
      outcome: "failure",
      output: { code: 29259, message: "too many rules" },
    });
    injectFaultMix(taskId);
    const run = await nettask(["wait", String(taskId), "--region", "sh", ...FAST]);
    expect(run.code, run.stderr).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ taskId, status: "failed", code: 1, output: { code: 29259 } });
    expect(run.stderr).toContain(
      `legacy task ${taskId} in ap-shanghai failed: 29259 association refused: rule expansion too large (too many rules)`,
    );
    expect(faultKinds()).toEqual(new Set(["code", "http", "malformed"]));
  });

  it("exits 2 when the task is still running at --max-wait", async () => {
    const { taskId } = emulator.createTask({ region: "gz", durationMs: 600_000 });
    const run = await nettask(["wait", String(taskId), "--region", "gz", "--min-delay", "0.05", "--max-delay", "0.1", "--max-wait", "0.5"]);
    expect(run.code, run.stderr).toBe(2);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: "running" });
    expect(run.stderr).toContain(`legacy task ${taskId} in ap-guangzhou still running after 0.5 s`);
  });

  it("exits 3 at once on a non-retryable code, naming the code and its meaning", async () => {
    const { taskId } = emulator.createTask({ region: "gz", durationMs: 600_000 });
    emulator.injectFault({ kind: "code", code: 29254, taskId });
    const run = await nettask(["wait", String(taskId), "--region", "gz", ...FAST]);
    expect(run.code).toBe(3);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^nettask: DescribeNetTaskResult failed: 29254 authentication failed \(.+\)\n$/);
    expect(emulator.requests()).toHaveLength(1);
  });
});

describe("bad arguments and configuration exit 3 without a request", () => {
  it.each([
    [["get", "abc", "--region", "gz"], /taskId is neither a RequestId \(api vpc\) nor an integer task id/],
    [["get", "abc", "--region", "gz", "--api", "legacy"], /taskId must be integer/],
    [["get", "297", "--region", "gz", "--api", "vpc"], /taskId must be the RequestId of the asynchronous call/],
    [["get", "297", "--region", "gz", "--api", "cvm"], /api must be one of: "vpc", "eip", "legacy"/],
    [["get", "0", "--region", "gz"], /taskId must be >= 1/],
    [["get", "2147483648", "--region", "gz"], /taskId is larger than any legacy task id \(2147483647\); for an EIP TaskId say api: eip/],
    [["wait", "297"], /region is required/],
    [["fetch", "297", "--region", "gz"], /unknown command "fetch"/],
    [["get", "--region", "gz"], /a taskId is required/],
    [["get", "297", "--region", "gz", "--max-wait", "5"], /--max-wait does not apply to get/],
    [["wait", "297", "--region", "gz", "--max-wait", "soon"], /--max-wait must be a number of seconds/],
    [["wait", "297", "--region", "gz", "--min-delay", "5", "--max-delay", "1"], /--max-delay must not be below --min-delay/],
    [["get", "297", "--region", "gz", "--verbose"], /Unknown option '--verbose'/],
  ])("%j", async (args, message) => {
    const run = await nettask(args);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain("usage: nettask get <taskId> --region <region>");
    expect(emulator.requests()).toHaveLength(0);
  });

  it("names a bad configuration variable", async () => {
    const run = await nettask(["get", "297", "--region", "gz"], { NETTASK_SIGNATURE_METHOD: "HmacMD5" });
    expect(run.code).toBe(3);
    expect(run.stderr).toBe('nettask: NETTASK_SIGNATURE_METHOD must be one of HmacSHA256, HmacSHA1; got "HmacMD5"\n');
    expect(emulator.requests()).toHaveLength(0);
  });
});
