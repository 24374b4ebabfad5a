/**
 * One timer invocation's loop: claim due watches a few at a time, advance them with bounded
 * concurrency (the upstream rate limit paces the polls), and keep going until the budget is
 * spent. Returns at once when nothing is scheduled at all.
 */
import { setMaxListeners } from "node:events";
import type { Watch } from "../schemas/index";
import { advanceWatch, type WorkParts } from "./advance";
import { sleep } from "../sleep";

/** Longest idle nap between store checks, so watches registered elsewhere are seen soon. */
const IDLE_NAP_MS = 1_000;

export interface PollReport {
  /** Watches claimed and worked on. */
  claimed: number;
  /** Upstream task queries made, every kind (retries included). */
  requests: number;
  /** Outcomes found this run, by kind. */
  finished: { succeeded: number; failed: number; timedout: number };
  deliveries: { ok: number; failed: number };
  /**
   * Claimed watches given up because another writer took them first (a poller whose claim
   * came after this one's lease ran out, a cancel, a redelivery). Many mean POLL_LEASE_MS is
   * short for how slow the upstream is.
   */
  superseded: number;
  /** Watches registered from the timer argument. */
  registered: number;
  /** Problems that did not stop the run (bad timer argument, upstream errors), safe to log. */
  problems: string[];
  elapsedMs: number;
}

export interface PollRunOptions {
  budgetMs: number;
  owner: string;
  signal?: AbortSignal;
  report: PollReport;
}

export async function runPoll(parts: WorkParts, options: PollRunOptions): Promise<void> {
  const { config, store, now, logger } = parts;
  const { report, owner } = options;
  const deadline = now() + options.budgetMs;
  // Stop taking new work a little before the end so in-flight work can finish and be saved.
  const claimUntil = deadline - Math.min(5_000, options.budgetMs / 4);
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(new Error("poll budget spent")), Math.max(0, options.budgetMs));
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  // Every worker waiting on the rate limiter or a nap listens on this one signal.
  setMaxListeners(config.pollConcurrency * 4 + 10, signal);

  const queue: Watch[] = [];
  let claiming: Promise<boolean> | undefined;
  let done = false;
  // Watches being worked on come due again when they finish (a running task's next poll), so
  // an empty store is only "done" once nothing is in flight; until then idle waits end early
  // whenever a worker finishes.
  let inFlight = 0;
  let wake = (): void => undefined;
  const settled = () => new Promise<void>((resolve) => (wake = resolve));

  /** Fills the queue; false when there is nothing more to do in this run. */
  const refill = async (): Promise<boolean> => {
    while (!signal.aborted && now() < claimUntil) {
      const batch = await store.claimDue({ now: now(), limit: config.pollConcurrency, owner, leaseMs: config.leaseMs });
      if (batch.length > 0) {
        report.claimed += batch.length;
        queue.push(...batch);
        return true;
      }
      const next = await store.nextDueAt();
      const nothingSoon = next === null || next >= claimUntil;
      if (nothingSoon && inFlight === 0) return false;
      const nap = nothingSoon ? IDLE_NAP_MS : Math.min(IDLE_NAP_MS, Math.max(1, next - now()));
      await Promise.race([sleep(nap, signal).catch(() => undefined), settled()]);
    }
    return false;
  };

  const take = async (): Promise<Watch | undefined> => {
    while (!done) {
      const watch = queue.shift();
      if (watch) return watch;
      claiming ??= refill().finally(() => (claiming = undefined));
      if (!(await claiming) && queue.length === 0) done = true;
    }
    return undefined;
  };

  const worker = async () => {
    for (let watch = await take(); watch; watch = await take()) {
      inFlight++;
      try {
        const step = await advanceWatch(watch, owner, parts, signal);
        if (step.finished) report.finished[step.finished]++;
        if (step.delivered === true) report.deliveries.ok++;
        if (step.delivered === false) report.deliveries.failed++;
        if (step.superseded) report.superseded++;
      } catch (error) {
        // Aborted at the end of the budget, or the store failed: the lease runs out and the
        // watch comes due again, so nothing is lost.
        if (!signal.aborted) {
          report.problems.push(`watch ${watch.id}: ${error instanceof Error ? error.message : String(error)}`);
          logger.error("watch step failed", { watchId: watch.id, error });
        }
      } finally {
        inFlight--;
        wake();
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: config.pollConcurrency }, worker));
  } finally {
    clearTimeout(timer);
    // Hand back what was claimed but not started, instead of letting it wait out its lease.
    await Promise.all(queue.splice(0).map((w) => store.save({ ...w, lease: null, dueAt: now() }).catch(() => undefined)));
  }
}
