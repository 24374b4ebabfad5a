/**
 * Fault injection on the legacy API: each fault applies to a share (`rate`) of the requests
 * that reach it, at most `count` times, optionally only to requests about one taskId. The
 * first fault that applies decides the answer.
 */
import { STATUS_CODES } from "node:http";
import { legacyTaskId as taskId } from "../../lib/schemas/common";
import { ERROR_CODES, legacyError, type LegacyBody, type LegacyCode } from "./codes";
import { JSON_TYPE, jsonReply, type Reply } from "./http";
import { specChecker } from "./spec-check";

export const FAULT_KINDS = ["code", "http", "malformed", "delay", "html", "empty", "extra-fields", "wrong-types", "missing-fields"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultSpec {
  kind: FaultKind;
  /** kind "code": the error code to answer with (HTTP 200 body {code, message, codeDesc}). */
  code?: number;
  /** kind "http": the HTTP status (400–599), with a short text/html body. */
  status?: number;
  /** kind "delay": stall this long before answering normally. */
  delayMs?: number;
  /** 0..1 probability per request (default 1). */
  rate?: number;
  /** Apply at most this many times (default unlimited). */
  count?: number;
  /** Only for requests about this taskId. */
  taskId?: number;
}

const requiredFor = (kind: FaultKind, field: keyof FaultSpec) => ({
  if: { required: ["kind"], properties: { kind: { const: kind } } },
  then: { required: [field] },
});

const checkFaultSpec = specChecker<FaultSpec>(
  {
    type: "object",
    additionalProperties: false,
    required: ["kind"],
    properties: {
      kind: { enum: FAULT_KINDS },
      code: { enum: ERROR_CODES },
      status: { type: "integer", minimum: 400, maximum: 599 },
      delayMs: { type: "integer", minimum: 0, maximum: 600_000 },
      rate: { type: "number", minimum: 0, maximum: 1 },
      count: { type: "integer", minimum: 1 },
      taskId,
    },
    allOf: [requiredFor("code", "code"), requiredFor("http", "status"), requiredFor("delay", "delayMs")],
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

  /** The fault to apply to a request about `taskId` (undefined if it has none or an invalid one). */
  pick(taskId: number | undefined): FaultSpec | undefined {
    for (const fault of this.faults) {
      if (fault.spec.taskId !== undefined && fault.spec.taskId !== taskId) continue;
      if (fault.spec.rate !== undefined && Math.random() >= fault.spec.rate) continue;
      if (--fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
      return fault.spec;
    }
    return undefined;
  }
}

const htmlPage = (title: string) =>
  `<!DOCTYPE html><html><head><title>${title}</title></head><body><h1>${title}</h1><hr><center>nginx</center></body></html>`;

/**
 * The answer under `fault` (all kinds but "delay", which only stalls). `normal` is the body the
 * request would get without the fault; the schema-breaking kinds distort it.
 */
export function faultyReply(fault: FaultSpec, normal: () => LegacyBody): { reply: Reply; code: number } {
  switch (fault.kind) {
    case "code": {
      const body = legacyError(fault.code as LegacyCode);
      return { reply: jsonReply(200, body), code: body.code };
    }
    case "http": {
      const status = fault.status!;
      return { reply: { status, contentType: "text/html", body: htmlPage(`${status} ${STATUS_CODES[status] ?? "Error"}`) }, code: normal().code };
    }
    case "html":
      return { reply: { status: 200, contentType: "text/html", body: htmlPage("Service Temporarily Unavailable") }, code: normal().code };
    case "empty":
      return { reply: { status: 200, contentType: JSON_TYPE, body: "" }, code: normal().code };
    case "malformed": {
      const body = normal();
      const text = JSON.stringify(body);
      return { reply: { status: 200, contentType: JSON_TYPE, body: text.slice(0, Math.ceil(text.length / 2)) }, code: body.code };
    }
    case "extra-fields":
    case "wrong-types":
    case "missing-fields": {
      const body = normal();
      return { reply: jsonReply(200, distort(fault.kind, body)), code: body.code };
    }
    case "delay":
      throw new Error("a delay fault stalls the normal answer; it has no reply of its own");
  }
}

/** Bodies a careful client must notice: extra fields are harmless, the others break the schema. */
function distort(kind: "extra-fields" | "wrong-types" | "missing-fields", body: LegacyBody): Record<string, unknown> {
  const data = body.data as Record<string, unknown> | undefined;
  switch (kind) {
    case "extra-fields":
      return { ...body, requestId: "emulator-extra", ...(data && { data: { ...data, taskType: "emulator-extra", extra: { nested: true } } }) };
    case "wrong-types":
      return { ...body, code: String(body.code), ...(data && { data: { ...data, status: String(data.status) } }) };
    case "missing-fields": {
      const { code: _code, ...rest } = body;
      if (!data) return rest;
      const { status: _status, ...dataRest } = data;
      return { ...rest, data: dataRest };
    }
  }
}
