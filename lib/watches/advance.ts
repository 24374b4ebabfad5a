/**
 * One step of work on a watch this invocation holds (claimed, or held inline): poll it, or
 * deliver its event, then save. Everything here is at-least-once on the wire: a crash between
 * a delivery and its save sends the same event (same id, same bytes) again later.
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
  startDelivery,
} from "./lifecycle";
import type { WatchStore } from "./store";

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
}

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

/** Polls a pending watch once and records the answer. Throws only when `signal` aborts. */
export async function pollOnce(watch: Watch, parts: WorkParts, signal?: AbortSignal): Promise<Polled> {
  const { config, now } = parts;
  const backoff = { minDelayMs: config.pollMinDelayMs, maxDelayMs: config.pollMaxDelayMs, random: parts.random };
  let polled: Polled;
  try {
    const result = await parts.client.describe(taskOf(watch), { signal });
    polled = { next: recordResult(watch, result, now(), backoff), finished: outcomeOf(result) };
  } catch (error) {
    if (signal?.aborted) throw error;
    const described = describeError(error);
    polled = { next: recordPollError(watch, described, now(), backoff), error };
    parts.logger.warn("poll failed", { watchId: watch.id, api: watch.api, taskId: watch.taskId, region: watch.region, error: described });
  }
  // The deadline check comes after the poll: the last poll happens at the deadline.
  if (!polled.finished && isPastDeadline(polled.next, now())) polled.finished = "timedout";
  return polled;
}

/** The task a watch waits on. */
export function taskOf(watch: Watch): TaskRef {
  return { api: watch.api, taskId: watch.taskId, region: watch.region } as TaskRef;
}

/** A finished watch, held for delivery: its event is built once here and kept. */
export function finish(watch: Watch, outcome: Outcome, owner: string, parts: WorkParts): Watch {
  const at = parts.now();
  const event = buildEvent(watch, eventTypeOf(watch.api, outcome), at, parts.config.eventSource);
  return hold(startDelivery(watch, event, at), owner, at, parts.config.leaseMs);
}

/** One step on a held watch: poll it if pending (delivering at once if that finishes it), or deliver. */
export async function advanceWatch(watch: Watch, owner: string, parts: WorkParts, signal?: AbortSignal): Promise<StepResult> {
  const { store } = parts;
  if (watch.state === "delivering") return deliverHeld(watch, parts, signal);
  if (watch.state !== "pending") return { watch: await store.save({ ...watch, dueAt: null, lease: null }) };

  const { next, finished } = await pollOnce(watch, parts, signal);
  if (!finished) return { watch: await store.save(next) };
  // Saved before the first attempt, so a crash mid-delivery re-sends the very same event.
  const saved = await store.save(finish(next, finished, owner, parts));
  if (!saved) return { watch: undefined, finished };
  return { ...(await deliverHeld(saved, parts, signal)), finished };
}

/** One delivery attempt of a held delivering watch, recorded and saved. */
export async function deliverHeld(watch: Watch, parts: WorkParts, signal?: AbortSignal): Promise<StepResult> {
  const { config, store, now } = parts;
  if (!watch.event) throw new Error(`watch ${watch.id} is delivering without an event`);
  const outcome = await parts.deliverer.deliver(watch.event, watch.destination, signal);
  if (signal?.aborted && !outcome.ok) throw signal.reason;
  const next = recordAttempt(watch, outcome, now(), config.deliverySchedule, parts.random);
  if (!outcome.ok) {
    parts.logger.warn("delivery attempt failed", { watchId: watch.id, eventId: watch.event.id, status: outcome.status, error: outcome.error, next: next.state });
  }
  return { watch: await store.save(next), delivered: outcome.ok };
}
