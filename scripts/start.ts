/**
 * `npm start`: the whole stack on loopback, from the BUILT bundles, the way SCF runs them.
 *
 *   emulator     the Tencent APIs (skipped when VPC_ENDPOINT or NETTASK_ENDPOINT and credentials are set)
 *   http         dist/http/index.js behind a Function URL look-alike on PORT
 *   poll         dist/poll/index.js fired every POLL_INTERVAL_MS with SCF timer events
 *   store        STORE_URL (default: the SQLite file .data/nettask.db, kept across restarts;
 *                `npm start -- --reset` starts from an empty one)
 *   inbox        a webhook receiver that verifies what it gets, on INBOX_PORT, with INBOX_SECRET
 *                or the secret kept beside the store (so deliveries of earlier runs still verify)
 *
 * Prints the URLs, the API token, the inbox secret, commands to try (API 3.0 first) and the
 * export lines for `npm run nettask`, then "ready". Ctrl-C stops it.
 */
import { randomBytes, randomInt, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../lib/config";
import { maskUrlCredentials } from "../lib/log";
import { WEBHOOK_SECRET } from "../lib/schemas/patterns";
import { credentialsFromEnv } from "../lib/upstream/credentials";
import { build, ROOT, type FunctionName } from "./build";
import { DEFAULT_SECRET_KEY, SEED_VPC_TASK, startEmulator, type Emulator } from "./emulator/index";
import { emulatorOptions, emulatorSettings } from "./emulator/settings";
import { wholeNumber } from "./env";
import { startInbox } from "./inbox";
import { serveFunctionUrl } from "./local/function-url-server";
import type { ScfHandler } from "./local/scf";
import { startTimer } from "./local/timer";

/** The http function's timeout, as deploy/scf/serverless.yml sets it. */
const HTTP_TIME_LIMIT_MS = 30_000;

type Env = Record<string, string | undefined>;

/** The local stack's own settings (README.md, "Run it locally"); 0 for a port picks a free one. */
function localSettings(env: Env) {
  const interval = wholeNumber(env, "POLL_INTERVAL_MS", 2_000, 3_600_000);
  if (interval < 10) throw new Error(`POLL_INTERVAL_MS must be at least 10, got ${interval}`);
  return {
    port: wholeNumber(env, "PORT", 3_000, 65_535),
    inboxPort: wholeNumber(env, "INBOX_PORT", 8_787, 65_535),
    pollIntervalMs: interval,
  };
}

/** The SQLite file of a sqlite: STORE_URL, or undefined for another store. */
const sqliteFile = (storeUrl: string) => (storeUrl.startsWith("sqlite:") ? storeUrl.slice("sqlite:".length) : undefined);

/**
 * The inbox's secret: INBOX_SECRET, else the one kept in `file` (made on the first run), so
 * watches stored by an earlier run still deliver to an inbox that accepts them.
 */
function inboxSecret(env: Env, file: string): { secret: string; from: string } {
  const valid = (secret: string, from: string) => {
    if (!new RegExp(WEBHOOK_SECRET).test(secret))
      throw new Error(`${from} must hold a Standard Webhooks secret (whsec_ followed by base64 of 24 to 64 bytes)`);
    return { secret, from };
  };
  if (env.INBOX_SECRET) return valid(env.INBOX_SECRET, "INBOX_SECRET");
  const shown = relative(ROOT, file).startsWith("..") ? file : relative(ROOT, file);
  if (existsSync(file)) return valid(readFileSync(file, "utf8").trim(), shown);
  mkdirSync(dirname(file), { recursive: true });
  const secret = `whsec_${randomBytes(24).toString("base64")}`;
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return { secret, from: `${shown} (new)` };
}

/** `--reset`: removes the SQLite store (and its WAL files) before anything opens it. */
function resetStore(storeUrl: string): string {
  const file = sqliteFile(storeUrl);
  if (file === undefined)
    throw new Error("--reset only empties a SQLite store; with Redis, delete the keys under STORE_URL's prefix yourself");
  for (const suffix of ["", "-wal", "-shm"]) rmSync(`${file}${suffix}`, { force: true });
  return file;
}

/** Real Tencent Cloud only when an endpoint and a key pair are configured. */
const usesTencentCloud = (env: Env) => Boolean(env.VPC_ENDPOINT || env.NETTASK_ENDPOINT) && credentialsFromEnv(env) !== undefined;

const json = (value: unknown) => `'${JSON.stringify(value)}'`;

interface TryIt {
  api: string;
  token: string;
  inbox: string;
  secret: string;
  emulator?: Emulator;
  /** The emulator's key pair, printed only when it is the public dev pair. */
  emulatorKeys?: { secretId: string; secretKey: string };
}

/**
 * Commands to copy, API 3.0 first: against the emulator they work as printed; against Tencent
 * Cloud the RequestId is yours to fill in.
 */
function tryItCommands({ api, token, inbox, secret, emulator, emulatorKeys }: TryIt): string[] {
  const auth = `-H 'authorization: Bearer ${token}'`;
  const destination = { type: "webhook", url: inbox, secret };
  const watch = (task: object) =>
    `curl -s -X POST ${auth} -H 'content-type: application/json' -d ${json({ ...task, destination })} ${api}/watches`;
  const read = (path: string) => `curl -s ${auth} '${api}${path}'`;
  // A fresh RequestId each run: the emulator forgets its tasks on restart, the store does not.
  const requestId = emulator ? randomUUID() : "<RequestId>";
  const eipTaskId = randomInt(100_000_000, 1_000_000_000);
  const lines = ["# API 3.0: an asynchronous VPC call answers a RequestId, and DescribeVpcTaskResult reads its result"];
  if (emulator) {
    lines.push(
      "# 1. an emulated asynchronous call that runs for 5 s, watched by its RequestId: the inbox gets com.tencentcloud.vpc.task.succeeded",
      `curl -s -X POST -H 'content-type: application/json' ` +
        `-d ${json({ api: "vpc", region: "ap-guangzhou", taskId: requestId, durationMs: 5_000 })} ${emulator.url}/admin/tasks && ` +
        watch({ taskId: requestId, region: "ap-guangzhou" }),
    );
  } else {
    lines.push("# 1. watch the RequestId of one of your asynchronous VPC calls", watch({ taskId: requestId, region: "ap-guangzhou" }));
  }
  lines.push("# 2. read it: one DescribeVpcTaskResult call, normalised", read(`/tasks/${requestId}?region=ap-guangzhou`));
  if (emulator && emulatorKeys) {
    const env = {
      VPC_ENDPOINT: emulator.vpcEndpoint,
      TENCENTCLOUD_SECRET_ID: emulatorKeys.secretId,
      TENCENTCLOUD_SECRET_KEY: emulatorKeys.secretKey,
      NETTASK_API_URL: api,
      API_TOKEN: token,
      WEBHOOK_URL: inbox,
      WEBHOOK_SECRET: secret,
    };
    lines.push(
      "# 3. the README's worked example through the official SDK: CreateAddressTemplate, " +
        "DescribeAddressTemplateInstances, watch its RequestId",
      `${Object.entries(env)
        .map(([name, value]) => `${name}=${value}`)
        .join(" ")} npx tsx examples/watch-template-instances.ts`,
      "# 4. an emulated EIP task (AllocateAddresses answers a TaskId; DescribeTaskResult reads it), watched with api eip",
      `curl -s -X POST -H 'content-type: application/json' ` +
        `-d ${json({ api: "eip", region: "ap-guangzhou", taskId: eipTaskId, durationMs: 3_000 })} ${emulator.url}/admin/tasks && ` +
        watch({ api: "eip", taskId: eipTaskId, region: "ap-guangzhou" }),
    );
  }
  lines.push(
    "# legacy API 2.0 (DescribeNetTaskResult; shut down by Tencent Cloud, served by the emulator): read task 297 and watch it",
    read("/tasks/297?region=gz"),
    watch({ taskId: 297, region: "gz" }),
  );
  return lines;
}

/** The export lines for `npm run nettask`: the relay's API always, the emulator and its key pair when it runs. */
function cliExports(api: string, token: string, emulator?: Emulator, emulatorKeys?: { secretId: string; secretKey: string }): string[] {
  const lines = [`export NETTASK_API_URL=${api} API_TOKEN=${token}`];
  // Only the emulator's public dev key pair is printed; real credentials stay where they are.
  if (emulator && emulatorKeys) {
    lines.push(
      `export VPC_ENDPOINT=${emulator.vpcEndpoint} NETTASK_ENDPOINT=${emulator.endpoint} TENCENTCLOUD_SECRET_ID=${emulatorKeys.secretId} TENCENTCLOUD_SECRET_KEY=${emulatorKeys.secretKey}`,
      `npm run nettask -- get ${SEED_VPC_TASK.taskId} --region ap-guangzhou`,
    );
  }
  lines.push("npm run nettask -- watches --state failed");
  return lines;
}

async function main(): Promise<void> {
  const env = process.env;
  const { values: flags } = parseArgs({ options: { reset: { type: "boolean" } } });
  const settings = localSettings(env);
  // Every EMULATOR_* setting applies as under `npm run emulator`.
  const emulatorConfig = emulatorSettings(env);
  const built = await build();

  let emulator: Emulator | undefined;
  if (!usesTencentCloud(env)) {
    emulator = await startEmulator(emulatorOptions(emulatorConfig));
    Object.assign(env, {
      VPC_ENDPOINT: emulator.vpcEndpoint,
      NETTASK_ENDPOINT: emulator.endpoint,
      CMQ_ENDPOINT: emulator.cmqEndpoint,
      TENCENTCLOUD_SECRET_ID: emulatorConfig.secretId,
      TENCENTCLOUD_SECRET_KEY: emulatorConfig.secretKey,
    });
    delete env.TENCENTCLOUD_SESSION_TOKEN;
  }
  env.API_TOKEN ||= randomBytes(18).toString("base64url");
  // Plain-http loopback webhooks, for the inbox, and nothing else.
  env.WEBHOOK_ALLOW ||= "127.0.0.1/32";
  // Every setting is checked now rather than at the first request.
  const config = loadConfig(env);
  const storeFile = sqliteFile(config.storeUrl);
  if (flags.reset) console.log(`store emptied: ${resetStore(config.storeUrl)}`);
  // Only its owner may read the store: it holds webhook secrets and broker passwords.
  if (storeFile !== undefined) mkdirSync(dirname(storeFile), { recursive: true, mode: 0o700 });

  const { secret: webhookSecret, from: secretFrom } = inboxSecret(
    env,
    join(storeFile === undefined ? join(ROOT, ".data") : dirname(storeFile), "inbox-secret"),
  );
  const inbox = await startInbox({ port: settings.inboxPort, secret: webhookSecret, log: (line) => console.log(`inbox: ${line}`) });
  const bundleOf = (name: FunctionName) => built.find((fn) => fn.name === name)!.bundle;
  const load = createRequire(import.meta.url);
  const handlerOf = (name: FunctionName) => (load(bundleOf(name)) as { main_handler: ScfHandler }).main_handler;
  const reportFailure = (name: string) => (error: unknown) =>
    console.error(`${name} function failed: ${error instanceof Error ? error.message : String(error)}`);
  const api = await serveFunctionUrl({
    handler: handlerOf("http"),
    functionName: "nettask-relay-http",
    timeLimitMs: HTTP_TIME_LIMIT_MS,
    port: settings.port,
    onError: reportFailure("http"),
  });
  const timer = startTimer({
    handler: handlerOf("poll"),
    functionName: "nettask-relay-poll",
    triggerName: "poll-every-minute",
    intervalMs: settings.pollIntervalMs,
    // Each run gets about one interval of polling (what is left after the safety margin).
    timeLimitMs: settings.pollIntervalMs + config.safetyMarginMs,
    onError: reportFailure("poll"),
  });

  // A key given through the environment may be a real one: only the public dev pair is printed.
  const emulatorKeys = emulator && emulatorConfig.secretKey === DEFAULT_SECRET_KEY ? emulatorConfig : undefined;
  const upstream = emulator
    ? `emulator ${emulator.url} (admin API: POST /admin/tasks, GET /admin/requests)`
    : `${config.vpcEndpoint} (Tencent Cloud; legacy: ${config.endpoint})`;
  console.log(
    [
      "",
      "nettask-relay local stack",
      `  API       ${api.url}  (${relative(ROOT, bundleOf("http"))}, SCF Function URL events)`,
      `  poller    ${relative(ROOT, bundleOf("poll"))} every ${settings.pollIntervalMs} ms (SCF timer events)`,
      `  upstream  ${upstream}`,
      `  store     ${maskUrlCredentials(config.storeUrl)}`,
      `  inbox     ${inbox.url}  (verifies signatures; GET it to list deliveries)`,
      `  API token ${env.API_TOKEN}`,
      `  inbox secret ${webhookSecret}  (from ${secretFrom})`,
      "",
      "Try it:",
      ...tryItCommands({ api: api.url, token: env.API_TOKEN, inbox: inbox.url, secret: webhookSecret, emulator, emulatorKeys }).map(
        (line) => `  ${line}`,
      ),
      "",
      "Point `npm run nettask` at this stack (in another terminal):",
      ...cliExports(api.url, env.API_TOKEN, emulator, emulatorKeys).map((line) => `  ${line}`),
      "",
      "ready (Ctrl-C stops the stack)",
    ].join("\n"),
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    await timer.stop();
    await Promise.all([api.close(), inbox.close(), emulator?.close()]);
    console.log("stopped");
    // The functions keep their store and keep-alive sockets open, as on SCF; nothing is left to flush.
    process.exit(0);
  };
  // `on`, not `once`: under npm a Ctrl-C arrives twice (from the terminal and forwarded by npm).
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error: unknown) => {
  console.error(`npm start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
