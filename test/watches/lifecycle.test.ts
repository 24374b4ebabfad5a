import { describe, expect, it } from "vitest";
import type { CloudEvent, TaskResult, Watch } from "../../lib/schemas/index";
import {
  cancel,
  isPastDeadline,
  eventTypeOf,
  outcomeOf,
  outcomeOfEvent,
  recordAttempt,
  recordPollError,
  recordResult,
  restartDelivery,
  startDelivery,
} from "../../lib/watches/lifecycle";
import { newWatch } from "../../lib/watches/model";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const backoff = { minDelayMs: 2_000, maxDelayMs: 60_000, random: () => 0 };
const schedule = [0, 5_000, 300_000];
const noJitter = () => 0.5;

const watch = (): Watch =>
  newWatch(
    {
      task: { api: "legacy", taskId: 297, region: "gz" },
      destination: { type: "webhook", url: "https://example.com/hook", secret: `whsec_${Buffer.alloc(24, 12).toString("base64")}` },
      deadlineSeconds: 600,
    },
    T0,
    86_400,
  );
const result = (status: TaskResult["status"]): TaskResult => ({
  api: "legacy",
  taskId: 297,
  region: "gz",
  status,
  code: status === "succeeded" ? 0 : status === "failed" ? 1 : 2,
  output: { code: 0, message: "" },
  data: null,
});
const event = { id: "evt_aaaaaaaaaaaaaaaaaaaaaaaaaa", type: "com.tencentcloud.vpc.nettask.succeeded" } as CloudEvent;
const ok = { ok: true, status: 200, durationMs: 3 };
const fail = { ok: false, status: 500, error: "HTTP 500", durationMs: 3 };

describe("watch lifecycle", () => {
  it("reschedules a running task with the waiter backoff and counts polls", () => {
    const first = recordResult(watch(), result("running"), T0, backoff);
    expect(first).toMatchObject({
      state: "pending",
      polls: 1,
      dueAt: T0 + 2_000,
      firstSeenAt: "2026-01-01T00:00:00.000Z",
      lastError: null,
    });
    const later = recordResult({ ...first, polls: 9 }, result("running"), T0 + 1, { ...backoff, random: () => 0.999999 });
    expect(later.dueAt).toBe(T0 + 1 + 60_000);
    expect(later.firstSeenAt).toBe(first.firstSeenAt);
  });

  it("never schedules a poll past the deadline", () => {
    const nearEnd = T0 + 599_000;
    expect(recordResult(watch(), result("running"), nearEnd, backoff).dueAt).toBe(T0 + 600_000);
    expect(isPastDeadline(watch(), T0 + 600_000)).toBe(true);
    expect(isPastDeadline(watch(), T0 + 599_999)).toBe(false);
  });

  it("treats a failed task as a final outcome, not a success", () => {
    expect(outcomeOf(result("failed"))).toBe("failed");
    expect(outcomeOf(result("succeeded"))).toBe("succeeded");
    expect(outcomeOf(result("running"))).toBeUndefined();
  });

  it("names API 3.0 outcomes com.tencentcloud.vpc.task.* and legacy ones com.tencentcloud.vpc.nettask.*", () => {
    expect(eventTypeOf("vpc", "succeeded")).toBe("com.tencentcloud.vpc.task.succeeded");
    expect(eventTypeOf("eip", "failed")).toBe("com.tencentcloud.vpc.task.failed");
    expect(eventTypeOf("vpc", "timedout")).toBe("com.tencentcloud.vpc.task.timedout");
    expect(eventTypeOf("legacy", "failed")).toBe("com.tencentcloud.vpc.nettask.failed");
    expect(outcomeOfEvent("com.tencentcloud.vpc.task.timedout")).toBe("timedout");
    expect(outcomeOfEvent("com.tencentcloud.vpc.nettask.succeeded")).toBe("succeeded");
  });

  it("keeps the error of a failed poll and retries later", () => {
    const w = recordPollError(watch(), { code: 9005, message: "busy" }, T0, backoff);
    expect(w).toMatchObject({ state: "pending", polls: 1, lastError: { code: 9005, message: "busy" }, dueAt: T0 + 2_000 });
  });

  it("delivers, then retries on the schedule, then fails into a replayable dead letter", () => {
    let w = startDelivery(watch(), event, T0);
    expect(w).toMatchObject({ state: "delivering", dueAt: T0 });
    w = recordAttempt(w, fail, T0, schedule, noJitter);
    expect(w.state).toBe("delivering");
    expect(w.dueAt).toBe(T0 + 5_000);
    w = recordAttempt(w, fail, T0 + 5_000, schedule, noJitter);
    expect(w.dueAt).toBe(T0 + 5_000 + 300_000);
    w = recordAttempt(w, fail, T0 + 305_000, schedule, noJitter);
    expect(w).toMatchObject({ state: "failed", dueAt: null });
    expect(w.delivery.attempts.map((a) => a.status)).toEqual([500, 500, 500]);

    const again = restartDelivery(w, T0 + 400_000);
    expect(again).toMatchObject({ state: "delivering", dueAt: T0 + 400_000, delivery: { attemptCount: 3, roundAttempts: 0 } });
    const retried = recordAttempt(again, fail, T0 + 400_000, schedule, noJitter);
    expect(retried.state).toBe("delivering"); // a new round starts the schedule over
    expect(recordAttempt(retried, ok, T0 + 405_000, schedule, noJitter)).toMatchObject({ state: "delivered", dueAt: null });
  });

  it("honours Retry-After, stops at 410 and at permanent refusals", () => {
    const w = startDelivery(watch(), event, T0);
    expect(recordAttempt(w, { ...fail, status: 503, retryAfterMs: 60_000 }, T0, schedule, noJitter).dueAt).toBeGreaterThanOrEqual(
      T0 + 60_000,
    );
    expect(recordAttempt(w, { ok: false, status: 410, disable: true, durationMs: 1 }, T0, schedule)).toMatchObject({
      state: "failed",
      delivery: { disabled: true },
    });
    expect(recordAttempt(w, { ok: false, permanent: true, error: "refused", durationMs: 1 }, T0, schedule).state).toBe("failed");
  });

  it("ends a schedule longer than the 50 attempts kept: the counters count what the trimmed list no longer holds", () => {
    const long = Array.from({ length: 60 }, () => 1_000);
    let w = startDelivery(watch(), event, T0);
    for (let i = 1; i < 60; i++) {
      w = recordAttempt(w, fail, T0 + i, long, noJitter);
      expect(w.state, `after attempt ${i}`).toBe("delivering");
    }
    w = recordAttempt(w, fail, T0 + 60, long, noJitter);
    expect(w).toMatchObject({ state: "failed", dueAt: null, delivery: { attemptCount: 60, roundAttempts: 60 } });
    expect(w.delivery.attempts).toHaveLength(50);
    // A redelivery starts a round of its own, counted from zero, and the total goes on.
    const again = recordAttempt(restartDelivery(w, T0 + 100), fail, T0 + 100, long, noJitter);
    expect(again).toMatchObject({ state: "delivering", delivery: { attemptCount: 61, roundAttempts: 1 } });
  });

  it("gives up on a host name that does not exist twice in a row, not after one miss", () => {
    const missing = {
      ok: false,
      error: "webhook request failed: getaddrinfo ENOTFOUND hooks.example.invalid",
      code: "ENOTFOUND",
      durationMs: 2,
    };
    const once = recordAttempt(startDelivery(watch(), event, T0), missing, T0, schedule, noJitter);
    expect(once).toMatchObject({ state: "delivering", delivery: { attempts: [{ code: "ENOTFOUND" }] } });
    expect(recordAttempt(once, missing, T0 + 5_000, schedule, noJitter)).toMatchObject({ state: "failed", dueAt: null });
    // A miss between other failures is an outage, retried on the schedule.
    const between = recordAttempt(
      recordAttempt(once, fail, T0 + 5_000, schedule, noJitter),
      missing,
      T0 + 305_000,
      [...schedule, 1_000],
      noJitter,
    );
    expect(between.state).toBe("delivering");
    // And a redelivery does not count the previous round's miss.
    const failed = recordAttempt(once, missing, T0 + 5_000, schedule, noJitter);
    expect(recordAttempt(restartDelivery(failed, T0 + 9_000), missing, T0 + 9_000, schedule, noJitter).state).toBe("delivering");
  });

  it("ends a timed-out watch as expired once its timedout event is delivered", () => {
    const w = startDelivery(watch(), { ...event, type: "com.tencentcloud.vpc.nettask.timedout" }, T0);
    expect(recordAttempt(w, ok, T0, schedule).state).toBe("expired");
  });

  it("cancels only what is not final", () => {
    expect(cancel(watch(), T0)).toMatchObject({ state: "cancelled", dueAt: null });
    const delivered = recordAttempt(startDelivery(watch(), event, T0), ok, T0, schedule);
    expect(cancel(delivered, T0)).toBe(delivered);
  });
});
