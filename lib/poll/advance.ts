/**
 * One step of work on a watch this invocation holds (claimed, or held inline): poll it, or
 * deliver its event, then save. Everything here is at-least-once on the wire: a crash between
 * a delivery and its save sends the same event (same id, same bytes) again later. Never twice
 * at once, and never after someone else wrote the watch: every send is fenced by a
 * compare-and-set save that renews the lease and marks the attempt (lifecycle.startAttempt).
 */
import { buildEvent } from "../delivery/event";
import type { Deliverer } from "../delivery/deliverer";
import type { Config } from "../config";
import type { Logger } from "../log";
import type { TaskRef, Watch } from "../schemas/index";
import type { TaskClient } from "../upstream/client";
import { UpstreamError } from "../upstream/errors";
import {
  eventTypeOf,
  hold,
  isPastDeadline,
  outcomeOf,
  type Outcome,
  recordAttempt,
  recordPollError,
  recordResult,
  startAttempt,
  startDelivery,
} from "../watches/lifecycle";
import type { WatchStore } from "../watches/store";

export interface WorkParts {
  config: Config;
  store: WatchStore;
  client: TaskClient;
  deliverer: Deliverer;
  logger: Logger;
  now: () => number;
  random: () => number;
}

export interface StepResult {
  /** The watch as saved, or undefined if someone else wrote it first (cancelled, re-claimed). */
  watch: Watch | undefined;
  finished?: Outcome;
  delivered?: boolean;
  /** The watch was dropped: another writer (a poller whose claim came later, a user action) took it. */
  superseded?: boolean;
}

/** Time an attempt may take beyond WEBHOOK_TIMEOUT_MS before the mark on the watch expires. */
const ATTEMPT_GRACE_MS = 1_000;

/** How long an attempt's mark lasts: the sender gives up after WEBHOOK_TIMEOUT_MS. */
export const attemptWindowMs = (config: Config) => config.webhookTimeoutMs + ATTEMPT_GRACE_MS;

/** Safe to store and show: the error's own message (UpstreamError messages never carry secrets). */
export function describeError(error: unknown): { code?: number | string; message: string } {
  if (error instanceof UpstreamError) return { ...(error.code === undefined ? {} : { code: error.code }), message: error.message };
  return { message: error instanceof Error ? error.message : String(error) };
}

export interface Polled {
  /** The watch with the poll recorded (not saved yet). */
  next: Watch;
  /** Set when this poll ends the watch: the task finished, or the deadline passed. */
  finished?: Outcome;
  /** The poll's error, when it failed. */
  error?: unknown;
}

/**
 * Polls a pending watch once and records the answer. A poll still unanswered at `endBy` (epoch
 * ms: the end of the lease, less time to save) is recorded as failed. Throws only when
 * `signal` aborts.
 */
export async function pollOnce(watch: Watch, parts: WorkParts, signal?: AbortSignal, endBy?: number): Promise<Polled> {
  const { config, now } = parts;
  const backoff = { minDelayMs: config.pollMinDelayMs, maxDelayMs: config.pollMaxDelayMs, random: parts.random };
  const lease = endBy === undefined ? undefined : AbortSignal.timeout(Math.max(0, endBy - now()));
  const stop = lease && signal ? AbortSignal.any([signal, lease]) : (lease ?? signal);
  let polled: Polled;
  try {
    const result = await parts.client.describe(taskOf(watch), { signal: stop });
    polled = { next: recordResult(watch, result, now(), backoff), finished: outcomeOf(result) };
  } catch (error) {
    if (signal?.aborted) throw error;
    const described = lease?.aborted
      ? { message: "the upstream did not answer before the watch's lease (POLL_LEASE_MS) ran out" }
      : describeError(error);
    polled = { next: recordPollError(watch, described, now(), backoff), error };
    parts.logger.warn("poll failed", { watchId: watch.id, api: watch.api, taskId: watch.taskId, region: watch.region, error: described });
  }
  // The deadline check comes after the poll: the last poll happens at the deadline.
  if (!polled.finished && isPastDeadline(polled.next, now())) polled.finished = "timedout";
  return polled;
}

/** The task a watch waits on. */
function taskOf(watch: Watch): TaskRef {
  return { api: watch.api, taskId: watch.taskId, region: watch.region } as TaskRef;
}

/** The watch held by `owner` for one lease, its attempt marked for the attempt window (lifecycle.startAttempt). */
export function markAttempt(watch: Watch, owner: string, at: number, config: Config): Watch {
  return startAttempt(watch, owner, at, config.leaseMs, attemptWindowMs(config));
}

/** A finished watch, held and marked for its first attempt: its event is built once here and kept. */
export function finish(watch: Watch, outcome: Outcome, owner: string, parts: WorkParts): Watch {
  const at = parts.now();
  const event = buildEvent(watch, eventTypeOf(watch.api, outcome), at, parts.config.eventSource);
  return markAttempt(startDelivery(watch, event, at), owner, at, parts.config);
}

/**
 * The fence of a send: renews the lease and marks the attempt with a compare-and-set save.
 * Undefined when anyone wrote the watch since it was read: then it is theirs, not ours.
 */
function fenceAttempt(watch: Watch, owner: string, parts: WorkParts): Promise<Watch | undefined> {
  return parts.store.save(markAttempt(watch, owner, parts.now(), parts.config));
}

/** A claimed watch with at least half a lease left, renewed (compare-and-set) if it had less. */
async function keepLease(watch: Watch, owner: string, parts: WorkParts): Promise<Watch | undefined> {
  const { leaseMs } = parts.config;
  const now = parts.now();
  if (watch.lease?.owner === owner && watch.lease.until - now >= leaseMs / 2) return watch;
  return parts.store.save(hold(watch, owner, now, leaseMs));
}

/** One step on a held watch: poll it if pending (delivering at once if that finishes it), or deliver. */
export async function advanceWatch(watch: Watch, owner: string, parts: WorkParts, signal?: AbortSignal): Promise<StepResult> {
  const { store, config } = parts;
  if (watch.state === "delivering") {
    const fenced = await fenceAttempt(watch, owner, parts);
    return fenced ? deliverHeld(fenced, parts, signal) : { watch: undefined, superseded: true };
  }
  if (watch.state !== "pending") return { watch: await store.save({ ...watch, dueAt: null, lease: null }) };

  const held = await keepLease(watch, owner, parts);
  if (!held) return { watch: undefined, superseded: true };
  // Given up before the lease ends: a slow upstream cannot keep this poller on a watch another one may claim.
  const { next, finished } = await pollOnce(held, parts, signal, held.lease!.until - config.leaseMs / 10);
  if (!finished) {
    const saved = await store.save(next);
    return saved ? { watch: saved } : { watch: undefined, superseded: true };
  }
  // Saved before the first attempt, so a crash mid-delivery re-sends the very same event.
  const saved = await store.save(finish(next, finished, owner, parts));
  if (!saved) return { watch: undefined, finished, superseded: true };
  return { ...(await deliverHeld(saved, parts, signal)), finished };
}

/** One delivery attempt of a watch just fenced (`startAttempt` saved), recorded and saved. */
export async function deliverHeld(watch: Watch, parts: WorkParts, signal?: AbortSignal): Promise<StepResult> {
  const { config, store, now } = parts;
  if (!watch.event) throw new Error(`watch ${watch.id} is delivering without an event`);
  const outcome = await parts.deliverer.deliver(watch.event, watch.destination, signal);
  if (signal?.aborted && !outcome.ok) throw signal.reason;
  const next = recordAttempt(watch, outcome, now(), config.deliverySchedule, parts.random);
  if (!outcome.ok) {
    parts.logger.warn("delivery attempt failed", {
      watchId: watch.id,
      eventId: watch.event.id,
      status: outcome.status,
      error: outcome.error,
      next: next.state,
    });
  }
  const saved = await store.save(next);
  if (!saved)
    parts.logger.warn("delivery attempt not recorded: the watch was taken over after its attempt window", {
      watchId: watch.id,
      eventId: watch.event.id,
      ok: outcome.ok,
    });
  return { watch: saved, delivered: outcome.ok };
}
