import type { FromSchema } from "json-schema-to-ts";
import { closedObject, isoTime, schemaId } from "./common";
import { EVENT_ID, REQUEST_ID, WATCH_ID } from "./patterns";
import { resultFields } from "./task";

/** Outcomes of API 3.0 tasks (vpc and eip: `data.api` says which). */
const TASK_EVENT_TYPES = [
  "com.tencentcloud.vpc.task.succeeded",
  "com.tencentcloud.vpc.task.failed",
  "com.tencentcloud.vpc.task.timedout",
] as const;

/** Outcomes of legacy DescribeNetTaskResult tasks. */
const NETTASK_EVENT_TYPES = [
  "com.tencentcloud.vpc.nettask.succeeded",
  "com.tencentcloud.vpc.nettask.failed",
  "com.tencentcloud.vpc.nettask.timedout",
] as const;

const EVENT_TYPES = [...TASK_EVENT_TYPES, ...NETTASK_EVENT_TYPES] as const;

/** What the relay adds to the task's result in an event. */
const watchFields = {
  watchId: { type: "string", pattern: WATCH_ID },
  polls: { type: "integer", minimum: 0 },
  firstSeenAt: isoTime,
  completedAt: isoTime,
} as const;

const WATCH_FIELDS = ["watchId", "polls", "firstSeenAt", "completedAt"] as const;

/** An event's `data` for each kind: the task's normalised result and what the relay adds. */
export const vpcEventData = closedObject({ ...resultFields.vpc, ...watchFields });
export const eipEventData = closedObject({ ...resultFields.eip, ...watchFields });
export const legacyEventData = closedObject({ ...resultFields.legacy, ...watchFields });

/** The CloudEvents 1.0 (JSON format) event delivered for a watch's outcome. */
export const cloudEventSchema = {
  $id: schemaId("cloudevent"),
  type: "object",
  additionalProperties: false,
  required: ["specversion", "id", "source", "type", "subject", "time", "datacontenttype", "data"],
  properties: {
    specversion: { const: "1.0" },
    id: { type: "string", pattern: EVENT_ID, description: "Stable across retries and redeliveries of the same outcome." },
    source: { type: "string", minLength: 1 },
    type: { enum: EVENT_TYPES },
    subject: { type: "string", pattern: `^(?:[1-9][0-9]{0,15}|${REQUEST_ID.slice(1, -1)})$`, description: "The task id." },
    time: isoTime,
    datacontenttype: { const: "application/json" },
    data: {
      type: "object",
      required: ["api", "taskId", "region", "status", "output", "data", ...WATCH_FIELDS],
      discriminator: { propertyName: "api" },
      oneOf: [vpcEventData, eipEventData, legacyEventData],
    },
  },
} as const;
export type CloudEvent = FromSchema<typeof cloudEventSchema>;
export type EventType = CloudEvent["type"];
