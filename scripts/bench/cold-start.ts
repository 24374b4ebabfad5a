/**
 * Figure 2: cold start of each function bundle against a bare `node -e ""` measured in the
 * same run, and beside it the whole-SDK variant (whole-sdk-bundle.ts). Two numbers per
 * bundle: loading alone (what the 1.25× budget is about) and loading plus the first
 * invocation, the honest cold start, since the bundles defer the function module to then.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { BuiltFunction } from "../build";
import type { ColdStart } from "../build/cold-start";
import { DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, type Emulator } from "../emulator/index";
import type { ProbeRequest, ProbeResult } from "./cold-start-probe";
import { progress, type Figure, type Row } from "./report";
import { mb, ms, spread, summarize, times } from "./stats";
import type { WholeSdkBundle } from "./whole-sdk-bundle";

/** Ratio budget of loading a bundle over a bare node (the number). */
const LOAD_BUDGET = 1.25;
const ROUNDS = 7;
const RUNS_PER_ROUND = 5;
const PROBE = fileURLToPath(new URL("./cold-start-probe.ts", import.meta.url));
const API_TOKEN = "bench-cold-start-token";

/** An SCF Function URL request reading task 297, the seeded task the emulator knows. */
const READ_TASK_297 = {
  httpMethod: "GET",
  path: "/tasks/297",
  queryString: { region: "gz" },
  headers: { authorization: `Bearer ${API_TOKEN}`, host: "bench.example", "x-scf-remote-addr": "127.0.0.1" },
  body: "",
};
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
  if (wrong !== undefined) throw new Error(`${request.bundle}: unexpected answer to the first invocation: ${JSON.stringify(wrong).slice(0, 300)}`);
  return { label, ...result };
}

function rows(measured: Measured, against?: Measured): Row[] {
  const of = (pick: (c: ColdStart) => number) => summarize(measured.rounds.map(pick));
  const bare = of((c) => c.bare.ms);
  const load = of((c) => c.load.ms);
  const invoke = of((c) => c.invoke!.ms);
  const loadRatio = of((c) => c.loadRatio);
  const invokeRatio = of((c) => c.invokeRatio!);
  const rss = (pick: (c: ColdStart) => number) => mb(of(pick).median);
  const versus = (ours: (c: ColdStart) => number, value: number) =>
    against ? `; ${times(value / summarize(against.rounds.map(ours)).median)} ours` : "";
  return [
    {
      figure: "2. cold start",
      measure: `${measured.label}: load (require)`,
      value: ms(load.median),
      baseline: `bare node ${ms(bare.median)}`,
      ratio: times(loadRatio.median),
      spread: spread(loadRatio, times),
      ...(against ? {} : { target: { text: `≤ ${LOAD_BUDGET}×`, met: loadRatio.median <= LOAD_BUDGET } }),
      note: `RSS ${rss((c) => c.load.rss)} vs bare ${rss((c) => c.bare.rss)}${versus((c) => c.load.ms, load.median)}`,
    },
    {
      figure: "2. cold start",
      measure: `${measured.label}: load + first invocation`,
      value: ms(invoke.median),
      baseline: `bare node ${ms(bare.median)}`,
      ratio: times(invokeRatio.median),
      spread: spread(invokeRatio, times),
      note: `the honest cold start; RSS ${rss((c) => c.invoke!.rss)}${versus((c) => c.invoke!.ms, invoke.median)}`,
    },
  ];
}

export async function coldStart(built: readonly BuiltFunction[], wholeSdk: WholeSdkBundle, emulator: Emulator, workDir: string): Promise<Figure> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    NETTASK_ENDPOINT: emulator.endpoint,
    TENCENTCLOUD_SECRET_ID: DEFAULT_SECRET_ID,
    TENCENTCLOUD_SECRET_KEY: DEFAULT_SECRET_KEY,
    API_TOKEN,
    STORE_URL: `sqlite:${join(workDir, "cold-start.db")}`,
    LOG_LEVEL: "error",
  };
  const request = (bundle: string, event: unknown): ProbeRequest => ({ bundle, event, env, rounds: ROUNDS, runsPerRound: RUNS_PER_ROUND });
  const readsTask297 = (answer: any) => answer?.statusCode === 200 && JSON.parse(answer.body).status === "succeeded";
  const polledNothing = (answer: any) => answer?.claimed === 0 && answer?.problems?.length === 0;
  const bundleOf = (name: string) => built.find((fn) => fn.name === name)!.bundle;

  progress("cold start: dist/http");
  const http = await probe("dist/http (GET /tasks/297)", request(bundleOf("http"), READ_TASK_297), readsTask297);
  progress("cold start: dist/poll");
  const poll = await probe("dist/poll (timer, empty store)", request(bundleOf("poll"), SCF_TIMER), polledNothing);
  progress("cold start: whole-SDK http variant");
  const whole = await probe("whole-SDK http variant (GET /tasks/297)", request(wholeSdk.bundle, READ_TASK_297), readsTask297);

  return {
    rows: [...rows(http), ...rows(poll), ...rows(whole, http)],
    method:
      "**2. Cold start.** `measureColdStart` (scripts/build/cold-start.ts) times fresh `node` processes: a bare " +
      "`node -e` that only reports its memory, the same after `require(bundle)`, and after `require(bundle)` plus one " +
      "`await handler(event, context)`, interleaved. The http function is invoked with an SCF Function URL " +
      "`GET /tasks/297?region=gz` answered by the in-process emulator (checked to return 200 and the succeeded task), the poll " +
      "function with an SCF timer event on an empty SQLite store. The bundles defer evaluating the function module to the " +
      "first invocation, so the load ratio alone flatters them; the second row is the real cold start. " +
      `${ROUNDS} calls of ${RUNS_PER_ROUND} runs each (after one warm-up run per call): the value is the median of the calls' ` +
      "medians, min–max is over the calls' ratios. The whole-SDK variant is the http function with the whole " +
      "tencentcloud-sdk-nodejs required at the top, no lazy chunks and no deferred module, built with the same esbuild settings. " +
      "Each timed process exits as soon as it has answered and reported its memory, so the time an open keep-alive socket " +
      "would hold a process open (which a platform's process, living on, never waits for) is not counted.",
  };
}
