import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Emulator } from "../../scripts/emulator/index";
import { sdkOutcome, vpcClient } from "../support/api3-client";
import { callLegacy } from "../support/legacy-client";

const MAIN = fileURLToPath(new URL("../../scripts/emulator/main.ts", import.meta.url));

/**
 * The emulator on a free port, its settings blank (their defaults) unless `env` gives them, so
 * none leaks in from the environment the tests run in.
 */
function run(env: Record<string, string> = {}): ChildProcessWithoutNullStreams {
  const settings = {
    EMULATOR_PORT: "0",
    EMULATOR_SECRET_ID: "",
    EMULATOR_SECRET_KEY: "",
    EMULATOR_RATE_LIMIT: "",
    EMULATOR_ASYNC_TASK_MS: "",
  };
  return spawn(process.execPath, ["--import", "tsx", MAIN], { env: { ...process.env, ...settings, ...env }, stdio: "pipe" });
}

function output(child: ChildProcessWithoutNullStreams): { text: () => string; until: (pattern: RegExp) => Promise<string> } {
  let text = "";
  child.stdout.on("data", (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (text += chunk.toString()));
  return {
    text: () => text,
    until: (pattern) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${pattern} in 20 s; output so far:\n${text}`)), 20_000);
        const poll = setInterval(() => {
          if (!pattern.test(text)) return;
          clearTimeout(timer);
          clearInterval(poll);
          resolve(text);
        }, 20);
      }),
  };
}

const exited = (child: ChildProcessWithoutNullStreams) =>
  new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

describe("npm run emulator (scripts/emulator/main.ts)", () => {
  it("prints how to use it, serves the configured key pair and task duration, never prints a key from the environment, and closes on SIGTERM", async () => {
    const secretId = "AKIDfromENVIRONMENT0000000000000001";
    const secretKey = "key-from-the-environment-keep-out-of-logs";
    const child = run({
      EMULATOR_SECRET_ID: secretId,
      EMULATOR_SECRET_KEY: secretKey,
      EMULATOR_RATE_LIMIT: "50",
      EMULATOR_ASYNC_TASK_MS: "60000",
    });
    const out = output(child);
    const exit = exited(child);
    try {
      const text = await out.until(/TENCENTCLOUD_SECRET_KEY=\S+/);
      const vpcEndpoint = /VPC_ENDPOINT=(\S+)/.exec(text)![1]!;
      const endpoint = /NETTASK_ENDPOINT=(\S+)/.exec(text)![1]!;
      const cmqEndpoint = /CMQ_ENDPOINT=(\S+)/.exec(text)![1]!;
      expect(vpcEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(endpoint).toBe(`${vpcEndpoint}v2/index.php`);
      expect(cmqEndpoint).toBe(endpoint.replace("/v2/index.php", ""));
      expect(text).toContain(`TENCENTCLOUD_SECRET_ID=${secretId}`);
      expect(text).toContain("50 requests per second");
      expect(text).toContain("asynchronous actions run 60000 ms");
      expect(text).not.toContain(secretKey);

      const emulator = { endpoint } as Emulator;
      const answer = await callLegacy(emulator, { credential: { secretId, secretKey } });
      expect(answer.body).toMatchObject({ code: 0, data: { status: 0, data: { total: 4 } } });
      expect((await callLegacy(emulator)).body.code).toBe(4104);

      const vpc = vpcClient({ port: Number(new URL(vpcEndpoint).port) }, { secretId, secretKey });
      const { RequestId } = await vpc.DescribeAddressTemplateInstances({ AddressTemplateId: "ipm-mdunqeb6" });
      expect((await vpc.DescribeVpcTaskResult({ TaskId: RequestId! })).Status).toBe("RUNNING");
      expect(await sdkOutcome(vpcClient({ port: Number(new URL(vpcEndpoint).port) }).DescribeVpcTaskResult({ TaskId: RequestId! }))).toBe(
        "AuthFailure.SecretIdNotFound",
      );
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exit).toBe(0);
    expect(out.text()).toContain("emulator closed");
  });

  it("prints the default dev key pair, which is public", async () => {
    const child = run();
    const out = output(child);
    const exit = exited(child);
    try {
      const text = await out.until(/TENCENTCLOUD_SECRET_KEY=\S+/);
      expect(text).toMatch(/TENCENTCLOUD_SECRET_ID=AKIDnettaskrelayEMULATOR\w+ TENCENTCLOUD_SECRET_KEY=emulator-secret-key-\w+/);
      expect(text).toContain("rate limit on task queries: none; asynchronous actions run 3000 ms");
    } finally {
      child.kill("SIGINT");
    }
    expect(await exit).toBe(0);
  });

  it.each(["EMULATOR_PORT", "EMULATOR_ASYNC_TASK_MS"])("refuses a bad %s naming the variable", async (name) => {
    const child = run({ [name]: "ninety-one-hundred" });
    const out = output(child);
    expect(await exited(child)).toBe(1);
    expect(out.text()).toContain(`${name} must be a whole number`);
  });
});
