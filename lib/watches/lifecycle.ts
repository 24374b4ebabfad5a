/**
 * How a watch moves between states, as pure functions of (watch, what happened, now). The
 * relay does the I/O and saves what these return; keeping the rules here makes them testable
 * without a store, an upstream or a receiver.
 *
 *   pending ──result final──▶ delivering ──2xx──▶ delivered   (expired for a timedout event)
 *      │                          │  └──attempts exhausted / permanent failure──▶ failed (replayable)
 *      └──deadline passed─────────┘
 *   any non-final state ──cancel──▶ cancelled
 *
 * Whoever works on a watch holds its lease; whoever sends its event first marks the attempt
 * (`startAttempt`) in the same compare-and-set save that renews the lease, so no one sends
 * a watch that another writer has touched since it was read.
 */
import type { DeliveryOutcome } from "../delivery/deliverer";
import { nextAttemptDelay } from "../delivery/schedule";
import type { Api, CloudEvent, EventType, TaskResult, Watch } from "../schemas/index";
import { waiterDelay } from "../upstream/backoff";
import { isFinal } from "./model";

export interface PollBackoff {
  minDelayMs: number;
  maxDelayMs: number;
  random?: () => number;
}

/** Attempts kept per watch; older ones are dropped (the counters keep counting them). */
const MAX_ATTEMPTS_KEPT = 50;

/** The error code of a webhook host name that does not exist. */
const HOST_NOT_FOUND = "ENOTFOUND";

const iso = (ms: number) => new Date(ms).toISOString();

function touched(watch: Watch, now: number, changes: Partial<Watch>): Watch {
  return { ...watch, ...changes, updatedAt: iso(now) };
}

export function isPastDeadline(watch: Watch, now: number): boolean {
  return now >= Date.parse(watch.deadlineAt);
}

/** Event types by outcome: API 3.0 tasks are `task` events, legacy ones keep their `nettask` names. */
const EVENT_TYPES: Record<Api, Record<"succeeded" | "failed" | "timedout", EventType>> = {
  vpc: {
    succeeded: "com.tencentcloud.vpc.task.succeeded",
    failed: "com.tencentcloud.vpc.task.failed",
    timedout: "com.tencentcloud.vpc.task.timedout",
  },
  eip: {
    succeeded: "com.tencentcloud.vpc.task.succeeded",
    failed: "com.tencentcloud.vpc.task.failed",
    timedout: "com.tencentcloud.vpc.task.timedout",
  },
  legacy: {
    succeeded: "com.tencentcloud.vpc.nettask.succeeded",
    failed: "com.tencentcloud.vpc.nettask.failed",
    timedout: "com.tencentcloud.vpc.nettask.timedout",
  },
};

export type Outcome = "succeeded" | "failed" | "timedout";

/** The event type of a task's outcome. */
export function eventTypeOf(api: Api, outcome: Outcome): EventType {
  return EVENT_TYPES[api][outcome];
}

/** The outcome of a result, or undefined while the task runs. */
export function outcomeOf(result: TaskResult): Outcome | undefined {
  return result.status === "running" ? undefined : result.status;
}

/** The outcome an event type reports. */
export function outcomeOfEvent(type: EventType): Outcome {
  return type.slice(type.lastIndexOf(".") + 1) as Outcome;
}

/** Next poll of a running task: waiter backoff on the number of polls so far, never past the deadline. */
function nextPollAt(watch: Watch, polls: number, now: number, backoff: PollBackoff): number {
  const delay = waiterDelay(polls, backoff.minDelayMs, backoff.maxDelayMs, backoff.random);
  return Math.min(now + delay, Math.max(now, Date.parse(watch.deadlineAt)));
}

/** An upstream answer arrived for a pending watch. The caller checks `outcomeOf` to finish it. */
export function recordResult(watch: Watch, result: TaskResult, now: number, backoff: PollBackoff): Watch {
  const polls = watch.polls + 1;
  return touched(watch, now, {
    polls,
    firstSeenAt: watch.firstSeenAt ?? iso(now),
    lastPolledAt: iso(now),
    lastResult: result,
    lastError: null,
    dueAt: nextPollAt(watch, polls, now, backoff),
    lease: null,
  });
}

/** A poll failed (after the client's own retries); try again later with the same backoff. */
export function recordPollError(
  watch: Watch,
  error: { code?: number | string; message: string },
  now: number,
  backoff: PollBackoff,
): Watch {
  const polls = watch.polls + 1;
  return touched(watch, now, {
    polls,
    lastPolledAt: iso(now),
    lastError: { ...(error.code === undefined ? {} : { code: error.code }), message: error.message, at: iso(now) },
    dueAt: nextPollAt(watch, polls, now, backoff),
    lease: null,
  });
}

/** The outcome is known: keep the event (so every copy is byte-identical) and deliver now. */
export function startDelivery(watch: Watch, event: CloudEvent, now: number): Watch {
  return touched(watch, now, {
    state: "delivering",
    event,
    dueAt: now,
    delivery: { ...watch.delivery, roundAttempts: 0 },
  });
}

/** Records one delivery attempt and decides what comes next. */
export function recordAttempt(
  watch: Watch,
  outcome: DeliveryOutcome,
  now: number,
  schedule: readonly number[],
  random?: () => number,
): Watch {
  const attempt = {
    at: iso(now),
    ok: outcome.ok,
    ...(outcome.status === undefined ? {} : { status: outcome.status }),
    ...(outcome.error === undefined ? {} : { error: outcome.error }),
    ...(outcome.code === undefined ? {} : { code: outcome.code }),
    durationMs: Math.max(0, Math.round(outcome.durationMs)),
  };
  const previous = watch.delivery.roundAttempts > 0 ? watch.delivery.attempts.at(-1) : undefined;
  const delivery = {
    attempts: [...watch.delivery.attempts, attempt].slice(-MAX_ATTEMPTS_KEPT),
    attemptCount: watch.delivery.attemptCount + 1,
    roundAttempts: watch.delivery.roundAttempts + 1,
    disabled: watch.delivery.disabled || outcome.disable === true,
  };
  const released = { delivery, lease: null, sending: null };

  if (outcome.ok) {
    const state = watch.event && outcomeOfEvent(watch.event.type) === "timedout" ? "expired" : "delivered";
    return touched(watch, now, { ...released, state, dueAt: null });
  }
  // A host name that does not exist twice in a row is a typo, not an outage.
  const hostGone = outcome.code === HOST_NOT_FOUND && previous?.code === HOST_NOT_FOUND;
  const permanent = outcome.disable || outcome.permanent || hostGone;
  const delay = permanent ? null : nextAttemptDelay(delivery.roundAttempts, [...schedule], outcome.retryAfterMs, random);
  if (delay === null) return touched(watch, now, { ...released, state: "failed", dueAt: null });
  return touched(watch, now, { ...released, dueAt: now + delay });
}

export function cancel(watch: Watch, now: number): Watch {
  if (isFinal(watch.state)) return watch;
  return touched(watch, now, { state: "cancelled", dueAt: null, lease: null, sending: null });
}

/** Whether a watch has an outcome that can be sent (again). */
export function canRedeliver(watch: Watch): boolean {
  return watch.event !== null;
}

/** Sends a finished watch's event again: a new round of the retry schedule, 410 forgotten. */
export function restartDelivery(watch: Watch, now: number): Watch {
  if (!watch.event) throw new Error(`watch ${watch.id} has no outcome to deliver`);
  return touched(watch, now, {
    state: "delivering",
    dueAt: now,
    lease: null,
    delivery: { ...watch.delivery, roundAttempts: 0, disabled: false },
  });
}

/**
 * Leases the watch to `owner` (inline work, or renewing a claim), so no poller takes it while
 * the lease lasts: it comes due again only when the lease runs out.
 */
export function hold(watch: Watch, owner: string, now: number, leaseMs: number): Watch {
  const until = now + leaseMs;
  return { ...watch, lease: { owner, until }, dueAt: until };
}

/**
 * Held and marked as being sent until `now + attemptMs` (the longest an attempt can last).
 * Saved before sending: the save fails if anyone wrote the watch since it was read, and the
 * mark tells cancel and redeliver that an attempt is on the wire.
 */
export function startAttempt(watch: Watch, owner: string, now: number, leaseMs: number, attemptMs: number): Watch {
  return { ...hold(watch, owner, now, leaseMs), sending: { owner, until: now + attemptMs } };
}

/** Whether an attempt of this watch may be on the wire at `now`. */
export function isSending(watch: Watch, now: number): boolean {
  return watch.sending !== null && watch.sending.until > now;
}
