/**
 * Figure 4: how much of the configured upstream rate limit one poll invocation uses when
 * there is always work due (300 watches on tasks that run for the whole window), and that it
 * never goes over: the emulator enforces the same limit (4400 beyond it) and its request log
 * gives the busiest sliding second.
 */
import { join } from "node:path";
import { SqliteWatchStore } from "../../lib/watches/sqlite-store";
import { startEmulator } from "../emulator/index";
import { startRelay, watchTasks } from "./bench-relay";
import { progress, type Figure, type Row } from "./report";
import { busiestWindow, spread, summarize } from "./stats";

const RATES = [10, 20, 50];
const RUNS = 3;
const RUN_BUDGET_MS = 5_000;
const WATCHES = 300;
/** Longer than the whole figure: every watch stays due-able. */
const TASK_DURATION_MS = 600_000;
const CONCURRENCY = 8;
/** Never called: the tasks do not finish while measured. */
const UNUSED_DESTINATION = {
  type: "webhook",
  url: "http://127.0.0.1:9/never-called",
  secret: `whsec_${Buffer.alloc(32, 3).toString("base64")}`,
} as const;

/** Requests per second between the first and the last request of a run: all of it with work due. */
function achievedRate(times: readonly number[]): number {
  if (times.length < 2) throw new Error(`a throughput run made ${times.length} request(s); nothing to measure`);
  return (times.length - 1) / ((times.at(-1)! - times[0]!) / 1000);
}

const ratio = (value: number) => value.toFixed(3);

export async function pollThroughput(workDir: string): Promise<Figure> {
  const rows: Row[] = [];
  for (const rate of RATES) {
    const emulator = await startEmulator({ rateLimit: rate, seed: false });
    const utilisation: number[] = [];
    const achieved: number[] = [];
    let busiest = 0;
    let throttled = 0;
    try {
      for (let run = 1; run <= RUNS; run++) {
        progress(`poll throughput: POLL_RATE_LIMIT=${rate}, run ${run}/${RUNS}`);
        // Each run is a poll invocation of its own, with its own limiter: the emulator's window starts afresh too.
        emulator.reset();
        const store = new SqliteWatchStore(join(workDir, `throughput-${rate}-${run}.db`));
        await watchTasks(emulator, store, Array(WATCHES).fill(TASK_DURATION_MS), UNUSED_DESTINATION);
        const relay = await startRelay(emulator, store, { POLL_RATE_LIMIT: String(rate), POLL_CONCURRENCY: String(CONCURRENCY) });
        try {
          await relay.poll({ budgetMs: RUN_BUDGET_MS });
        } finally {
          await relay.close();
        }
        const requests = emulator.requests();
        const times = requests.map((r) => r.at);
        const perSecond = achievedRate(times);
        achieved.push(perSecond);
        utilisation.push(perSecond / rate);
        busiest = Math.max(busiest, busiestWindow(times));
        throttled += requests.filter((r) => r.code === 4400).length;
      }
    } finally {
      await emulator.close();
    }
    const u = summarize(utilisation);
    rows.push({
      figure: "4. poll throughput",
      measure: `requests/s at POLL_RATE_LIMIT=${rate}`,
      value: `${summarize(achieved).median.toFixed(2)} req/s`,
      baseline: `limit ${rate} req/s`,
      ratio: ratio(u.median),
      spread: spread(u, ratio),
      target: { text: "0.9–1, never over the limit", met: u.min >= 0.9 && u.max <= 1 && busiest <= rate && throttled === 0 },
      note: `busiest sliding second ${busiest}/${rate}; throttled (4400) ${throttled}`,
    });
  }
  return {
    rows,
    method:
      `**4. Poll throughput.** For each POLL_RATE_LIMIT, ${RUNS} runs of one \`relay.poll({budgetMs: ${RUN_BUDGET_MS}})\` ` +
      `(createRelay from config, POLL_CONCURRENCY=${CONCURRENCY}) over a fresh SQLite store holding ${WATCHES} due watches on ` +
      "emulated tasks that keep running, so work is due the whole time. The achieved rate is taken from the emulator's " +
      "request log between the run's first and last request; utilisation = achieved ÷ limit (median of the runs, min–max). " +
      "The emulator enforces the same limit in sliding one-second windows (it would answer 4400), and the busiest sliding second " +
      "over all runs is reported against the limit. The rate limiter spaces requests 5% wider than 1/limit to absorb jitter, " +
      "so about 0.95 is the designed ceiling.",
  };
}
