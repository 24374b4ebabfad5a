/**
 * A watch as the API shows it: no webhook secret, no broker password, none of the poller's
 * bookkeeping (`version`, `lease`, `dueAt`).
 */
import { redact } from "../log";
import { WATCH_STATES, watchSchema, type Destination, type Watch, type WatchState } from "../schemas/index";

const HIDDEN: readonly string[] = ["version", "lease", "dueAt"];
export type WatchView = Omit<Watch, "version" | "lease" | "dueAt">;

const { version: _version, lease: _lease, dueAt: _dueAt, ...shown } = watchSchema.properties;

export const watchViewSchema = {
  type: "object",
  additionalProperties: false,
  description:
    "A watch. A webhook destination's `secret` is never returned (the property is omitted), and a password inside a URL is shown as `***`.",
  required: watchSchema.required.filter((name) => !HIDDEN.includes(name)),
  properties: shown,
} as const;

/** Masks `user:password@` in URLs (lib/log's rule, so logs and API agree). */
const maskUrls = (text: string) => redact(text) as string;

function destinationView(destination: Destination): Destination {
  switch (destination.type) {
    case "webhook": {
      const { secret: _secret, ...rest } = destination;
      return { ...rest, url: maskUrls(rest.url) };
    }
    case "amqp":
      return destination.url === undefined ? destination : { ...destination, url: maskUrls(destination.url) };
    case "cmq":
      return destination;
  }
}

export function watchView(watch: Watch): WatchView {
  const { version: _v, lease: _l, dueAt: _d, destination, lastError, delivery, ...rest } = watch;
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
        "Pass as `cursor` for the next page; null when no more watches match. Watches registered meanwhile are newer than the cursor, so paging never shows one twice or skips one. With several filters a page may hold fewer than `limit` watches while more follow: keep going until `next` is null.",
    },
  },
} as const;

const stateCounts = Object.fromEntries(WATCH_STATES.map((state) => [state, { type: "integer", minimum: 0 }])) as Record<WatchState, { type: "integer"; minimum: 0 }>;

/** `GET /watches/stats`: how many watches are in each state. */
export const watchStatsSchema = {
  type: "object",
  additionalProperties: false,
  required: ["states", "total"],
  properties: {
    states: { type: "object", additionalProperties: false, required: [...WATCH_STATES], properties: stateCounts, description: "Watches per state; `failed` counts the dead letters." },
    total: { type: "integer", minimum: 0 },
  },
} as const;
