/**
 * Timer events → the poll's argument. Supported: SCF timer events (`Type: "Timer"`, the
 * argument in `Message`), EventBridge scheduled events (no argument), and a Lambda schedule's
 * constant input, which arrives as the event itself.
 */
import { fieldsOf, textOf } from "./event-fields";

export interface TimerInvocation {
  source: "scf-timer" | "eventbridge-schedule" | "constant-input";
  /** The trigger's argument, as the relay's poll takes it. */
  timerArgument?: string | object;
}

export function timerInvocationOf(event: unknown): TimerInvocation {
  const e = fieldsOf(event);
  if (e?.Type === "Timer") {
    const message = textOf(e.Message);
    return message ? { source: "scf-timer", timerArgument: message } : { source: "scf-timer" };
  }
  if (e?.["detail-type"] === "Scheduled Event" && e.source === "aws.events") return { source: "eventbridge-schedule" };
  if (event === undefined || event === null) return { source: "constant-input" };
  // Anything else is the schedule's constant input; the relay validates it and reports problems.
  return {
    source: "constant-input",
    timerArgument: typeof event === "object" || typeof event === "string" ? event : JSON.stringify(event),
  };
}
