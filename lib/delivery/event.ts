/** The CloudEvents 1.0 event delivered for a watch's outcome (DESIGN.md §5 "Delivered message"). */
import type { CloudEvent, EventType, TaskResult, Watch } from "../schemas/index";
import { validate } from "../schemas/validate";
import { eventIdOf } from "../watches/model";

/** What a timedout event reports when the deadline passed before any poll answered. */
const NEVER_ANSWERED: Pick<TaskResult, "status" | "code" | "output" | "data"> = { status: "running", code: 2, output: null, data: null };

/**
 * Builds and validates the event. Everything in it comes from the watch and `completedAt`, so
 * building it again (after a crash, for a redelivery) gives the same event with the same id.
 */
export function buildEvent(watch: Watch, type: EventType, completedAt: number, source: string): CloudEvent {
  const result = watch.lastResult ?? (type === "com.tencentcloud.vpc.nettask.timedout" ? NEVER_ANSWERED : undefined);
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
        taskId: watch.taskId,
        region: watch.region,
        status: result.status,
        code: result.code,
        output: result.output,
        data: result.data,
        watchId: watch.id,
        polls: watch.polls,
        firstSeenAt: watch.firstSeenAt ?? watch.createdAt,
        completedAt: time,
      },
    },
    "CloudEvent",
  );
}

/**
 * The content type of those bytes wherever a transport has one: the JSON event format in the
 * structured mode of the CloudEvents bindings (HTTP: https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/bindings/http-protocol-binding.md#32-structured-content-mode).
 */
export const CLOUDEVENTS_CONTENT_TYPE = "application/cloudevents+json";

/** The bytes every destination carries: webhooks, CMQ and AMQP deliver exactly this text. */
export function serializeEvent(event: CloudEvent): string {
  return JSON.stringify(event);
}
