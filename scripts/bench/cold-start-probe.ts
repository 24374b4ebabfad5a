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
  /**
   * Ms between the answer and the process's exit, per check run: measureColdStart times whole
   * processes, and what is still open after the answer (fetch's keep-alive socket) delays the
   * exit, which a platform's process, living on, never waits for.
   */
  exitLagMs: number[];
  rounds: ColdStart[];
}

const CHECK_RUNS = 3;

/** One invocation in a fresh `node` with the context measureColdStart gives: the answer, and how long exiting took after it. */
function checkRun({ bundle, event, env }: ProbeRequest): { answer: unknown; exitLagMs: number } {
  const context = "{request_id:'cold-start',getRemainingTimeInMillis:()=>30000}";
  const script = `let answered, answer;
process.on("exit", () => process.stdout.write("\\n" + JSON.stringify({ answer, exitLagMs: performance.now() - answered })));
require(${JSON.stringify(bundle)}).handler(${JSON.stringify(event)},${context}).then((a) => { answer = a; answered = performance.now(); });`;
  const child = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", env });
  if (child.status !== 0) throw new Error(`${bundle} failed its first invocation (exit ${child.status}): ${child.stderr.trim().split("\n").slice(-3).join(" ")}`);
  return JSON.parse(child.stdout.split("\n").at(-1)!);
}

const request = JSON.parse(process.argv[2] ?? "null") as ProbeRequest;
const checks = Array.from({ length: CHECK_RUNS }, () => checkRun(request));
const result: ProbeResult = {
  answers: checks.map((c) => c.answer),
  exitLagMs: checks.map((c) => c.exitLagMs),
  rounds: Array.from({ length: request.rounds }, () =>
    measureColdStart(request.bundle, { runs: request.runsPerRound, event: request.event, env: request.env }),
  ),
};
process.stdout.write(JSON.stringify(result));
