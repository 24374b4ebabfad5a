/**
 * What delivery promises the rest of the library: one attempt to hand one event to one
 * destination. Retry timing, dead letters and state live with the watch, not here.
 */
import { stopwatch } from "../stopwatch";
import type { CloudEvent, Destination } from "../schemas/index";

export interface DeliveryOutcome {
  ok: boolean;
  /** HTTP status of a webhook attempt. */
  status?: number;
  /** Why the attempt failed; safe to store and show (no secrets). */
  error?: string;
  /** The system error code of a failed connection (ENOTFOUND, ECONNREFUSED, …). */
  code?: string;
  /** The receiver wants no more deliveries to this destination (webhook 410 Gone). */
  disable?: boolean;
  /** Retrying cannot help (refused by the address policy, a redirect, message too large, bad destination). */
  permanent?: boolean;
  /** The receiver asked to wait this long before the next attempt (Retry-After). */
  retryAfterMs?: number;
  durationMs: number;
}

export interface Deliverer {
  deliver(event: CloudEvent, destination: Destination, signal?: AbortSignal): Promise<DeliveryOutcome>;
  /** Releases connections (AMQP channels, keep-alive sockets). */
  close(): Promise<void>;
}

/** The bytes every destination carries: webhooks, CMQ and AMQP deliver exactly this text. */
export function serializeEvent(event: CloudEvent): string {
  return JSON.stringify(event);
}

/**
 * The content type of those bytes wherever a transport has one: the JSON event format in the
 * structured mode of the CloudEvents bindings (HTTP: https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/bindings/http-protocol-binding.md#32-structured-content-mode).
 */
export const CLOUDEVENTS_CONTENT_TYPE = "application/cloudevents+json";

/** Starts timing an attempt; the returned function stamps an outcome with the time since. */
export function timeAttempt(): (outcome: Omit<DeliveryOutcome, "durationMs">) => DeliveryOutcome {
  const elapsed = stopwatch();
  return (outcome) => ({ ...outcome, durationMs: Math.round(elapsed()) });
}
