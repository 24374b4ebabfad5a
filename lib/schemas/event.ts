import type { FromSchema } from "json-schema-to-ts";
import { isoTime, region, schemaId, taskId } from "./common";
import { EVENT_ID, WATCH_ID } from "./patterns";
import { taskData, taskOutput, taskStatus } from "./task";

export const EVENT_TYPES = [
  "com.tencentcloud.vpc.nettask.succeeded",
  "com.tencentcloud.vpc.nettask.failed",
  "com.tencentcloud.vpc.nettask.timedout",
] as const;

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
    subject: { type: "string", pattern: "^[1-9][0-9]{0,9}$", description: "The taskId." },
    time: isoTime,
    datacontenttype: { const: "application/json" },
    data: {
      type: "object",
      additionalProperties: false,
      required: ["taskId", "region", "status", "code", "output", "data", "watchId", "polls", "firstSeenAt", "completedAt"],
      properties: {
        taskId,
        region,
        status: taskStatus,
        code: { enum: [0, 1, 2] },
        output: { anyOf: [taskOutput, { type: "null" }] },
        data: taskData,
        watchId: { type: "string", pattern: WATCH_ID },
        polls: { type: "integer", minimum: 0 },
        firstSeenAt: isoTime,
        completedAt: isoTime,
      },
    },
  },
} as const;
export type CloudEvent = FromSchema<typeof cloudEventSchema>;
export type EventType = CloudEvent["type"];
