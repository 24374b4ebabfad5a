/**
 * A watch as the API shows it: no webhook secret, no credentials in URLs, none of the poller's
 * bookkeeping (`version`, `lease`, `dueAt`, `sending`).
 */
import { redact } from "../log";
import {
  amqpDestination,
  cmqDestination,
  webhookDestination,
  WATCH_STATES,
  watchSchema,
  type AmqpDestination,
  type CmqDestination,
  type Watch,
  type WatchState,
  type WebhookDestination,
} from "../schemas/index";

const HIDDEN: readonly string[] = ["version", "lease", "dueAt", "sending"];

const { secret: _secret, ...webhookShown } = webhookDestination.properties;

/** A webhook destination as shown: everything but the secret. */
export const webhookDestinationView = {
  ...webhookDestination,
  required: webhookDestination.required.filter((name) => name !== "secret"),
  properties: webhookShown,
} as const;

export const destinationViewSchema = {
  type: "object",
  required: ["type"],
  discriminator: { propertyName: "type" },
  oneOf: [webhookDestinationView, cmqDestination, amqpDestination],
} as const;

type DestinationView = Omit<WebhookDestination, "secret"> | CmqDestination | AmqpDestination;
export type WatchView = Omit<Watch, "version" | "lease" | "dueAt" | "sending" | "destination"> & { destination: DestinationView };

const { version: _version, lease: _lease, dueAt: _dueAt, sending: _sending, ...shown } = watchSchema.properties;

export const watchViewSchema = {
  type: "object",
  additionalProperties: false,
  description:
    "A watch. A webhook destination's `secret` is never returned (the property is omitted), and the user " +
    "name and password inside a URL are shown as `***`.",
  required: watchSchema.required.filter((name) => !HIDDEN.includes(name)),
  properties: { ...shown, destination: destinationViewSchema },
} as const;

/** Masks credentials in URLs (lib/log's rule, so logs and API agree). */
const maskUrls = (text: string) => redact(text) as string;

function destinationView(destination: Watch["destination"]): DestinationView {
  switch (destination.type) {
    case "webhook": {
      const { secret: _s, ...rest } = destination;
      return { ...rest, url: maskUrls(rest.url) };
    }
    case "amqp":
      return destination.url === undefined ? destination : { ...destination, url: maskUrls(destination.url) };
    case "cmq":
      return destination;
  }
}

export function watchView(watch: Watch): WatchView {
  const { version: _v, lease: _l, dueAt: _d, sending: _s, destination, lastError, delivery, ...rest } = watch;
  return {
    ...rest,
    destination: destinationView(destination),
    lastError: lastError && { ...lastError, message: maskUrls(lastError.message) },
    delivery: { ...delivery, attempts: delivery.attempts.map((a) => (a.error === undefined ? a : { ...a, error: maskUrls(a.error) })) },
  };
}

/** `GET /watches`: a page of watches, newest first, and the cursor of the next page. */
export const watchPageSchema = {
  type: "object",
  additionalProperties: false,
  required: ["data", "next"],
  properties: {
    data: { type: "array", items: watchViewSchema },
    next: {
      anyOf: [{ type: "string" }, { type: "null" }],
      description:
        "Pass as `cursor` for the next page; null when no more watches match. Watches registered meanwhile " +
        "are newer than the cursor, so paging never shows one twice or skips one. With several filters a page " +
        "may hold fewer than `limit` watches while more follow: keep going until `next` is null.",
    },
  },
} as const;

const stateCounts = Object.fromEntries(WATCH_STATES.map((state) => [state, { type: "integer", minimum: 0 }])) as Record<
  WatchState,
  { type: "integer"; minimum: 0 }
>;

/** `GET /watches/stats`: how many watches are in each state. */
export const watchStatsSchema = {
  type: "object",
  additionalProperties: false,
  required: ["states", "total"],
  properties: {
    states: {
      type: "object",
      additionalProperties: false,
      required: [...WATCH_STATES],
      properties: stateCounts,
      description: "Watches per state; `failed` counts the dead letters.",
    },
    total: { type: "integer", minimum: 0 },
  },
} as const;
