/**
 * `npm start`: the whole stack on loopback, from the BUILT bundles, the way SCF runs them.
 *
 *   emulator     the Tencent APIs (skipped when NETTASK_ENDPOINT and credentials are set)
 *   http         dist/http/index.js behind a Function URL look-alike on PORT
 *   poll         dist/poll/index.js fired every POLL_INTERVAL_MS with SCF timer events
 *   store        STORE_URL (default: the SQLite file .data/nettask.db, kept across restarts;
 *                `npm start -- --reset` starts from an empty one)
 *   inbox        a webhook receiver that verifies what it gets, on INBOX_PORT, with INBOX_SECRET
 *                or the secret kept beside the store (so deliveries of earlier runs still verify)
 *
 * Prints the URLs, the API token, the inbox secret, three curl commands to try and the export
 * lines for `npm run nettask`, then "ready". Ctrl-C stops it.
 */
import { randomBytes, randomInt } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../lib/config";
import { WEBHOOK_SECRET } from "../lib/schemas/patterns";
import { credentialsFromEnv } from "../lib/upstream/credentials";
import { build, ROOT, type FunctionName } from "./build";
import { DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, startEmulator, type Emulator } from "./emulator/index";
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
    emulatorPort: wholeNumber(env, "EMULATOR_PORT", 9_100, 65_535),
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
    if (!new RegExp(WEBHOOK_SECRET).test(secret)) throw new Error(`${from} must hold a Standard Webhooks secret (whsec_ followed by base64 of 24 to 64 bytes)`);
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
  if (file === undefined) throw new Error("--reset only empties a SQLite store; with Redis, delete the keys under STORE_URL's prefix yourself");
  for (const suffix of ["", "-wal", "-shm"]) rmSync(`${file}${suffix}`, { force: true });
  return file;
}

/** Real Tencent Cloud only when both the endpoint and a key pair are configured. */
const usesTencentCloud = (env: Env) => Boolean(env.NETTASK_ENDPOINT) && credentialsFromEnv(env) !== undefined;

const json = (value: unknown) => `'${JSON.stringify(value)}'`;

function tryItCommands(api: string, token: string, inbox: string, secret: string, emulator?: Emulator): string[] {
  const auth = `-H 'authorization: Bearer ${token}'`;
  const destination = { type: "webhook", url: inbox, secret };
  const watch = (taskId: number) =>
    `curl -s -X POST ${auth} -H 'content-type: application/json' -d ${json({ taskId, region: "gz", destination })} ${api}/watches`;
  const lines = [
    "# 1. read task 297 (region gz)",
    `curl -s ${auth} '${api}/tasks/297?region=gz'`,
    "# 2. watch task 297: it has finished, so the inbox gets its result at once",
    watch(297),
  ];
  if (emulator) {
    // A fresh id each run: the emulator forgets its tasks on restart, the store does not.
    const taskId = randomInt(100_000, 1_000_000);
    lines.push(
      "# 3. create an emulated task that runs for 5 s, and watch it: the poller delivers it when it finishes",
      `curl -s -X POST -H 'content-type: application/json' -d ${json({ region: "gz", taskId, durationMs: 5_000 })} ${emulator.url}/admin/tasks && ${watch(taskId)}`,
    );
  }
  return lines;
}

/** The export lines for `npm run nettask`: the relay's API always, the emulator and its key pair when it runs. */
function cliExports(api: string, token: string, emulator?: Emulator): string[] {
  const lines = [`export NETTASK_API_URL=${api} API_TOKEN=${token}`];
  // Only the emulator's public dev key pair is printed; real credentials stay where they are.
  if (emulator) lines.push(`export NETTASK_ENDPOINT=${emulator.endpoint} TENCENTCLOUD_SECRET_ID=${DEFAULT_SECRET_ID} TENCENTCLOUD_SECRET_KEY=${DEFAULT_SECRET_KEY}`);
  lines.push("npm run nettask -- get 297 --region gz", "npm run nettask -- watches --state failed");
  return lines;
}

async function main(): Promise<void> {
  const env = process.env;
  const { values: flags } = parseArgs({ options: { reset: { type: "boolean" } } });
  const settings = localSettings(env);
  const built = await build();

  let emulator: Emulator | undefined;
  if (!usesTencentCloud(env)) {
    emulator = await startEmulator({ port: settings.emulatorPort });
    Object.assign(env, {
      NETTASK_ENDPOINT: emulator.endpoint,
      CMQ_ENDPOINT: emulator.cmqEndpoint,
      TENCENTCLOUD_SECRET_ID: DEFAULT_SECRET_ID,
      TENCENTCLOUD_SECRET_KEY: DEFAULT_SECRET_KEY,
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
  if (storeFile !== undefined) mkdirSync(dirname(storeFile), { recursive: true });

  const { secret: webhookSecret, from: secretFrom } = inboxSecret(env, join(storeFile === undefined ? join(ROOT, ".data") : dirname(storeFile), "inbox-secret"));
  const inbox = await startInbox({ port: settings.inboxPort, secret: webhookSecret, log: (line) => console.log(`inbox: ${line}`) });
  const bundleOf = (name: FunctionName) => built.find((fn) => fn.name === name)!.bundle;
  const load = createRequire(import.meta.url);
  const handlerOf = (name: FunctionName) => (load(bundleOf(name)) as { main_handler: ScfHandler }).main_handler;
  const reportFailure = (name: string) => (error: unknown) => console.error(`${name} function failed: ${error instanceof Error ? error.message : String(error)}`);
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

  const upstream = emulator ? `emulator ${emulator.url} (admin API: POST /admin/tasks, GET /admin/requests)` : `${config.endpoint} (Tencent Cloud)`;
  console.log(
    [
      "",
      "nettask-relay local stack",
      `  API       ${api.url}  (${relative(ROOT, bundleOf("http"))}, SCF Function URL events)`,
      `  poller    ${relative(ROOT, bundleOf("poll"))} every ${settings.pollIntervalMs} ms (SCF timer events)`,
      `  upstream  ${upstream}`,
      `  store     ${config.storeUrl}`,
      `  inbox     ${inbox.url}  (verifies signatures; GET it to list deliveries)`,
      `  API token ${env.API_TOKEN}`,
      `  inbox secret ${webhookSecret}  (from ${secretFrom})`,
      "",
      "Try it:",
      ...tryItCommands(api.url, env.API_TOKEN, inbox.url, webhookSecret, emulator).map((line) => `  ${line}`),
      "",
      "Point `npm run nettask` at this stack (in another terminal):",
      ...cliExports(api.url, env.API_TOKEN, emulator).map((line) => `  ${line}`),
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
