/**
 * What delivery promises the rest of the library: one attempt to hand one event to one
 * destination. Retry timing, dead letters and state live with the watch, not here.
 */
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

/** Starts timing an attempt; the returned function stamps an outcome with the time since. */
export function timeAttempt(): (outcome: Omit<DeliveryOutcome, "durationMs">) => DeliveryOutcome {
  const started = performance.now();
  return (outcome) => ({ ...outcome, durationMs: Math.round(performance.now() - started) });
}
