/**
 * Typed access to the precompiled validators, and the one place that turns ajv's errors into
 * messages a user can act on: which field, which rule, what was expected. This module holds
 * the validators reading a task needs; lib/schemas/validate-watch.ts those of watching.
 */
import * as compiled from "./task-validators.generated.js";
import { patternHint } from "./patterns";
import { API_KINDS } from "./common";
import type { Api3Response, EipTaskResponse, LegacyResponse, TaskInput, TaskRef, TaskResult, VpcTaskResponse } from "./task";
import { destinationSchema } from "./watch";
import { RelayError } from "../errors";

export interface Validated {
  taskInput: TaskInput;
  taskRef: TaskRef;
  legacyResponse: LegacyResponse;
  api3Response: Api3Response;
  vpcTaskResponse: VpcTaskResponse;
  eipTaskResponse: EipTaskResponse;
  taskResult: TaskResult;
}

/** One reason a value was refused: `field` is a dotted path (`destination.url`, `watches[0].taskId`). */
export interface FieldError {
  field: string;
  rule: string;
  message: string;
}

export class ValidationError extends RelayError {
  static override readonly errorName = "ValidationError";
  override readonly kind = "invalid-input";
  constructor(
    /** What was being validated, e.g. "request body" or "upstream response". */
    readonly subject: string,
    readonly errors: FieldError[],
  ) {
    super(`invalid ${subject}: ${errors.map((e) => `${e.field || "(value)"} ${e.message}`).join("; ")}`);
  }
}

interface AjvError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
}
type CompiledValidator = ((data: unknown) => boolean) & { errors?: AjvError[] | null };

export type CheckResult<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** `check` and `validate` over a generated module whose validators check the types of `V`. */
export function validation<V>(module: unknown) {
  const validators = module as Record<keyof V, CompiledValidator>;
  /** Validates without throwing. */
  function check<N extends keyof V>(name: N, value: unknown): CheckResult<V[N]> {
    const fn = validators[name];
    if (fn(value)) return { ok: true, value: value as V[N] };
    return { ok: false, errors: describeErrors(fn.errors ?? []) };
  }
  /** Validates and returns the value typed, or throws a ValidationError naming every bad field. */
  function validate<N extends keyof V>(name: N, value: unknown, subject: string = String(name)): V[N] {
    const result = check(name, value);
    if (!result.ok) throw new ValidationError(subject, result.errors);
    return result.value;
  }
  return { check, validate };
}

export const { check, validate } = validation<Validated>(compiled);

/** The values each discriminator tag may take, for "must be one of" messages. */
const TAG_VALUES: Record<string, readonly string[]> = {
  type: destinationSchema.oneOf.map((s) => s.properties.type.const),
  api: API_KINDS,
};

function fieldOf(instancePath: string, child?: string): string {
  const parts = instancePath
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (child !== undefined) parts.push(child);
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), "");
}

function describe(e: AjvError): FieldError | undefined {
  const p = e.params;
  const at = (message: string, child?: string): FieldError => ({ field: fieldOf(e.instancePath, child), rule: e.keyword, message });
  switch (e.keyword) {
    case "required":
      return at("is required", String(p.missingProperty));
    case "additionalProperties":
      return at("is not an allowed property", String(p.additionalProperty));
    case "type":
      return at(`must be ${String(p.type).replace(/,/g, " or ")}`);
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return at(`must be ${String(p.comparison)} ${String(p.limit)}`);
    case "minLength":
      return at(`must be at least ${String(p.limit)} characters long`);
    case "maxLength":
      return at(`must be at most ${String(p.limit)} characters long`);
    case "minItems":
      return at(`must have at least ${String(p.limit)} items`);
    case "maxItems":
      return at(`must have at most ${String(p.limit)} items`);
    case "pattern":
      return at(patternHint(String(p.pattern)) ?? `must match ${String(p.pattern)}`);
    case "enum":
      return at(`must be one of: ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`);
    case "const":
      return at(`must be ${JSON.stringify(p.allowedValue)}`);
    case "discriminator":
      return at(`must be one of: ${(TAG_VALUES[String(p.tag)] ?? []).map((t) => JSON.stringify(t)).join(", ")}`, String(p.tag));
    // Combinators only summarise errors reported on their branches.
    case "anyOf":
    case "oneOf":
    case "if":
      return undefined;
    default:
      return at(`is invalid (${e.keyword})`);
  }
}

/**
 * Ajv reports every branch of `anyOf` (for example "must be object" and "must be null" for a
 * nullable object). Errors about the same field with the same rule are merged into one.
 */
export function describeErrors(errors: readonly AjvError[]): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const d = describe(e);
    if (!d) continue;
    const twin = out.find((o) => o.field === d.field && o.rule === d.rule);
    if (!twin) out.push(d);
    else if (d.rule === "type" && !twin.message.includes(d.message.slice(8))) twin.message += ` or ${d.message.slice(8)}`;
  }
  if (out.length === 0 && errors.length > 0)
    out.push({ field: fieldOf(errors[0]!.instancePath), rule: errors[0]!.keyword, message: "does not match any allowed form" });
  return out;
}
