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
import { amqpDestination, cmqDestination, destinationSchema, timerArgumentSchema, watchRequestSchema, webhookDestination } from "./watch";

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
 * The named schemas: sub-schemas used in several places, and the documents themselves. The
 * validator generator compiles each once and turns every embedding of one into a `$ref` (one
 * validator per piece rather than a copy per use); the OpenAPI document publishes them under
 * these names as components (lib/http/openapi.ts adds the API's own views).
 */
export const namedSchemas = {
  Api: api,
  TaskId: taskId,
  VpcTaskId: vpcTaskId,
  EipTaskId: eipTaskId,
  LegacyTaskId: legacyTaskId,
  Region: region,
  IsoTime: isoTime,
  TaskOutput: taskOutput,
  TaskData: taskData,
  VpcTaskResources: vpcTaskResources,
  VpcTaskResult: vpcTaskResultSchema,
  EipTaskResult: eipTaskResultSchema,
  LegacyTaskResult: legacyTaskResultSchema,
  TaskResult: taskResultSchema,
  VpcTaskEventData: vpcEventData,
  EipTaskEventData: eipEventData,
  LegacyTaskEventData: legacyEventData,
  CloudEvent: cloudEventSchema,
  WebhookDestination: webhookDestination,
  CmqDestination: cmqDestination,
  AmqpDestination: amqpDestination,
  Destination: destinationSchema,
  WatchRequest: watchRequestSchema,
} as const;

/**
 * Named for the validators only (the API never shows a task reference): one validator per
 * kind, so a cold start compiles only the kind it meets.
 */
export const validatorOnlySchemas = {
  VpcTaskRef: taskRefKinds.vpcTaskRef,
  EipTaskRef: taskRefKinds.eipTaskRef,
  LegacyTaskRef: taskRefKinds.legacyTaskRef,
} as const;

export * from "./common";
export * from "./event";
export * from "./listing";
export * from "./task";
export * from "./watch";
