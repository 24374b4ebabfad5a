/**
 * Figure 2: cold start of each function bundle against a bare `node -e ""` measured in the
 * same run, and beside it the whole-SDK variant (whole-sdk-bundle.ts) and the two ways of
 * signing API 3.0 requests (signer-variants.ts). Two numbers per bundle: loading alone (what
 * the 1.25× budget is about) and loading plus the first invocation, the honest cold start,
 * since the bundles defer the function module to then (≤ 2× for the http function's first
 * answer).
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import type { BuiltFunction } from "../build";
import type { ColdStart } from "../build/cold-start";
import { DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, type Emulator } from "../emulator/index";
import type { ProbeRequest, ProbeResult } from "./cold-start-probe";
import type { SignerVariants } from "./signer-variants";
import { deletePrefixed, REDIS_SERVER } from "./redis";
import { progress, type Figure, type Row } from "./report";
import { mb, ms, spread, summarize, times } from "./stats";
import type { WholeSdkBundle } from "./whole-sdk-bundle";

/** Ratio budget of loading a bundle over a bare node. */
const LOAD_BUDGET = 1.25;
/** Ratio budget of the http function's first answer (load + first invocation) over a bare node. */
const FIRST_ANSWER_BUDGET = 2;
const ROUNDS = 7;
const RUNS_PER_ROUND = 5;
const PROBE = fileURLToPath(new URL("./cold-start-probe.ts", import.meta.url));
const API_TOKEN = "bench-cold-start-token";

/** The emulator's seeded succeeded tasks: an API 3.0 RequestId and the legacy integer id. */
const VPC_TASK = "481e9b6e-81d1-4859-b8cf-a673e010b388";
const LEGACY_TASK = 297;

/** An SCF Function URL request reading one task. */
const readTask = (taskId: string | number, region: string) => ({
  httpMethod: "GET",
  path: `/tasks/${taskId}`,
  queryString: { region },
  headers: { authorization: `Bearer ${API_TOKEN}`, host: "bench.example", "x-scf-remote-addr": "127.0.0.1" },
  body: "",
});
const SCF_TIMER = { Type: "Timer", TriggerName: "bench", Time: new Date(0).toISOString(), Message: "" };

interface Measured extends ProbeResult {
  label: string;
}

async function probe(label: string, request: ProbeRequest, accept: (answer: any) => boolean): Promise<Measured> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", PROBE, JSON.stringify(request)], {
    cwd: fileURLToPath(new URL("../..", import.meta.url)),
    maxBuffer: 16 * 1024 * 1024,
  });
  const result = JSON.parse(stdout) as ProbeResult;
  const wrong = result.answers.find((answer) => !accept(answer));
  if (wrong !== undefined)
    throw new Error(`${request.bundle}: unexpected answer to the first invocation: ${JSON.stringify(wrong).slice(0, 300)}`);
  return { label, ...result };
}

interface RowOptions {
  /** Compare with this measurement (its ratio of ours) instead of holding to a budget. */
  against?: Measured;
  /** Budget of the first answer's ratio. */
  invokeBudget?: number;
  /** Hold loading to LOAD_BUDGET (the functions' bundles, which defer their module); default when not compared. */
  loadBudget?: boolean;
}

function rows(measured: Measured, options: RowOptions = {}): Row[] {
  return [loadRow(measured.label, [measured], options), invokeRow(measured, options)];
}

const pick = (measured: readonly Measured[], value: (c: ColdStart) => number) => summarize(measured.flatMap((m) => m.rounds.map(value)));
const rss = (measured: readonly Measured[], value: (c: ColdStart) => number) => mb(pick(measured, value).median);
// Against another measurement by ratio to each one's own bare node: the two ran minutes apart,
// and a machine that drifted in between would otherwise show up as a difference between them.
const versus = (against: Measured | undefined, ratio: (c: ColdStart) => number, median: number) =>
  against ? `; ${times(median / pick([against], ratio).median)} ours` : "";

/** Loading alone; the rounds of every measurement given (the same bundle, loaded the same way) count together. */
function loadRow(label: string, measured: readonly Measured[], { against, loadBudget = !against }: RowOptions = {}): Row {
  const load = pick(measured, (c) => c.load.ms);
  const ratio = pick(measured, (c) => c.loadRatio);
  return {
    figure: "2. cold start",
    measure: `${label}: load (require)`,
    value: ms(load.median),
    baseline: `bare node ${ms(pick(measured, (c) => c.bare.ms).median)}`,
    ratio: times(ratio.median),
    spread: spread(ratio, times),
    ...(loadBudget ? { target: { text: `≤ ${LOAD_BUDGET}×`, met: ratio.median <= LOAD_BUDGET } } : {}),
    note: `RSS ${rss(measured, (c) => c.load.rss)} vs bare ${rss(measured, (c) => c.bare.rss)}${versus(against, (c) => c.loadRatio, ratio.median)}`,
  };
}

function invokeRow(measured: Measured, { against, invokeBudget }: RowOptions = {}): Row {
  const invoke = pick([measured], (c) => c.invoke!.ms);
  const ratio = pick([measured], (c) => c.invokeRatio!);
  return {
    figure: "2. cold start",
    measure: `${measured.label}: load + first invocation`,
    value: ms(invoke.median),
    baseline: `bare node ${ms(pick([measured], (c) => c.bare.ms).median)}`,
    ratio: times(ratio.median),
    spread: spread(ratio, times),
    ...(invokeBudget === undefined ? {} : { target: { text: `≤ ${invokeBudget}×`, met: ratio.median <= invokeBudget } }),
    note: `the honest cold start; RSS ${rss([measured], (c) => c.invoke!.rss)}${versus(against, (c) => c.invokeRatio!, ratio.median)}`,
  };
}

export async function coldStart(
  built: readonly BuiltFunction[],
  wholeSdk: WholeSdkBundle,
  signers: SignerVariants,
  emulator: Emulator,
  workDir: string,
): Promise<Figure> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    NETTASK_ENDPOINT: emulator.endpoint,
    VPC_ENDPOINT: emulator.vpcEndpoint,
    TENCENTCLOUD_SECRET_ID: DEFAULT_SECRET_ID,
    TENCENTCLOUD_SECRET_KEY: DEFAULT_SECRET_KEY,
    API_TOKEN,
    STORE_URL: `sqlite:${join(workDir, "cold-start.db")}`,
    LOG_LEVEL: "error",
  };
  const request = (bundle: string, event: unknown, extraEnv: Record<string, string> = {}): ProbeRequest => ({
    bundle,
    event,
    env: { ...env, ...extraEnv },
    rounds: ROUNDS,
    runsPerRound: RUNS_PER_ROUND,
  });
  const readsSucceededTask = (answer: any) => answer?.statusCode === 200 && JSON.parse(answer.body).status === "succeeded";
  const signedAndRead = (answer: any) => answer?.status === "succeeded";
  const polledNothing = (answer: any) => answer?.claimed === 0 && answer?.problems?.length === 0;
  const bundleOf = (name: string) => built.find((fn) => fn.name === name)!.bundle;
  const measure = (label: string, bundle: string, event: unknown, accept: (answer: any) => boolean, extraEnv?: Record<string, string>) => {
    progress(`cold start: ${label}`);
    return probe(label, request(bundle, event, extraEnv), accept);
  };

  const vpc = await measure(`dist/http (GET /tasks/${VPC_TASK})`, bundleOf("http"), readTask(VPC_TASK, "ap-guangzhou"), readsSucceededTask);
  const legacy = await measure(`dist/http (GET /tasks/${LEGACY_TASK})`, bundleOf("http"), readTask(LEGACY_TASK, "gz"), readsSucceededTask);
  // Both descriptors set NODE_OPTIONS=--enable-source-maps (readable stack traces); Node then parses the map at load.
  const deployed = await measure(
    `dist/http (GET /tasks/${VPC_TASK}) as deployed (NODE_OPTIONS=--enable-source-maps)`,
    bundleOf("http"),
    readTask(VPC_TASK, "ap-guangzhou"),
    readsSucceededTask,
    { NODE_OPTIONS: "--enable-source-maps" },
  );
  // The descriptors' store is Redis, whose shared rate limit the first read books its turn with:
  // that read also loads the Redis chunk and connects.
  const redisPrefix = `bench:cold-start:${randomBytes(6).toString("hex")}:`;
  const withRedis = await measure(
    `dist/http (GET /tasks/${VPC_TASK}) with a Redis STORE_URL (the shared rate limit)`,
    bundleOf("http"),
    readTask(VPC_TASK, "ap-guangzhou"),
    readsSucceededTask,
    { STORE_URL: `${REDIS_SERVER}?prefix=${encodeURIComponent(redisPrefix)}` },
  ).finally(async () => {
    const admin = new Redis(REDIS_SERVER, { maxRetriesPerRequest: 1 });
    await deletePrefixed(admin, redisPrefix).finally(() => admin.quit());
  });
  const poll = await measure("dist/poll (timer, empty store)", bundleOf("poll"), SCF_TIMER, polledNothing);
  const whole = await measure(
    `whole-SDK http variant (GET /tasks/${LEGACY_TASK})`,
    wholeSdk.bundle,
    readTask(LEGACY_TASK, "gz"),
    readsSucceededTask,
  );
  const ours = await measure("signer: the SDK's Sign.sign3, the relay's transport", signers.ours, { taskId: VPC_TASK }, signedAndRead);
  const sdk = await measure("signer: the SDK's VpcClient, loaded on first use", signers.sdk, { taskId: VPC_TASK }, signedAndRead);

  return {
    rows: [
      // Both reads load the same bundle the same way: one load row from the rounds of both.
      loadRow("dist/http", [vpc, legacy]),
      invokeRow(vpc, { invokeBudget: FIRST_ANSWER_BUDGET }),
      invokeRow(legacy, { invokeBudget: FIRST_ANSWER_BUDGET }),
      ...rows(deployed, { against: vpc }),
      invokeRow(withRedis, { against: vpc }),
      ...rows(poll),
      ...rows(whole, { against: legacy }),
      ...rows(ours, { loadBudget: false }),
      ...rows(sdk, { against: ours }),
    ],
    method:
      "**2. Cold start.** `measureColdStart` (scripts/build/cold-start.ts) times fresh `node` processes: a bare " +
      "`node -e` that only reports its memory, the same after `require(bundle)`, and after `require(bundle)` plus one " +
      "`await handler(event, context)`, interleaved. The http function is invoked with SCF Function URL events " +
      `\`GET /tasks/${VPC_TASK}?region=ap-guangzhou\` (DescribeVpcTaskResult) and \`GET /tasks/${LEGACY_TASK}?region=gz\` ` +
      "(DescribeNetTaskResult), answered by the in-process emulator (checked to return 200 and the succeeded task), the poll " +
      "function with an SCF timer event on an empty SQLite store. The bundles defer evaluating the function module to the " +
      "first invocation, so the load ratio alone flatters them; the second row is the real cold start. " +
      "The rows as deployed run the same with NODE_OPTIONS=--enable-source-maps, as both descriptors set it for readable " +
      "stack traces: Node then reads and parses the bundle's source map when it loads it. The row with a Redis STORE_URL " +
      "is the descriptors' store: the first read books its turn with the rate limit every instance shares there, so it " +
      "also loads the Redis chunk and connects to the local Redis. " +
      "Both reads load the same bundle the same way, so their load row is one, over the rounds of both. A note's " +
      "\"× ours\" divides the row's ratio by the compared row's (each to its own bare node), so a machine that drifted " +
      "between the two measurements does not show as a difference between them. " +
      `${ROUNDS} calls of ${RUNS_PER_ROUND} runs each (after one warm-up run per call): the value is the median of the calls' ` +
      "medians, min–max is over the calls' ratios. The whole-SDK variant is the http function with the whole " +
      "tencentcloud-sdk-nodejs required at the top, no lazy chunks and no deferred module, built with the same esbuild settings. " +
      "The signer rows (scripts/bench/signer-variants.ts) are the choice behind lib/upstream: two bundles that each read the " +
      "same vpc task, one through the relay's client (the SDK's `Sign.sign3` under a small node:http transport), one through " +
      "the SDK's `VpcClient` required from a chunk on first use. " +
      "Each timed process exits as soon as it has answered and reported its memory, so the time an open keep-alive socket " +
      "would hold a process open (which a platform's process, living on, never waits for) is not counted.",
  };
}
