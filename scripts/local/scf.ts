/**
 * What Tencent SCF hands a Node.js function, reproduced for the local stack: the context
 * object, Function URL events and timer events (samples: test/functions/events/scf-*.json).
 */
import { randomUUID } from "node:crypto";

/** An SCF function as the runtime calls it: `main_handler(event, context)`. */
export type ScfHandler = (event: unknown, context: ScfContext) => Promise<unknown>;

export interface ScfContext {
  request_id: string;
  function_name: string;
  function_version: string;
  namespace: string;
  tencentcloud_region: string;
  memory_limit_in_mb: number;
  time_limit_in_ms: number;
  getRemainingTimeInMillis(): number;
}

export function scfContext(functionName: string, timeLimitMs: number): ScfContext {
  const deadline = Date.now() + timeLimitMs;
  return {
    request_id: randomUUID(),
    function_name: functionName,
    function_version: "$LATEST",
    namespace: "default",
    tencentcloud_region: "ap-guangzhou",
    memory_limit_in_mb: 128,
    time_limit_in_ms: timeLimitMs,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

export interface FunctionUrlEvent {
  httpMethod: string;
  path: string;
  /** A repeated parameter comes as an array. */
  queryString: Record<string, string | string[]>;
  /** Lower-case names; `x-scf-remote-addr` is the caller's address. */
  headers: Record<string, string>;
  body: string;
}

export function functionUrlEvent(request: {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  remoteAddress: string;
  body: string;
}): FunctionUrlEvent {
  const url = new URL(request.url, "http://function-url.invalid");
  const queryString: FunctionUrlEvent["queryString"] = {};
  for (const name of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(name);
    queryString[name] = values.length === 1 ? values[0]! : values;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  headers["x-scf-remote-addr"] = request.remoteAddress;
  return { httpMethod: request.method, path: url.pathname, queryString, headers, body: request.body };
}

export interface TimerEvent {
  Type: "Timer";
  TriggerName: string;
  /** ISO 8601, whole seconds, as SCF sends it. */
  Time: string;
  /** The trigger's argument. */
  Message: string;
}

export function timerEvent(triggerName: string, argument = ""): TimerEvent {
  return { Type: "Timer", TriggerName: triggerName, Time: new Date().toISOString().replace(/\.\d+Z$/, "Z"), Message: argument };
}
