/**
 * globalSetup module: makes the directory where every test process's output is collected
 * (tee-output.ts, capture.ts) and, when the run ends, fails the run if any known test secret
 * or anything shaped like one appears in that output. Vitest has no separate globalTeardown:
 * the function returned here is the teardown, and a throw from it fails the run.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    leakCaptureDir: string;
  }
}

/** Starts a line of captured output naming the test whose output follows (tee-output.ts writes them). */
export const TEST_MARK = "[leak-check] test: ";

export default function setup(project: TestProject): () => Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "nettask-output-"));
  project.provide("leakCaptureDir", dir);
  return async () => {
    // Loaded only now: every test process imports TEST_MARK from here, and the list of secrets is heavy.
    const { findLeaks } = await import("./secrets");
    const files = readdirSync(dir);
    if (files.length === 0)
      throw new Error(`secret-leak check: no test output was captured in ${dir}; is test/support/tee-output.ts in setupFiles?`);
    const leaks = files.flatMap((name) => {
      const text = readFileSync(join(dir, name), "utf8");
      const lines = text.split("\n");
      const testAt = (line: number) =>
        lines
          .slice(0, line)
          .findLast((l) => l.startsWith(TEST_MARK))
          ?.slice(TEST_MARK.length) ?? "outside any test";
      return findLeaks(text).map((leak) => `  ${name}:${leak.line}: ${leak.what} (in ${testAt(leak.line)})`);
    });
    // The evidence stays for inspection; the message itself names secrets, never shows them.
    if (leaks.length > 0) throw new Error(`secret-leak check: secrets in test output (kept in ${dir}):\n${leaks.join("\n")}`);
    rmSync(dir, { recursive: true, force: true });
  };
}
