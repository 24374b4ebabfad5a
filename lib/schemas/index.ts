import { api, eipTaskId, isoTime, legacyTaskId, region, taskId, vpcTaskId } from "./common";
import { cloudEventSchema } from "./event";
import {
  api3ResponseSchema,
  eipTaskResponseSchema,
  legacyResponseSchema,
  taskData,
  taskInputSchema,
  taskOutput,
  taskRefSchema,
  taskResultSchema,
  vpcTaskResources,
  vpcTaskResponseSchema,
} from "./task";
import { watchListQuerySchema } from "./listing";
import { destinationSchema, timerArgumentSchema, watchRequestSchema } from "./watch";

/** Every schema that gets a compiled validator, by the name of the validator. */
export const validatedSchemas = {
  taskInput: taskInputSchema,
  taskRef: taskRefSchema,
  legacyResponse: legacyResponseSchema,
  api3Response: api3ResponseSchema,
  vpcTaskResponse: vpcTaskResponseSchema,
  eipTaskResponse: eipTaskResponseSchema,
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
  api,
  taskId,
  vpcTaskId,
  eipTaskId,
  legacyTaskId,
  region,
  isoTime,
  taskOutput,
  taskData,
  vpcTaskResources,
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
