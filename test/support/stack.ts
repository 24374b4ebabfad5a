/**
 * A real stack for API and handler tests: the emulator as the upstream, a webhook inbox that
 * verifies signatures, and a SQLite store file in a temporary directory. Its settings are
 * `env`; they go into process.env too (each test file runs in its own process) for tests of
 * what reads it, unless `processEnv` is false: handlers built by their factories from a
 * runtime of their own (lib/runtime.ts createRuntime) need nothing there.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  startEmulator,
  DEFAULT_SECRET_ID,
  DEFAULT_SECRET_KEY,
  SEED_TASK,
  SEED_VPC_TASK,
  type Emulator,
} from "../../scripts/emulator/index";
import { startInbox, type Inbox } from "../../scripts/inbox";
import { SqliteWatchStore } from "../../lib/watches/sqlite-store";

export const API_TOKEN = "test-api-token-4f9a1c7e2b";
export const WEBHOOK_SECRET = `whsec_${Buffer.alloc(32, 9).toString("base64")}`;

export interface Stack {
  emulator: Emulator;
  inbox: Inbox;
  env: Record<string, string>;
  /** Watches in the store, all states. */
  countWatches(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Re-polls 50 ms to `maxMs` apart instead of the seconds the defaults wait, for tests that watch
 * a task be polled again and again, or finish, within a few seconds.
 */
export function quickPolls(maxMs = 100): Record<string, string> {
  return { POLL_MIN_DELAY_MS: "50", POLL_MAX_DELAY_MS: String(maxMs) };
}

export async function startStack(overrides: Record<string, string> = {}, { processEnv = true } = {}): Promise<Stack> {
  const emulator = await startEmulator();
  const inbox = await startInbox({ secret: WEBHOOK_SECRET, log: () => undefined });
  const dir = mkdtempSync(join(tmpdir(), "nettask-http-"));
  const storePath = join(dir, "watches.db");
  const env: Record<string, string> = {
    VPC_ENDPOINT: emulator.vpcEndpoint,
    NETTASK_ENDPOINT: emulator.endpoint,
    TENCENTCLOUD_SECRET_ID: DEFAULT_SECRET_ID,
    TENCENTCLOUD_SECRET_KEY: DEFAULT_SECRET_KEY,
    CMQ_ENDPOINT: emulator.cmqEndpoint,
    STORE_URL: `sqlite:${storePath}`,
    API_TOKEN,
    // The inbox listens on loopback over plain http.
    WEBHOOK_ALLOW: "127.0.0.1/32",
    // Upstream faults surface at once instead of after retries with backoff.
    NETTASK_MAX_ATTEMPTS: "1",
    NETTASK_TIMEOUT_MS: "1000",
    LOG_LEVEL: "warn",
    ...overrides,
  };
  const previous = Object.fromEntries(processEnv ? Object.keys(env).map((k) => [k, process.env[k]]) : []);
  if (processEnv) Object.assign(process.env, env);
  const counter = new SqliteWatchStore(storePath);
  return {
    emulator,
    inbox,
    env,
    async countWatches() {
      return Object.values(await counter.countByState()).reduce((a, b) => a + b, 0);
    },
    async close() {
      await counter.close();
      await Promise.all([emulator.close(), inbox.close()]);
      for (const [k, v] of Object.entries(previous)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Task 297 in gz as the API answers it: the emulator's seed (Tencent's documented example), normalised. */
export const DOCUMENTED_297 = {
  api: "legacy",
  taskId: SEED_TASK.taskId,
  region: "ap-guangzhou",
  status: "succeeded",
  code: 0,
  output: SEED_TASK.output,
  data: SEED_TASK.data,
} as const;

/** The seeded vpc task (DescribeVpcTaskResult's documented example) as the API and the CLI answer it. */
export const DOCUMENTED_VPC = { ...SEED_VPC_TASK, status: "succeeded", data: null } as const;
