import type { FromSchema } from "json-schema-to-ts";
import { api, closedObject, eipTaskId, legacyTaskId, region, schemaId, taskId, vpcTaskId } from "./common";

/**
 * A task as users name it: `GET /tasks/{taskId}`, a watch request, a timer argument, the CLI.
 * `api` may be left out: a RequestId (a UUID) means `vpc`, a number `legacy`. resolveTask
 * (lib/upstream/task-ref.ts) turns it into a TaskRef, checked per kind.
 */
export const taskInputSchema = {
  $id: schemaId("task-input"),
  type: "object",
  additionalProperties: false,
  required: ["taskId", "region"],
  properties: { api, taskId, region },
} as const;
export type TaskInput = FromSchema<typeof taskInputSchema>;

/** A task as the relay works with it: its kind known, its id of that kind's type, the region's ap-style name. */
const vpcTaskRef = closedObject({ api: { const: "vpc" }, taskId: vpcTaskId, region });
const eipTaskRef = closedObject({ api: { const: "eip" }, taskId: eipTaskId, region });
const legacyTaskRef = closedObject({ api: { const: "legacy" }, taskId: legacyTaskId, region });

/** The branches of each kind, as pieces the validator generator compiles apart (lib/schemas/index.ts). */
export const taskRefKinds = { vpcTaskRef, eipTaskRef, legacyTaskRef } as const;

export const taskRefSchema = {
  $id: schemaId("task-ref"),
  type: "object",
  required: ["api", "taskId", "region"],
  discriminator: { propertyName: "api" },
  oneOf: [vpcTaskRef, eipTaskRef, legacyTaskRef],
} as const;
export type TaskRef = FromSchema<typeof taskRefSchema>;
export type Api = TaskRef["api"];

/** Legacy `data.output` of a task: progress detail; for a failed task, why it failed. */
export const taskOutput = {
  type: "object",
  properties: {
    code: { type: ["integer", "string"] },
    message: { type: "string" },
  },
} as const;

/** Result data of query-type tasks (legacy `data.data`; a vpc task's Output when it is JSON); may change while the task runs. */
export const taskData = { type: ["object", "array", "null"] } as const;

/** DescribeVpcTaskResult's `Result`: per-resource outcomes of batch operations. */
export const vpcTaskResources = {
  type: "array",
  items: {
    type: "object",
    properties: { ResourceId: { type: "string" }, Status: { type: "string" } },
  },
} as const;

const taskStatus = { enum: ["succeeded", "failed", "running"] } as const;

/** The fields of each kind's normalised result (the event's `data` carries them too). */
export const resultFields = {
  vpc: {
    api: { const: "vpc" },
    taskId: vpcTaskId,
    region,
    status: taskStatus,
    output: { type: ["string", "null"], description: "DescribeVpcTaskResult's Output, exactly as sent; null before any answer." },
    data: taskData,
    result: { anyOf: [vpcTaskResources, { type: "null" }], description: "DescribeVpcTaskResult's Result, as sent." },
  },
  eip: {
    api: { const: "eip" },
    taskId: eipTaskId,
    region,
    status: taskStatus,
    output: { type: "null", description: "DescribeTaskResult reports no output." },
    data: { type: "null" },
  },
  legacy: {
    api: { const: "legacy" },
    taskId: legacyTaskId,
    region,
    status: taskStatus,
    code: { enum: [0, 1, 2], description: "The upstream data.status: 0 success, 1 failure, 2 running." },
    output: { anyOf: [taskOutput, { type: "null" }] },
    data: taskData,
  },
} as const;

export const vpcTaskResultSchema = closedObject(resultFields.vpc);

export const eipTaskResultSchema = closedObject(resultFields.eip);

export const legacyTaskResultSchema = closedObject(resultFields.legacy);

/**
 * The normalised result every part of nettask-relay works with. Common to every kind: api,
 * taskId, region, status, output, data. `output` is what the upstream said about the task as
 * it said it (vpc: the Output string, verbatim; legacy: data.output); `data` is result data
 * (vpc: Output parsed, when it is a JSON object or array; legacy: data.data).
 */
export const taskResultSchema = {
  $id: schemaId("task-result"),
  type: "object",
  required: ["api", "taskId", "region", "status", "output", "data"],
  discriminator: { propertyName: "api" },
  oneOf: [vpcTaskResultSchema, eipTaskResultSchema, legacyTaskResultSchema],
} as const;
export type TaskResult = FromSchema<typeof taskResultSchema>;
export type TaskStatus = TaskResult["status"];

/**
 * The legacy v2 response body of DescribeNetTaskResult. Extra fields are tolerated (the
 * upstream adds fields over time); missing or mistyped ones are not.
 */
export const legacyResponseSchema = {
  $id: schemaId("legacy-response"),
  type: "object",
  required: ["code"],
  properties: {
    code: { type: "integer" },
    message: { type: "string" },
    codeDesc: { type: ["string", "integer"] },
    data: {
      type: "object",
      required: ["status"],
      properties: {
        status: { enum: [0, 1, 2] },
        output: { anyOf: [taskOutput, { type: "null" }] },
        data: taskData,
      },
    },
  },
  if: { properties: { code: { const: 0 } } },
  then: { required: ["data"] },
} as const;
export type LegacyResponse = FromSchema<typeof legacyResponseSchema>;

/**
 * The API 3.0 envelope: every answer, errors included (HTTP 200), is `{"Response": {…}}`, with
 * `Error: {Code, Message}` when the call failed. Extra fields are tolerated.
 */
export const api3ResponseSchema = {
  $id: schemaId("api3-response"),
  type: "object",
  required: ["Response"],
  properties: {
    Response: {
      type: "object",
      properties: {
        Error: {
          type: "object",
          required: ["Code"],
          properties: { Code: { type: "string", minLength: 1 }, Message: { type: "string" } },
        },
        RequestId: { type: "string" },
      },
    },
  },
} as const;
export type Api3Response = FromSchema<typeof api3ResponseSchema>;

const API3_STATUS = { enum: ["SUCCESS", "FAILED", "RUNNING"] } as const;

/** DescribeVpcTaskResult's `Response` when it succeeded. */
export const vpcTaskResponseSchema = {
  $id: schemaId("vpc-task-response"),
  type: "object",
  required: ["Status"],
  properties: {
    Status: API3_STATUS,
    Output: { type: ["string", "null"] },
    Result: { anyOf: [vpcTaskResources, { type: "null" }] },
    RequestId: { type: "string" },
  },
} as const;
export type VpcTaskResponse = FromSchema<typeof vpcTaskResponseSchema>;

/** DescribeTaskResult's (EIP) `Response` when it succeeded. */
export const eipTaskResponseSchema = {
  $id: schemaId("eip-task-response"),
  type: "object",
  required: ["Result"],
  properties: {
    TaskId: { type: ["integer", "string"] },
    Result: API3_STATUS,
    RequestId: { type: "string" },
  },
} as const;
export type EipTaskResponse = FromSchema<typeof eipTaskResponseSchema>;
