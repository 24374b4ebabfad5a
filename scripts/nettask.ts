/**
 * nettask: a task's result from the command line, configured like the functions
 * (VPC_ENDPOINT, NETTASK_* variables, the credential chain), and the watches of a running relay
 * through its HTTP API (NETTASK_API_URL or --api-url, and API_TOKEN).
 *
 *   npm run nettask -- get 3c140219-cfe9-470e-b241-907877d6fb03 --region ap-guangzhou
 *   npm run nettask -- wait 1234567 --api eip --region ap-guangzhou --max-wait 600
 *   npm run nettask -- get 297 --region gz            (legacy DescribeNetTaskResult)
 *   npm run nettask -- watches --state failed
 *   npm run nettask -- redeliver w_…
 *
 * `wait` exits 0 when the task succeeded, 1 when it failed, 2 when it was still running at the
 * deadline, 3 on any error (bad arguments included). The others exit 0, or 3 on an error.
 */
import { parseArgs } from "node:util";
import { loadConfig } from "../lib/config";
import { createLogger } from "../lib/log";
import type { TaskRef, TaskResult } from "../lib/schemas/index";
import { ValidationError } from "../lib/schemas/validate";
import { clientOptionsFromConfig, createTaskClient } from "../lib/upstream/client";
import { describeCode } from "../lib/upstream/codes";
import { describeTask, resolveTask } from "../lib/upstream/task-ref";
import { waitForTask, type WaiterState } from "../lib/upstream/waiter";

const USAGE = `usage: nettask get <taskId> --region <region> [--api vpc|eip|legacy]
       nettask wait <taskId> --region <region> [--api vpc|eip|legacy] [--max-wait <s>] [--min-delay <s>] [--max-delay <s>]
       nettask watches [--state <state>] [--task-id <id>] [--destination-type <type>] [--limit <n>] [--json] [--api-url <url>]
       nettask redeliver <watchId> [--api-url <url>]

  taskId        the RequestId of an asynchronous VPC call (api vpc, the default for a RequestId),
                an EIP call's TaskId (api eip), or a legacy integer taskId (api legacy, the default for a number)
  --api         which API reads the task: vpc (DescribeVpcTaskResult), eip (DescribeTaskResult),
                legacy (DescribeNetTaskResult)
  --region      region of the task: ap-guangzhou style, or gz, sh, bj, ca, …
  --max-wait    give up after this many seconds (default 600)
  --min-delay   first pause between polls, seconds (default POLL_MIN_DELAY_MS)
  --max-delay   longest pause between polls, seconds (default POLL_MAX_DELAY_MS)
  --state       pending, delivering, delivered, failed (the dead letters), expired or cancelled
  --limit       show at most this many watches, newest first (default 50)
  --json        one watch per line as the API shows it, instead of a table
  --api-url     the relay's HTTP API (default NETTASK_API_URL); the token comes from API_TOKEN

wait exits 0 succeeded, 1 failed, 2 still running at --max-wait, 3 error.
get and wait: endpoints and credentials from VPC_ENDPOINT (NETTASK_ENDPOINT for legacy), TENCENTCLOUD_SECRET_ID/_SECRET_KEY/_SESSION_TOKEN, …`;

const EXIT = { succeeded: 0, failed: 1, timedOut: 2, error: 3, interrupted: 130 } as const;

class UsageError extends Error {}

const WAIT_EXIT: Record<WaiterState, number> = {
  SUCCESS: EXIT.succeeded,
  FAILURE: EXIT.failed,
  TIMEOUT: EXIT.timedOut,
  ABORTED: EXIT.interrupted,
};

function seconds(raw: string | undefined, flag: string, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+(\.\d+)?$/.test(raw)) throw new UsageError(`${flag} must be a number of seconds, got "${raw}"`);
  return Number(raw);
}

/** Numbers become numbers, anything else stays text, so the schema can say what is wrong with it. */
function taskIdArgument(raw: string): unknown {
  return /^[+-]?\d+(\.\d+)?(e\d+)?$/i.test(raw) ? Number(raw) : raw;
}

/**
 * Why a failed task failed: a vpc task's Output, or a legacy task's output code and message
 * (": 29259 association refused: … (message)"). EIP tasks report no reason.
 */
function failureReason(result: TaskResult): string {
  if (result.api === "vpc") return result.output ? `: ${result.output}` : "";
  if (result.api !== "legacy") return "";
  const { code, message } = result.output ?? {};
  const parts: string[] = [];
  const numeric = Number(code);
  if (Number.isInteger(numeric) && numeric !== 0) parts.push(`${numeric} ${describeCode(numeric).meaning}`);
  else if (typeof code === "string" && code !== "" && code !== "0") parts.push(code);
  if (message) parts.push(`(${message})`);
  return parts.length > 0 ? `: ${parts.join(" ")}` : "";
}

const TASK_OPTIONS = ["region", "api", "max-wait", "min-delay", "max-delay"] as const;
const API_OPTIONS = ["api-url", "state", "task-id", "destination-type", "limit", "json"] as const;
const OPTIONS_OF: Record<string, readonly string[]> = {
  get: ["region", "api"],
  wait: TASK_OPTIONS,
  watches: API_OPTIONS,
  redeliver: ["api-url"],
};

const CLI_OPTIONS = {
  region: { type: "string" },
  api: { type: "string" },
  "max-wait": { type: "string" },
  "min-delay": { type: "string" },
  "max-delay": { type: "string" },
  "api-url": { type: "string" },
  state: { type: "string" },
  "task-id": { type: "string" },
  "destination-type": { type: "string" },
  limit: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

function parseCommandLine(args: string[]) {
  try {
    return parseArgs({ args, allowPositionals: true, options: CLI_OPTIONS });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function main(argv: string[], signal?: AbortSignal): Promise<number> {
  const { values, positionals } = parseCommandLine(argv);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [command, argument, ...extra] = positionals;
  if (command === undefined) throw new UsageError("a command is required");
  const allowed = OPTIONS_OF[command];
  if (!allowed) throw new UsageError(`unknown command "${command}"`);
  const misplaced = Object.keys(values).find((name) => !allowed.includes(name));
  if (misplaced) throw new UsageError(`--${misplaced} does not apply to ${command}`);
  if (extra.length > 0 || (command === "watches" && argument !== undefined))
    throw new UsageError(`unexpected argument "${extra[0] ?? argument}"`);
  if (command === "watches") return listWatches(relayApi(values["api-url"], signal), values);
  if (argument === undefined) throw new UsageError(command === "redeliver" ? "a watch id is required" : "a taskId is required");
  if (command === "redeliver") return redeliver(relayApi(values["api-url"], signal), argument);
  let task: TaskRef;
  try {
    task = resolveTask(
      { taskId: taskIdArgument(argument), region: values.region, ...(values.api === undefined ? {} : { api: values.api }) },
      "arguments",
    );
  } catch (error) {
    throw error instanceof ValidationError ? new UsageError(error.message) : error;
  }

  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, service: "nettask-cli", sink: (line) => process.stderr.write(`${line}\n`) });
  const client = createTaskClient({ ...clientOptionsFromConfig(config), logger });

  if (command === "get") {
    console.log(JSON.stringify(await client.describe(task, { signal }), null, 2));
    return 0;
  }

  const minDelay = seconds(values["min-delay"], "--min-delay", config.pollMinDelayMs / 1000);
  const maxDelay = seconds(values["max-delay"], "--max-delay", Math.max(minDelay, config.pollMaxDelayMs / 1000));
  const maxWait = seconds(values["max-wait"], "--max-wait", 600);
  if (minDelay <= 0) throw new UsageError("--min-delay must be above 0");
  if (maxDelay < minDelay) throw new UsageError("--max-delay must not be below --min-delay");

  const outcome = await waitForTask({ task, minDelay, maxDelay, maxWait, signal, client });
  if (outcome.result) console.log(JSON.stringify(outcome.result, null, 2));
  const named = describeTask(task);
  const took = `${outcome.attempts} attempt${outcome.attempts === 1 ? "" : "s"}, ${(outcome.elapsedMs / 1000).toFixed(1)} s`;
  const line = {
    SUCCESS: `${named} succeeded (${took})`,
    FAILURE: `${named} failed${outcome.result ? failureReason(outcome.result) : ""} (${took})`,
    TIMEOUT: `${named} still running after ${maxWait} s (${took})`,
    ABORTED: `${named}: interrupted (${took})`,
  }[outcome.state];
  console.error(`nettask: ${line}`);
  return WAIT_EXIT[outcome.state];
}

type RelayApi = (method: string, path: string) => Promise<unknown>;

/** Calls the relay's HTTP API with the bearer token; a problem answer becomes an error naming its fields. */
function relayApi(flag: string | undefined, signal?: AbortSignal): RelayApi {
  const base = flag ?? process.env.NETTASK_API_URL;
  if (!base) throw new UsageError("the relay's API is not set: pass --api-url or set NETTASK_API_URL (npm start prints it)");
  if (!/^https?:\/\/[^/]/.test(base)) throw new UsageError(`--api-url / NETTASK_API_URL must be an http(s) URL, got "${base}"`);
  const token = process.env.API_TOKEN;
  if (!token) throw new UsageError("API_TOKEN is not set (npm start prints it)");
  return async (method, path) => {
    const response = await fetch(new URL(path, base.endsWith("/") ? base : `${base}/`), {
      method,
      headers: { authorization: `Bearer ${token}` },
      signal,
    });
    const body = (await response.json().catch(() => undefined)) as
      | { detail?: string; errors?: { field: string; message: string }[] }
      | undefined;
    if (response.ok) return body;
    const fields = (body?.errors ?? []).map((e) => `${e.field} ${e.message}`).join("; ");
    throw new Error(`${method} ${path}: ${response.status} ${body?.detail ?? response.statusText}${fields ? ` (${fields})` : ""}`);
  };
}

interface ListedWatch {
  id: string;
  state: string;
  taskId: number | string;
  region: string;
  destination: { type: string; url?: string; queue?: string; exchange?: string; routingKey?: string };
  createdAt: string;
  delivery: { attempts: { ok: boolean; status?: number; error?: string }[] };
}

/** Where a destination delivers, in a few words (a URL as the API shows it: no password). */
function whereTo({ destination: d }: ListedWatch): string {
  if (d.type === "webhook") return `webhook ${d.url}`;
  if (d.type === "cmq") return `cmq ${d.queue}`;
  return `amqp ${d.exchange || "(default)"}/${d.routingKey}`;
}

function lastAttempt(watch: ListedWatch): string {
  const last = watch.delivery.attempts.at(-1);
  if (!last) return "";
  return last.ok ? `delivered (${last.status ?? "ok"})` : `last attempt: ${last.error ?? last.status}`;
}

/** `watches`: the API's pages, newest first, until --limit watches are shown. */
async function listWatches(
  api: RelayApi,
  values: { state?: string; "task-id"?: string; "destination-type"?: string; limit?: string; json?: boolean },
): Promise<number> {
  const wanted = values.limit === undefined ? 50 : Number(values.limit);
  if (!/^\d+$/.test(values.limit ?? "50") || wanted < 1)
    throw new UsageError(`--limit must be a whole number above 0, got "${values.limit}"`);
  const filters = { state: values.state, taskId: values["task-id"], destinationType: values["destination-type"] };
  let shown = 0;
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams(
      Object.entries({ ...filters, limit: String(Math.min(100, wanted - shown)), cursor }).filter(
        (e): e is [string, string] => typeof e[1] === "string",
      ),
    );
    const page = (await api("GET", `watches?${query}`)) as { data: ListedWatch[]; next: string | null };
    for (const watch of page.data) {
      console.log(
        values.json
          ? JSON.stringify(watch)
          : [watch.id, watch.state.padEnd(10), `task ${watch.taskId} ${watch.region}`, watch.createdAt, whereTo(watch), lastAttempt(watch)]
              .join("  ")
              .trimEnd(),
      );
    }
    shown += page.data.length;
    cursor = page.next;
  } while (cursor && shown < wanted);
  if (shown === 0) console.error("nettask: no watch matches");
  else if (cursor) console.error(`nettask: ${shown} shown; more match (raise --limit)`);
  return 0;
}

/** `redeliver`: sends a finished watch's event again and says how the first attempt went. */
async function redeliver(api: RelayApi, id: string): Promise<number> {
  const watch = (await api("POST", `watches/${encodeURIComponent(id)}/redeliver`)) as ListedWatch;
  console.log(`${watch.id}  ${watch.state}  ${whereTo(watch)}  ${lastAttempt(watch)}`.trimEnd());
  return 0;
}

const controller = new AbortController();
for (const name of ["SIGINT", "SIGTERM"] as const) process.once(name, () => controller.abort());
main(process.argv.slice(2), controller.signal).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`nettask: ${error instanceof Error ? error.message : String(error)}`);
    if (error instanceof UsageError) console.error(USAGE);
    process.exitCode = EXIT.error;
  },
);
