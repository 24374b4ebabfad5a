/**
 * Fault injection on the task queries (DescribeNetTaskResult, DescribeVpcTaskResult,
 * DescribeTaskResult): each fault applies to a share (`rate`) of the queries that reach it, at
 * most `count` times, optionally only to one API's queries or to queries about one task. The
 * first fault that applies decides the answer. Each API says how its answers are broken (see
 * AnswerDialect).
 */
import { STATUS_CODES } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { ERROR_CODES } from "./codes";
import { JSON_TYPE, jsonReply, type Reply } from "./http";
import { specChecker } from "./spec-check";
import { TASK_APIS, type TaskApi } from "./tasks";

export const FAULT_KINDS = [
  "code",
  "http",
  "malformed",
  "delay",
  "html",
  "empty",
  "extra-fields",
  "wrong-types",
  "missing-fields",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export type Distortion = Extract<FaultKind, "extra-fields" | "wrong-types" | "missing-fields">;

export interface FaultSpec {
  kind: FaultKind;
  /**
   * kind "code": a legacy integer code (applies to legacy queries only, HTTP 200 body {code,
   * message, codeDesc}) or an API 3.0 code such as "RequestLimitExceeded" (applies to API 3.0
   * task queries only, HTTP 200 body {Response: {Error, RequestId}}).
   */
  code?: number | string;
  /** kind "http": the HTTP status (400–599), with a short text/html body. */
  status?: number;
  /** kind "delay": stall this long before answering normally. */
  delayMs?: number;
  /** 0..1 probability per request (default 1). */
  rate?: number;
  /** Apply at most this many times (default unlimited). */
  count?: number;
  /** Only for queries about this task: an integer id (legacy, eip) or a RequestId (vpc). */
  taskId?: number | string;
  /** Only for this API's task queries (default: every task query). */
  api?: TaskApi;
}

/** An API 3.0 error code: dotted PascalCase words, e.g. AuthFailure.SignatureFailure. */
const API3_CODE = "^[A-Z][A-Za-z0-9]*(?:\\.[A-Za-z0-9]+)*$";

const requiredFor = (kind: FaultKind, field: keyof FaultSpec) => ({
  if: { required: ["kind"], properties: { kind: { const: kind } } },
  then: { required: [field] },
});

/** A code must be of the kind the chosen API answers with. */
const codeTypeFor = (apis: readonly TaskApi[], type: "integer" | "string") => ({
  if: { required: ["api", "code"], properties: { api: { enum: apis } } },
  then: { properties: { code: { type } } },
});

const checkFaultSpec = specChecker<FaultSpec>(
  {
    type: "object",
    additionalProperties: false,
    required: ["kind"],
    properties: {
      kind: { enum: FAULT_KINDS },
      code: {
        type: ["integer", "string"],
        if: { type: "integer" },
        then: { enum: ERROR_CODES },
        else: { pattern: API3_CODE, maxLength: 100 },
      },
      status: { type: "integer", minimum: 400, maximum: 599 },
      delayMs: { type: "integer", minimum: 0, maximum: 600_000 },
      rate: { type: "number", minimum: 0, maximum: 1 },
      count: { type: "integer", minimum: 1 },
      taskId: { type: ["integer", "string"], minimum: 1, maximum: Number.MAX_SAFE_INTEGER, minLength: 1, maxLength: 64 },
      api: { enum: TASK_APIS },
    },
    allOf: [
      requiredFor("code", "code"),
      requiredFor("http", "status"),
      requiredFor("delay", "delayMs"),
      codeTypeFor(["legacy"], "integer"),
      codeTypeFor(["vpc", "eip"], "string"),
    ],
  },
  "fault spec",
);

interface ActiveFault {
  spec: FaultSpec;
  remaining: number;
}

export class FaultBook {
  private faults: ActiveFault[] = [];

  add(input: FaultSpec): void {
    const spec = { ...checkFaultSpec(input) };
    this.faults.push({ spec, remaining: spec.count ?? Infinity });
  }

  clear(): void {
    this.faults = [];
  }

  /** The fault to apply to a query of `api` about `taskId` (as the request gave it; undefined when it gave none). */
  pick(api: TaskApi, taskId: unknown): FaultSpec | undefined {
    for (const fault of this.faults) {
      const { spec } = fault;
      if (spec.api !== undefined && spec.api !== api) continue;
      if (spec.code !== undefined && (typeof spec.code === "number") !== (api === "legacy")) continue;
      if (spec.taskId !== undefined && (taskId === undefined || String(spec.taskId) !== String(taskId))) continue;
      if (spec.rate !== undefined && Math.random() >= spec.rate) continue;
      if (--fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
      return spec;
    }
    return undefined;
  }
}

/** How one API's answers look, and how a fault breaks them. */
export interface AnswerDialect<Body> {
  /** The code a body answers with: 0 for a normal answer. */
  codeOf(body: Body): number | string;
  /** The error answer for an injected code (already checked to suit this API). */
  errorBody(code: number | string): Body;
  /** A body a careful client must notice: extra fields are harmless, the others break the schema. */
  distort(kind: Distortion, body: Body): unknown;
}

export interface Outcome {
  reply: Reply;
  /** What the request log records: the code decided for the request (0 = a normal answer). */
  code: number | string;
}

const htmlPage = (title: string) =>
  `<!DOCTYPE html><html><head><title>${title}</title></head><body><h1>${title}</h1><hr><center>nginx</center></body></html>`;

/**
 * The answer under `fault` (all kinds but "delay", which only stalls). `normal` is the body the
 * request would get without the fault; the schema-breaking kinds distort it.
 */
export function faultyReply<Body>(fault: FaultSpec, normal: () => Body, dialect: AnswerDialect<Body>): Outcome {
  switch (fault.kind) {
    case "code": {
      const body = dialect.errorBody(fault.code!);
      return { reply: jsonReply(200, body), code: fault.code! };
    }
    case "http": {
      const status = fault.status!;
      return {
        reply: { status, contentType: "text/html", body: htmlPage(`${status} ${STATUS_CODES[status] ?? "Error"}`) },
        code: dialect.codeOf(normal()),
      };
    }
    case "html":
      return {
        reply: { status: 200, contentType: "text/html", body: htmlPage("Service Temporarily Unavailable") },
        code: dialect.codeOf(normal()),
      };
    case "empty":
      return { reply: { status: 200, contentType: JSON_TYPE, body: "" }, code: dialect.codeOf(normal()) };
    case "malformed": {
      const body = normal();
      const text = JSON.stringify(body);
      return {
        reply: { status: 200, contentType: JSON_TYPE, body: text.slice(0, Math.ceil(text.length / 2)) },
        code: dialect.codeOf(body),
      };
    }
    case "extra-fields":
    case "wrong-types":
    case "missing-fields": {
      const body = normal();
      return { reply: jsonReply(200, dialect.distort(fault.kind, body)), code: dialect.codeOf(body) };
    }
    case "delay":
      throw new Error("a delay fault stalls the normal answer; it has no reply of its own");
  }
}

/** A delay fault's stall; ends early when `closing` aborts (the connection is being destroyed anyway). */
export async function stall(fault: FaultSpec, closing: AbortSignal): Promise<void> {
  try {
    await sleep(fault.delayMs, undefined, { signal: closing });
  } catch {
    // The emulator is closing.
  }
}
