import type { FromSchema } from "json-schema-to-ts";
import { region, schemaId, taskId } from "./common";

/** Input of describeNetTaskResult / waitForNetTask and of `GET /tasks/{taskId}`. */
export const taskInputSchema = {
  $id: schemaId("task-input"),
  type: "object",
  additionalProperties: false,
  required: ["taskId", "region"],
  properties: { taskId, region },
} as const;
export type TaskInput = FromSchema<typeof taskInputSchema>;

/** `data.output` of a task: progress detail; for a failed task, why it failed. */
export const taskOutput = {
  type: "object",
  properties: {
    code: { type: ["integer", "string"] },
    message: { type: "string" },
  },
} as const;

/** Result data of query-type tasks; may change while the task runs. */
export const taskData = { type: ["object", "array", "null"] } as const;

/**
 * The legacy v2 response body of DescribeNetTaskResult. Extra fields are tolerated (the
 * upstream adds fields over time); missing or mistyped ones are not.
 */
export const upstreamResponseSchema = {
  $id: schemaId("upstream-response"),
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
export type UpstreamResponse = FromSchema<typeof upstreamResponseSchema>;

export const taskStatus = { enum: ["succeeded", "failed", "running"] } as const;

/** The normalised result every part of nettask-relay works with. */
export const taskResultSchema = {
  $id: schemaId("task-result"),
  type: "object",
  additionalProperties: false,
  required: ["taskId", "region", "status", "code", "output", "data"],
  properties: {
    taskId,
    region,
    status: taskStatus,
    code: { enum: [0, 1, 2], description: "The upstream data.status: 0 success, 1 failure, 2 running." },
    output: { anyOf: [taskOutput, { type: "null" }] },
    data: taskData,
  },
} as const;
export type TaskResult = FromSchema<typeof taskResultSchema>;
export type TaskStatus = TaskResult["status"];
