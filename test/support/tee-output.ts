/**
 * setupFiles module: everything a test process writes to stdout or stderr, directly or through
 * console, is also appended to a file per process in the run's capture directory, where the
 * secret-leak check reads it when the run ends. Writes a test swallows with a mock (to parse
 * its log lines) never reach the terminal and are not copied.
 */
import { openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { format } from "node:util";
import { beforeEach } from "vitest";
import { captureDir } from "./capture";
import { TEST_MARK } from "./leak-check.global";

const file = openSync(join(captureDir(), `process-${process.pid}.log`), "a");
const copy = (chunk: unknown) => {
  writeSync(file, typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8"));
};

type Write = (chunk: unknown, ...rest: unknown[]) => boolean;
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write as Write;
  stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
    copy(chunk);
    return write.call(this, chunk, ...rest);
  } as typeof stream.write;
}

// Vitest's console reports to the main process without going through process.stdout.
for (const method of ["log", "info", "warn", "error", "debug", "trace"] as const) {
  const original = console[method];
  console[method] = (...args: unknown[]) => {
    copy(`${format(...args)}\n`);
    original.apply(console, args);
  };
}

// So the check can say which test wrote a leaked line.
beforeEach(({ task }) => copy(`${TEST_MARK}${task.file.name} > ${task.name}\n`));
