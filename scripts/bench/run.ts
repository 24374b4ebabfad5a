/**
 * `npm run bench`: every figure in turn against baselines taken in the same run, progress on
 * stderr, then the table on stdout and in BENCHMARKS.md. Exits 1 when a figure misses its
 * target (the file is written anyway). Needs Redis on 127.0.0.1:6379; builds the bundles and
 * starts its own emulator.
 *
 *   npm run bench -- --only scale,cold-start   # some figures: the table only, BENCHMARKS.md untouched
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { build, ROOT, type BuiltFunction } from "../build";
import { startEmulator, type Emulator } from "../emulator/index";
import { bundleSize } from "./bundle-size";
import { clientOverhead } from "./client-overhead";
import { coldStart } from "./cold-start";
import { detectionLatency } from "./detection-latency";
import { pollThroughput } from "./poll-throughput";
import { machine, progress, renderMarkdown, resultsTable, type Figure } from "./report";
import { scale } from "./scale";
import { seconds } from "./stats";
import { buildSignerVariants, type SignerVariants } from "./signer-variants";
import { buildWholeSdkBundle } from "./whole-sdk-bundle";

/** The bound on the whole run. */
const TIME_BOX_MS = 5 * 60_000;

/** What the figures share, made on first need (a run of some figures makes only what they use). */
interface Setup {
  built(): Promise<BuiltFunction[]>;
  wholeSdk(): ReturnType<typeof buildWholeSdkBundle>;
  signers(): Promise<SignerVariants>;
  emulator(): Promise<Emulator>;
  workDir: string;
}

/** Every figure, in the order of the table, by the name `--only` takes. */
const FIGURES: [string, string, (setup: Setup) => Promise<Figure>][] = [
  ["client-overhead", "1. client overhead", async (s) => clientOverhead(await s.emulator())],
  [
    "cold-start",
    "2. cold start",
    async (s) => coldStart(await s.built(), await s.wholeSdk(), await s.signers(), await s.emulator(), s.workDir),
  ],
  ["bundle-size", "3. bundle size", async (s) => bundleSize(await s.built(), await s.wholeSdk())],
  ["poll-throughput", "4. poll throughput", async (s) => pollThroughput(s.workDir)],
  [
    "detection-latency",
    "5. detection latency",
    async (s) => {
      const emulator = await s.emulator();
      emulator.reset();
      return detectionLatency(emulator, s.workDir);
    },
  ],
  ["scale", "6. scale", async (s) => scale(s.workDir)],
];

const once = <T>(make: () => Promise<T>) => {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
};

const { values } = parseArgs({ options: { only: { type: "string" } } });
const only = values.only?.split(",").map((name) => name.trim());
const unknown = only?.filter((name) => !FIGURES.some(([key]) => key === name)) ?? [];
if (unknown.length > 0)
  throw new Error(`--only: no figure ${unknown.join(", ")}; the figures are ${FIGURES.map(([key]) => key).join(", ")}`);
const chosen = FIGURES.filter(([key]) => !only || only.includes(key));

const started = performance.now();
const date = new Date();
const workDir = mkdtempSync(join(tmpdir(), "nettask-bench-"));
const figures: Figure[] = [];

let emulator: Promise<Emulator> | undefined;
try {
  const setup: Setup = {
    built: once(() => {
      progress("building the bundles");
      return build();
    }),
    wholeSdk: once(() => {
      progress("building the whole-SDK variant");
      return buildWholeSdkBundle(join(ROOT, ".bench", "whole-sdk"));
    }),
    signers: once(() => {
      progress("building the signer variants");
      return buildSignerVariants(join(ROOT, ".bench", "signer"));
    }),
    emulator: () => (emulator ??= startEmulator()),
    workDir,
  };
  for (const [, name, measure] of chosen) {
    const from = performance.now();
    figures.push(await measure(setup));
    progress(`${name} done in ${seconds(performance.now() - from)}`);
  }
} finally {
  await (await emulator)?.close();
  rmSync(workDir, { recursive: true, force: true });
}

const durationMs = performance.now() - started;
const rows = figures.flatMap((f) => f.rows);
console.log(resultsTable(rows));
if (only) {
  progress(`${chosen.length} of ${FIGURES.length} figures in ${seconds(durationMs)}; BENCHMARKS.md is written by a whole run only`);
} else {
  writeFileSync(
    join(ROOT, "BENCHMARKS.md"),
    renderMarkdown({ rows, machine: machine(), date, durationMs, method: figures.map((f) => f.method) }),
  );
  progress(`whole run ${seconds(durationMs)}; written to BENCHMARKS.md`);
}
if (durationMs > TIME_BOX_MS) progress(`the run took longer than its ${seconds(TIME_BOX_MS)} time box`);
const missed = rows.filter((row) => row.target && !row.target.met);
for (const row of missed)
  progress(`MISSED: ${row.figure}, ${row.measure}: ${row.ratio} (target ${row.target!.text}; ratios are rounded in the table)`);
if (missed.length > 0) process.exitCode = 1;
