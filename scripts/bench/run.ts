/**
 * `npm run bench`: every figure in turn against baselines taken in the same run, progress on
 * stderr, then the table on stdout and in BENCHMARKS.md. Exits 1 when a figure misses its
 * target (the file is written anyway). Needs Redis on 127.0.0.1:6379; builds the bundles and
 * starts its own emulator.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, ROOT } from "../build";
import { startEmulator } from "../emulator/index";
import { bundleSize } from "./bundle-size";
import { clientOverhead } from "./client-overhead";
import { coldStart } from "./cold-start";
import { detectionLatency } from "./detection-latency";
import { pollThroughput } from "./poll-throughput";
import { machine, progress, renderMarkdown, resultsTable, type Figure } from "./report";
import { scale } from "./scale";
import { seconds } from "./stats";
import { buildWholeSdkBundle } from "./whole-sdk-bundle";

/** The bound on the whole run. */
const TIME_BOX_MS = 5 * 60_000;

const started = performance.now();
const date = new Date();
const workDir = mkdtempSync(join(tmpdir(), "nettask-bench-"));
const figures: Figure[] = [];

async function figure(name: string, measure: () => Promise<Figure> | Figure): Promise<void> {
  const from = performance.now();
  figures.push(await measure());
  progress(`${name} done in ${seconds(performance.now() - from)}`);
}

try {
  progress("building the bundles and the whole-SDK variant");
  const built = await build();
  const wholeSdk = await buildWholeSdkBundle(join(ROOT, ".bench", "whole-sdk"));
  const emulator = await startEmulator();
  try {
    await figure("1. client overhead", () => clientOverhead(emulator));
    await figure("2. cold start", () => coldStart(built, wholeSdk, emulator, workDir));
    await figure("3. bundle size", () => bundleSize(built, wholeSdk));
    await figure("4. poll throughput", () => pollThroughput(workDir));
    emulator.reset();
    await figure("5. detection latency", () => detectionLatency(emulator, workDir));
  } finally {
    await emulator.close();
  }
  await figure("6. scale", () => scale(workDir));
} finally {
  rmSync(workDir, { recursive: true, force: true });
}

const durationMs = performance.now() - started;
const rows = figures.flatMap((f) => f.rows);
writeFileSync(join(ROOT, "BENCHMARKS.md"), renderMarkdown({ rows, machine: machine(), date, durationMs, method: figures.map((f) => f.method) }));
console.log(resultsTable(rows));
progress(`whole run ${seconds(durationMs)}; written to BENCHMARKS.md`);
if (durationMs > TIME_BOX_MS) progress(`the run took longer than its ${seconds(TIME_BOX_MS)} time box`);
const missed = rows.filter((row) => row.target && !row.target.met);
for (const row of missed) progress(`MISSED: ${row.figure}, ${row.measure}: ${row.ratio} (target ${row.target!.text}; ratios are rounded in the table)`);
if (missed.length > 0) process.exitCode = 1;
