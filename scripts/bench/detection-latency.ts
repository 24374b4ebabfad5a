/**
 * Figure 5: from the moment a task finishes upstream to the moment its webhook arrives, for
 * 200 tasks finishing at random times while the poll loop runs. The baseline is the waiter's
 * own maxDelay: a task polled every maxDelay at best is seen up to maxDelay late.
 */
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { text } from "node:stream/consumers";
import { SqliteWatchStore } from "../../lib/watches/sqlite-store";
import type { Emulator } from "../emulator/index";
import { startRelay, watchTasks } from "./bench-relay";
import { progress, type Figure } from "./report";
import { seconds, spread, summarize, times } from "./stats";

const TASKS = 200;
const FINISH_FROM_MS = 10_000;
const FINISH_TO_MS = 40_000;
const MIN_DELAY_MS = 1_000;
const MAX_DELAY_MS = 5_000;
/** High enough that the limit never queues polls: the figure is about the backoff. */
const RATE_LIMIT = 100;
const CONCURRENCY = 16;
/** Time-box: the last task finishes at FINISH_TO_MS; everything must be in well before this. */
const GIVE_UP_MS = FINISH_TO_MS + 4 * MAX_DELAY_MS;

interface Receiver {
  url: string;
  /** taskId → arrival time (epoch ms) of its first delivery. */
  arrivals: Map<number, number>;
  close(): Promise<void>;
}

/** Records when each task's event first arrives. */
async function startReceiver(): Promise<Receiver> {
  const arrivals = new Map<number, number>();
  const server = createServer((request, response) => {
    const at = Date.now();
    void text(request).then(
      (body) => {
        const taskId = (JSON.parse(body) as { data: { taskId: number } }).data.taskId;
        if (!arrivals.has(taskId)) arrivals.set(taskId, at);
        response.writeHead(204).end();
      },
      () => response.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    arrivals,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function detectionLatency(emulator: Emulator, workDir: string): Promise<Figure> {
  const receiver = await startReceiver();
  const store = new SqliteWatchStore(join(workDir, "latency.db"));
  const destination = { type: "webhook", url: receiver.url, secret: `whsec_${randomBytes(32).toString("base64")}` } as const;
  const durations = Array.from({ length: TASKS }, () => Math.round(FINISH_FROM_MS + Math.random() * (FINISH_TO_MS - FINISH_FROM_MS)));
  const tasks = await watchTasks(emulator, store, durations, destination);
  const relay = await startRelay(emulator, store, {
    POLL_MIN_DELAY_MS: String(MIN_DELAY_MS),
    POLL_MAX_DELAY_MS: String(MAX_DELAY_MS),
    POLL_RATE_LIMIT: String(RATE_LIMIT),
    POLL_CONCURRENCY: String(CONCURRENCY),
  });
  const giveUpAt = Date.now() + GIVE_UP_MS;
  try {
    progress(`detection latency: ${TASKS} tasks finishing ${FINISH_FROM_MS / 1000}–${FINISH_TO_MS / 1000} s from now`);
    while (receiver.arrivals.size < TASKS && Date.now() < giveUpAt) {
      await relay.poll({ budgetMs: giveUpAt - Date.now() });
    }
  } finally {
    await relay.close();
    await receiver.close();
  }
  if (receiver.arrivals.size < TASKS)
    throw new Error(`detection latency: only ${receiver.arrivals.size} of ${TASKS} webhooks arrived within ${GIVE_UP_MS / 1000} s`);

  const latency = summarize(tasks.map((t) => receiver.arrivals.get(t.taskId)! - (t.createdAt + t.durationMs)));
  const baseline = `POLL_MAX_DELAY_MS ${seconds(MAX_DELAY_MS)}`;
  const note = `baseline: the waiter's own backoff, it polls a task at most every maxDelay (POLL_MIN_DELAY_MS ${seconds(MIN_DELAY_MS)}); ${TASKS}/${TASKS} delivered; min–max over the tasks`;
  return {
    rows: [
      {
        figure: "5. detection latency",
        measure: "task finished → webhook received, median",
        value: seconds(latency.median),
        baseline,
        ratio: times(latency.median / MAX_DELAY_MS),
        spread: spread(latency, seconds),
        note,
      },
      {
        figure: "5. detection latency",
        measure: "task finished → webhook received, p95",
        value: seconds(latency.p95),
        baseline,
        ratio: times(latency.p95 / MAX_DELAY_MS),
        spread: spread(latency, seconds),
        note,
      },
    ],
    method:
      `**5. Detection latency.** ${TASKS} emulated tasks finish at uniformly random times ${FINISH_FROM_MS / 1000}–${FINISH_TO_MS / 1000} s ` +
      "after they are created (finish time = creation + duration, as the emulator decides it); one due watch each, with a signed " +
      "webhook to a loopback receiver that records when each task's event arrives. The poll loop (`relay.poll`) runs " +
      `continuously with POLL_MIN_DELAY_MS=${MIN_DELAY_MS}, POLL_MAX_DELAY_MS=${MAX_DELAY_MS}, POLL_RATE_LIMIT=${RATE_LIMIT} ` +
      `(high enough never to queue polls) and POLL_CONCURRENCY=${CONCURRENCY}. The baseline is maxDelay: a waiter backs off to ` +
      "polling each task every maxDelay, so it cannot promise better than maxDelay; a ratio ≤ 1 means the relay adds nothing " +
      "beyond its own backoff (about 0.5 is what a uniformly random finish within one poll interval gives).",
  };
}
