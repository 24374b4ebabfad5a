/**
 * DescribeVpcTaskResult (VPC, API 3.0): the result of an asynchronous VPC call, whose TaskId is
 * that call's RequestId. https://cloud.tencent.com/document/api/215/59037
 */
import type { TaskRef } from "../../schemas/index";
import { validate } from "../../schemas/validate";
import { api3Request, api3Response, API3_STATUS, checkAnswer } from "./api3";
import type { TaskKind } from "./kind";

type VpcTask = Extract<TaskRef, { api: "vpc" }>;

const ACTION = "DescribeVpcTaskResult";
export const VPC_VERSION = "2017-03-12";

export const vpcKind: TaskKind<VpcTask> = {
  action: ACTION,

  request(task, creds, settings, nowMs) {
    const call = { service: "vpc", action: ACTION, version: VPC_VERSION, region: task.region, payload: { TaskId: task.taskId } };
    return api3Request(settings.vpcEndpoint, call, creds, nowMs);
  },

  parse(text, task) {
    const answer = checkAnswer("vpcTaskResponse", ACTION, api3Response(ACTION, text));
    const output = answer.Output ?? null;
    return validate(
      "taskResult",
      { ...task, status: API3_STATUS[answer.Status], output, data: jsonData(output), result: answer.Result ?? null },
      "normalised task result",
    );
  },
};

/**
 * Output parsed, when it is a JSON object or array: how list-returning actions (the
 * Describe*TemplateInstances family) fill Output is not documented, so the text is kept as
 * sent and this is offered beside it.
 */
function jsonData(output: string | null): object | null {
  const text = output?.trim() ?? "";
  if (!text.startsWith("{") && !text.startsWith("[")) return null;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" ? value : null;
  } catch {
    return null;
  }
}
