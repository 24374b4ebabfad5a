/**
 * The bundles `npm run build` writes: within their size budgets, CommonJS that plain Node
 * loads, both handler names, source maps beside them, the native and heavy modules outside
 * the main file, and nothing of the function evaluated until the first invocation.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as esbuild from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { BUNDLE_BUDGETS, build, FUNCTIONS, type BuiltFunction } from "../../scripts/build";
import { LAZY_CHUNKS, MAIN_BUNDLE_EXCEPTIONS } from "../../scripts/build/lazy-chunks";

let built: BuiltFunction[];

beforeAll(async () => {
  built = await build();
}, 120_000);

/** Evaluates `expression` in a fresh `node` after `require(bundle)`; returns its JSON. */
function inFreshNode(bundle: string, expression: string): any {
  // The value is taken before touching process.stdout, which loads node:net for a pipe.
  const script = `const m = require(${JSON.stringify(bundle)}); const value = JSON.stringify(${expression}); process.stdout.write(value);`;
  return JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8", env: { PATH: process.env.PATH } }));
}

/** The bundle's inputs; a node_modules linked from outside the repository (a git worktree's) read as its own. */
const inputsOf = ({ metafile }: BuiltFunction) =>
  Object.keys(metafile.inputs).map((input) => input.replace(/^(?:\.\.\/)+.*?node_modules\//, "node_modules/"));

describe.each(FUNCTIONS)("dist/%s", (name) => {
  const fn = () => built.find((f) => f.name === name)!;

  it("stays within its size budget", async () => {
    const { bytes, metafile } = fn();
    const top = bytes > BUNDLE_BUDGETS[name] ? await esbuild.analyzeMetafile(metafile, { verbose: false }) : "";
    expect(bytes, `${name} is ${bytes} bytes, budget ${BUNDLE_BUDGETS[name]}; biggest inputs:\n${top}`).toBeLessThanOrEqual(
      BUNDLE_BUDGETS[name],
    );
    expect(readFileSync(fn().bundle).length).toBe(bytes);
  });

  it("is minified CommonJS with its source map beside it, loaded by plain Node under both handler names", () => {
    const { dir, bundle } = fn();
    expect(JSON.parse(readFileSync(join(dir, "package.json"), "utf8"))).toEqual({ type: "commonjs" });
    const code = readFileSync(bundle, "utf8");
    expect(code.trimEnd().split("\n").at(-1)).toBe("//# sourceMappingURL=index.js.map");
    // Minified: long lines (the few line breaks left are inside template strings, e.g. Lua scripts).
    expect(code.length / code.split("\n").length).toBeGreaterThan(1_000);
    expect(JSON.parse(readFileSync(`${bundle}.map`, "utf8")).sources.some((s: string) => s.endsWith(`functions/${name}.ts`))).toBe(true);
    expect(inFreshNode(bundle, "{ handler: typeof m.handler, main: typeof m.main_handler, same: m.handler === m.main_handler }")).toEqual({
      handler: "function",
      main: "function",
      same: true,
    });
  });

  it("leaves the native SQLite module and the lazy packages out of the main file, but for the SDK's signer", () => {
    const inputs = inputsOf(fn());
    for (const left of ["better-sqlite3", "tencentcloud-sdk-nodejs", "amqplib", "ioredis"]) {
      expect(inputs.filter((input) => input.includes(`node_modules/${left}/`) && !MAIN_BUNDLE_EXCEPTIONS.includes(input))).toEqual([]);
    }
    expect(inputs).toEqual(expect.arrayContaining(MAIN_BUNDLE_EXCEPTIONS));
    expect(readFileSync(fn().bundle, "utf8")).not.toContain('require("better-sqlite3")');
    expect(readFileSync(join(fn().dir, "chunks", "sqlite-store.js"), "utf8")).toContain('require("better-sqlite3")');
  });

  it("has each lazy chunk beside it, required only where it is needed, loadable on its own", () => {
    const { dir, bundle, chunks } = fn();
    // The watch routes are the http function's alone.
    expect(Object.keys(chunks).sort()).toEqual(
      Object.keys(LAZY_CHUNKS)
        .filter((chunk) => name === "http" || chunk !== "watch-routes")
        .sort(),
    );
    // Where each chunk is required from: the main file, or a chunk that loads another.
    const requiring = [bundle, ...Object.keys(chunks).map((chunk) => join(dir, "chunks", `${chunk}.js`))].map((file) =>
      readFileSync(file, "utf8"),
    );
    const expectedExport: Record<string, string> = {
      delivery: "createDeliverer",
      "sdk-credentials": "sdkCredentialProviders",
      tdmq: "TdmqClient",
      amqplib: "connect",
      "redis-store": "openRedisStore",
      "sqlite-store": "SqliteWatchStore",
      relay: "createRelay",
      "watch-routes": "registerWatch",
    };
    for (const chunk of Object.keys(chunks)) {
      const file = join(dir, "chunks", `${chunk}.js`);
      expect(existsSync(`${file}.map`)).toBe(true);
      const requires = requiring.map(
        (code) => code.split(`require("./chunks/${chunk}.js")`).length - 1 + code.split(`require("./${chunk}.js")`).length - 1,
      );
      // Once per file that needs it (the SDK's credential providers: the upstream client and CMQ delivery).
      expect(
        requires.reduce((a, b) => a + b),
        chunk,
      ).toBeGreaterThanOrEqual(1);
      expect(Math.max(...requires), chunk).toBe(1);
      expect(inFreshNode(file, `typeof m.${expectedExport[chunk]}`)).not.toBe("undefined");
    }
  });

  it("leaves watching (the relay, the watch routes, their validators) out of the main file: reading a task does not load it", () => {
    const inputs = inputsOf(fn());
    for (const left of ["lib/relay.ts", "lib/http/watch-routes.ts", "lib/schemas/watch-validators.generated.js", "lib/poll/run-poll.ts"]) {
      expect(inputs, left).not.toContain(left);
    }
  });

  it("evaluates nothing of the function until the first invocation", () => {
    // What the function needs (ioredis, its HTTP clients) would pull these in; `node -e` alone does not.
    const network = ["http", "https", "tls", "net", "dns", "zlib"].map((m) => `NativeModule ${m}`);
    const loaded = inFreshNode(
      fn().bundle,
      `{ files: Object.keys(require.cache).length, network: process.moduleLoadList.filter((l) => ${JSON.stringify(network)}.includes(l)) }`,
    );
    expect(loaded).toEqual({ files: 1, network: [] });
  });
});

it("gives stack traces in the TypeScript sources when run with --enable-source-maps, as deployed", () => {
  const poll = built.find((f) => f.name === "poll")!;
  // A STORE_URL that cannot work makes the timer function throw from lib/config.ts.
  const script = `require(${JSON.stringify(poll.bundle)}).handler({ Type: "Timer" }, {}).catch((e) => process.stdout.write("\\n" + e.stack));`;
  const stack = (nodeOptions: string) =>
    execFileSync(process.execPath, ["-e", script], {
      encoding: "utf8",
      env: { PATH: process.env.PATH, NODE_OPTIONS: nodeOptions, STORE_URL: "mysql://x", LOG_LEVEL: "error" },
    });
  expect(stack("--enable-source-maps")).toMatch(/\(.*lib\/config\.ts:\d+:\d+\)/);
  expect(stack("")).not.toMatch(/\.ts:\d+/);
});
