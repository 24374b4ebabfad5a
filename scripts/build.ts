/**
 * Bundles each cloud function (functions/<fn>.ts) into dist/<fn>/index.js: CommonJS for
 * Node 20, minified, its source map beside it, exporting `handler` (Lambda) and
 * `main_handler` (SCF). Heavy modules only some invocations need become lazy chunks
 * (scripts/build/lazy-chunks.ts).
 *
 *   tsx scripts/build.ts             # build, print sizes against the budgets
 *   tsx scripts/build.ts --analyze   # … and what takes the room (esbuild's metafile analysis)
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { writeValidators } from "./gen-validators";
import { ioredisQuickLoad } from "./build/ioredis-quick-load";
import { ioredisSingleNode } from "./build/ioredis-single-node";
import { LAZY_CHUNKS, LAZY_PACKAGES, lazyChunks, MAIN_BUNDLE_EXCEPTIONS } from "./build/lazy-chunks";

export const FUNCTIONS = ["http", "poll"] as const;
export type FunctionName = (typeof FUNCTIONS)[number];

/** Bytes of each minified main bundle, lazy chunks excluded: 250 and 300 KB as esbuild counts them. */
export const BUNDLE_BUDGETS: Readonly<Record<FunctionName, number>> = { http: 250 * 1024, poll: 300 * 1024 };

export const ROOT = fileURLToPath(new URL("..", import.meta.url));

export interface BuiltFunction {
  name: FunctionName;
  /** dist/<fn>, absolute. */
  dir: string;
  /** dist/<fn>/index.js, absolute. */
  bundle: string;
  bytes: number;
  /** Lazy chunk name → bytes. */
  chunks: Record<string, number>;
  metafile: esbuild.Metafile;
}

/** The esbuild settings of every bundle (the bench builds its whole-SDK variant with them too). */
export const BUNDLE_OPTIONS: esbuild.BuildOptions = {
  absWorkingDir: ROOT,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  minify: true,
  sourcemap: "linked",
  // Stack traces need only the mappings; the sources themselves would triple the map Node parses at start-up.
  sourcesContent: false,
  legalComments: "none",
  // Native: cannot be bundled. Only the SQLite store (STORE_URL=sqlite:…, local runs) loads it,
  // from node_modules; the cloud functions use Redis.
  external: ["better-sqlite3"],
  // Dependencies of dependencies that Node does natively (scripts/build/shims/ says why each is safe).
  alias: {
    debug: "./scripts/build/shims/debug.cjs",
    "fast-sha256": "./scripts/build/shims/fast-sha256.cjs",
    "@stablelib/base64": "./scripts/build/shims/stablelib-base64.cjs",
  },
  // Turns import() into require(), so the lazy chunks load as the CommonJS files they are.
  supported: { "dynamic-import": false },
  logLevel: "warning",
};

/** Changes to dependencies every bundle and chunk gets (each plugin's file says why). */
export const DEPENDENCY_PLUGINS: esbuild.Plugin[] = [ioredisSingleNode, ioredisQuickLoad];

/** Stand-ins in the main bundles only: the lazy chunks keep the real modules. */
export const MAIN_BUNDLE_SHIMS = {
  "json-bigint": "./scripts/build/shims/json-bigint.cjs",
  tslib: "./scripts/build/shims/tslib.cjs",
  "node:stream/web": "./scripts/build/shims/stream-web.cjs",
};

const bundle = (options: esbuild.BuildOptions) => esbuild.build({ ...BUNDLE_OPTIONS, ...options, metafile: true, write: false });

/**
 * The bundle's entry: exports the function's handler under both names, and evaluates the
 * function module (and everything it imports: Node's crypto and https, ioredis, the
 * validators) on the first invocation instead of when the runtime loads the file. That keeps
 * loading cheap; the first invocation pays the rest (scripts/build/cold-start.ts measures both).
 */
function entryOf(name: FunctionName): string {
  return `let fn;
export async function handler(event, context) {
  fn ??= await import("./functions/${name}");
  return fn.handler(event, context);
}
export { handler as main_handler };
`;
}

async function buildFunction(name: FunctionName, outDir: string): Promise<BuiltFunction> {
  const dir = join(outDir, name);
  const used = new Set<string>();
  const main = await bundle({
    stdin: { contents: entryOf(name), resolveDir: ROOT, sourcefile: `functions/${name}.entry.js` },
    outdir: dir,
    entryNames: "index",
    plugins: [lazyChunks(ROOT, used), ...DEPENDENCY_PLUGINS],
    // What only the main bundles stand in for (the shims say why each is safe there).
    alias: { ...BUNDLE_OPTIONS.alias, ...MAIN_BUNDLE_SHIMS },
  });
  const leaked = Object.keys(main.metafile.inputs).filter(
    (input) => LAZY_PACKAGES.some((p) => input.startsWith(`node_modules/${p}/`)) && !MAIN_BUNDLE_EXCEPTIONS.includes(input),
  );
  if (leaked.length > 0) {
    throw new Error(
      `${name}: ${leaked[0]} (and ${leaked.length - 1} more) ended up in the main bundle; import it only through a module of LAZY_CHUNKS`,
    );
  }
  // A chunk may load chunks of its own (delivery loads the TDMQ client and amqplib): build
  // until every chunk referred to is built.
  const chunks = new Map<string, esbuild.BuildResult>();
  for (let pending = [...used]; pending.length > 0; pending = [...used].filter((chunk) => !chunks.has(chunk))) {
    const results = await Promise.all(
      pending.map((chunk) =>
        bundle({
          entryPoints: { [chunk]: LAZY_CHUNKS[chunk]! },
          outdir: join(dir, "chunks"),
          plugins: [lazyChunks(ROOT, used, "./"), ...DEPENDENCY_PLUGINS],
        }),
      ),
    );
    for (const [i, chunk] of pending.entries()) chunks.set(chunk, results[i]!);
  }
  const files = [main, ...chunks.values()].flatMap((result) => result.outputFiles!);
  // The repo's package.json says "type": "module"; this one makes Node load the bundle as CommonJS.
  const manifest = { path: join(dir, "package.json"), contents: Buffer.from('{"type":"commonjs"}\n') };
  writeExactly(dir, [...files, manifest]);
  const bytes = (file: string) => files.find((f) => f.path === file)!.contents.length;
  return {
    name,
    dir,
    bundle: join(dir, "index.js"),
    bytes: bytes(join(dir, "index.js")),
    chunks: Object.fromEntries([...used].map((chunk) => [chunk, bytes(join(dir, "chunks", `${chunk}.js`))])),
    metafile: main.metafile,
  };
}

/**
 * Makes `dir` hold exactly `files`. Each file is written beside the function directories and
 * renamed into place, so whoever reads `dir` meanwhile (a process loading the bundle, a
 * packager, a second build: test files run in parallel) never sees half a file or a temporary
 * one. Files left from older builds are removed.
 */
function writeExactly(dir: string, files: ReadonlyArray<{ path: string; contents: Uint8Array }>): void {
  for (const file of files) {
    mkdirSync(dirname(file.path), { recursive: true });
    const temporary = join(dir, "..", `.${randomUUID()}.tmp`);
    writeFileSync(temporary, file.contents);
    renameSync(temporary, file.path);
  }
  const keep = new Set(files.map((f) => f.path));
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isFile() && !keep.has(path)) rmSync(path);
  }
}

/** Regenerates the validators, then bundles every function into `outDir` (default dist/). */
export async function build(outDir = join(ROOT, "dist")): Promise<BuiltFunction[]> {
  writeValidators();
  return Promise.all(FUNCTIONS.map((name) => buildFunction(name, outDir)));
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const built = await build();
  for (const fn of built) {
    const over = fn.bytes > BUNDLE_BUDGETS[fn.name] ? "  OVER BUDGET" : "";
    console.log(`${relative(ROOT, fn.bundle)}  ${kb(fn.bytes)} (budget ${kb(BUNDLE_BUDGETS[fn.name])})${over}`);
    for (const [chunk, bytes] of Object.entries(fn.chunks)) console.log(`  chunks/${chunk}.js  ${kb(bytes)} (lazy)`);
    if (process.argv.includes("--analyze")) console.log(await esbuild.analyzeMetafile(fn.metafile));
  }
  if (built.some((fn) => fn.bytes > BUNDLE_BUDGETS[fn.name])) process.exitCode = 1;
}
