/**
 * `npm start` runs the emulator with every EMULATOR_* setting, as `npm run emulator` does, and
 * points the relay at it with the same key pair.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, expect, it } from "vitest";
import { sdkOutcome, vpcClient } from "../support/api3-client";
import { spawnNpmStart, untilReady } from "../support/npm-start";

const SECRET_ID = "AKIDnpmSTARTsettings000000000000001";
const SECRET_KEY = "npm-start-emulator-key-0123456789ab";

const dir = mkdtempSync(join(tmpdir(), "nettask-emulator-start-"));
let child: ChildProcess | undefined;

afterAll(() => {
  if (child?.exitCode === null) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

it("passes EMULATOR_SECRET_ID / _KEY, EMULATOR_RATE_LIMIT and EMULATOR_ASYNC_TASK_MS on, and the relay uses that key pair", async () => {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(TENCENTCLOUD_|NETTASK_|VPC_ENDPOINT$|CMQ_ENDPOINT$|API_TOKEN$|STORE_URL$)/.test(name),
    ),
  );
  const npmStart = spawnNpmStart({
    ...env,
    PORT: "0",
    EMULATOR_PORT: "0",
    INBOX_PORT: "0",
    STORE_URL: `sqlite:${join(dir, "nettask.db")}`,
    LOG_LEVEL: "warn",
    EMULATOR_SECRET_ID: SECRET_ID,
    EMULATOR_SECRET_KEY: SECRET_KEY,
    EMULATOR_RATE_LIMIT: "1",
    EMULATOR_ASYNC_TASK_MS: "0",
  });
  child = npmStart.child;
  await untilReady(npmStart);
  const output = npmStart.output();
  expect(output).not.toContain(SECRET_KEY);
  const port = Number(/upstream\s+emulator http:\/\/127\.0\.0\.1:(\d+)/.exec(output)![1]);
  const api = /^ {2}API\s+(\S+)/m.exec(output)![1]!;
  const token = /^ {2}API token\s+(\S+)/m.exec(output)![1]!;

  // The relay signs with the emulator's key pair.
  const read = await fetch(`${api}/tasks/297?region=gz`, { headers: { authorization: `Bearer ${token}` } });
  expect(await read.json()).toMatchObject({ taskId: 297, status: "succeeded" });

  const vpc = vpcClient({ port }, { secretId: SECRET_ID, secretKey: SECRET_KEY });
  expect(await sdkOutcome(vpcClient({ port }).DescribeAddressTemplates({}))).toBe("AuthFailure.SecretIdNotFound");
  const { RequestId } = await vpc.DescribeAddressTemplateInstances({ AddressTemplateId: "ipm-mdunqeb6" });
  // Tasks end at once (EMULATOR_ASYNC_TASK_MS=0), and one task query is admitted per second.
  await sleep(1_000);
  const burst = await Promise.all([1, 2, 3].map(() => sdkOutcome(vpc.DescribeVpcTaskResult({ TaskId: RequestId! }))));
  expect(burst.sort()).toEqual(["RequestLimitExceeded", "RequestLimitExceeded", "ok"]);
  await sleep(1_000);
  expect((await vpc.DescribeVpcTaskResult({ TaskId: RequestId! })).Status).toBe("SUCCESS");

  const exited = new Promise((done) => child!.once("exit", done));
  child.kill("SIGINT");
  await exited;
}, 90_000);
