/**
 * The dependency rule (docs/architecture.md, "Layers"; .dependency-cruiser.cjs) holds for lib/
 * and functions/, and would catch each kind of break: a fixture tree breaks every rule once.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const CONFIG = join(ROOT, ".dependency-cruiser.cjs");
const DEPCRUISE = join(ROOT, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs");

/** `npm run lint:deps` in `cwd`: its exit code (the number of violations, with an `err` output type) and its output. */
async function depcruise(cwd: string, outputType: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [DEPCRUISE, "lib", "functions", "--config", CONFIG, "--output-type", outputType],
      { cwd, maxBuffer: 64 << 20 },
    );
    return { code: 0, output: stdout };
  } catch (error) {
    const { code, stdout, stderr } = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof code !== "number") throw error;
    return { code, output: `${stdout ?? ""}${stderr ?? ""}` };
  }
}

describe("the dependency rule", () => {
  it("holds for lib/ and functions/", { timeout: 60_000 }, async () => {
    const { code, output } = await depcruise(ROOT, "err-long");
    if (code !== 0) expect.fail(`npm run lint:deps finds violations:\n${output}`);
    expect(output).toMatch(/no dependency violations found \(\d+ modules/);
  });

  it("catches a cycle (through a dynamic or a type-only import), an import up the layers, an unlayered file, and imports lib/ must not make", {
    timeout: 60_000,
  }, async () => {
    const { output } = await depcruise(join(ROOT, "test/fixtures/layers"), "json");
    const { summary } = JSON.parse(output) as { summary: { violations: { from: string; to: string; rule: { name: string } }[] } };
    const found = summary.violations
      .map(({ rule, from, to }) => `${rule.name}: ${from} → ${to.replace(/^.*node_modules\//, "node_modules/")}`)
      .sort();
    expect(found).toEqual([
      "layer-config: lib/config.ts → lib/upstream/sign.ts",
      "layer-poll: lib/poll/run.ts → lib/relay.ts",
      "lib-in-a-layer: lib/helpers.ts → lib/errors.ts",
      "lib-not-to-dev-dep: lib/watches/ids.ts → node_modules/fast-check/lib/cjs/fast-check.d.ts",
      "lib-not-to-outside: lib/http/api.ts → functions/handler.ts",
      "lib-not-to-platform: lib/http/api.ts → node_modules/@middy/core/index.d.ts",
      "no-circular: lib/config.ts → lib/upstream/sign.ts",
      "no-circular: lib/poll/run.ts → lib/relay.ts",
      "not-to-unresolvable: lib/watches/ids.ts → ./missing",
    ]);
  });
});
