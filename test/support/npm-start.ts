/**
 * `npm start` (scripts/start.ts) as a child process of a test, and the wait for its "ready"
 * line. The child is handed back before the wait so a test can register it for cleanup first:
 * a start that never gets ready must still be killed when the file ends.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { ROOT } from "../../scripts/build";

export interface NpmStart {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr interleaved as they arrived. */
  output: () => string;
}

export function spawnNpmStart(env: NodeJS.ProcessEnv, args: string[] = []): NpmStart {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts", ...args], { cwd: ROOT, env });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk));
  return { child, output: () => output };
}

/** Resolves once it has printed "ready"; throws with what it printed if it exits first or takes over a minute. */
export async function untilReady({ child, output }: NpmStart): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!/^ready/m.test(output())) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not get ready:\n${output()}`);
    await sleep(50);
  }
}
