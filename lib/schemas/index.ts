import { isoTime, region, taskId } from "./common";
import { cloudEventSchema } from "./event";
import { taskData, taskInputSchema, taskOutput, taskResultSchema, upstreamResponseSchema } from "./task";
import { watchListQuerySchema } from "./listing";
import { destinationSchema, timerArgumentSchema, watchRequestSchema } from "./watch";

/** Every schema that gets a compiled validator, by the name of the validator. */
export const validatedSchemas = {
  taskInput: taskInputSchema,
  upstreamResponse: upstreamResponseSchema,
  taskResult: taskResultSchema,
  destination: destinationSchema,
  watchRequest: watchRequestSchema,
  timerArgument: timerArgumentSchema,
  cloudEvent: cloudEventSchema,
  watchListQuery: watchListQuerySchema,
} as const;

export type ValidatorName = keyof typeof validatedSchemas;

/**
 * Sub-schemas used in several places. The TypeScript sources embed them by reference (so the
 * types stay plain), and the generator turns each embedding into a `$ref`, so the compiled
 * code holds one validator per piece instead of a copy per use.
 */
export const sharedSchemas = {
  taskId,
  region,
  isoTime,
  taskOutput,
  taskData,
  taskResult: taskResultSchema,
  destination: destinationSchema,
  watchRequest: watchRequestSchema,
  cloudEvent: cloudEventSchema,
} as const;

export * from "./common";
export * from "./event";
export * from "./listing";
export * from "./task";
export * from "./watch";
