/**
 * nettask: a task's result from the command line, configured like the functions
 * (VPC_ENDPOINT, NETTASK_* variables, the credential chain).
 *
 *   npm run nettask -- get 3c140219-cfe9-470e-b241-907877d6fb03 --region ap-guangzhou
 *   npm run nettask -- wait 1234567 --api eip --region ap-guangzhou --max-wait 600
 *   npm run nettask -- get 297 --region gz            (legacy DescribeNetTaskResult)
 *
 * `wait` exits 0 when the task succeeded, 1 when it failed, 2 when it was still running at the
 * deadline, 3 on any error (bad arguments included).
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

  taskId        the RequestId of an asynchronous VPC call (api vpc, the default for a RequestId),
                an EIP call's TaskId (api eip), or a legacy integer taskId (api legacy, the default for a number)
  --api         which API reads the task: vpc (DescribeVpcTaskResult), eip (DescribeTaskResult),
                legacy (DescribeNetTaskResult)
  --region      region of the task: ap-guangzhou style, or gz, sh, bj, ca, …
  --max-wait    give up after this many seconds (default 600)
  --min-delay   first pause between polls, seconds (default POLL_MIN_DELAY_MS)
  --max-delay   longest pause between polls, seconds (default POLL_MAX_DELAY_MS)

wait exits 0 succeeded, 1 failed, 2 still running at --max-wait, 3 error.
Endpoints and credentials come from VPC_ENDPOINT (NETTASK_ENDPOINT for legacy), TENCENTCLOUD_SECRET_ID/_SECRET_KEY/_SESSION_TOKEN, …`;

const EXIT = { succeeded: 0, failed: 1, timedOut: 2, error: 3, interrupted: 130 } as const;

class UsageError extends Error {}

const WAIT_EXIT: Record<WaiterState, number> = { SUCCESS: EXIT.succeeded, FAILURE: EXIT.failed, TIMEOUT: EXIT.timedOut, ABORTED: EXIT.interrupted };

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

async function main(argv: string[], signal?: AbortSignal): Promise<number> {
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        region: { type: "string" },
        api: { type: "string" },
        "max-wait": { type: "string" },
        "min-delay": { type: "string" },
        "max-delay": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [command, rawTaskId, ...extra] = positionals;
  if (command !== "get" && command !== "wait") throw new UsageError(command ? `unknown command "${command}"` : "a command is required");
  if (rawTaskId === undefined) throw new UsageError("a taskId is required");
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (command === "get" && (values["max-wait"] ?? values["min-delay"] ?? values["max-delay"]) !== undefined) {
    throw new UsageError("--max-wait, --min-delay and --max-delay only apply to wait");
  }
  let task: TaskRef;
  try {
    task = resolveTask({ taskId: taskIdArgument(rawTaskId), region: values.region, ...(values.api === undefined ? {} : { api: values.api }) }, "arguments");
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
