import type { FromSchema } from "json-schema-to-ts";
import { cloudEventSchema } from "./event";
import { api, isoTime, region, schemaId, taskId } from "./common";
import { AMQP_EXCHANGE, AMQP_URL, CMQ_QUEUE, HTTP_URL, WATCH_ID, WEBHOOK_SECRET } from "./patterns";
import { taskResultSchema } from "./task";

export const webhookDestination = {
  type: "object",
  additionalProperties: false,
  required: ["type", "url", "secret"],
  properties: {
    type: { const: "webhook" },
    url: { type: "string", maxLength: 2048, pattern: HTTP_URL },
    secret: {
      description:
        "Signs every delivery (Standard Webhooks): required, since an unsigned delivery cannot be told from a " +
        "forgery. Up to three secrets during a key rotation: one signature each.",
      // One schema for both forms, so a malformed secret gets one error (an anyOf would add "must be array").
      type: ["string", "array"],
      pattern: WEBHOOK_SECRET,
      minItems: 1,
      maxItems: 3,
      items: { type: "string", pattern: WEBHOOK_SECRET },
    },
  },
} as const;

export const cmqDestination = {
  type: "object",
  additionalProperties: false,
  required: ["type", "queue"],
  properties: {
    type: { const: "cmq" },
    queue: { type: "string", pattern: CMQ_QUEUE },
    region,
  },
} as const;

export const amqpDestination = {
  type: "object",
  additionalProperties: false,
  required: ["type", "exchange", "routingKey"],
  properties: {
    type: { const: "amqp" },
    exchange: { type: "string", pattern: AMQP_EXCHANGE },
    routingKey: { type: "string", maxLength: 255 },
    url: { type: "string", maxLength: 2048, pattern: AMQP_URL, description: "Broker URL; defaults to AMQP_URL." },
  },
} as const;

export const destinationSchema = {
  $id: schemaId("destination"),
  type: "object",
  required: ["type"],
  discriminator: { propertyName: "type" },
  oneOf: [webhookDestination, cmqDestination, amqpDestination],
} as const;
export type Destination = FromSchema<typeof destinationSchema>;
export type WebhookDestination = FromSchema<typeof webhookDestination>;
export type CmqDestination = FromSchema<typeof cmqDestination>;
export type AmqpDestination = FromSchema<typeof amqpDestination>;

const DEADLINE_SECONDS = { min: 60, default: 86_400, max: 604_800 } as const;

/** Body of `POST /watches`, and one entry of a timer argument's `watches` list. */
export const watchRequestSchema = {
  $id: schemaId("watch-request"),
  type: "object",
  additionalProperties: false,
  required: ["taskId", "region", "destination"],
  properties: {
    api,
    taskId,
    region,
    destination: destinationSchema,
    deadlineSeconds: {
      type: "integer",
      minimum: DEADLINE_SECONDS.min,
      maximum: DEADLINE_SECONDS.max,
      description: "How long to keep polling before a timedout event is delivered (default 24 h).",
    },
  },
} as const;
export type WatchRequest = FromSchema<typeof watchRequestSchema>;

/** A timer trigger's argument (SCF `Message`, or the schedule's constant input on Lambda). */
export const timerArgumentSchema = {
  $id: schemaId("timer-argument"),
  type: "object",
  additionalProperties: false,
  properties: {
    watches: { type: "array", maxItems: 100, items: watchRequestSchema },
  },
} as const;
export type TimerArgument = FromSchema<typeof timerArgumentSchema>;

export const WATCH_STATES = ["pending", "delivering", "delivered", "failed", "expired", "cancelled"] as const;

const nullableIso = { anyOf: [isoTime, { type: "null" }] } as const;

const deliveryAttempt = {
  type: "object",
  additionalProperties: false,
  required: ["at", "ok"],
  properties: {
    at: isoTime,
    ok: { type: "boolean" },
    status: { type: "integer", description: "HTTP status of a webhook attempt." },
    error: { type: "string" },
    code: { type: "string", description: "The system error code of a failed connection (ENOTFOUND, ECONNREFUSED, …)." },
    durationMs: { type: "integer", minimum: 0 },
  },
} as const;

/** Who holds something until when (epoch ms), or null. */
const heldBy = {
  anyOf: [
    {
      type: "object",
      additionalProperties: false,
      required: ["owner", "until"],
      properties: { owner: { type: "string" }, until: { type: "integer" } },
    },
    { type: "null" },
  ],
} as const;

/**
 * A watch as stored. `dueAt` (epoch ms) is when work is next due (a poll while pending, a
 * delivery attempt while delivering); null once the watch is final. A claim moves `dueAt` to
 * the lease's end, so a crashed invocation's work comes due again by itself. `version` is
 * bumped by every write and guards every save (optimistic concurrency).
 */
export const watchSchema = {
  $id: schemaId("watch"),
  type: "object",
  additionalProperties: false,
  required: [
    "id",
    "version",
    "api",
    "taskId",
    "region",
    "destination",
    "state",
    "createdAt",
    "updatedAt",
    "deadlineAt",
    "dueAt",
    "lease",
    "polls",
    "firstSeenAt",
    "lastPolledAt",
    "lastResult",
    "lastError",
    "event",
    "delivery",
    "sending",
  ],
  properties: {
    id: { type: "string", pattern: WATCH_ID },
    version: { type: "integer", minimum: 0 },
    api,
    taskId,
    region,
    destination: destinationSchema,
    state: { enum: WATCH_STATES },
    createdAt: isoTime,
    updatedAt: isoTime,
    deadlineAt: isoTime,
    dueAt: { type: ["integer", "null"] },
    lease: heldBy,
    polls: { type: "integer", minimum: 0 },
    firstSeenAt: nullableIso,
    lastPolledAt: nullableIso,
    lastResult: { anyOf: [taskResultSchema, { type: "null" }] },
    lastError: {
      anyOf: [
        {
          type: "object",
          additionalProperties: false,
          required: ["message", "at"],
          properties: { code: { type: ["integer", "string"] }, message: { type: "string" }, at: isoTime },
        },
        { type: "null" },
      ],
    },
    event: { anyOf: [cloudEventSchema, { type: "null" }] },
    delivery: {
      type: "object",
      additionalProperties: false,
      required: ["attempts", "attemptCount", "roundAttempts", "disabled"],
      properties: {
        attempts: { type: "array", items: deliveryAttempt, description: "The attempts, oldest first (the last 50 are kept)." },
        attemptCount: { type: "integer", minimum: 0, description: "Every attempt made, those no longer kept included." },
        roundAttempts: {
          type: "integer",
          minimum: 0,
          description: "Attempts made in the current round; a redelivery starts a new round and a new retry schedule.",
        },
        disabled: { type: "boolean", description: "Set when the receiver answered 410 Gone." },
      },
    },
    sending: {
      ...heldBy,
      description:
        "Set while a delivery attempt is on the wire: who sends it and when it ends at the latest (epoch ms). " +
        "Cancel and redeliver wait for it.",
    },
  },
} as const;
export type Watch = FromSchema<typeof watchSchema>;
export type WatchState = Watch["state"];
export type DeliveryAttempt = FromSchema<typeof deliveryAttempt>;
