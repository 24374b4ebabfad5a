/** The CloudEvents 1.0 event delivered for a watch's outcome (docs: README "What a destination receives"). */
import type { CloudEvent, EventType, TaskResult, Watch } from "../schemas/index";
import { validate } from "../schemas/validate-watch";
import { stableId } from "../stable-id";

/** The event id of a watch's outcome: the same across retries, redeliveries and restarts. */
export function eventIdOf(watchId: string, type: EventType): string {
  return stableId("evt_", `${watchId}|${type}`);
}

/** What a timedout event reports when the deadline passed before any poll answered. */
function neverAnswered(watch: Watch): TaskResult {
  const task = { taskId: watch.taskId, region: watch.region, status: "running", output: null, data: null } as const;
  switch (watch.api) {
    case "vpc":
      return { ...task, api: "vpc", taskId: String(watch.taskId), result: null };
    case "eip":
      return { ...task, api: "eip", taskId: Number(watch.taskId) };
    case "legacy":
      return { ...task, api: "legacy", taskId: Number(watch.taskId), code: 2 };
  }
}

/**
 * Builds and validates the event. Everything in it comes from the watch and `completedAt`, so
 * building it again (after a crash, for a redelivery) gives the same event with the same id.
 */
export function buildEvent(watch: Watch, type: EventType, completedAt: number, source: string): CloudEvent {
  const timedOut = type.endsWith(".timedout");
  const result = watch.lastResult ?? (timedOut ? neverAnswered(watch) : undefined);
  if (!result) throw new Error(`watch ${watch.id} has no task result to build a ${type} event from`);
  const time = new Date(completedAt).toISOString();
  return validate(
    "cloudEvent",
    {
      specversion: "1.0",
      id: eventIdOf(watch.id, type),
      source,
      type,
      subject: String(watch.taskId),
      time,
      datacontenttype: "application/json",
      data: {
        ...result,
        watchId: watch.id,
        polls: watch.polls,
        firstSeenAt: watch.firstSeenAt ?? watch.createdAt,
        completedAt: time,
      },
    },
    "CloudEvent",
  );
}
