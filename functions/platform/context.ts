/** What the handlers need from an SCF or Lambda context: a request id and the time left. */
import { randomUUID } from "node:crypto";
import { fieldsOf, textOf } from "./event-fields";

export interface Invocation {
  /** SCF `request_id`, Lambda `awsRequestId`, or a generated id (local runs, tests). */
  requestId: string;
  /** Milliseconds until the platform stops the invocation, when it says. */
  remainingMs?: number;
}

export function invocationOf(context: unknown): Invocation {
  const c = fieldsOf(context) ?? {};
  const requestId = textOf(c.request_id) || textOf(c.awsRequestId) || randomUUID();
  // SCF's time_limit_in_ms is the whole limit, the best estimate when nothing counts down.
  const remaining: unknown =
    typeof c.getRemainingTimeInMillis === "function" ? c.getRemainingTimeInMillis.call(context) : c.time_limit_in_ms;
  return typeof remaining === "number" && Number.isFinite(remaining) ? { requestId, remainingMs: Math.max(0, remaining) } : { requestId };
}
