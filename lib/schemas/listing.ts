import type { FromSchema } from "json-schema-to-ts";
import { api, schemaId } from "./common";
import { LIST_CURSOR, TASK_ID_TEXT } from "./patterns";
import { WATCH_STATES } from "./watch";

export const LIST_LIMIT = { min: 1, default: 50, max: 100 } as const;

/**
 * The query of `GET /watches`: filters (lib/watches/listing.ts has one per property but
 * limit and cursor), the page size, and where to continue. Query values arrive as text;
 * `limit` is made a number first when it is digits.
 */
export const watchListQuerySchema = {
  $id: schemaId("watch-list-query"),
  type: "object",
  additionalProperties: false,
  properties: {
    taskId: { type: "string", pattern: TASK_ID_TEXT, description: "Only watches of this task id (compared as text)." },
    state: { enum: WATCH_STATES, description: "Only watches in this state: `failed` lists the dead letters." },
    destinationType: { enum: ["webhook", "cmq", "amqp"], description: "Only watches delivering to this kind of destination." },
    api: { ...api, description: "Only watches of this kind of task: vpc, eip or legacy." },
    limit: {
      type: "integer",
      minimum: LIST_LIMIT.min,
      maximum: LIST_LIMIT.max,
      default: LIST_LIMIT.default,
      description: "Watches per page.",
    },
    cursor: { type: "string", pattern: LIST_CURSOR, description: "The `next` of the previous page; absent for the newest watches." },
  },
} as const;
export type WatchListQuery = FromSchema<typeof watchListQuerySchema>;
