/**
 * Runs measureColdStart for figure 2 in a process of its own: it blocks the process it runs in
 * while it times the bundles, and the invocations it times call the emulator, which lives in
 * the bench process and must stay free to answer.
 *
 *   node --import tsx scripts/bench/cold-start-probe.ts '<ProbeRequest as JSON>'  → ProbeResult JSON on stdout
 */
import { spawnSync } from "node:child_process";
import { measureColdStart, type ColdStart } from "../build/cold-start";

export interface ProbeRequest {
  bundle: string;
  /** The first invocation's event. */
  event: unknown;
  env: Record<string, string>;
  /** measureColdStart calls; each gives one median per kind. */
  rounds: number;
  runsPerRound: number;
}

export interface ProbeResult {
  /** What the handler answered to `event` in fresh processes: proof the timed invocation works. */
  answers: unknown[];
  rounds: ColdStart[];
}

const CHECK_RUNS = 3;

/** One invocation in a fresh `node` with the context measureColdStart gives: what it answered. */
function checkRun({ bundle, event, env }: ProbeRequest): unknown {
  const context = "{request_id:'cold-start',getRemainingTimeInMillis:()=>30000}";
  const script = `require(${JSON.stringify(bundle)}).handler(${JSON.stringify(event)},${context}).then((a) => { process.stdout.write("\\n" + JSON.stringify(a)); process.exit(0); });`;
  const child = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", env });
  if (child.status !== 0)
    throw new Error(`${bundle} failed its first invocation (exit ${child.status}): ${child.stderr.trim().split("\n").slice(-3).join(" ")}`);
  return JSON.parse(child.stdout.split("\n").at(-1)!);
}

const request = JSON.parse(process.argv[2] ?? "null") as ProbeRequest;
const result: ProbeResult = {
  answers: Array.from({ length: CHECK_RUNS }, () => checkRun(request)),
  rounds: Array.from({ length: request.rounds }, () =>
    measureColdStart(request.bundle, { runs: request.runsPerRound, event: request.event, env: request.env }),
  ),
};
process.stdout.write(JSON.stringify(result));
