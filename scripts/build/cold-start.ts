/**
 * Cold start of a function bundle, measured against a bare `node` in the same run (the ratio
 * is what a budget can rely on; milliseconds depend on the machine). `npm run bench` reports it.
 *
 * Loading a bundle evaluates little (build.ts defers the function module to the first
 * invocation), so "load" alone flatters it: pass an `event` to also time loading plus one
 * invocation, which is what a platform's cold start really costs.
 */
import { spawnSync } from "node:child_process";

export interface ColdStartOptions {
  /** Samples of each kind (after one warm-up each); default 15. */
  runs?: number;
  /** Also measure loading plus one invocation of `handler` with this event. */
  event?: unknown;
  /** Environment of the child processes (the invocation may need config); default just PATH. */
  env?: Record<string, string | undefined>;
}

export interface Sample {
  /** Median wall time of the whole process, ms. */
  ms: number;
  /** Median resident set size at the end, bytes. */
  rss: number;
}

export interface ColdStart {
  /** `node -e` that only reports its memory. */
  bare: Sample;
  /** The same after `require(bundle)`. */
  load: Sample;
  /** load.ms / bare.ms. */
  loadRatio: number;
  /** The same after `require(bundle)` and one `await handler(event, context)`. */
  invoke?: Sample;
  invokeRatio?: number;
}

// Exits as soon as it has reported: an open keep-alive socket would otherwise hold the process
// open for a while, which a platform's process, living on, never waits for.
const REPORT = "process.stdout.write('\\n'+process.memoryUsage().rss);process.exit(0)";

function once(script: string, env: ColdStartOptions["env"]): { ms: number; rss: number } {
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", env });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (child.status !== 0)
    throw new Error(`cold start probe failed (exit ${child.status}): ${child.stderr.trim().split("\n").slice(-3).join(" ")}`);
  return { ms, rss: Number(child.stdout.split("\n").at(-1)) };
}

const median = (values: number[]) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)]!;

export function measureColdStart(bundle: string, options: ColdStartOptions = {}): ColdStart {
  const { runs = 15, event, env = { PATH: process.env.PATH } } = options;
  const load = `require(${JSON.stringify(bundle)});`;
  const context = "{request_id:'cold-start',getRemainingTimeInMillis:()=>30000}";
  const scripts: Record<string, string> = { bare: REPORT, load: load + REPORT };
  if (event !== undefined) {
    scripts.invoke = `require(${JSON.stringify(bundle)}).handler(${JSON.stringify(event)},${context}).then(()=>{${REPORT}})`;
  }
  const samples = Object.fromEntries(Object.keys(scripts).map((kind) => [kind, [] as { ms: number; rss: number }[]]));
  for (let i = 0; i <= runs; i++) {
    // Interleaved, so a change in machine load hits every kind alike; the first round warms up.
    for (const [kind, script] of Object.entries(scripts)) {
      const sample = once(script, env);
      if (i > 0) samples[kind]!.push(sample);
    }
  }
  const summary = (kind: string): Sample => ({
    ms: median(samples[kind]!.map((s) => s.ms)),
    rss: median(samples[kind]!.map((s) => s.rss)),
  });
  const bare = summary("bare");
  const result: ColdStart = { bare, load: summary("load"), loadRatio: summary("load").ms / bare.ms };
  if (event !== undefined) {
    result.invoke = summary("invoke");
    result.invokeRatio = result.invoke.ms / bare.ms;
  }
  return result;
}
