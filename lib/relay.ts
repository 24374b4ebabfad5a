/**
 * The relay: what the functions call. getRelay (lib/runtime.ts) builds one per warm container
 * with createRelay; its parts (client, store, deliverer) are interchangeable.
 */
import { randomUUID } from "node:crypto";
import type { Config } from "./config";
import type { Deliverer } from "./delivery/deliverer";
import { lazy } from "./lazy";
import { createTaskReader, type TaskReader } from "./task-reader";
import { createLogger, type Logger } from "./log";
import { ConflictError } from "./errors";
import { sleep } from "./sleep";
import { runPoll, type PollReport } from "./poll/run-poll";
import { ValidationError } from "./schemas/validate";
import { check, validate } from "./schemas/validate-watch";
import { UpstreamError } from "./upstream/errors";
import { resolveTask, taskFieldsOf } from "./upstream/task-ref";
import { attemptWindowMs, deliverHeld, describeError, finish, markAttempt, pollOnce, type WorkParts } from "./poll/advance";
import { cancel, canRedeliver, isSending, restartDelivery } from "./watches/lifecycle";
import { newWatch } from "./watches/model";
import { openStore, sharesRateLimit } from "./watches/open-store";
import type { WatchStore } from "./watches/store";
import type { TaskInput, TaskResult, Watch, WatchRequest, WatchState } from "./schemas/index";
import type { ListPage, ListQuery } from "./watches/listing";

/** What poll() answers: the poll function returns it as its result. */
export type { PollReport };

export interface Relay {
  /** One call of the task's action (its kind inferred when `api` is left out), normalised. */
  describeTask(input: TaskInput, signal?: AbortSignal): Promise<TaskResult>;
  /**
   * Registers (or finds) the watch of (api, taskId, region, destination) and polls it once inline,
   * so an already-finished task is answered and delivered without waiting for the timer.
   */
  registerWatch(request: WatchRequest, signal?: AbortSignal): Promise<{ watch: Watch; created: boolean }>;
  getWatch(id: string): Promise<Watch | undefined>;
  /**
   * Cancels a watch that is not final yet; returns it (unchanged if already final). With an
   * attempt on the wire it first waits for that attempt to end: a watch it delivered stays
   * delivered, so "cancelled" always means no copy of the event was accepted.
   */
  cancelWatch(id: string, signal?: AbortSignal): Promise<Watch | undefined>;
  /**
   * Sends a finished watch's event again (dead letters included), after any attempt on the
   * wire has ended, never alongside it; throws ConflictError if it has no outcome yet.
   */
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

/** Parts a caller may supply instead of the ones built from config (tests, benchmarks, the local stack). */
export interface RelayParts {
  store?: WatchStore;
  /** How to open the store, shared with the reader's rate limit (lib/runtime.ts). */
  openStore?: () => Promise<WatchStore>;
  /** The process's task reader (one rate limit for reads and polls). */
  reader?: TaskReader;
  deliverer?: Deliverer;
  logger?: Logger;
  now?: () => number;
  random?: () => number;
}

/** Compare-and-set retries for user actions racing a poller. */
const CAS_TRIES = 5;
/** How often a user action waiting for an attempt on the wire looks again. */
const SENDING_CHECK_MS = 50;

export async function createRelay(config: Config, parts: RelayParts = {}): Promise<Relay> {
  const logger = parts.logger ?? createLogger({ level: config.logLevel });
  const random = parts.random ?? Math.random;
  // Opened on first use: a relay that only reads tasks needs no store.
  let storeInUse: WatchStore | undefined = parts.store;
  const opener = parts.openStore ?? lazy(() => openStore(config.storeUrl, { platform: config.platform, logger }));
  const openedStore = storeInUse ? async () => storeInUse! : async () => (storeInUse = await opener());
  // Leases and due times are compared across instances: read them on the store's clock.
  const now = parts.now ?? (() => storeInUse?.now?.() ?? Date.now());
  // A Redis store shares one limit among all instances; otherwise each process keeps its own.
  const shared = parts.store ? parts.store.sharedRateLimiter !== undefined : sharesRateLimit(config.storeUrl);
  const reader =
    parts.reader ??
    createTaskReader(config, {
      logger,
      ...(shared && { sharedLimit: async () => (await openedStore()).sharedRateLimiter!(config.pollRateLimit) }),
    });
  const { client } = reader;
  const delivery = lazy(() => import("./delivery/index"));
  const deliverer = parts.deliverer ?? lazyDeliverer(async () => (await delivery()).createDeliverer(config, { logger }));
  const workParts = async (): Promise<WorkParts> => ({ config, store: await openedStore(), client, deliverer, logger, now, random });
  const instance = randomUUID().slice(0, 8);
  let invocations = 0;
  const newOwner = () => `${instance}-${++invocations}`;

  /**
   * Read-modify-write against concurrent pollers: re-reads and re-applies on conflict. While an
   * attempt is on the wire it waits for it to end (at most two attempt windows), so a user
   * action never answers before, nor sends alongside, an attempt already under way.
   */
  async function update(id: string, change: (w: Watch) => Watch | undefined, signal?: AbortSignal): Promise<Watch | undefined> {
    const store = await openedStore();
    const waitUntil = now() + 2 * attemptWindowMs(config);
    for (let conflicts = 0; conflicts < CAS_TRIES; ) {
      const current = await store.get(id);
      if (!current) return undefined;
      if (isSending(current, now())) {
        if (now() >= waitUntil) throw new ConflictError(`a delivery attempt of watch ${id} is still on the wire; try again`);
        await sleep(SENDING_CHECK_MS, signal);
        continue;
      }
      const next = change(current);
      if (!next || next === current) return current;
      const saved = await store.save(next);
      if (saved) return saved;
      conflicts++;
    }
    throw new ConflictError(`watch ${id} is changing too fast; try again`);
  }

  async function registerWatch(request: WatchRequest, signal?: AbortSignal): Promise<{ watch: Watch; created: boolean }> {
    const valid = validate("watchRequest", request, "request body");
    const task = resolveTask(taskFieldsOf(valid), "request body");
    const refused = await (await delivery()).checkDestination(valid.destination, config);
    if (refused.length > 0) throw new ValidationError("request body", refused);

    const work = await workParts();
    const { store } = work;
    const fresh = newWatch(
      { task, destination: valid.destination, deadlineSeconds: valid.deadlineSeconds },
      now(),
      config.defaultDeadlineSeconds,
    );
    const existing = await store.get(fresh.id);
    if (existing) return { watch: existing, created: false };

    // Poll once inline, so an already-finished task is answered and delivered now; a task
    // the upstream says cannot exist is refused before anything is stored.
    const polled = await pollOnce(fresh, work, signal);
    if (polled.error instanceof UpstreamError && polled.error.hopeless) throw polled.error;
    const owner = newOwner();
    const first = polled.finished ? finish(polled.next, polled.finished, owner, work) : polled.next;
    const { watch: stored, created } = await store.insert(first);
    if (!created || stored.state !== "delivering") return { watch: stored, created };
    const step = await deliverHeld(stored, work, signal);
    return { watch: step.watch ?? (await store.get(stored.id)) ?? stored, created };
  }

  const relay: Relay = {
    describeTask: reader.describeTask,

    registerWatch,

    async getWatch(id) {
      return (await openedStore()).get(id);
    },

    async cancelWatch(id, signal) {
      return update(id, (w) => cancel(w, now()), signal);
    },

    async redeliver(id, signal) {
      const owner = newOwner();
      const held = await update(
        id,
        (w) => {
          if (!canRedeliver(w)) throw new ConflictError(`watch ${id} has no outcome to deliver yet (state ${w.state})`);
          return markAttempt(restartDelivery(w, now()), owner, now(), config);
        },
        signal,
      );
      if (!held) return undefined;
      const work = await workParts();
      const step = await deliverHeld(held, work, signal);
      return step.watch ?? (await work.store.get(id));
    },

    async listWatches(query) {
      return (await openedStore()).list(query);
    },

    async countWatches() {
      return (await openedStore()).countByState();
    },

    async checkStore() {
      // The cheapest real query both stores have: the head of the due index.
      await (await openedStore()).nextDueAt();
    },

    async poll({ budgetMs, signal, timerArgument }) {
      const started = now();
      const requestsBefore = reader.requests();
      const report: PollReport = {
        claimed: 0,
        requests: 0,
        finished: { succeeded: 0, failed: 0, timedout: 0 },
        deliveries: { ok: 0, failed: 0 },
        superseded: 0,
        registered: 0,
        problems: [],
        elapsedMs: 0,
      };
      for (const [i, request] of parseTimerArgument(timerArgument, report.problems).entries()) {
        try {
          if ((await registerWatch(request, signal)).created) report.registered++;
        } catch (error) {
          report.problems.push(
            `timer argument watches[${i}] (taskId ${request.taskId}, region ${request.region}): ${describeError(error).message}`,
          );
        }
      }
      await runPoll(await workParts(), { budgetMs: Math.max(0, budgetMs - (now() - started)), owner: newOwner(), signal, report });
      report.requests = reader.requests() - requestsBefore;
      report.elapsedMs = now() - started;
      for (const problem of report.problems) logger.warn("poll problem", { problem });
      return report;
    },

    async close() {
      await Promise.allSettled([deliverer.close(), storeInUse?.close()]);
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

/** A deliverer built on its first delivery; closing one never built does nothing. */
function lazyDeliverer(create: () => Promise<Deliverer>): Deliverer {
  let built: Deliverer | undefined;
  const get = lazy(async () => (built = await create()));
  return {
    async deliver(event, destination, signal) {
      return (await get()).deliver(event, destination, signal);
    },
    async close() {
      await built?.close();
    },
  };
}
