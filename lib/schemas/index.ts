import { api, eipTaskId, isoTime, legacyTaskId, region, taskId, vpcTaskId } from "./common";
import { cloudEventSchema, eipEventData, legacyEventData, vpcEventData } from "./event";
import {
  api3ResponseSchema,
  eipTaskResponseSchema,
  legacyResponseSchema,
  taskData,
  taskInputSchema,
  taskOutput,
  taskRefKinds,
  taskRefSchema,
  taskResultSchema,
  vpcTaskResultSchema,
  eipTaskResultSchema,
  legacyTaskResultSchema,
  vpcTaskResources,
  vpcTaskResponseSchema,
} from "./task";
import { watchListQuerySchema } from "./listing";
import { destinationSchema, timerArgumentSchema, watchRequestSchema } from "./watch";

/**
 * Every schema that gets a compiled validator, by the name of the validator, in two modules:
 * what reading a task needs (lib/schemas/validate.ts), and what watching needs
 * (lib/schemas/validate-watch.ts), which only the lazily loaded watch code imports, so a
 * cold start that reads a task never loads or compiles it.
 */
export const validatedSchemas = {
  task: {
    taskInput: taskInputSchema,
    taskRef: taskRefSchema,
    legacyResponse: legacyResponseSchema,
    api3Response: api3ResponseSchema,
    vpcTaskResponse: vpcTaskResponseSchema,
    eipTaskResponse: eipTaskResponseSchema,
    taskResult: taskResultSchema,
  },
  watch: {
    destination: destinationSchema,
    watchRequest: watchRequestSchema,
    timerArgument: timerArgumentSchema,
    cloudEvent: cloudEventSchema,
    watchListQuery: watchListQuerySchema,
  },
} as const;

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
  // One validator per kind: a cold start compiles only the kind it meets.
  ...taskRefKinds,
  vpcTaskResult: vpcTaskResultSchema,
  eipTaskResult: eipTaskResultSchema,
  legacyTaskResult: legacyTaskResultSchema,
  vpcEventData,
  eipEventData,
  legacyEventData,
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
