/**
 * The relay: what the functions call. getRelay (lib/runtime.ts) builds one per warm container
 * with createRelay; its parts (client, store, deliverer) are interchangeable.
 */
import { randomUUID } from "node:crypto";
import type { Config } from "./config";
import { createDeliverer } from "./delivery/create-deliverer";
import type { Deliverer } from "./delivery/deliverer";
import { checkDestination } from "./delivery/destination-policy";
import { createLogger, type Logger } from "./log";
import { createRateLimiter, type RateLimiter } from "./poll/rate-limiter";
import { runPoll } from "./poll/run-poll";
import { check, validate, ValidationError } from "./schemas/validate";
import { clientOptionsFromConfig, createNetTaskClient, type NetTaskClient } from "./upstream/client";
import { NetTaskError } from "./upstream/errors";
import { deliverHeld, describeError, finish, pollOnce, type WorkParts } from "./watches/advance";
import { cancel, canRedeliver, hold, restartDelivery } from "./watches/lifecycle";
import { newWatch } from "./watches/model";
import { openStore } from "./watches/open-store";
import type { WatchStore } from "./watches/store";
import type { TaskInput, TaskResult, Watch, WatchRequest, WatchState } from "./schemas/index";
import type { ListPage, ListQuery } from "./watches/listing";

export interface PollReport {
  /** Watches claimed and worked on. */
  claimed: number;
  /** Upstream DescribeNetTaskResult calls made (retries included). */
  requests: number;
  /** Outcomes found this run, by kind. */
  finished: { succeeded: number; failed: number; timedout: number };
  deliveries: { ok: number; failed: number };
  /** Watches registered from the timer argument. */
  registered: number;
  /** Problems that did not stop the run (bad timer argument, upstream errors), safe to log. */
  problems: string[];
  elapsedMs: number;
}

export interface Relay {
  /** One DescribeNetTaskResult call, normalised. */
  describeTask(input: TaskInput, signal?: AbortSignal): Promise<TaskResult>;
  /**
   * Registers (or finds) the watch of (taskId, region, destination) and polls it once inline,
   * so an already-finished task is answered and delivered without waiting for the timer.
   */
  registerWatch(request: WatchRequest, signal?: AbortSignal): Promise<{ watch: Watch; created: boolean }>;
  getWatch(id: string): Promise<Watch | undefined>;
  /** Cancels a watch that is not final yet; returns it (unchanged if already final). */
  cancelWatch(id: string): Promise<Watch | undefined>;
  /** Sends a finished watch's event again (dead letters included); throws ConflictError if it has none. */
  redeliver(id: string, signal?: AbortSignal): Promise<Watch | undefined>;
  /** A page of watches, newest first (lib/watches/listing.ts). */
  listWatches(query: ListQuery): Promise<ListPage>;
  /** How many watches the store holds in each state. */
  countWatches(): Promise<Record<WatchState, number>>;
  /** Resolves once the store has answered a query; throws StoreUnavailableError when it cannot. */
  checkStore(): Promise<void>;
  /**
   * One timer invocation: registers watches named in the timer argument, then claims due
   * watches, polls and delivers until `budgetMs` runs out or nothing is due.
   */
  poll(options: { budgetMs: number; signal?: AbortSignal; timerArgument?: string | object }): Promise<PollReport>;
  close(): Promise<void>;
}

/** The request conflicts with the watch's state (e.g. redelivering a watch with no outcome yet). */
export class ConflictError extends Error {
  override readonly name = "ConflictError";
}

/** Parts a caller may supply instead of the ones built from config (tests, benchmarks, the local stack). */
export interface RelayParts {
  store?: WatchStore;
  client?: NetTaskClient;
  deliverer?: Deliverer;
  logger?: Logger;
  rateLimiter?: RateLimiter;
  now?: () => number;
  random?: () => number;
}

/** Upstream answers that mean the watch can never succeed: refuse it instead of storing it. */
const HOPELESS_CODES = new Set([9003, 29258]);

/** Compare-and-set retries for user actions racing a poller. */
const CAS_TRIES = 5;

export async function createRelay(config: Config, parts: RelayParts = {}): Promise<Relay> {
  const logger = parts.logger ?? createLogger({ level: config.logLevel });
  const now = parts.now ?? Date.now;
  const random = parts.random ?? Math.random;
  const store = parts.store ?? (await openStore(config.storeUrl, { platform: config.platform }));
  let requests = 0;
  const limiter = parts.rateLimiter ?? store.sharedRateLimiter?.(config.pollRateLimit) ?? createRateLimiter(config.pollRateLimit);
  const counted: RateLimiter = {
    async acquire(signal) {
      await limiter.acquire(signal);
      requests++;
    },
  };
  const client = parts.client ?? createNetTaskClient({ ...clientOptionsFromConfig(config), rateLimiter: counted, logger });
  const deliverer = parts.deliverer ?? createDeliverer(config, { logger });
  const work: WorkParts = { config, store, client, deliverer, logger, now, random };
  const instance = randomUUID().slice(0, 8);
  let invocations = 0;
  const newOwner = () => `${instance}-${++invocations}`;

  /** Read-modify-write against concurrent pollers: re-reads and re-applies on conflict. */
  async function update(id: string, change: (w: Watch) => Watch | undefined): Promise<Watch | undefined> {
    for (let i = 0; i < CAS_TRIES; i++) {
      const current = await store.get(id);
      if (!current) return undefined;
      const next = change(current);
      if (!next || next === current) return current;
      const saved = await store.save(next);
      if (saved) return saved;
    }
    throw new ConflictError(`watch ${id} is changing too fast; try again`);
  }

  async function registerWatch(request: WatchRequest, signal?: AbortSignal): Promise<{ watch: Watch; created: boolean }> {
    const valid = validate("watchRequest", request, "request body");
    const refused = checkDestination(valid.destination, config);
    if (refused.length > 0) throw new ValidationError("request body", refused);

    const fresh = newWatch(valid, now(), config.defaultDeadlineSeconds);
    const existing = await store.get(fresh.id);
    if (existing) return { watch: existing, created: false };

    // Poll once inline, so an already-finished task is answered and delivered now; a task
    // the upstream says cannot exist is refused before anything is stored.
    const polled = await pollOnce(fresh, work, signal);
    const hopeless = polled.error instanceof NetTaskError && polled.error.code !== undefined && HOPELESS_CODES.has(polled.error.code);
    if (hopeless) throw polled.error;
    const owner = newOwner();
    const first = polled.finished ? finish(polled.next, polled.finished, owner, work) : polled.next;
    const { watch: stored, created } = await store.insert(first);
    if (!created || stored.state !== "delivering") return { watch: stored, created };
    const step = await deliverHeld(stored, work, signal);
    return { watch: step.watch ?? (await store.get(stored.id)) ?? stored, created };
  }

  const relay: Relay = {
    async describeTask(input, signal) {
      return client.describe(validate("taskInput", input, "task"), { signal });
    },

    registerWatch,

    async getWatch(id) {
      return store.get(id);
    },

    async cancelWatch(id) {
      return update(id, (w) => cancel(w, now()));
    },

    async redeliver(id, signal) {
      const owner = newOwner();
      const held = await update(id, (w) => {
        if (!canRedeliver(w)) throw new ConflictError(`watch ${id} has no outcome to deliver yet (state ${w.state})`);
        return hold(restartDelivery(w, now()), owner, now(), config.leaseMs);
      });
      if (!held) return undefined;
      const step = await deliverHeld(held, work, signal);
      return step.watch ?? (await store.get(id));
    },

    async listWatches(query) {
      return store.list(query);
    },

    async countWatches() {
      return store.countByState();
    },

    async checkStore() {
      // The cheapest real query both stores have: the head of the due index.
      await store.nextDueAt();
    },

    async poll({ budgetMs, signal, timerArgument }) {
      const started = now();
      const requestsBefore = requests;
      const report: PollReport = {
        claimed: 0,
        requests: 0,
        finished: { succeeded: 0, failed: 0, timedout: 0 },
        deliveries: { ok: 0, failed: 0 },
        registered: 0,
        problems: [],
        elapsedMs: 0,
      };
      for (const request of parseTimerArgument(timerArgument, report.problems)) {
        try {
          if ((await registerWatch(request, signal)).created) report.registered++;
        } catch (error) {
          report.problems.push(`timer argument watch (taskId ${request.taskId}, region ${request.region}): ${describeError(error).message}`);
        }
      }
      await runPoll(work, { budgetMs: Math.max(0, budgetMs - (now() - started)), owner: newOwner(), signal, report });
      report.requests = requests - requestsBefore;
      report.elapsedMs = now() - started;
      for (const problem of report.problems) logger.warn("poll problem", { problem });
      return report;
    },

    async close() {
      await Promise.allSettled([deliverer.close(), store.close()]);
    },
  };
  return relay;
}

/**
 * The timer's argument: JSON `{"watches": [...]}` as a string (SCF Message) or an object (a
 * Lambda schedule's constant input). Anything wrong is reported and skipped, never thrown:
 * a bad argument must not stop the poll.
 */
function parseTimerArgument(argument: string | object | undefined, problems: string[]): WatchRequest[] {
  if (argument === undefined) return [];
  let value: unknown = argument;
  if (typeof argument === "string") {
    if (argument.trim() === "") return [];
    try {
      value = JSON.parse(argument);
    } catch (error) {
      problems.push(`timer argument is not JSON: ${(error as Error).message}`);
      return [];
    }
  }
  const result = check("timerArgument", value);
  if (result.ok) return result.value.watches ?? [];
  problems.push(`timer argument ignored: ${new ValidationError("timer argument", result.errors).message}`);
  return [];
}
