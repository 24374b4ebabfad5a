/**
 * The output the secret-leak check reads (leak-check.global.ts): besides what each test
 * process writes to stdout and stderr (tee-output.ts), tests add their children's output and
 * the lines of loggers they keep off the terminal.
 */
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { inject } from "vitest";
import { createLogger, type Logger } from "../../lib/log";

/** This run's capture directory, made by leak-check.global.ts. */
export const captureDir = (): string => inject("leakCaptureDir");

/** Adds `text` to the leak check as output of `source` (a child process, a quiet logger). */
export function recordOutput(source: string, text: string): void {
  appendFileSync(join(captureDir(), `${source}-${process.pid}.log`), text);
}

/** A debug-level logger whose lines go to the leak check instead of the terminal. */
export function quietLogger(source: string): Logger {
  return createLogger({ level: "debug", sink: (line) => recordOutput(source, `${line}\n`) });
}
